import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Core } from '../../src/main/core/createCore';
import type { RunningHost } from '../../src/main/host/server';
import { MEDIA_URL_MAX_AHEAD_S, mediaKey, mediaSignature, RPC_PROTOCOL, TOKEN_HEADER, TOKEN_REFUSED_CLOSE } from '../../src/shared/contract/hostAuth';
import { tempDir } from '../helpers/core';
import { pagePng } from '../helpers/fixtures';
import { openRpc, signedMedia, startTestHost } from '../helpers/host';
import { rawRequest } from '../helpers/http';

/**
 * Cookies are scoped to a host name, not a port: a cookie set by Folio on 127.0.0.1 is sent to
 * every other service the person opens on 127.0.0.1. So the host sets none and honours none; its
 * token travels in the WebSocket's subprotocol list, an upload header, and signed media URLs.
 */

interface Attempt {
  opened: boolean;
  status?: number;
  closeCode?: number;
  answered: boolean;
}

/** Open a socket, send one call, and report whether it opened, how it closed, and whether the call was answered. */
function attempt(ws: WebSocket): Promise<Attempt> {
  return new Promise((resolve) => {
    const result: Attempt = { opened: false, answered: false };
    ws.on('unexpected-response', (_req, res) => {
      result.status = res.statusCode;
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => {
      result.opened = true;
      ws.send(JSON.stringify({ id: 1, method: 'projects.list', request: {} }));
    });
    ws.on('message', (data) => {
      if ((JSON.parse(String(data)) as { id?: number }).id === 1) {
        result.answered = true;
        ws.close();
      }
    });
    ws.on('error', () => undefined);
    ws.on('close', (code) => resolve({ ...result, closeCode: code }));
  });
}

describe('the browser host authenticates without a cookie', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: Core;
  let host: RunningHost;
  let thumbnail: string;
  let origin: string;
  const wsUrl = () => `ws://127.0.0.1:${host.port}/rpc`;
  const cookie = () => `folio_token=${host.token}`;

  beforeAll(async () => {
    dir = tempDir('folio-token-');
    ({ core, host } = await startTestHost(dir.path));
    origin = `http://127.0.0.1:${host.port}`;
    const file = join(dir.path, 'page.png');
    writeFileSync(file, await pagePng(1));
    const project = await core.api['projects.create']({ name: 'P' });
    await core.importer.run(project.id, [file]);
    thumbnail = (await core.api['documents.list']({ projectId: project.id })).items[0]!.thumbnail!;
  });
  afterAll(async () => {
    await host.close();
    await core.close();
    dir.cleanup();
  });

  it('never sets a cookie, whatever the page is opened with', async () => {
    for (const path of ['/', `/?token=${host.token}`, '/assets/app.js', signedMedia(host, thumbnail)]) {
      const res = await rawRequest(host.port, path);
      expect(res.status, path).toBe(200);
      expect(res.headers['set-cookie'], path).toBeUndefined();
    }
  });

  it('refuses media, uploads and the WebSocket to a request that carries only the old cookie', async () => {
    const media = await rawRequest(host.port, `/media/${thumbnail}`, { headers: { cookie: cookie() } });
    expect(media.status).toBe(403);
    expect(media.body).toContain('not signed');
    const upload = await rawRequest(host.port, '/import-uploads', { method: 'POST', body: JSON.stringify({ projectId: 'x' }), headers: { cookie: cookie(), origin } });
    expect(upload.status).toBe(401);
    expect(upload.body).toContain(TOKEN_HEADER);
    const socket = await attempt(new WebSocket(wsUrl(), [RPC_PROTOCOL], { origin, headers: { cookie: cookie() } }));
    expect(socket).toMatchObject({ answered: false, closeCode: TOKEN_REFUSED_CLOSE });
  });

  it('serves a signed media URL, byte for byte', async () => {
    const res = await rawRequest(host.port, signedMedia(host, thumbnail));
    expect(res.status).toBe(200);
    expect(Buffer.from(res.body, 'latin1').equals(readFileSync(core.media.absolute(thumbnail)))).toBe(true);
  });

  it('refuses media URLs whose signature is missing, wrong, expired, too long-lived, for another path or from another token', async () => {
    const pathname = `/media/${thumbnail.split('/').map(encodeURIComponent).join('/')}`;
    const key = mediaKey(host.token);
    const now = Math.floor(Date.now() / 1000);
    const good = new URL(signedMedia(host, thumbnail), origin);
    const exp = Number(good.searchParams.get('exp'));
    const sig = good.searchParams.get('sig')!;
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    const otherPath = pathname.replace(/[^/]+$/, 'page-1.webp');
    const cases: [string, string, string][] = [
      ['unsigned', pathname, 'not signed'],
      ['no signature', `${pathname}?exp=${exp}`, 'not signed'],
      ['one character changed', `${pathname}?exp=${exp}&sig=${flipped}`, 'does not match'],
      ['truncated', `${pathname}?exp=${exp}&sig=${sig.slice(0, 20)}`, 'does not match'],
      ['the expiry moved', `${pathname}?exp=${exp + 1}&sig=${sig}`, 'does not match'],
      ['expired a second ago', `${pathname}?exp=${now - 1}&sig=${mediaSignature(key, pathname, now - 1)}`, 'expired'],
      ['valid for too long', `${pathname}?exp=${now + MEDIA_URL_MAX_AHEAD_S + 120}&sig=${mediaSignature(key, pathname, now + MEDIA_URL_MAX_AHEAD_S + 120)}`, 'more than'],
      ['not a number', `${pathname}?exp=1e12&sig=${sig}`, 'not a time'],
      ['another file’s signature', `${otherPath}?exp=${exp}&sig=${sig}`, 'does not match'],
      ['signed with another token', `${pathname}?exp=${exp}&sig=${mediaSignature(mediaKey(`${host.token}x`), pathname, exp)}`, 'does not match'],
      ['signed with the token itself, not the derived key', `${pathname}?exp=${exp}&sig=${mediaSignature(new TextEncoder().encode(host.token), pathname, exp)}`, 'does not match'],
      ['the old token parameter', `${pathname}?token=${host.token}`, 'not signed'],
    ];
    for (const [what, path, why] of cases) {
      const res = await rawRequest(host.port, path);
      expect(res.status, what).toBe(403);
      expect(res.body, what).toContain(why);
    }
  });

  it('refuses the WebSocket without the token: none, a wrong one, an empty one, or in the address as before', async () => {
    const refused = { opened: true, answered: false, closeCode: TOKEN_REFUSED_CLOSE };
    expect(await attempt(new WebSocket(wsUrl(), { origin }))).toMatchObject(refused);
    expect(await attempt(new WebSocket(wsUrl(), [RPC_PROTOCOL], { origin }))).toMatchObject(refused);
    expect(await attempt(new WebSocket(wsUrl(), [RPC_PROTOCOL, 'folio.token.'], { origin }))).toMatchObject(refused);
    expect(await attempt(new WebSocket(wsUrl(), [RPC_PROTOCOL, `folio.token.${host.token.slice(1)}x`], { origin }))).toMatchObject(refused);
    expect(await attempt(new WebSocket(`${wsUrl()}?token=${host.token}`, [RPC_PROTOCOL], { origin }))).toMatchObject(refused);
    // The right token from another site's page is refused before the handshake.
    expect(await attempt(openRpc(host, { origin: 'http://127.0.0.1:1' }))).toMatchObject({ opened: false, status: 403, answered: false });
    // And with it, the call is answered; the host selects its protocol and never echoes the token.
    const ws = openRpc(host);
    const ok = attempt(ws);
    await new Promise((r) => ws.once('open', r));
    expect(ws.protocol).toBe(RPC_PROTOCOL);
    expect(await ok).toMatchObject({ opened: true, answered: true });
  });

  it('refuses an upload whose token header is wrong, or that carries the token only in its address', async () => {
    const body = JSON.stringify({ projectId: 'x' });
    expect((await rawRequest(host.port, '/import-uploads', { method: 'POST', body, headers: { origin, [TOKEN_HEADER]: `${host.token}x` } })).status).toBe(401);
    expect((await rawRequest(host.port, `/import-uploads?token=${host.token}`, { method: 'POST', body, headers: { origin } })).status).toBe(401);
    // With the header, the request reaches the upload routes (an unknown project is theirs to refuse).
    expect((await rawRequest(host.port, '/import-uploads', { method: 'POST', body, headers: { origin, [TOKEN_HEADER]: host.token } })).status).toBe(404);
  });
});
