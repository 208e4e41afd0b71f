import type { Rng } from '../../core/synth/random';
import { rateLimitHeaders, type SimBuckets } from './buckets';
import type { AnswerSource } from './compose';
import type { FaultInjector } from './faults';
import type { PromptCache } from './promptCache';

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

/** One line of the request log as a handler reports it; the rest defaults to nothing. */
export type SimRequestEntry = Partial<SimRequestLog> & Pick<SimRequestLog, 'endpoint' | 'status' | 'cause'>;

/** The log of every request the simulator answered, in order. */
export class RequestLog {
  private readonly lines: SimRequestLog[] = [];

  constructor(private readonly origin: number) {}

  record(e: SimRequestEntry): void {
    this.lines.push({ at: Date.now() - this.origin, documentId: null, model: null, itpmTokens: 0, inputTokens: 0, cacheRead: 0, cacheWrite: 0, outputTokens: 0, latencyMs: 0, ...e });
  }

  all(): SimRequestLog[] {
    return [...this.lines];
  }

  reset(): void {
    this.lines.length = 0;
  }
}

/**
 * The state every handler of one simulator shares. One seeded `rng` serves faults, latency and
 * batch order, so handlers must draw from it in the same order for a seeded run to replay.
 */
export interface SimContext {
  readonly timeScale: number;
  readonly rng: Rng;
  readonly latency: { medianMs: number; sigma: number; minMs: number };
  readonly faults: FaultInjector;
  /** Replaced whole by setLimits. */
  buckets: SimBuckets;
  readonly cache: PromptCache;
  readonly answers: AnswerSource;
  readonly log: RequestLog;
  accepts(key: string): 'ok' | 'unknown' | 'forbidden';
}

/** The `anthropic-ratelimit-*` headers as of now. */
export const rateHeaders = (ctx: SimContext): Record<string, string> => rateLimitHeaders(ctx.buckets, Date.now());

/** Wall ms one answer takes: log-normal around the median, never under the floor. */
export function sampleLatency(ctx: SimContext): number {
  const { medianMs, sigma, minMs } = ctx.latency;
  const z = Math.sqrt(-2 * Math.log(1 - ctx.rng.next())) * Math.cos(2 * Math.PI * ctx.rng.next());
  return Math.max(minMs, medianMs * Math.exp(sigma * z));
}
