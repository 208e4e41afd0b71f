import { request as httpRequest } from 'node:http';
import WebSocket from 'ws';
import { RPC_PROTOCOL, rpcProtocols, TOKEN_REFUSED_CLOSE } from '../../src/shared/contract/hostAuth';
import { expect, test } from './fixtures';

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Open the host's socket as a page of `origin` would, offering `protocols`; how it ended. */
function openSocket(url: string, origin: string, protocols: string[] = []): Promise<{ opened: boolean; status?: number; closeCode?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, protocols, { headers: { origin } });
    let opened = false;
    ws.on('open', () => {
      opened = true;
      // A socket the host keeps is closed by us (1000); one it refuses is closed by the host.
      setTimeout(() => ws.close(1000), 300);
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode ?? 0 });
      res.resume();
      ws.terminate();
    });
    ws.on('error', () => undefined);
    ws.on('close', (code) => resolve({ opened, closeCode: code }));
  });
}

test('the host refuses data without its token, and never uses a cookie', async ({ host, page }) => {
  const wsBase = host.origin.replace(/^http/, 'ws') + '/rpc';

  // The app's files hold no data, so they load without the token (a reload has none in its address); media need a signature.
  const noToken = await get(`${host.origin}/`);
  expect(noToken.status).toBe(200);
  expect((await get(`${host.origin}/media/docs/x/thumb.jpg`, { cookie: `folio_token=${host.token}` })).status).toBe(403);
  const withToken = await get(host.url);
  expect(withToken.status).toBe(200);
  expect(withToken.body).toContain('Content-Security-Policy');

  // Another Host header (DNS rebinding) is refused even with the token.
  expect((await get(host.url, { host: `evil.example:${new URL(host.origin).port}` })).status).toBe(403);

  // The WebSocket: no token or a wrong one is closed with 4401, a foreign origin refused; the right token stays open.
  expect(await openSocket(wsBase, host.origin, [RPC_PROTOCOL])).toEqual({ opened: true, closeCode: TOKEN_REFUSED_CLOSE });
  expect(await openSocket(wsBase, host.origin, rpcProtocols('nope'))).toEqual({ opened: true, closeCode: TOKEN_REFUSED_CLOSE });
  expect((await openSocket(wsBase, 'http://evil.example', rpcProtocols(host.token))).opened).toBe(false);
  expect(await openSocket(wsBase, host.origin, rpcProtocols(host.token))).toEqual({ opened: true, closeCode: 1000 });

  // In the browser, the address without its token shows the refusal, not the app.
  await page.goto(`${host.origin}/`);
  await expect(page.locator('body')).toContainText('token');
  await expect(page.getByTestId('first-start')).toHaveCount(0);
});

test('the token leaves the address bar, no cookie is set, and a reload keeps working', async ({ host, page, context }) => {
  await page.goto(host.url);
  await expect(page.getByTestId('first-start')).toBeVisible();
  expect(page.url()).not.toContain('token');
  expect(await context.cookies()).toEqual([]);
  await page.reload();
  await expect(page.getByTestId('first-start')).toBeVisible();
  expect(page.url()).not.toContain('token');
});
