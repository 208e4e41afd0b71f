import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { execute, type DocumentNode, type GraphQLError } from 'graphql';
import { Faults, type FaultAction, type SimRoute } from './faults';
import { readDataset, type DatasetView } from './inspect';
import { rootValue, type SimContext } from './resolvers';
import { checkDocument, wandbSchema } from './schema';
import { SimError, SimState, type SimUser } from './state';

/**
 * A local W&B-compatible server for the calls Folio makes: GraphQL (every document validated
 * against the reconstructed schema), Basic auth with API keys, presigned-style uploads checked
 * against their declared MD5, downloads, and the run file stream. Faults can be injected; the
 * state is readable by tests. docs/WANDB_PROTOCOL.md says what it follows.
 */

export interface WandbSimOptions {
  port?: number;
  host?: string;
  /** Where uploaded bytes are kept (default: a temporary folder removed on close). */
  storageDir?: string;
  users?: { apiKey: string; username: string; entity: string; teams?: string[] }[];
  clock?: () => Date;
  urlTtlMs?: number;
  seed?: number;
  /** One line per request, for the hand-run simulator. */
  log?: (line: string) => void;
  /** Check these uploads' bytes but do not keep them (see SimState.discardBytes). */
  discardBytes?: (name: string) => boolean;
}

/** What a hook sees: a request arrived, or was handled (state changed) and its answer is about to go out. */
export interface SimRequestEvent {
  route: SimRoute;
  operation: string | null;
  phase: 'received' | 'handled';
}

export interface SimStats {
  requests: Record<SimRoute, number>;
  bytesIn: Record<SimRoute, number>;
  operations: Record<string, number>;
  rejected: { unauthorized: number; invalidDocuments: number };
}

export interface WandbSim {
  url: string;
  port: number;
  state: SimState;
  faults: Faults;
  stats: SimStats;
  /** The documents received, by operation name (for the "every document is valid" checks). */
  documents: Map<string, string>;
  /** Called on every request (crash tests kill the client at chosen moments from here). */
  onRequest: ((e: SimRequestEvent) => void) | null;
  /** What a collection really holds at an alias or version (default: latest), digests checked. */
  dataset(opts: { entity: string; project: string; collection: string; ref?: string; checkImages?: boolean }): DatasetView | null;
  /** Stop listening and drop every connection (clients see "connection refused"), keeping all state. */
  suspend(): Promise<void>;
  resume(): Promise<void>;
  close(): Promise<void>;
}

export const DEFAULT_SIM_USERS = [{ apiKey: 'local-' + 'a'.repeat(40), username: 'folio-dev', entity: 'folio-team', teams: ['acme'] }];

const emptyStats = (): Record<SimRoute, number> => ({ graphql: 0, upload: 0, download: 0, filestream: 0 });

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function readBody(req: IncomingMessage, resetAfter: number | null): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let n = 0;
    req.on('data', (c: Buffer) => {
      chunks.push(c);
      n += c.length;
      if (resetAfter !== null && n >= resetAfter) {
        req.socket.destroy();
        resolve(null);
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('aborted', () => resolve(null));
  });
}

function authUser(req: IncomingMessage, state: SimState): SimUser | null {
  const header = req.headers.authorization;
  if (!header?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0 || decoded.slice(0, i) !== 'api') return null;
  return state.userForKey(decoded.slice(i + 1)) ?? null;
}

