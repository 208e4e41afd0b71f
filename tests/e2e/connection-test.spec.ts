import type { Page } from '@playwright/test';
import { DEFAULT_SIM_USERS } from '../../src/main/sim/wandb/server';
import { startClaudeSimulator } from '../../src/main/sim/claude';
import { enterName, expect, openFolio } from './fixtures';
import { sim as test } from './wandbSim';
import { deadPort } from '../helpers/ports';

/**
 * Settings → Test connection, as a user meets it: nothing set up yet, then the simulators'
 * addresses and keys typed in and saved, then a dead port and a wrong key — each time the
 * button says exactly what it checked or what failed.
 */

async function testAndRead(page: Page, service: 'anthropic' | 'wandb'): Promise<{ ok: string | null; text: string }> {
  const result = page.getByTestId(`connection-result-${service}`);
  await page.getByTestId(`test-connection-${service}`).click();
  await expect(result).toBeVisible();
  return { ok: await result.getAttribute('data-ok'), text: ((await result.locator('.connection-message').textContent()) ?? '').trim() };
}

async function saveKey(page: Page, name: 'anthropicApiKey' | 'wandbApiKey', value: string): Promise<void> {
  await page.getByTestId(`secret-${name}-input`).fill(value);
  await page.getByTestId(`secret-${name}-save`).click();
  // The field empties once the key is saved.
  await expect(page.getByTestId(`secret-${name}-input`)).toHaveValue('');
  await expect(page.getByTestId(`secret-${name}`).getByTestId('key-status')).toContainText('Configured from settings');
}

test('Test connection names what it checked, or exactly what failed, for Claude and W&B', async ({ page, host, wandb }) => {
  test.setTimeout(180_000);
  const claude = await startClaudeSimulator({ seed: 7 });
  const dead = await deadPort();
  const wandbUser = DEFAULT_SIM_USERS[0]!;
  try {
    await openFolio(page, host);
    await enterName(page);
    await page.getByTestId('skip-onboarding').click();
    await page.getByTestId('nav-settings').click();
    await expect(page.getByTestId('settings-page')).toBeVisible();

    // ---- Claude ----
    // Nothing set up: no key.
    expect(await testAndRead(page, 'anthropic')).toEqual({ ok: 'false', text: 'No Anthropic API key: enter one above (from the Claude Console), or set ANTHROPIC_API_KEY.' });
    // The simulator's address, typed but not saved yet: the button says it tests what is saved.
    await page.getByTestId('settings-anthropic-base-url').fill(claude.url);
    await expect(page.getByTestId('connection-test-anthropic')).toContainText('Tests the saved settings: save your changes first.');
    await page.getByTestId('settings-anthropic-save').click();
    await expect(page.getByTestId('connection-test-anthropic')).not.toContainText('save your changes first');
    await saveKey(page, 'anthropicApiKey', 'sk-ant-e2e-connection');
    expect(await testAndRead(page, 'anthropic')).toEqual({ ok: 'true', text: `Claude answered at ${claude.url}: key valid, model Claude Sonnet 5.5 (claude-sonnet-5-5) available.` });
    // A key the API does not know.
    await saveKey(page, 'anthropicApiKey', 'wrong-key');
    expect(await testAndRead(page, 'anthropic')).toEqual({
      ok: 'false',
      text: 'Claude refused the API key (401 authentication_error: invalid x-api-key). Copy the key again from the Claude Console and save it above.',
    });
    // A port nothing listens on. The saved key was entered for the simulator: it is not sent to a
    // new address until it is entered again there.
    await page.getByTestId('settings-anthropic-base-url').fill(`http://127.0.0.1:${dead}`);
    await page.getByTestId('settings-anthropic-save').click();
    await expect(page.getByTestId('connection-test-anthropic')).not.toContainText('save your changes first');
    await expect(page.getByTestId('anthropic-key-withheld')).toContainText(`The saved key was entered for ${claude.url}`);
    expect(await testAndRead(page, 'anthropic')).toEqual({
      ok: 'false',
      text: `The saved key was entered for ${claude.url}; Folio does not send it to http://127.0.0.1:${dead}. Enter it again above to use it there.`,
    });
    await saveKey(page, 'anthropicApiKey', 'wrong-key');
    await expect(page.getByTestId('anthropic-key-withheld')).toHaveCount(0);
    expect(await testAndRead(page, 'anthropic')).toEqual({
      ok: 'false',
      text: `Cannot reach 127.0.0.1:${dead}: the connection was refused (nothing listens on that port) (ECONNREFUSED). Check the base URL and your network.`,
    });

    // ---- W&B ----
    expect(await testAndRead(page, 'wandb')).toEqual({ ok: 'false', text: 'No W&B API key: enter one above (from wandb.ai/authorize), or set WANDB_API_KEY, or add the host to ~/.netrc.' });
    await page.getByTestId('settings-wandb-base-url').fill(wandb.url);
    await page.getByTestId('settings-wandb-entity').fill('folio-team');
    await page.getByTestId('settings-wandb-save').click();
    await expect(page.getByTestId('connection-test-wandb')).not.toContainText('save your changes first');
    await saveKey(page, 'wandbApiKey', wandbUser.apiKey);
    expect(await testAndRead(page, 'wandb')).toEqual({
      ok: 'true',
      text: `Connected to ${wandb.url} as folio-dev (entity folio-team); project folio-team/biz-doc-vqa does not exist yet; the first sync creates it.`,
    });
    // An entity the key cannot write to.
    await page.getByTestId('settings-wandb-entity').fill('acme-corp');
    await page.getByTestId('settings-wandb-save').click();
    await expect(page.getByTestId('connection-test-wandb')).not.toContainText('save your changes first');
    expect(await testAndRead(page, 'wandb')).toEqual({
      ok: 'false',
      text: 'Connected as folio-dev, but the entity "acme-corp" is not one this key can write to (folio-team, acme). Fix the entity above.',
    });
    // A wrong key.
    await page.getByTestId('settings-wandb-entity').fill('folio-team');
    await page.getByTestId('settings-wandb-save').click();
    await saveKey(page, 'wandbApiKey', 'local-' + 'x'.repeat(40));
    const port = new URL(wandb.url).port;
    expect(await testAndRead(page, 'wandb')).toEqual({
      ok: 'false',
      text: `127.0.0.1:${port} refused the API key (HTTP 401). Copy the key again from your W&B settings (wandb.ai/authorize) and save it above.`,
    });
    // A dead port (the key entered again for it, as above).
    await page.getByTestId('settings-wandb-base-url').fill(`http://127.0.0.1:${dead}`);
    await page.getByTestId('settings-wandb-save').click();
    await expect(page.getByTestId('connection-test-wandb')).not.toContainText('save your changes first');
    await expect(page.getByTestId('wandb-key-withheld')).toContainText(`The saved key was entered for ${wandb.url}`);
    await saveKey(page, 'wandbApiKey', 'local-' + 'x'.repeat(40));
    expect(await testAndRead(page, 'wandb')).toEqual({
      ok: 'false',
      text: `Cannot reach 127.0.0.1:${dead}: the connection was refused (nothing listens on that port) (ECONNREFUSED). Check the base URL and your network.`,
    });
  } finally {
    await claude.close();
  }
});
