import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import { AppError, toAppErrorData, type ErrorCode } from '../../shared/contract/errors';
import { describeZodError } from '../../shared/contract/rpc';
import { IMPORT_UPLOADS_PATH, uploadCommitRequestSchema, uploadCreateRequestSchema } from '../../shared/contract/uploads';
import type { ImportUploads } from '../core/import/uploads';

/** The HTTP side of browser uploads for an import (routes in src/shared/contract/uploads.ts); the host checks the token and origin first. */

const statusFor: Partial<Record<ErrorCode, number>> = {
  invalid_request: 400,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  cancelled: 400,
  forbidden: 403,
  io_error: 500,
};

/** JSON request bodies are a few kilobytes; a notSent list of 10,000 long paths fits in this. */
const MAX_JSON_BYTES = 8 * 1024 * 1024;

/** What a refused request may still send before its connection is cut (read and thrown away). */
const DISCARD_BYTES = 256 * 1024;
const DISCARD_MS = 5_000;

/**
 * After answering a request whose body was refused unread (no token, over the cap): read and drop
 * what is already on its way, so closing does not reset the connection before the client has read
 * the answer, but cut it once the client sends more than a little or takes too long.
 */
export function discardRefusedBody(req: IncomingMessage): void {
  if (req.readableEnded || req.destroyed) return;
  let dropped = 0;
  const cut = () => req.destroy();
  const timer = setTimeout(cut, DISCARD_MS);
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_BYTES) cut();
  });
  req.once('close', () => clearTimeout(timer));
  req.on('error', () => undefined);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), 'cache-control': 'no-store' });
  res.end(text);
}

async function readJson<T>(req: IncomingMessage, schema: z.ZodType<T>): Promise<T> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_JSON_BYTES) throw new AppError('too_large', `the request is ${declared} bytes; at most ${MAX_JSON_BYTES} are accepted`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BYTES) throw new AppError('too_large', `the request is over ${MAX_JSON_BYTES} bytes`);
    chunks.push(chunk);
  }
  let value: unknown;
  try {
    value = size === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new AppError('invalid_request', 'the request body is not JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError('invalid_request', describeZodError(parsed.error));
  return parsed.data;
}

/** The Content-Length of an upload, or null when the body is chunked; a malformed one is refused. */
function declaredLength(req: IncomingMessage): number | null {
  const raw = req.headers['content-length'];
  if (raw === undefined) return null;
  if (!/^\d+$/.test(raw)) throw new AppError('invalid_request', `Content-Length ${JSON.stringify(raw)} is not a number of bytes`);
  return Number(raw);
}

export function isUploadPath(pathname: string): boolean {
  return pathname === IMPORT_UPLOADS_PATH || pathname.startsWith(`${IMPORT_UPLOADS_PATH}/`);
}

export async function handleUpload(uploads: ImportUploads, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const method = req.method ?? 'GET';
  try {
    let parts: string[];
    try {
      parts = url.pathname.slice(IMPORT_UPLOADS_PATH.length).split('/').filter(Boolean).map(decodeURIComponent);
    } catch {
      throw new AppError('invalid_request', `${url.pathname} is not a valid address`);
    }
    if (parts.length === 0 && method === 'POST') {
      const { projectId } = await readJson(req, uploadCreateRequestSchema);
      return sendJson(res, 201, await uploads.create(projectId));
    }
    const [uploadId, action, ...rest] = parts;
    if (uploadId && action === 'files' && rest.length === 0 && method === 'PUT') {
      const path = url.searchParams.get('path');
      if (path === null) throw new AppError('invalid_request', 'an uploaded file needs ?path=<its path as dropped>');
      return sendJson(res, 201, await uploads.receive(uploadId, path, req, declaredLength(req)));
    }
    if (uploadId && action === 'import' && rest.length === 0 && method === 'POST') {
      const request = await readJson(req, uploadCommitRequestSchema);
      return sendJson(res, 202, await uploads.commit(uploadId, request));
    }
    if (uploadId && action === undefined && method === 'DELETE') {
      await uploads.discard(uploadId);
      res.writeHead(204, { 'cache-control': 'no-store' });
      return void res.end();
    }
    throw new AppError('not_found', `No upload route ${method} ${url.pathname}`);
  } catch (err) {
    const error = toAppErrorData(err);
    if (res.headersSent || req.socket.destroyed) return void res.destroy();
    sendJson(res, statusFor[error.code] ?? 500, { error });
    discardRefusedBody(req);
  }
}
