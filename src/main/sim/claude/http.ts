import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimHttpError } from './validate';

/** HTTP plumbing of the simulator: ids, headers, bodies in and out, waits a client may cut short. */

export const iso = (ms: number): string => new Date(ms).toISOString();
export const rid = (prefix: string): string => `${prefix}_sim${randomBytes(12).toString('hex')}`;

export const baseHeaders = (requestId: string): Record<string, string> => ({
  'content-type': 'application/json',
  'request-id': requestId,
  'anthropic-organization-id': '00000000-0000-4000-8000-00000051a7e0',
  'x-folio-simulator': '1',
});

export function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
  if (res.destroyed || res.writableEnded) return;
  res.writeHead(status, headers);
  res.end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, err: SimHttpError, requestId: string, extra: Record<string, string> = {}): void {
  send(
    res,
    err.status,
    { type: 'error', error: { type: err.type, message: err.message, ...(err.details ? { details: err.details } : {}) }, request_id: requestId },
    { ...baseHeaders(requestId), ...extra, ...err.headers },
  );
}

/** What a proxy in front of the API sends: a web page, whatever was asked. */
export function sendProxyPage(res: ServerResponse, status: number): void {
  const page = `<!doctype html><html><head><title>Sign in to continue</title></head><body><h1>Corporate gateway</h1><p>Please sign in to reach the internet.</p></body></html>`;
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': String(Buffer.byteLength(page)) });
  res.end(page);
}

export const readBody = (req: IncomingMessage, limit: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) over = true;
      else chunks.push(c);
    });
    req.on('end', () => (over ? reject(new SimHttpError(413, 'request_too_large', `Request exceeds the maximum allowed number of bytes (${limit}).`)) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });

export function parseJson(buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    throw new SimHttpError(400, 'invalid_request_error', 'There was an error parsing the body of your request: it is not valid JSON.');
  }
}

/** Resolves true after `ms`, or false as soon as the client hangs up. */
export const wait = (ms: number, res: ServerResponse): Promise<boolean> =>
  new Promise((resolve) => {
    if (res.destroyed) return resolve(false);
    const t = setTimeout(() => {
      res.off('close', onClose);
      resolve(!res.destroyed);
    }, ms);
    const onClose = () => {
      clearTimeout(t);
      resolve(false);
    };
    res.once('close', onClose);
  });
