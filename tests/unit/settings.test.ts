import { readFileSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSecretStore, JsonFileSettingsStore, MemorySettingsStore } from '../../src/main/core/settings/fileStores';
import { netrcPassword } from '../../src/main/core/settings/netrc';
import { SettingsService } from '../../src/main/core/settings/settingsService';
import { MemorySecretStore, openTestCore, tempDir } from '../helpers/core';

describe('settings', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.cleanup());

  it('uses saved keys first, then the environment, then ~/.netrc for W&B', () => {
    const netrc = join(dir.path, 'netrc');
    writeFileSync(netrc, 'machine api.wandb.ai\n  login user\n  password netrc-key\n');
    const env = { WANDB_API_KEY: 'env-wandb', ANTHROPIC_API_KEY: 'env-anthropic', WANDB_ENTITY: 'acme', WANDB_PROJECT: 'other', NETRC: netrc };
    process.env.NETRC = netrc;
    const secrets = new MemorySecretStore();
    const service = new SettingsService(new MemorySettingsStore(), secrets, env);
    expect(service.anthropic()).toEqual({ apiKey: 'env-anthropic', source: 'env', baseUrl: null, keyWithheldFor: null });
    expect(service.wandb()).toMatchObject({ apiKey: 'env-wandb', source: 'env', entity: 'acme', project: 'other', baseUrl: 'https://api.wandb.ai' });
    service.setSecret('wandbApiKey', 'saved-key');
    expect(service.wandb()).toMatchObject({ apiKey: 'saved-key', source: 'settings' });
    service.setSecret('wandbApiKey', null);
    const noEnv = new SettingsService(new MemorySettingsStore(), secrets, {});
    expect(noEnv.wandb()).toMatchObject({ apiKey: 'netrc-key', source: 'netrc', project: 'biz-doc-vqa', entity: null });
    delete process.env.NETRC;
  });

  it('honours WANDB_BASE_URL for self-hosted W&B and lets settings override it', () => {
    const service = new SettingsService(new MemorySettingsStore(), new MemorySecretStore(), { WANDB_BASE_URL: 'https://wandb.acme.internal/' });
    expect(service.wandb().baseUrl).toBe('https://wandb.acme.internal');
    expect(service.externalHostAllowlist()).toContain('wandb.acme.internal');
    service.update({ wandb: { baseUrl: 'https://api.wandb.ai' } });
    expect(service.wandb().baseUrl).toBe('https://api.wandb.ai');
    expect(service.externalHostAllowlist()).toEqual(expect.arrayContaining(['api.wandb.ai', 'wandb.ai']));
    // Self-hosted W&B Server: links go to the app host beside the API host.
    service.update({ wandb: { baseUrl: 'https://api.wandb.acme.io' } });
    expect(service.externalHostAllowlist()).toEqual(expect.arrayContaining(['api.wandb.acme.io', 'wandb.acme.io']));
  });

  it('never shows keys in the settings view', () => {
    const service = new SettingsService(new MemorySettingsStore(), new MemorySecretStore(), {});
    const view = service.setSecret('anthropicApiKey', 'sk-ant-secret');
    expect(JSON.stringify(view)).not.toContain('sk-ant-secret');
    expect(view.anthropic).toEqual({ configured: true, source: 'settings', baseUrl: null, keyWithheldFor: null });
  });

  it('gives the annotator a stable id on first start and asks for a name', () => {
    const store = new MemorySettingsStore();
    const service = new SettingsService(store, new MemorySecretStore(), {});
    expect(service.isFirstStart()).toBe(true);
    const id = service.annotator().id;
    service.update({ annotatorName: '  Ada  ' });
    expect(service.annotator()).toEqual({ id, name: 'Ada' });
    expect(new SettingsService(store, new MemorySecretStore(), {}).isFirstStart()).toBe(false);
  });

  it('reads a settings file from before the sidebar choice as "auto", and keeps the choice once made', () => {
    const file = join(dir.path, 'settings.json');
    writeFileSync(file, JSON.stringify({ ui: { theme: 'dark', showBoxLabels: false } }));
    const service = new SettingsService(new JsonFileSettingsStore(file), new MemorySecretStore(), {});
    expect(service.view().ui).toMatchObject({ theme: 'dark', showBoxLabels: false, sidebar: 'auto' });
    service.update({ ui: { sidebar: 'collapsed' } });
    expect(new SettingsService(new JsonFileSettingsStore(file), new MemorySecretStore(), {}).view().ui.sidebar).toBe('collapsed');
  });

  it('keeps a settings file it cannot read aside instead of overwriting it', () => {
    const file = join(dir.path, 'settings.json');
    writeFileSync(file, '{ broken json');
    const warnings: string[] = [];
    const store = new JsonFileSettingsStore(file, (m) => warnings.push(m));
    expect(store.read().ui.theme).toBe('system');
    expect(warnings[0]).toMatch(/settings\.json could not be read .* moved to .*settings\.json\.unreadable-\d+/);
    const aside = readdirSync(dir.path).find((f) => f.startsWith('settings.json.unreadable-'))!;
    expect(readFileSync(join(dir.path, aside), 'utf8')).toBe('{ broken json');
  });

  it('writes the browser host’s key file readable only by its owner', () => {
    const file = join(dir.path, 'secrets.json');
    const secrets = new FileSecretStore(file);
    secrets.set('wandbApiKey', 'k1');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(new FileSecretStore(file).get('wandbApiKey')).toBe('k1');
    expect(secrets.encrypted).toBe(false);
  });

  it('parses .netrc with default entries and several machines', () => {
    const file = join(dir.path, 'netrc');
    writeFileSync(file, 'machine a.example login x password pa\ndefault login y password pd\nmachine api.wandb.ai login user password pw\n');
    expect(netrcPassword('api.wandb.ai', file)).toBe('pw');
    expect(netrcPassword('a.example', file)).toBe('pa');
    expect(netrcPassword('b.example', file)).toBeNull();
  });

  it('opens only https links to the W&B hosts', async () => {
    const opened: string[] = [];
    const core = await openTestCore(join(dir.path, 'data'), { platform: { kind: 'web', openExternal: async (u) => void opened.push(u) } });
    await expect(core.api['shell.openExternal']({ url: 'https://wandb.ai/acme/biz-doc-vqa/runs/1' })).resolves.toEqual({ opened: true });
    await expect(core.api['shell.openExternal']({ url: 'http://wandb.ai/x' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(core.api['shell.openExternal']({ url: 'https://evil.example/wandb.ai' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(core.api['shell.openExternal']({ url: 'https://user:pw@wandb.ai/' })).rejects.toMatchObject({ code: 'forbidden' });
    expect(opened).toEqual(['https://wandb.ai/acme/biz-doc-vqa/runs/1']);
    await core.close();
  });
});
