import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import { openTestCore, tempDir } from '../helpers/core';

/**
 * A saved key goes only to the address it was entered for. Pointing a base URL at another host
 * (a mistake, or anything that can change settings) must not hand the key to whoever listens there.
 */
describe('saved keys and base URLs', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: Core;
  let listener: Server;
  let listenerUrl: string;
  const received: string[] = [];

  beforeEach(async () => {
    dir = tempDir('folio-keys-');
    core = await openTestCore(join(dir.path, 'data'));
    received.length = 0;
    listener = createServer((req, res) => {
      received.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''} ${req.headers['x-api-key'] ?? ''}`);
      res.writeHead(401, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    listenerUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await core.close();
    await new Promise((resolve) => listener.close(resolve));
    dir.cleanup();
  });

  it('withholds the W&B key after the base URL moves to another host, and says so', async () => {
    await core.api['settings.setSecret']({ name: 'wandbApiKey', value: 'k'.repeat(40) });
    const moved = await core.api['settings.update']({ wandb: { baseUrl: listenerUrl } });
    expect(moved.wandb).toMatchObject({ configured: false, keyWithheldFor: 'https://api.wandb.ai' });
    expect(await core.api['settings.testConnection']({ service: 'wandb' })).toMatchObject({ ok: false, problem: 'no_key', message: expect.stringContaining('entered for https://api.wandb.ai') });
    await core.api['sync.now']({}).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 300));
    expect(received.filter((r) => r.includes('k'.repeat(40)) || /Basic /.test(r))).toEqual([]);
    // Entered again for the new address, it is used there.
    const entered = await core.api['settings.setSecret']({ name: 'wandbApiKey', value: 'k'.repeat(40) });
    expect(entered.wandb).toMatchObject({ configured: true, keyWithheldFor: null });
    // Back to the address it was entered for first: still the person's choice, no longer withheld there.
    const back = await core.api['settings.update']({ wandb: { baseUrl: 'https://api.wandb.ai' } });
    expect(back.wandb).toMatchObject({ configured: false, keyWithheldFor: listenerUrl });
  });

  it('withholds the Anthropic key after the base URL moves to another host', async () => {
    await core.api['settings.setSecret']({ name: 'anthropicApiKey', value: 'sk-ant-secret-key' });
    const moved = await core.api['settings.update']({ anthropic: { baseUrl: listenerUrl } });
    expect(moved.anthropic).toMatchObject({ configured: false, keyWithheldFor: 'https://api.anthropic.com' });
    await core.api['settings.testConnection']({ service: 'anthropic' });
    await new Promise((r) => setTimeout(r, 300));
    expect(received.filter((r) => r.includes('sk-ant-secret-key'))).toEqual([]);
  });

  it('binds a key saved by an older Folio to the address it was used with before the base URL changes', async () => {
    // An older Folio saved the key with no address beside it.
    await core.api['settings.setSecret']({ name: 'wandbApiKey', value: 'k'.repeat(40) });
    const settingsFile = core.settings as unknown as { store: { read(): { wandb: { keyOrigin: string | null } }; write(s: unknown): void } };
    const s = settingsFile.store.read();
    s.wandb.keyOrigin = null;
    settingsFile.store.write(s);
    expect((await core.api['settings.get']({})).wandb).toMatchObject({ configured: true, keyWithheldFor: null });
    const moved = await core.api['settings.update']({ wandb: { baseUrl: listenerUrl } });
    expect(moved.wandb).toMatchObject({ configured: false, keyWithheldFor: 'https://api.wandb.ai' });
  });
});
