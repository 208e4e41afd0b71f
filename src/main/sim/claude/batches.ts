import type { IncomingMessage, ServerResponse } from 'node:http';
import { composeMessage, documentOf } from './compose';
import type { SimContext } from './context';
import { faultError } from './faults';
import { baseHeaders, iso, parseJson, readBody, rid, send } from './http';
import { simTextTokens } from './tokens';
import { checkAuth, checkVersion, SimHttpError, validateMessageBody } from './validate';

/** Message Batches: create, list, get, cancel, delete, results; a batch is processed when it ends. */

const MAX_BATCH_BODY = 256 * 1024 * 1024;
const MAX_BATCH_REQUESTS = 100_000;

interface BatchCounts {
  processing: number;
  succeeded: number;
  errored: number;
  canceled: number;
  expired: number;
}

interface SimBatch {
  id: string;
  createdAt: number;
  endsAt: number;
  status: 'in_progress' | 'canceling' | 'ended';
  cancelAt: number | null;
  endedAt: number | null;
  requests: { custom_id: string; params: unknown }[];
  results: unknown[] | null;
  counts: BatchCounts;
  version: string;
  timer: NodeJS.Timeout | null;
}

/** One line of a batch's results. */
interface BatchResult {
  custom_id: string;
  result: { type: 'succeeded'; message: unknown } | { type: 'errored'; error: unknown } | { type: 'canceled' } | { type: 'expired' };
}

const invalid = (message: string): SimHttpError => new SimHttpError(400, 'invalid_request_error', message);

/** The requests of a create body, checked as the API checks them. */
function batchRequestsOf(raw: Buffer): SimBatch['requests'] {
  const body = parseJson(raw) as { requests?: unknown };
  if (typeof body !== 'object' || body === null) throw invalid('The request body is not valid JSON.');
  for (const k of Object.keys(body)) if (k !== 'requests') throw invalid(`${k}: Extra inputs are not permitted`);
  if (!Array.isArray(body.requests) || body.requests.length === 0) throw invalid('requests: at least one request is required');
  if (body.requests.length > MAX_BATCH_REQUESTS) throw invalid('requests: at most 100,000 requests per batch');
  const seen = new Set<string>();
  body.requests.forEach((r: unknown, i: number) => {
    const rr = r as { custom_id?: unknown; params?: unknown };
    if (typeof rr !== 'object' || rr === null) throw invalid(`requests.${i}: Input should be an object`);
    if (typeof rr.custom_id !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(rr.custom_id)) {
      throw invalid(`requests.${i}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`);
    }
    if (seen.has(rr.custom_id)) throw invalid(`requests.${i}.custom_id: duplicate custom_id "${rr.custom_id}"`);
    seen.add(rr.custom_id);
    if (typeof rr.params !== 'object' || rr.params === null) throw invalid(`requests.${i}.params: Field required`);
  });
  return body.requests as SimBatch['requests'];
}

const erroredResult = (customId: string, e: { type: string; message: string }): BatchResult => ({
  custom_id: customId,
  result: { type: 'errored', error: { type: 'error', error: { type: e.type, message: e.message }, request_id: rid('req') } },
});

/** The batches one simulator holds, and the routes under /v1/messages/batches. */
export class BatchStore {
  private readonly batches = new Map<string, SimBatch>();
  /** Where results are fetched from; known once the server listens. */
  baseUrl = '';

  constructor(
    private readonly ctx: SimContext,
    private readonly processingMs: number,
  ) {}

  ids(): string[] {
    return [...this.batches.keys()];
  }

  /** Stops every pending batch's processing. */
  stop(): void {
    for (const b of this.batches.values()) if (b.timer) clearTimeout(b.timer);
  }

  async handle(req: IncomingMessage, res: ServerResponse, requestId: string, parts: string[]): Promise<void> {
    const method = req.method ?? 'GET';
    const raw = method === 'POST' ? await readBody(req, MAX_BATCH_BODY) : Buffer.alloc(0);
    checkAuth(req.headers, (key) => this.ctx.accepts(key));
    const version = checkVersion(req.headers);
    const [id, action] = parts;
    if (!id && method === 'POST') return send(res, 200, this.view(this.create(batchRequestsOf(raw), version)), baseHeaders(requestId));
    if (!id && method === 'GET') return send(res, 200, this.list(new URL(req.url ?? '/', 'http://x').searchParams), baseHeaders(requestId));
    const b = id ? this.batches.get(id) : undefined;
    if (!b) throw new SimHttpError(404, 'not_found_error', `message batch ${id ?? ''} not found`);
    if (!action && method === 'GET') return send(res, 200, this.view(b), baseHeaders(requestId));
    if (!action && method === 'DELETE') {
      if (b.status !== 'ended') throw invalid('A batch can only be deleted once it has ended; cancel it first.');
      this.batches.delete(b.id);
      return send(res, 200, { id: b.id, type: 'message_batch_deleted' }, baseHeaders(requestId));
    }
    if (action === 'cancel' && method === 'POST') {
      this.cancel(b);
      return send(res, 200, this.view(b), baseHeaders(requestId));
    }
    if (action === 'results' && method === 'GET') {
      if (b.status !== 'ended' || !b.results) throw invalid(`batch ${b.id} has not finished processing`);
      this.ctx.log.record({ endpoint: 'batch_results', status: 200, cause: 'ok' });
      res.writeHead(200, { ...baseHeaders(requestId), 'content-type': 'application/binary' });
      res.end(b.results.map((r) => JSON.stringify(r)).join('\n') + '\n');
      return;
    }
    throw new SimHttpError(404, 'not_found_error', `Not found: ${method} ${req.url}`);
  }

