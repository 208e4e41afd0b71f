import { createProject, expect } from './fixtures';
import { callHost } from './rpc';
import { configureWandb, SIM, sim as test } from './wandbSim';

/**
 * An https:// address for a W&B server that speaks plain HTTP (a common slip with W&B Server on a
 * port): the TLS handshake can never succeed, so a pull must fail at once and say why, instead of
 * retrying the handshake like a network blip for a quarter of an hour.
 */
test('a pull from an https:// address of a plain-HTTP W&B server fails at once and says it is TLS', async ({ page, host, wandb }) => {
  test.setTimeout(120_000);
  const projectId = await createProject(page, host, 'TLS');
  await configureWandb(host, wandb);
  const httpsUrl = wandb.url.replace('http://', 'https://');
  await callHost(host, 'settings.update', { wandb: { baseUrl: httpsUrl } });
  // A saved key is bound to the address it was entered for: entered again for https://.
  await callHost(host, 'settings.setSecret', { name: 'wandbApiKey', value: SIM.apiKey });

  await page.goto(`${host.origin}/#/projects/${encodeURIComponent(projectId)}/review`);
  await page.getByTestId('pull-button').click();
  const pull = page.getByTestId('pull');
  await expect(pull).toHaveAttribute('data-state', 'failed', { timeout: 30_000 });
  await expect(page.getByTestId('pull-status')).toContainText(
    `TLS with ${new URL(httpsUrl).host} failed: the server does not speak TLS on that port (is it an http:// address?) (ERR_SSL_WRONG_VERSION_NUMBER)`,
  );
});
