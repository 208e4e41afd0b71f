import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, relative, isAbsolute } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { MEDIA_PREFIX, MEDIA_URL_MAX_AHEAD_S, mediaKey, mediaSignature, RPC_PROTOCOL, TOKEN_HEADER, TOKEN_REFUSED_CLOSE, tokenFromProtocols } from '../../shared/contract/hostAuth';
import { createDispatcher, MAX_CALL_BYTES } from '../../shared/contract/rpc';
import type { Core } from '../core/createCore';
import { discardRefusedBody, handleUpload, isUploadPath } from './uploads';

/**
 * The browser host: serves the built renderer and the AppApi contract over one WebSocket, on
 * 127.0.0.1 only. Everything that reads or changes data needs the per-start token, presented as
 * src/shared/contract/hostAuth.ts describes (never a cookie: other ports on localhost would be
 * sent it), and the Host and Origin headers must name this server, so neither another user's
 * page nor a DNS-rebinding site can talk to it.
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

function headerToken(req: IncomingMessage): string | null {
  const value = req.headers[TOKEN_HEADER];
  return typeof value === 'string' ? value : null;
}

function parseProtocols(req: IncomingMessage): string[] {
  return (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

export async function startHost(opts: HostOptions): Promise<RunningHost> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const mediaSecret = mediaKey(token);
  const dispatch = createDispatcher(opts.core.api);
  let port = 0;

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  /** A browser names the page a request comes from; only this host's own pages may talk to it (non-browser clients send none). */
  const originAllowed = (req: IncomingMessage) => req.headers.origin === undefined || allowedOrigins().has(req.headers.origin);

  /** Why a media URL is refused, or null when its signature is this host's, for this path, and current. */
  const mediaRefusal = (url: URL): string | null => {
    const exp = url.searchParams.get('exp');
    const sig = url.searchParams.get('sig');
    if (exp === null || sig === null) return 'this media address is not signed (it needs ?exp=…&sig=…)';
    if (!/^\d{1,12}$/.test(exp)) return `exp=${JSON.stringify(exp.slice(0, 40))} is not a time in seconds`;
    const expires = Number(exp);
    const now = Date.now() / 1000;
    if (expires < now) return 'this media address has expired; reload the page for a fresh one';
    if (expires > now + MEDIA_URL_MAX_AHEAD_S) return `this media address claims to stay valid more than ${MEDIA_URL_MAX_AHEAD_S} s ahead`;
    if (!sameToken(sig, mediaSignature(mediaSecret, url.pathname, expires))) return 'the signature does not match this media address';
    return null;
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
      // Files dropped or chosen in the browser for an import: the token in its header, and the same origin check as the WebSocket.
      if (isUploadPath(url.pathname)) {
        if (!sameToken(headerToken(req), token)) {
          return refuse(res, 401, `Uploads need Folio's access token in the ${TOKEN_HEADER} header: open the full address that \`npm run web\` printed (it ends in ?token=…).`);
        }
        if (!originAllowed(req)) return refuse(res, 403, 'Uploads are accepted only from Folio’s own page.');
        return handleUpload(opts.core.uploads, req, res, url);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'Method not allowed');

      if (url.pathname.startsWith(MEDIA_PREFIX)) {
        const refusal = mediaRefusal(url);
        if (refusal) return refuse(res, 403, `Folio refused ${url.pathname}: ${refusal}.`);
        const file = opts.core.media.resolveSafe(url.pathname.slice(MEDIA_PREFIX.length));
        if (!file) return refuse(res, 404, 'Not found');
        // Media paths are content-addressed, so a file never changes under its name.
        return sendFile(res, file, { 'cache-control': 'private, max-age=31536000, immutable' });
      }

      // The built renderer is served without the token: it is the same code for everyone and holds
      // no data (all of that comes over the WebSocket, uploads and signed media URLs), and a reload
      // has no token in its address (the page keeps it in sessionStorage).
      const requested = url.pathname === '/' ? 'index.html' : decodeURIComponent(url.pathname.slice(1));
      const file = normalize(join(opts.rendererDir, requested));
      const rel = relative(opts.rendererDir, file);
      if (rel.startsWith('..') || isAbsolute(rel)) return refuse(res, 404, 'Not found');
      const isHtml = extname(file) === '.html';
      return sendFile(res, file, {
        'cache-control': isHtml ? 'no-store' : 'no-cache',
        ...(isHtml ? { 'content-security-policy': rendererCsp, 'x-frame-options': 'DENY' } : ({} as Record<string, string>)),
      });
    })().catch((err: unknown) => {
      if (!res.headersSent) refuse(res, 500, `Internal error: ${(err as Error).message}`);
      else res.destroy();
    });
  });

  // Select our protocol, never echo the token (handshake responses can end up in logs).
  const handleProtocols = (offered: Set<string>) => (offered.has(RPC_PROTOCOL) ? RPC_PROTOCOL : false);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CALL_BYTES, handleProtocols });
  // A socket without the right token is opened only to be closed with TOKEN_REFUSED_CLOSE, and
  // reads no more than a control frame's worth meanwhile.
  const refusedWss = new WebSocketServer({ noServer: true, maxPayload: 125, handleProtocols });
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
    if (!sameToken(tokenFromProtocols(parseProtocols(req)), token)) {
      return refusedWss.handleUpgrade(req, socket, head, (ws) => {
        ws.on('error', () => ws.terminate());
        ws.close(TOKEN_REFUSED_CLOSE, 'Folio needs its access token: open the full address that `npm run web` printed');
        setTimeout(() => ws.terminate(), 2_000).unref();
      });
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      clients.add(ws);
      ws.on('close', () => clients.delete(ws));
      // A frame that breaks the protocol (invalid UTF-8, a message over MAX_CALL_BYTES) closes this
      // connection with the matching status code (1007, 1009); the host keeps serving the others.
      ws.on('error', () => clients.delete(ws));
      ws.on('message', (data) => {
        let message: unknown;
        try {
          message = JSON.parse(String(data));
        } catch {
          return ws.close(1003, 'messages must be JSON');
        }
        if (typeof message !== 'object' || message === null || Array.isArray(message)) return ws.close(1003, 'a call is a JSON object {id, method, request}');
        const { id, method, request } = message as { id?: unknown; method?: unknown; request?: unknown };
        if (typeof id !== 'number') return ws.close(1003, 'a call needs a numeric id');
        const answer = (result: unknown) => {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ id, result }));
        };
        // Whatever a call does wrong ends in an answer to it, never in an unhandled rejection that would stop the host.
        dispatch(method, request)
          .then(answer)
          .catch((err: unknown) => answer({ ok: false, error: { code: 'internal', message: `${String(typeof method === 'string' ? method : 'call').slice(0, 100)} failed: ${(err as Error)?.message ?? String(err)}`, retryable: false } }))
          .catch(() => ws.terminate());
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
      for (const ws of refusedWss.clients) ws.terminate();
      wss.close();
      refusedWss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