  private create(requests: SimBatch['requests'], version: string): SimBatch {
    const now = Date.now();
    const b: SimBatch = {
      id: rid('msgbatch'),
      createdAt: now,
      endsAt: now + this.processingMs * this.ctx.timeScale,
      status: 'in_progress',
      cancelAt: null,
      endedAt: null,
      requests,
      results: null,
      counts: { processing: requests.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
      version,
      timer: null,
    };
    b.timer = setTimeout(() => void this.process(b), b.endsAt - now);
    this.batches.set(b.id, b);
    this.ctx.log.record({ endpoint: 'batches', status: 200, cause: 'created' });
    return b;
  }

  /** One page of batches, newest first. */
  private list(query: URLSearchParams) {
    const limit = Math.min(1000, Math.max(1, Number(query.get('limit') ?? 20)));
    const all = [...this.batches.values()].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
    const after = query.get('after_id');
    const start = after ? all.findIndex((b) => b.id === after) + 1 : 0;
    const page = all.slice(start, start + limit);
    return { data: page.map((b) => this.view(b)), has_more: start + limit < all.length, first_id: page[0]?.id ?? null, last_id: page[page.length - 1]?.id ?? null };
  }

  /** A batch in progress ends soon after, its unprocessed requests canceled. */
  private cancel(b: SimBatch): void {
    if (b.status !== 'in_progress') return;
    b.status = 'canceling';
    b.cancelAt = Date.now();
    if (b.timer) clearTimeout(b.timer);
    b.timer = setTimeout(() => void this.process(b), 200 * this.ctx.timeScale);
  }

  private view(b: SimBatch) {
    return {
      id: b.id,
      type: 'message_batch',
      processing_status: b.status,
      request_counts: b.counts,
      ended_at: b.endedAt ? iso(b.endedAt) : null,
      created_at: iso(b.createdAt),
      expires_at: iso(b.createdAt + 24 * 3600_000),
      archived_at: null,
      cancel_initiated_at: b.cancelAt ? iso(b.cancelAt) : null,
      results_url: b.status === 'ended' ? `${this.baseUrl}/v1/messages/batches/${b.id}/results` : null,
    };
  }

  private async process(b: SimBatch): Promise<void> {
    const results: BatchResult[] = [];
    const counts: BatchCounts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    for (const r of b.requests) {
      const result: BatchResult = b.status === 'canceling' ? { custom_id: r.custom_id, result: { type: 'canceled' } } : await this.answer(r, b.version);
      results.push(result);
      counts[result.result.type]++;
    }
    // Results come back in any order.
    b.results = this.ctx.rng.shuffle(results);
    b.counts = counts;
    b.status = 'ended';
    b.endedAt = Date.now();
  }

  /** One request's result: succeeded, errored (invalid, or an injected error) or expired. */
  private async answer(r: SimBatch['requests'][number], version: string): Promise<BatchResult> {
    const { ctx } = this;
    try {
      const v = await validateMessageBody(r.params, { version, countTokens: false, inBatch: true, textTokens: simTextTokens });
      const fault = ctx.faults.pick('batch', documentOf(ctx.answers.truth, v)?.id ?? null);
      if (fault?.kind === 'batch_expired') return { custom_id: r.custom_id, result: { type: 'expired' } };
      const asError = fault ? faultError(fault) : null;
      if (asError) return erroredResult(r.custom_id, asError);
      const t = ctx.cache.account(v, Date.now(), 0, false);
      const composed = composeMessage(ctx.answers, v, t, fault, true);
      ctx.log.record({ endpoint: 'batches', status: 200, cause: 'batch_item', documentId: composed.documentId, model: v.model, inputTokens: t.input, cacheRead: t.cacheRead, cacheWrite: t.cacheWrite, outputTokens: composed.output });
      return { custom_id: r.custom_id, result: { type: 'succeeded', message: composed.message } };
    } catch (err) {
      const e = err instanceof SimHttpError ? err : new SimHttpError(500, 'api_error', (err as Error).message);
      return erroredResult(r.custom_id, e);
    }
  }
}
