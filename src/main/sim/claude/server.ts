import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mixSeed, Rng } from '../../core/synth/random';
import { DEFAULT_NOISE, type NoiseOptions } from './answer';
import { BatchStore } from './batches';
import { makeBuckets, type SimLimits } from './buckets';
import { RequestLog, type SimContext, type SimRequestLog } from './context';
import { FaultInjector, type FaultRule, type SimFaultRates } from './faults';
import { rid, sendError } from './http';
import { handleMessages } from './messages';
import { PromptCache } from './promptCache';
import { TruthRegistry } from './truth';
import { SimHttpError } from './validate';

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
export type { SimRequestLog } from './context';

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

export async function startClaudeSimulator(opts: ClaudeSimOptions = {}): Promise<ClaudeSimulator> {
  const ctx = simContext(opts);
  const batches = new BatchStore(ctx, opts.batchProcessingMs ?? 60_000);
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const requestId = rid('req');
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname.replace(/\/+$/, '');
    const handle = async () => {
      if (path === '/v1/messages' && req.method === 'POST') return handleMessages(ctx, req, res, requestId, false);
      if (path === '/v1/messages/count_tokens' && req.method === 'POST') return handleMessages(ctx, req, res, requestId, true);
      if (path === '/v1/messages/batches' || path.startsWith('/v1/messages/batches/')) {
        return batches.handle(req, res, requestId, path.slice('/v1/messages/batches'.length).split('/').filter(Boolean));
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
  batches.baseUrl = `http://127.0.0.1:${port}`;

  return {
    url: batches.baseUrl,
    port,
    truth: ctx.answers.truth,
    inject: (rule) => ctx.faults.inject(rule),
    clearFaults: () => ctx.faults.clear(),
    setLimits: (limits) => {
      ctx.buckets = makeBuckets(limits, ctx.timeScale);
    },
    setFaultRates: (r) => ctx.faults.setRates(r),
    requests: () => ctx.log.all(),
    resetLog: () => ctx.log.reset(),
    batchIds: () => batches.ids(),
    close: async () => {
      batches.stop();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** The state one simulator's handlers share, from its options. */
function simContext(opts: ClaudeSimOptions): SimContext {
  const scale = opts.timeScale ?? 1;
  if (!(scale > 0 && scale <= 1)) throw new RangeError(`timeScale must be in (0, 1], got ${scale}`);
  const seed = opts.seed ?? 1;
  const rng = new Rng(mixSeed(seed, 0x51a));
  const origin = Date.now();
  return {
    timeScale: scale,
    rng,
    latency: { medianMs: 2100, sigma: 0.3, minMs: 150, ...opts.latency },
    faults: new FaultInjector(rng, opts.faults ?? {}, origin, scale),
    buckets: makeBuckets(opts.limits ?? {}, scale),
    cache: new PromptCache(scale),
    answers: { truth: new TruthRegistry(), noise: opts.noise ?? DEFAULT_NOISE, seed, answerEveryQuestion: opts.answerEveryQuestion ?? false },
    log: new RequestLog(origin),
    accepts: (key) => {
      if (opts.forbiddenKeys?.includes(key)) return 'forbidden';
      if (opts.apiKeys) return opts.apiKeys.includes(key) ? 'ok' : 'unknown';
      return key.startsWith('sk-ant-') ? 'ok' : 'unknown';
    },
  };
}
