import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, relative, isAbsolute } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { createDispatcher, MAX_CALL_BYTES } from '../../shared/contract/rpc';
import type { Core } from '../core/createCore';
import { discardRefusedBody, handleUpload, isUploadPath } from './uploads';

/**
 * The browser host: serves the built renderer and the AppApi contract over one WebSocket, on
 * 127.0.0.1 only. Every request must carry the per-start token (in the URL once, then a
 * same-site cookie), and the Host and Origin headers must name this server, so neither another
 * user's page nor a DNS-rebinding site can talk to it.
 */
export interface HostOptions {
  core: Core;
  rendererDir: string;
  port?: number;
  token?: string;
}

export interface RunningHost {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const COOKIE = 'folio_token';
const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
};

export const rendererCsp =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; " +
  "connect-src 'self' ws://127.0.0.1:* ws://localhost:*; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function sameToken(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function cookieToken(req: IncomingMessage): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === COOKIE) return decodeURIComponent(rest.join('='));
  }
  return null;
}

export async function startHost(opts: HostOptions): Promise<RunningHost> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const dispatch = createDispatcher(opts.core.api);
  let port = 0;

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  /** A browser names the page a request comes from; only this host's own pages may talk to it (non-browser clients send none). */
  const originAllowed = (req: IncomingMessage) => req.headers.origin === undefined || allowedOrigins().has(req.headers.origin);

  const authorize = (req: IncomingMessage, url: URL): { ok: boolean; viaQuery: boolean } => {
    const fromQuery = url.searchParams.get('token');
    if (sameToken(fromQuery, token)) return { ok: true, viaQuery: true };
    return { ok: sameToken(cookieToken(req), token), viaQuery: false };
  };

  const refuse = (res: ServerResponse, status: number, message: string) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(message);
    discardRefusedBody(res.req); // an upload without its token is not read to its end
  };

  const sendFile = async (res: ServerResponse, file: string, headers: Record<string, string>) => {
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) return refuse(res, 404, 'Not found');
    res.writeHead(200, {
      'content-type': contentTypes[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': String(info.size),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      ...headers,
    });
    createReadStream(file).pipe(res);
  };

  const server = createServer((req, res) => {
    void (async () => {
      if (!allowedHosts().has(req.headers.host ?? '')) return refuse(res, 403, 'Folio answers only on 127.0.0.1.');
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      const auth = authorize(req, url);
      if (!auth.ok) {
        return refuse(res, 401, 'Folio needs its access token: open the full address that `npm run web` printed (it ends in ?token=…).');
      }
      // Files dropped or chosen in the browser for an import; the same token and origin checks as the WebSocket.
      if (isUploadPath(url.pathname)) {
        if (!originAllowed(req)) return refuse(res, 403, 'Uploads are accepted only from Folio’s own page.');
        return handleUpload(opts.core.uploads, req, res, url);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Method not allowed');
      const cookie: Record<string, string> = auth.viaQuery ? { 'set-cookie': `${COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict` } : {};

      if (url.pathname.startsWith('/media/')) {
        const file = opts.core.media.resolveSafe(url.pathname.slice('/media/'.length));
        if (!file) return refuse(res, 404, 'Not found');
        // Media paths are content-addressed, so a file never changes under its name.
        return sendFile(res, file, { 'cache-control': 'private, max-age=31536000, immutable', ...cookie });
      }

      const requested = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
      const file = normalize(join(opts.rendererDir, requested));
      const rel = relative(opts.rendererDir, file);
      if (rel.startsWith('..') || isAbsolute(rel)) return refuse(res, 404, 'Not found');
      const isHtml = extname(file) === '.html';
      return sendFile(res, file, {
        'cache-control': isHtml ? 'no-store' : 'no-cache',
        ...(isHtml ? { 'content-security-policy': rendererCsp, 'x-frame-options': 'DENY' } : ({} as Record<string, string>)),
        ...cookie,
      });
    })().catch((err: unknown) => {
      if (!res.headersSent) refuse(res, 500, `Internal error: ${(err as Error).message}`);
      else res.destroy();
    });
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CALL_BYTES });
  const clients = new Set<WebSocket>();

  server.on('upgrade', (req, socket, head) => {
    // Any local process can reach this port: a connection reset mid-handshake (or while refused)
    // ends that socket, never the host.
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const reject = (status: number, text: string) => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (url.pathname !== '/rpc') return reject(404, 'Not Found');
    if (!allowedHosts().has(req.headers.host ?? '')) return reject(403, 'Forbidden');
    if (!originAllowed(req)) return reject(403, 'Forbidden');
    if (!authorize(req, url).ok) return reject(401, 'Unauthorized');
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      // A frame that breaks the protocol (invalid UTF-8, a message over MAX_CALL_BYTES) closes this
      // connection with the matching status code (1007, 1009); the host keeps serving the others.
      ws.on('error', () => clients.delete(ws));
      ws.on('message', (data) => {
        let message: { id?: unknown; method?: unknown; request?: unknown };
        try {
          message = JSON.parse(String(data)) as typeof message;
        } catch {
          return ws.close(1003, 'messages must be JSON');
        }
        if (typeof message.id !== 'number') return ws.close(1003, 'a call needs a numeric id');
        const id = message.id;
        void dispatch(message.method, message.request).then((result) => {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, result }));
        });
      });
    });
  });

  const unsubscribe = opts.core.subscribe((event, payload) => {
    const text = JSON.stringify({ event, payload });
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    async close() {
      unsubscribe();
      for (const ws of clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
