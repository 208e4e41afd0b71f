import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mixSeed, Rng } from '../../core/synth/random';
import { DEFAULT_NOISE, naturalAnswer, type NoiseOptions } from './answer';
import { makeBuckets, rateLimitHeaders, type SimLimits } from './buckets';
import { fitToSchema } from './schemaRules';
import { simTextTokens } from './tokens';
import { sourceNameFromPrompt, TruthRegistry } from './truth';
import { checkAuth, checkVersion, SimHttpError, validateMessageBody, type ValidRequest } from './validate';
import { FaultInjector, faultError, type FaultRule, type SimFaultRates } from './faults';
import { baseHeaders, iso, parseJson, readBody, rid, send, sendError, sendProxyPage, wait } from './http';

/**
 * A local stand-in for the Claude API (Messages, count_tokens, Message Batches), speaking the
 * wire format of API version 2026-10-21 as SDK 1.x sends it, for tests, benchmarks and the demo.
 *
 *  - Validates like the API: auth header form (Bearer or x-api-key) and key, anthropic-version,
 *    body size, unknown and removed fields, models, max_tokens, image format/size/tier limits
 *    (with `oversized_image: "error"` → 400 image_dimensions_too_large), structured-output schema
 *    rules, forced tool use, prefill, cache breakpoints. Errors come in the API's shape.
 *  - Rate limits: RPM, input-TPM (cache-aware: cache reads are free) and output-TPM token buckets
 *    with `anthropic-ratelimit-*` headers on every response and 429 + `retry-after` when empty.
 *  - Prompt caching: a prefix (system with a breakpoint + output format) of at least the model's
 *    minimum is written once and read after; an entry exists only once its first response begins.
 *  - Latency: log-normal, median 2.1 s by default; `timeScale` compresses every duration (latency,
 *    the minute of the limits, retry-after, batch processing) for fast tests and benchmarks.
 *  - Faults: injected 429 / 529 / 500 / 401 / 403 / spend limit / image-size 400, connection
 *    resets, stalled headers or bodies, malformed, truncated or off-schema output, refusals, an
 *    HTML page from a proxy in front — as rules (next N requests, a document, a probability; on
 *    Messages, count_tokens or batches) or as rates and 429 bursts.
 *  - Answers come from the synthetic generator's ground truth with seeded noise, in the pixels of
 *    the image received (see truth.ts for how the page is recognised).
 *
 * Every response carries `x-folio-simulator: 1`, so a run can say its answers were simulated.
 */

export type { SimLimits } from './buckets';

/** The noise seed `npm run demo` answers with (bench:effort uses it too, so both see the same predictions). */
export const DEMO_SIM_SEED = 2026;

export interface ClaudeSimOptions {
  port?: number;
  /** Keys that authenticate (default: any key that starts with "sk-ant-"). */
  apiKeys?: string[];
  /** Keys that authenticate but may not use the Messages API (403). */
  forbiddenKeys?: string[];
  timeScale?: number;
  latency?: { medianMs?: number; sigma?: number; minMs?: number };
  limits?: SimLimits;
  faults?: SimFaultRates;
  noise?: NoiseOptions;
  /**
   * Answer every question asked that one labelled box of the truth answers, as a model would, not
   * only the truth's own questions (the demo and bench:effort; off by default so the truth's
   * questions are all there is to score against).
   */
  answerEveryQuestion?: boolean;
  seed?: number;
  /** Simulated ms from a batch's creation to its end (default 60 s). */
  batchProcessingMs?: number;
  log?: (line: string) => void;
}

export interface SimRequestLog {
  /** Wall ms since the simulator started. */
  at: number;
  endpoint: 'messages' | 'count_tokens' | 'batches' | 'batch_results' | 'other';
  status: number;
  /** ok, rate_limit:rpm|itpm|otpm, injected:<kind>, burst429, invalid, auth, client_closed */
  cause: string;
  documentId: string | null;
  model: string | null;
  /** Tokens counted against input-TPM (input + cache writes). */
  itpmTokens: number;
  inputTokens: number;
  cacheRead: number;
  cacheWrite: number;
  outputTokens: number;
  latencyMs: number;
}

