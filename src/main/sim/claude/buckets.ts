import { iso } from './http';

/**
 * The simulator's rate limits: token buckets per minute of simulated time, refilled
 * continuously ("your capacity is continuously replenished up to your maximum limit"). The
 * bucket holds `burstSeconds` of the limit — the docs' example of 60 RPM "enforced as 1 request
 * per second" — so a client cannot spend a whole minute's budget in one burst.
 */
export class SimBucket {
  private level: number;
  private last: number;
  readonly capacity: number;
  /** Units per wall millisecond. */
  private readonly rate: number;

  constructor(
    readonly limitPerMinute: number,
    burstSeconds: number,
    timeScale: number,
    now: number,
  ) {
    this.capacity = Math.max(1, (limitPerMinute * burstSeconds) / 60);
    this.rate = limitPerMinute / (60_000 * timeScale);
    this.level = this.capacity;
    this.last = now;
  }

  private refill(now: number): void {
    this.level = Math.min(this.capacity, this.level + (now - this.last) * this.rate);
    this.last = now;
  }

  /**
   * Take `n` if the bucket holds it (a request larger than the whole bucket passes when the bucket
   * is full); otherwise return the wall ms until it would.
   */
  tryTake(n: number, now: number): { ok: true } | { ok: false; waitMs: number } {
    this.refill(now);
    const need = Math.min(n, this.capacity);
    if (this.level >= need) {
      this.level -= n;
      return { ok: true };
    }
    return { ok: false, waitMs: (need - this.level) / this.rate };
  }

  /** Wall ms until `n` could be taken (0 = now), without taking it. */
  waitFor(n: number, now: number): number {
    this.refill(now);
    const need = Math.min(n, this.capacity);
    return this.level >= need ? 0 : (need - this.level) / this.rate;
  }

  /** Deduct after the fact (output tokens are known only at the end); may go negative. */
  charge(n: number, now: number): void {
    this.refill(now);
    this.level -= n;
  }

  /** For the headers: what is left scaled to the per-minute limit, and when the bucket is full again (wall ms). */
  view(now: number): { limit: number; remaining: number; resetAt: number } {
    this.refill(now);
    const remaining = Math.max(0, Math.floor((this.limitPerMinute * this.level) / this.capacity));
    return { limit: this.limitPerMinute, remaining, resetAt: now + Math.max(0, (this.capacity - this.level) / this.rate) };
  }

  /** Empty it (a burst of 429s the tests inject starts from nothing left). */
  drain(now: number): void {
    this.refill(now);
    this.level = Math.min(this.level, 0);
  }
}

export interface SimLimits {
  rpm?: number;
  itpm?: number;
  otpm?: number;
  /** Seconds of the per-minute limit one burst may use (default 1). */
  burstSeconds?: number;
}

/** The three limits the API enforces per organization. */
export interface SimBuckets {
  rpm: SimBucket;
  itpm: SimBucket;
  otpm: SimBucket;
}

export function makeBuckets(l: SimLimits, timeScale: number): SimBuckets {
  const burst = l.burstSeconds ?? 1;
  const now = Date.now();
  return {
    rpm: new SimBucket(l.rpm ?? 4000, burst, timeScale, now),
    itpm: new SimBucket(l.itpm ?? 2_000_000, burst, timeScale, now),
    otpm: new SimBucket(l.otpm ?? 400_000, burst, timeScale, now),
  };
}

/** The `anthropic-ratelimit-*` headers every response carries. */
export function rateLimitHeaders(buckets: SimBuckets, now: number): Record<string, string> {
  const h: Record<string, string> = {};
  const views = { requests: buckets.rpm.view(now), 'input-tokens': buckets.itpm.view(now), 'output-tokens': buckets.otpm.view(now) };
  for (const [name, v] of Object.entries(views)) {
    h[`anthropic-ratelimit-${name}-limit`] = String(v.limit);
    h[`anthropic-ratelimit-${name}-remaining`] = String(v.remaining);
    h[`anthropic-ratelimit-${name}-reset`] = iso(v.resetAt);
  }
  // "tokens": the most restrictive token limit in effect, remaining rounded to the thousand.
  const tight = views['input-tokens'].remaining / views['input-tokens'].limit <= views['output-tokens'].remaining / views['output-tokens'].limit ? views['input-tokens'] : views['output-tokens'];
  h['anthropic-ratelimit-tokens-limit'] = String(tight.limit);
  h['anthropic-ratelimit-tokens-remaining'] = String(Math.round(tight.remaining / 1000) * 1000);
  h['anthropic-ratelimit-tokens-reset'] = iso(tight.resetAt);
  return h;
}
