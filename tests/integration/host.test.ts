import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { Core } from '../../src/main/core/createCore';
import type { RunningHost } from '../../src/main/host/server';
import { tempDir } from '../helpers/core';
import { openRpc, signedMedia, startTestHost } from '../helpers/host';
import { rawRequest } from '../helpers/http';
import { pagePng } from '../helpers/fixtures';

/** A raw GET, so tests control the Host and Cookie headers exactly. */
const get = (port: number, path: string, headers: Record<string, string> = {}) => rawRequest(port, path, { headers });

function opened(ws: WebSocket): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function call(ws: WebSocket, id: number, method: string, request: unknown): Promise<unknown> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown };
      if (message.id === id) {
        ws.off('message', onMessage);
        resolve(message.result);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, method, request }));
  });
}

describe('browser host', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: Core;
  let host: RunningHost;

  beforeEach(async () => {
    dir = tempDir();
    ({ core, host } = await startTestHost(dir.path));
  });
  afterEach(async () => {
    await host.close();
    await core.close();
    dir.cleanup();
  });

  it('prints a 127.0.0.1 URL carrying a random token', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{20,}$/);
  });

  it('serves the renderer, which holds no data, with or without the token; never sets a cookie; a strict CSP', async () => {
    for (const path of [`/?token=${host.token}`, '/', '/assets/app.js']) {
      const res = await get(host.port, path);
      expect(res.status, path).toBe(200);
      expect(res.headers['set-cookie'], path).toBeUndefined();
    }
    const res = await get(host.port, `/?token=${host.token}`);
    expect(res.body).toContain('<title>Folio</title>');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('refuses a foreign Host header (DNS rebinding) even with the token', async () => {
    const res = await get(host.port, `/?token=${host.token}`, { host: `evil.example:${host.port}` });
    expect(res.status).toBe(403);
  });

  it('never serves files outside the renderer or media folders', async () => {
    expect((await get(host.port, '/../../etc/passwd')).status).toBe(404);
    // Signed, so only the path check stands between them and the file.
    expect((await get(host.port, signedMedia(host, '../../folio.db'))).status).toBe(404);
    expect((await get(host.port, signedMedia(host, '/etc/passwd'))).status).toBe(404);
  });

  it('refuses WebSocket connections from another origin, even with the token', async () => {
    await expect(opened(openRpc(host, { origin: 'https://evil.example' }))).rejects.toThrow('HTTP 403');
  });

  it('carries the contract over the WebSocket: calls, validation errors and events', async () => {
    const ws = await opened(openRpc(host));
    const events: unknown[] = [];
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as { event?: string };
      if (m.event) events.push(m);
    });
    expect(await call(ws, 1, 'projects.list', {})).toEqual({ ok: true, value: [] });
    expect(await call(ws, 2, 'projects.create', { name: '' })).toMatchObject({ ok: false, error: { code: 'invalid_request', message: expect.stringContaining('name') } });
    const created = (await call(ws, 3, 'projects.create', { name: 'Receipts' })) as { ok: true; value: { id: string } };
    expect(created.ok).toBe(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(events).toContainEqual({ event: 'projects.changed', payload: { projectId: created.value.id } });
    ws.close();
  });

  it('serves imported page images under /media', async () => {
    const file = join(dir.path, 'page.png');
    writeFileSync(file, await pagePng(1));
    const project = await core.api['projects.create']({ name: 'P' });
    await core.importer.run(project.id, [file]);
    const { items } = await core.api['documents.list']({ projectId: project.id });
    const res = await get(host.port, signedMedia(host, items[0]!.thumbnail));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
  });
});