export async function startWandbSim(opts: WandbSimOptions = {}): Promise<WandbSim> {
  const ownStorage = opts.storageDir === undefined;
  const storageDir = opts.storageDir ?? mkdtempSync(join(tmpdir(), 'folio-wandb-sim-'));
  const state = new SimState(storageDir, opts.clock, opts.urlTtlMs, opts.discardBytes);
  for (const u of opts.users ?? DEFAULT_SIM_USERS) state.addUser(u);
  const faults = new Faults(opts.seed);
  const stats: SimStats = { requests: emptyStats(), bytesIn: emptyStats(), operations: {}, rejected: { unauthorized: 0, invalidDocuments: 0 } };
  const documents = new Map<string, string>();
  const checked = new Map<string, { document: DocumentNode | null; errors: readonly GraphQLError[] }>();
  const root = rootValue();
  const host = opts.host ?? '127.0.0.1';
  let origin = '';
  const sockets = new Set<Socket>();

  /** The flood fault: a body made as it goes, 64 KiB at a time, written only as fast as the client reads. */
  async function flood(action: Extract<FaultAction, { kind: 'flood' }>, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const total = action.bytes ?? Infinity;
    const declared = action.contentLength === 'none' ? null : (action.contentLength ?? (Number.isFinite(total) ? total : null));
    res.writeHead(200, { 'Content-Type': 'application/json', ...(declared !== null ? { 'Content-Length': String(declared) } : {}) });
    // JSON that never closes: a client that parses before it checks the size would try to hold it all.
    const opening = Buffer.from('{"data":{"padding":"');
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    let sent = 0;
    const gone = () => res.destroyed || req.socket.destroyed;
    while (sent < total && !gone()) {
      const piece = sent === 0 ? Buffer.concat([opening, chunk]).subarray(0, Math.min(opening.length + chunk.length, total)) : chunk.subarray(0, Math.min(chunk.length, total - sent));
      const more = res.write(piece);
      sent += piece.length;
      faults.flooded += piece.length;
      if (!more) {
        await new Promise<void>((resolve) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            resolve();
          };
          res.on('drain', done);
          res.on('close', done);
        });
      }
    }
    if (gone()) return;
    if (declared !== null && declared > sent) req.socket.destroy();
    else res.end();
  }

  async function applyFault(action: FaultAction | null, req: IncomingMessage, res: ServerResponse): Promise<'handled' | 'continue' | 'drop'> {
    if (!action) return 'continue';
    switch (action.kind) {
      case 'status':
        send(res, action.status, action.body ?? { errors: [{ message: `simulated HTTP ${action.status}` }] }, action.retryAfter !== undefined ? { 'Retry-After': action.retryAfter } : {});
        return 'handled';
      case 'unauthorized':
        send(res, 401, { errors: [{ message: 'simulated: the API key is not valid' }] });
        return 'handled';
      case 'reset':
        req.socket.destroy();
        return 'handled';
      case 'delay':
        await new Promise((r) => setTimeout(r, action.ms));
        return 'continue';
      case 'drop-response':
        return 'drop';
      case 'flood':
        await flood(action, req, res);
        return 'handled';
    }
  }

  async function handleGraphql(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, null);
    if (!body) return;
    stats.bytesIn.graphql += body.length;
    let envelope: { query?: unknown; variables?: unknown; operationName?: unknown };
    try {
      envelope = JSON.parse(body.toString('utf8')) as typeof envelope;
    } catch {
      return send(res, 400, { errors: [{ message: 'request body is not JSON' }] });
    }
    const operation = typeof envelope.operationName === 'string' && envelope.operationName ? envelope.operationName : null;
    sim.onRequest?.({ route: 'graphql', operation, phase: 'received' });
    const fault = await applyFault(faults.match('graphql', operation), req, res);
    if (fault === 'handled') return;
    const user = authUser(req, state);
    if (!user) {
      stats.rejected.unauthorized++;
      return send(res, 401, { errors: [{ message: 'You must be logged in: the API key is missing or not valid' }] });
    }
    if (!String(req.headers['content-type'] ?? '').startsWith('application/json')) return send(res, 400, { errors: [{ message: 'Content-Type must be application/json' }] });
    if (typeof envelope.query !== 'string') return send(res, 400, { errors: [{ message: 'query must be a string' }] });
    let check = checked.get(envelope.query);
    if (!check) {
      check = checkDocument(envelope.query);
      checked.set(envelope.query, check);
    }
    if (!check.document) {
      stats.rejected.invalidDocuments++;
      return send(res, 400, { errors: check.errors.map((e) => ({ message: e.message, locations: e.locations })) });
    }
    if (operation) {
      stats.operations[operation] = (stats.operations[operation] ?? 0) + 1;
      documents.set(operation, envelope.query);
    }
    const variables = envelope.variables ?? {};
    if (typeof variables !== 'object' || variables === null || Array.isArray(variables)) return send(res, 400, { errors: [{ message: 'variables must be an object' }] });
    const ctx: SimContext = { user, origin, state };
    const result = await execute({
      schema: wandbSchema(),
      document: check.document,
      rootValue: root,
      contextValue: ctx,
      variableValues: variables as Record<string, unknown>,
      operationName: operation ?? undefined,
    });
    let status = 200;
    if (result.errors?.length) {
      for (const e of result.errors) {
        const orig = e.originalError;
        if (orig instanceof SimError && orig.httpStatus !== 200) status = Math.max(status, orig.httpStatus);
        else if (!orig && !result.data) status = 400; // variable coercion or similar request errors
        else if (orig && !(orig instanceof SimError)) status = 500;
      }
    }
    sim.onRequest?.({ route: 'graphql', operation, phase: 'handled' });
    if (fault === 'drop' || req.socket.destroyed) return void req.socket.destroy();
    send(res, status, { data: result.data ?? null, ...(result.errors?.length ? { errors: result.errors.map((e) => ({ message: e.message, path: e.path })) } : {}) });
  }

  async function handleUpload(req: IncomingMessage, res: ServerResponse, token: string): Promise<void> {
    sim.onRequest?.({ route: 'upload', operation: null, phase: 'received' });
    const action = faults.match('upload', null);
    let resetAfter: number | null = null;
    if (action?.kind === 'reset') {
      const length = Number(req.headers['content-length'] ?? 0);
      resetAfter = action.afterBytes ?? Math.max(1, Math.floor(length / 2));
    } else {
      const r = await applyFault(action, req, res);
      if (r === 'handled') return;
    }
    const body = await readBody(req, resetAfter);
    if (!body) return;
    stats.bytesIn.upload += body.length;
    if (req.method !== 'PUT') return send(res, 405, { error: 'uploads are PUT' });
    const header = req.headers['content-md5'];
    const record = state.acceptUpload(token, body, typeof header === 'string' ? header : undefined);
    sim.onRequest?.({ route: 'upload', operation: null, phase: 'handled' });
    if (action?.kind === 'drop-response') return void req.socket.destroy();
    res.writeHead(200, { ETag: `"${record.md5hex}"`, 'Content-Length': 0 });
    res.end();
  }

  async function handleFileStream(req: IncomingMessage, res: ServerResponse, entity: string, project: string, run: string): Promise<void> {
    const r = await applyFault(faults.match('filestream', null), req, res);
    if (r === 'handled') return;
    const raw = await readBody(req, null);
    if (!raw) return;
    stats.bytesIn.filestream += raw.length;
    const user = authUser(req, state);
    if (!user) {
      stats.rejected.unauthorized++;
      return send(res, 401, { error: 'the API key is missing or not valid' });
    }
    let body: unknown;
    try {
      const text = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString('utf8') : raw.toString('utf8');
      body = JSON.parse(text);
    } catch {
      return send(res, 400, { error: 'file stream body is not JSON' });
    }
    state.fileStream(user, decodeURIComponent(entity), decodeURIComponent(project), decodeURIComponent(run), body);
    send(res, 200, { exitcode: null, limits: {} });
  }

  async function handleDownload(req: IncomingMessage, res: ServerResponse, md5hex: string, query: URLSearchParams): Promise<void> {
    const r = await applyFault(faults.match('download', null), req, res);
    if (r === 'handled') return;
    try {
      state.checkDownload(md5hex, query);
    } catch (err) {
      if (err instanceof SimError) return send(res, err.httpStatus, { error: err.message });
      throw err;
    }
    const bytes = state.readObject(md5hex);
    if (!bytes) return send(res, 404, { error: 'NoSuchKey' });
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': bytes.length });
    res.end(bytes);
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname;
    let route: SimRoute | null = null;
    let work: Promise<void>;
    let m: RegExpExecArray | null;
    if (path === '/graphql' && req.method === 'POST') {
      route = 'graphql';
      work = handleGraphql(req, res);
    } else if ((m = /^\/storage\/upload\/([0-9a-f]{32})$/.exec(path))) {
      route = 'upload';
      work = handleUpload(req, res, m[1]!);
    } else if ((m = /^\/storage\/objects\/([^/]+)$/.exec(path)) && req.method === 'GET') {
      route = 'download';
      work = handleDownload(req, res, m[1]!, url.searchParams);
    } else if ((m = /^\/files\/([^/]+)\/([^/]+)\/([^/]+)\/file_stream$/.exec(path)) && req.method === 'POST') {
      route = 'filestream';
      work = handleFileStream(req, res, m[1]!, m[2]!, m[3]!);
    } else if (path === '/_sim/summary' && req.method === 'GET') {
      // Not W&B: what the dataset holds, for benchmarks and people running the simulator by hand.
      const q = (k: string) => url.searchParams.get(k) ?? '';
      const view = readDataset(state, { entity: q('entity'), project: q('project'), collection: q('collection') });
      const counts = new Map<string, number>();
      for (const r of view?.rows ?? []) counts.set(`${String(r.annotation_id)}@${String(r.annotation_version)}`, (counts.get(`${String(r.annotation_id)}@${String(r.annotation_version)}`) ?? 0) + 1);
      work = Promise.resolve(
        send(res, 200, {
          versionIndex: view?.versionIndex ?? null,
          entries: view?.entries.size ?? 0,
          partitions: view?.partitions.length ?? 0,
          rows: view?.rows.length ?? 0,
          annotationVersions: counts.size,
          duplicated: [...counts.values()].filter((n) => n > 1).length,
          problems: view?.problems ?? [],
          uploads: { count: state.uploads.length, bytes: state.uploads.reduce((n, u) => n + u.bytes, 0) },
          stats,
        }),
      );
    } else {
      work = Promise.resolve(send(res, 404, { error: `no route for ${req.method} ${path}` }));
    }
    if (route) stats.requests[route]++;
    work
      .then(() => opts.log?.(`${req.method} ${path} → ${res.statusCode}`))
      .catch((err: unknown) => {
        if (res.headersSent || req.socket.destroyed) return;
        if (err instanceof SimError) {
          const status = err.httpStatus === 200 ? 400 : err.httpStatus;
          send(res, status, route === 'graphql' ? { errors: [{ message: err.message }] } : { error: err.message });
        } else {
          send(res, 500, { error: `simulator bug: ${(err as Error).message}` });
        }
        opts.log?.(`${req.method} ${path} → ${res.statusCode} ${(err as Error).message}`);
      });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 5_000;

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve((server.address() as { port: number }).port);
      });
    });
  const port = await listen(opts.port ?? 0);
  origin = `http://${host}:${port}`;
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
    });

  const sim: WandbSim = {
    url: origin,
    port,
    state,
    faults,
    stats,
    documents,
    onRequest: null,
    dataset: (q) => readDataset(state, q),
    suspend: stop,
    resume: async () => {
      await listen(port);
    },
    async close() {
      if (server.listening) await stop();
      if (ownStorage) rmSync(storageDir, { recursive: true, force: true });
    },
  };
  return sim;
}