export interface ClaudeSimulator {
  readonly url: string;
  readonly port: number;
  readonly truth: TruthRegistry;
  inject(rule: FaultRule): void;
  clearFaults(): void;
  setLimits(limits: SimLimits): void;
  setFaultRates(rates: SimFaultRates): void;
  requests(): SimRequestLog[];
  resetLog(): void;
  /** Batches the simulator holds (for tests). */
  batchIds(): string[];
  close(): Promise<void>;
}

interface CacheEntry {
  availableAt: number;
  expiresAt: number;
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
  counts: { processing: number; succeeded: number; errored: number; canceled: number; expired: number };
  version: string;
  timer: NodeJS.Timeout | null;
}

const EFFORT_THINKING: Record<string, number> = { low: 0.1, medium: 0.25, high: 0.5, xhigh: 0.8, max: 1.1 };
const MAX_MESSAGE_BODY = 32 * 1024 * 1024;
const MAX_BATCH_BODY = 256 * 1024 * 1024;
const CACHE_TTL_MS = 5 * 60_000;

export async function startClaudeSimulator(opts: ClaudeSimOptions = {}): Promise<ClaudeSimulator> {
  const scale = opts.timeScale ?? 1;
  if (!(scale > 0 && scale <= 1)) throw new RangeError(`timeScale must be in (0, 1], got ${scale}`);
  const seed = opts.seed ?? 1;
  const rng = new Rng(mixSeed(seed, 0x51a));
  const latency = { medianMs: 2100, sigma: 0.3, minMs: 150, ...opts.latency };
  const noise = opts.noise ?? DEFAULT_NOISE;
  const truth = new TruthRegistry();
  const origin = Date.now();
  const sockets = new Set<Socket>();
  const log: SimRequestLog[] = [];
  const cache = new Map<string, CacheEntry>();
  const batches = new Map<string, SimBatch>();
  const faults = new FaultInjector(rng, opts.faults ?? {}, origin, scale);
  let buckets = makeBuckets(opts.limits ?? {}, scale);
  let baseUrl = '';

  const accepts = (key: string): 'ok' | 'unknown' | 'forbidden' => {
    if (opts.forbiddenKeys?.includes(key)) return 'forbidden';
    if (opts.apiKeys) return opts.apiKeys.includes(key) ? 'ok' : 'unknown';
    return key.startsWith('sk-ant-') ? 'ok' : 'unknown';
  };

  const sampleLatency = (): number => {
    const z = Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
    return Math.max(latency.minMs, latency.medianMs * Math.exp(latency.sigma * z));
  };

  const rateHeaders = (): Record<string, string> => rateLimitHeaders(buckets, Date.now());

  const record = (e: Partial<SimRequestLog> & Pick<SimRequestLog, 'endpoint' | 'status' | 'cause'>) => {
    log.push({ at: Date.now() - origin, documentId: null, model: null, itpmTokens: 0, inputTokens: 0, cacheRead: 0, cacheWrite: 0, outputTokens: 0, latencyMs: 0, ...e });
  };

  /** Token accounting for one request: what is read from or written to the cache, what counts. */
  const prefixTokens = new Map<string, number>();
  const account = (v: ValidRequest, now: number, latencyWall: number, dryRun: boolean) => {
    let prefix = prefixTokens.get(v.cacheKey);
    if (prefix === undefined) {
      prefix = simTextTokens(v.systemText) + (v.schema ? simTextTokens(JSON.stringify(v.schema)) + 50 : 0);
      if (prefixTokens.size > 1000) prefixTokens.clear();
      prefixTokens.set(v.cacheKey, prefix);
    }
    const messages = v.messageTextTokens + v.images.reduce((a, i) => a + i.tokens, 0);
    let cacheRead = 0;
    let cacheWrite = 0;
    let input = messages;
    if (v.systemCached && prefix >= v.spec.cacheMinTokens) {
      const e = cache.get(v.cacheKey);
      if (e && e.availableAt <= now && e.expiresAt > now) {
        cacheRead = prefix;
        if (!dryRun) e.expiresAt = now + CACHE_TTL_MS * scale;
      } else {
        cacheWrite = prefix;
        if (!dryRun) {
          const availableAt = e && e.expiresAt > now ? Math.min(e.availableAt, now + latencyWall) : now + latencyWall;
          cache.set(v.cacheKey, { availableAt, expiresAt: availableAt + CACHE_TTL_MS * scale });
        }
      }
    } else {
      input += prefix;
    }
    return { input, cacheRead, cacheWrite, itpm: input + cacheWrite, total: input + cacheRead + cacheWrite };
  };

  const labelsOf = (schema: Record<string, unknown> | null): string[] | null => {
    const e = (schema as { properties?: { boxes?: { items?: { properties?: { label?: { enum?: unknown } } } } } } | null)?.properties?.boxes?.items?.properties?.label?.enum;
    return Array.isArray(e) ? (e as string[]) : null;
  };
  const templatesOf = (schema: Record<string, unknown> | null): string[] | null => {
    const e = (schema as { properties?: { qa?: { items?: { properties?: { template?: { enum?: unknown } } } } } } | null)?.properties?.qa?.items?.properties?.template?.enum;
    return Array.isArray(e) ? (e as string[]) : schema && !(schema as { properties?: { qa?: unknown } }).properties?.qa ? [] : null;
  };

  /** The model's message for a valid request (answer, usage, stop reason), shaped by faults. */
  const compose = (v: ValidRequest, tokens: ReturnType<typeof account>, fault: FaultRule | null, batch: boolean) => {
    const image = v.images[0];
    const name = sourceNameFromPrompt(v.userText);
    const doc = image && name ? truth.lookup(name, image.received) : null;
    let value: unknown;
    if (doc && image) {
      const natural = naturalAnswer(doc, image.seen, { labels: labelsOf(v.schema), templates: templatesOf(v.schema) }, noise, seed, opts.answerEveryQuestion ?? false);
      let boxes = natural.boxes.map(({ truthId: _t, ...b }) => b);
      if (fault?.kind === 'off_schema_labels') boxes = boxes.map((b, i) => (i % 3 === 0 ? { ...b, label: 'not_a_project_label' } : b));
      if (fault?.kind === 'degenerate_boxes') {
        boxes = [
          ...boxes,
          { label: boxes[0]?.label ?? 'x', text: 'zero width', bbox: [40, 40, 40, 90], confidence: 0.4 },
          { label: boxes[0]?.label ?? 'x', text: 'outside', bbox: [image.seen.width + 50, 10, image.seen.width + 90, 40], confidence: 0.4 },
        ];
      }
      const raw = { document_type: natural.documentType, boxes, qa: natural.qa };
      value = v.schema ? (fault?.kind === 'off_schema_labels' ? raw : fitToSchema(raw, v.schema)) : raw;
    } else {
      value = v.schema ? fitToSchema({}, v.schema) : { boxes: [], qa: [] };
    }
    let text = JSON.stringify(value);
    const textTokens = simTextTokens(text);
    const thinking = v.spec.thinksByDefault ? Math.round(textTokens * (EFFORT_THINKING[v.effort ?? 'high'] ?? 0.5)) : 0;
    let output = thinking + textTokens;
    let stop: string = 'end_turn';
    let stopDetails: unknown = null;
    if (v.maxTokens === 0) {
      text = '';
      output = 0;
      stop = 'max_tokens';
    } else if (fault?.kind === 'refusal') {
      text = '';
      output = thinking + 12;
      stop = 'refusal';
      stopDetails = { type: 'refusal', category: 'general_harms', explanation: 'The simulated model declined this page.' };
    } else if (fault?.kind === 'malformed') {
      text = `${text.slice(0, Math.floor(text.length / 2))}}]"garbled`;
    } else if (fault?.kind === 'truncated' || output > v.maxTokens) {
      const room = Math.max(0, Math.min(v.maxTokens, fault?.kind === 'truncated' ? Math.floor(output / 2) : v.maxTokens) - thinking);
      text = text.slice(0, Math.floor((text.length * room) / Math.max(1, textTokens)));
      output = fault?.kind === 'truncated' ? thinking + room : v.maxTokens;
      stop = 'max_tokens';
    }
    const content: unknown[] = [];
    if (thinking > 0 && v.maxTokens > 0) content.push({ type: 'thinking', thinking: '', signature: randomBytes(24).toString('base64') });
    if (v.maxTokens > 0) content.push({ type: 'text', text, citations: null });
    return {
      documentId: doc?.id ?? null,
      output,
      message: {
        id: rid('msg'),
        type: 'message',
        role: 'assistant',
        model: v.model,
        content,
        stop_reason: stop,
        stop_sequence: null,
        stop_details: stopDetails,
        container: null,
        diagnostics: null,
        usage: {
          input_tokens: tokens.input,
          output_tokens: output,
          cache_creation_input_tokens: tokens.cacheWrite,
          cache_read_input_tokens: tokens.cacheRead,
          cache_creation: { ephemeral_5m_input_tokens: tokens.cacheWrite, ephemeral_1h_input_tokens: 0 },
          output_tokens_details: { thinking_tokens: thinking },
          server_tool_use: null,
          service_tier: batch ? 'batch' : 'standard',
          inference_geo: 'global',
          speed: 'standard',
        },
      },
    };
  };

  async function handleMessages(req: IncomingMessage, res: ServerResponse, requestId: string, countOnly: boolean): Promise<void> {
    const started = Date.now();
    const endpoint = countOnly ? 'count_tokens' : 'messages';
    // count_tokens takes its faults when it arrives; Messages after its rate limits (below).
    const countFault = countOnly ? faults.pick('count_tokens', null) : null;
    if (countFault?.kind === 'proxy_html') {
      req.resume();
      record({ endpoint, status: countFault.status ?? 200, cause: 'injected:proxy_html' });
      return sendProxyPage(res, countFault.status ?? 200);
    }
    let v: ValidRequest;
    try {
      const raw = await readBody(req, MAX_MESSAGE_BODY);
      checkAuth(req.headers, accepts);
      const version = checkVersion(req.headers);
      v = await validateMessageBody(parseJson(raw), { version, countTokens: countOnly, textTokens: simTextTokens });
    } catch (err) {
      if (!(err instanceof SimHttpError)) throw err;
      record({ endpoint, status: err.status, cause: err.status === 401 || err.status === 403 ? 'auth' : 'invalid', latencyMs: Date.now() - started });
      sendError(res, err, requestId, countOnly ? {} : rateHeaders());
      return;
    }
    if (countOnly) {
      const asError = countFault ? faultError(countFault) : null;
      if (asError) {
        record({ endpoint, status: asError.status, cause: `injected:${countFault!.kind}`, model: v.model });
        return sendError(res, asError, requestId);
      }
      if (countFault?.kind === 'stall_headers') {
        record({ endpoint, status: 0, cause: 'injected:stall_headers', model: v.model });
        await wait(countFault.stallMs !== undefined ? countFault.stallMs * scale : 600_000, res);
        res.destroy();
        return;
      }
      const t = account(v, Date.now(), 0, true);
      record({ endpoint, status: 200, cause: 'ok', model: v.model, inputTokens: t.total });
      send(res, 200, { input_tokens: t.total }, baseHeaders(requestId));
      return;
    }

    const now = Date.now();
    const burst = faults.inBurst();
    if (burst !== null) {
      const err = new SimHttpError(429, 'rate_limit_error', 'This request would exceed your organization’s rate limit (simulated burst). Please retry after the time in the retry-after header.', undefined, {
        'retry-after': String(Math.max(1, Math.ceil(burst / 1000))),
      });
      record({ endpoint, status: 429, cause: 'burst429', model: v.model });
      sendError(res, err, requestId, rateHeaders());
      return;
    }
    const latencyWall = (v.maxTokens === 0 ? latency.medianMs * 0.08 : sampleLatency()) * scale;
    const tokens = account(v, now, latencyWall, true);
    // Rate limits: requests, input tokens (cache reads are free) and output tokens already spent.
    // All or nothing: a refused request takes nothing from any bucket.
    const waits: [keyof typeof buckets, number, string][] = [
      ['rpm', buckets.rpm.waitFor(1, now), 'requests'],
      ['itpm', buckets.itpm.waitFor(tokens.itpm, now), 'input tokens'],
      ['otpm', buckets.otpm.view(now).remaining > 0 ? 0 : buckets.otpm.waitFor(1, now), 'output tokens'],
    ];
    const [limited, waitMs, what] = waits.reduce((a, b) => (b[1] > a[1] ? b : a));
    if (waitMs > 0) {
      const b = buckets[limited];
      const secs = Math.max(1, Math.ceil(waitMs / scale / 1000));
      const err = new SimHttpError(
        429,
        'rate_limit_error',
        `This request would exceed the rate limit for your organization (00000000-0000-4000-8000-00000051a7e0) of ${b.limitPerMinute.toLocaleString('en-US')} ${what} per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage. Please reduce the prompt length or the maximum tokens requested, or try again later.`,
        undefined,
        { 'retry-after': String(secs) },
      );
      record({ endpoint, status: 429, cause: `rate_limit:${limited}`, model: v.model });
      sendError(res, err, requestId, rateHeaders());
      return;
    }
    buckets.rpm.charge(1, now);
    buckets.itpm.charge(tokens.itpm, now);
    const counted = account(v, now, latencyWall, false);
    const name = v.images[0] ? sourceNameFromPrompt(v.userText) : null;
    const documentId = name && v.images[0] ? (truth.lookup(name, v.images[0].received)?.id ?? null) : null;
    const fault = faults.pick('messages', documentId);
    const entry = { endpoint, model: v.model, documentId, itpmTokens: counted.itpm, inputTokens: counted.input, cacheRead: counted.cacheRead, cacheWrite: counted.cacheWrite } as const;

    const asError = fault ? faultError(fault) : null;
    if (asError) {
      const quick = fault!.kind === 'overloaded' || fault!.kind === 'rate_limit' || fault!.kind === 'spend_limit' ? 0.03 : 0.3 + 0.5 * rng.next();
      if (!(await wait(latencyWall * quick, res))) return;
      record({ ...entry, status: asError.status, cause: `injected:${fault!.kind}`, latencyMs: Date.now() - started });
      sendError(res, asError, requestId, rateHeaders());
      return;
    }
    if (fault?.kind === 'proxy_html') {
      record({ ...entry, status: fault.status ?? 200, cause: 'injected:proxy_html' });
      return sendProxyPage(res, fault.status ?? 200);
    }
    if (fault?.kind === 'stall_headers') {
      record({ ...entry, status: 0, cause: 'injected:stall_headers' });
      await wait(fault.stallMs !== undefined ? fault.stallMs * scale : 600_000, res);
      res.destroy();
      return;
    }
    if (fault?.kind === 'reset') {
      await wait(latencyWall * 0.5, res);
      record({ ...entry, status: 0, cause: 'injected:reset', latencyMs: Date.now() - started });
      req.socket.destroy();
      return;
    }
    const composed = compose(v, counted, fault, false);
    if (!(await wait(latencyWall, res))) {
      record({ ...entry, status: 0, cause: 'client_closed', latencyMs: Date.now() - started });
      return;
    }
    buckets.otpm.charge(composed.output, Date.now());
    const headers = { ...baseHeaders(requestId), ...rateHeaders() };
    if (fault?.kind === 'stall_body') {
      const body = JSON.stringify(composed.message);
      res.writeHead(200, headers);
      res.write(body.slice(0, Math.floor(body.length / 3)));
      record({ ...entry, status: 200, cause: 'injected:stall_body', outputTokens: composed.output, latencyMs: Date.now() - started });
      await wait(fault.stallMs !== undefined ? fault.stallMs * scale : 600_000, res);
      res.destroy();
      return;
    }
    record({ ...entry, status: 200, cause: fault ? `injected:${fault.kind}` : 'ok', outputTokens: composed.output, latencyMs: Date.now() - started });
    send(res, 200, composed.message, headers);
  }

  // ----- batches -----
  const batchView = (b: SimBatch) => ({
    id: b.id,
    type: 'message_batch',
    processing_status: b.status,
    request_counts: b.counts,
    ended_at: b.endedAt ? iso(b.endedAt) : null,
    created_at: iso(b.createdAt),
    expires_at: iso(b.createdAt + 24 * 3600_000),
    archived_at: null,
    cancel_initiated_at: b.cancelAt ? iso(b.cancelAt) : null,
    results_url: b.status === 'ended' ? `${baseUrl}/v1/messages/batches/${b.id}/results` : null,
  });

  async function processBatch(b: SimBatch): Promise<void> {
    const results: unknown[] = [];
    const counts = { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0 };
    for (const r of b.requests) {
      if (b.status === 'canceling') {
        results.push({ custom_id: r.custom_id, result: { type: 'canceled' } });
        counts.canceled++;
        continue;
      }
      try {
        const v = await validateMessageBody(r.params, { version: b.version, countTokens: false, inBatch: true, textTokens: simTextTokens });
        const name = v.images[0] ? sourceNameFromPrompt(v.userText) : null;
        const documentId = name && v.images[0] ? (truth.lookup(name, v.images[0].received)?.id ?? null) : null;
        const fault = faults.pick('batch', documentId);
        if (fault?.kind === 'batch_expired') {
          results.push({ custom_id: r.custom_id, result: { type: 'expired' } });
          counts.expired++;
          continue;
        }
        const asError = fault ? faultError(fault) : null;
        if (asError) {
          results.push({ custom_id: r.custom_id, result: { type: 'errored', error: { type: 'error', error: { type: asError.type, message: asError.message }, request_id: rid('req') } } });
          counts.errored++;
          continue;
        }
        const t = account(v, Date.now(), 0, false);
        const composed = compose(v, t, fault, true);
        results.push({ custom_id: r.custom_id, result: { type: 'succeeded', message: composed.message } });
        counts.succeeded++;
        record({ endpoint: 'batches', status: 200, cause: 'batch_item', documentId: composed.documentId, model: v.model, inputTokens: t.input, cacheRead: t.cacheRead, cacheWrite: t.cacheWrite, outputTokens: composed.output });
      } catch (err) {
        const e = err instanceof SimHttpError ? err : new SimHttpError(500, 'api_error', (err as Error).message);
        results.push({ custom_id: r.custom_id, result: { type: 'errored', error: { type: 'error', error: { type: e.type, message: e.message }, request_id: rid('req') } } });
        counts.errored++;
      }
    }
    // Results come back in any order.
    b.results = rng.shuffle(results);
    b.counts = counts;
    b.status = 'ended';
    b.endedAt = Date.now();
  }

  async function handleBatches(req: IncomingMessage, res: ServerResponse, requestId: string, parts: string[]): Promise<void> {
    const method = req.method ?? 'GET';
    const raw = method === 'POST' ? await readBody(req, MAX_BATCH_BODY) : Buffer.alloc(0);
    checkAuth(req.headers, accepts);
    const version = checkVersion(req.headers);
    const [id, action] = parts;
    if (!id && method === 'POST') {
      const body = parseJson(raw) as { requests?: unknown };
      if (typeof body !== 'object' || body === null) throw new SimHttpError(400, 'invalid_request_error', 'The request body is not valid JSON.');
      for (const k of Object.keys(body)) if (k !== 'requests') throw new SimHttpError(400, 'invalid_request_error', `${k}: Extra inputs are not permitted`);
      if (!Array.isArray(body.requests) || body.requests.length === 0) throw new SimHttpError(400, 'invalid_request_error', 'requests: at least one request is required');
      if (body.requests.length > 100_000) throw new SimHttpError(400, 'invalid_request_error', 'requests: at most 100,000 requests per batch');
      const seen = new Set<string>();
      body.requests.forEach((r: unknown, i: number) => {
        const rr = r as { custom_id?: unknown; params?: unknown };
        if (typeof rr !== 'object' || rr === null) throw new SimHttpError(400, 'invalid_request_error', `requests.${i}: Input should be an object`);
        if (typeof rr.custom_id !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(rr.custom_id)) {
          throw new SimHttpError(400, 'invalid_request_error', `requests.${i}.custom_id: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`);
        }
        if (seen.has(rr.custom_id)) throw new SimHttpError(400, 'invalid_request_error', `requests.${i}.custom_id: duplicate custom_id "${rr.custom_id}"`);
        seen.add(rr.custom_id);
        if (typeof rr.params !== 'object' || rr.params === null) throw new SimHttpError(400, 'invalid_request_error', `requests.${i}.params: Field required`);
      });
      const now = Date.now();
      const b: SimBatch = {
        id: rid('msgbatch'),
        createdAt: now,
        endsAt: now + (opts.batchProcessingMs ?? 60_000) * scale,
        status: 'in_progress',
        cancelAt: null,
        endedAt: null,
        requests: body.requests as SimBatch['requests'],
        results: null,
        counts: { processing: body.requests.length, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
        version,
        timer: null,
      };
      b.timer = setTimeout(() => void processBatch(b), b.endsAt - now);
      batches.set(b.id, b);
      record({ endpoint: 'batches', status: 200, cause: 'created' });
      send(res, 200, batchView(b), baseHeaders(requestId));
      return;
    }
    if (!id && method === 'GET') {
      const url = new URL(req.url ?? '/', 'http://x');
      const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get('limit') ?? 20)));
      const all = [...batches.values()].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
      const after = url.searchParams.get('after_id');
      const start = after ? all.findIndex((b) => b.id === after) + 1 : 0;
      const page = all.slice(start, start + limit);
      send(res, 200, { data: page.map(batchView), has_more: start + limit < all.length, first_id: page[0]?.id ?? null, last_id: page[page.length - 1]?.id ?? null }, baseHeaders(requestId));
      return;
    }
    const b = id ? batches.get(id) : undefined;
    if (!b) throw new SimHttpError(404, 'not_found_error', `message batch ${id ?? ''} not found`);
    if (!action && method === 'GET') return send(res, 200, batchView(b), baseHeaders(requestId));
    if (!action && method === 'DELETE') {
      if (b.status !== 'ended') throw new SimHttpError(400, 'invalid_request_error', 'A batch can only be deleted once it has ended; cancel it first.');
      batches.delete(b.id);
      return send(res, 200, { id: b.id, type: 'message_batch_deleted' }, baseHeaders(requestId));
    }
    if (action === 'cancel' && method === 'POST') {
      if (b.status === 'in_progress') {
        b.status = 'canceling';
        b.cancelAt = Date.now();
        if (b.timer) clearTimeout(b.timer);
        b.timer = setTimeout(() => void processBatch(b), 200 * scale);
      }
      return send(res, 200, batchView(b), baseHeaders(requestId));
    }
    if (action === 'results' && method === 'GET') {
      if (b.status !== 'ended' || !b.results) throw new SimHttpError(400, 'invalid_request_error', `batch ${b.id} has not finished processing`);
      record({ endpoint: 'batch_results', status: 200, cause: 'ok' });
      res.writeHead(200, { ...baseHeaders(requestId), 'content-type': 'application/binary' });
      res.end(b.results.map((r) => JSON.stringify(r)).join('\n') + '\n');
      return;
    }
    throw new SimHttpError(404, 'not_found_error', `Not found: ${method} ${req.url}`);
  }

  const server: Server = createServer((req, res) => {
    const requestId = rid('req');
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/\/+$/, '');
    const handle = async () => {
      if (path === '/v1/messages' && req.method === 'POST') return handleMessages(req, res, requestId, false);
      if (path === '/v1/messages/count_tokens' && req.method === 'POST') return handleMessages(req, res, requestId, true);
      if (path === '/v1/messages/batches' || path.startsWith('/v1/messages/batches/')) {
        return handleBatches(req, res, requestId, path.slice('/v1/messages/batches'.length).split('/').filter(Boolean));
      }
      req.resume();
      throw new SimHttpError(404, 'not_found_error', `Not found: ${req.method} ${url.pathname}`);
    };
    handle().catch((err: unknown) => {
      const e = err instanceof SimHttpError ? err : new SimHttpError(500, 'api_error', `simulator bug: ${(err as Error).message}`);
      if (!(err instanceof SimHttpError)) opts.log?.(`claude-sim: ${(err as Error).stack}`);
      if (!res.headersSent) sendError(res, e, requestId);
      else res.destroy();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: baseUrl,
    port,
    truth,
    inject: (rule) => faults.inject(rule),
    clearFaults: () => faults.clear(),
    setLimits: (limits) => {
      buckets = makeBuckets(limits, scale);
    },
    setFaultRates: (r) => faults.setRates(r),
    requests: () => [...log],
    resetLog: () => {
      log.length = 0;
    },
    batchIds: () => [...batches.keys()],
    close: async () => {
      for (const b of batches.values()) if (b.timer) clearTimeout(b.timer);
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
