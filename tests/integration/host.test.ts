import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Core } from '../../src/main/core/createCore';
import type { RunningHost } from '../../src/main/host/server';
import { tempDir } from '../helpers/core';
import { startTestHost } from '../helpers/host';
import { rawRequest } from '../helpers/http';
import { pagePng } from '../helpers/fixtures';

/** A raw GET, so tests control the Host and Cookie headers exactly. */
const get = (port: number, path: string, headers: Record<string, string> = {}) => rawRequest(port, path, { headers });

function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
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

  it('refuses requests without the token', async () => {
    const res = await get(host.port, '/');
    expect(res.status).toBe(401);
    expect(res.body).toContain('token');
    expect((await get(host.port, '/?token=wrong')).status).toBe(401);
    expect((await get(host.port, '/assets/app.js')).status).toBe(401);
  });

  it('serves the renderer with the token, sets a same-site cookie and a strict CSP', async () => {
    const res = await get(host.port, `/?token=${host.token}`);
    expect(res.status).toBe(200);
    expect(res.body).toContain('<title>Folio</title>');
    expect(String(res.headers['set-cookie'])).toMatch(/folio_token=.+; Path=\/; HttpOnly; SameSite=Strict/);
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    const cookie = String(res.headers['set-cookie']).split(';')[0]!;
    expect((await get(host.port, '/assets/app.js', { cookie })).status).toBe(200);
  });

  it('refuses a foreign Host header (DNS rebinding) even with the token', async () => {
    const res = await get(host.port, `/?token=${host.token}`, { host: `evil.example:${host.port}` });
    expect(res.status).toBe(403);
  });

  it('never serves files outside the renderer or media folders', async () => {
    const cookie = `folio_token=${host.token}`;
    expect((await get(host.port, '/../../etc/passwd', { cookie })).status).toBe(404);
    expect((await get(host.port, '/media/..%2F..%2Ffolio.db', { cookie })).status).toBe(404);
    expect((await get(host.port, '/media/%2Fetc%2Fpasswd', { cookie })).status).toBe(404);
  });

  it('refuses WebSocket connections without the token or from another origin', async () => {
    const wsBase = `ws://127.0.0.1:${host.port}/rpc`;
    await expect(connect(wsBase)).rejects.toThrow('HTTP 401');
    await expect(connect(`${wsBase}?token=${host.token}`, { origin: 'https://evil.example' })).rejects.toThrow('HTTP 403');
  });

  it('carries the contract over the WebSocket: calls, validation errors and events', async () => {
    const ws = await connect(`ws://127.0.0.1:${host.port}/rpc?token=${host.token}`, { origin: `http://127.0.0.1:${host.port}` });
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
    const res = await get(host.port, `/media/${items[0]!.thumbnail}`, { cookie: `folio_token=${host.token}` });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
  });
});
