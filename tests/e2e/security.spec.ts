import { request as httpRequest } from 'node:http';
import WebSocket from 'ws';
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

function openSocket(url: string, origin: string): Promise<{ opened: boolean; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: { origin } });
    ws.on('open', () => {
      ws.close();
      resolve({ opened: true });
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode ?? 0 });
      res.resume();
      ws.terminate();
    });
    ws.on('error', () => resolve({ opened: false }));
  });
}

test('the host refuses requests without its token', async ({ host, page }) => {
  const wsBase = host.origin.replace(/^http/, 'ws') + '/rpc';

  // Plain HTTP: the page, a script and media need the token.
  const noToken = await get(`${host.origin}/`);
  expect(noToken.status).toBe(401);
  expect(noToken.body).toContain('token');
  expect((await get(`${host.origin}/?token=wrong-token`)).status).toBe(401);
  expect((await get(`${host.origin}/media/docs/x/thumb.jpg`)).status).toBe(401);
  const withToken = await get(host.url);
  expect(withToken.status).toBe(200);
  expect(withToken.body).toContain('Content-Security-Policy');

  // Another Host header (DNS rebinding) is refused even with the token.
  expect((await get(host.url, { host: `evil.example:${new URL(host.origin).port}` })).status).toBe(403);

  // The WebSocket: no token, a wrong token, or a foreign origin are refused; the right token opens.
  expect(await openSocket(wsBase, host.origin)).toEqual({ opened: false, status: 401 });
  expect(await openSocket(`${wsBase}?token=nope`, host.origin)).toEqual({ opened: false, status: 401 });
  expect((await openSocket(`${wsBase}?token=${host.token}`, 'http://evil.example')).opened).toBe(false);
  expect((await openSocket(`${wsBase}?token=${host.token}`, host.origin)).opened).toBe(true);

  // In the browser, the address without its token shows the refusal, not the app.
  await page.goto(`${host.origin}/`);
  await expect(page.locator('body')).toContainText('token');
  await expect(page.getByTestId('first-start')).toHaveCount(0);
});
