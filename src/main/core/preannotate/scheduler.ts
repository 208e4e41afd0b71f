import type { AttemptOutcome } from './classify';
import type { PoolTime } from './timing';

/**
 * When the pool may send its next request, and how long a failed page waits before its next
 * attempt. Two implementations:
 *
 *  - `AdaptiveScheduler` (Folio's pool). Client-side token buckets for requests and input tokens
 *    per minute, filled at the rates the `anthropic-ratelimit-*-limit` headers announce, keep the
 *    pool just under the account's limits instead of bouncing off them. The number of requests in
 *    flight follows Little's law (allowed rate × observed latency, with margin), so concurrency is
 *    never what holds the pool back; before any limit is known it starts low and grows one slot
 *    per success (slow start), halving on a 429 or 529. A 429 pauses every dispatch until its
 *    `retry-after` and lowers the pacing factor, which creeps back while requests succeed;
 *    `remaining` headers that run low pull the pace down too. Retries back off exponentially with
 *    jitter, honouring `retry-after`.
 *  - `FixedScheduler`: N workers, a fixed gap between dispatches and a fixed backoff list — the
 *    configuration Folio replaces, kept as the benchmark's baseline (and N = 1 is the sequential
 *    one).
 */

export interface RateLimits {
  rpm: number | null;
  itpm: number | null;
  otpm: number | null;
}

export interface SchedulerSnapshot {
  kind: 'adaptive' | 'fixed';
  concurrency: number;
  inFlight: number;
  /** Fraction of the announced limits the pool paces itself at (adaptive only). */
  paceFactor: number | null;
  limits: RateLimits;
  /** Simulated ms until dispatch resumes after a 429, or 0. */
  pausedForMs: number;
  /** Input tokens per request Folio expects relative to its own estimate (learned from usage). */
  tokenCalibration: number;
}

export interface Permit {
  readonly id: number;
  readonly sentAt: number;
}

export interface SuccessSignal {
  headers: Headers | null;
  latencyMs: number;
  /** ITPM-counted tokens the response reported, and what Folio had estimated. */
  actualInputTokens: number;
  estimatedInputTokens: number;
}

export interface Scheduler {
  readonly kind: 'adaptive' | 'fixed';
  /** Hold a worker through a page's retries (the old fixed pool) instead of freeing it. */
  readonly holdDuringBackoff: boolean;
  /** Wall-clock deadline of one attempt, in simulated ms. */
  readonly attemptDeadlineMs: number;
  /** Timeout until response headers (the SDK's own timeout), in simulated ms. */
  readonly headerTimeoutMs: number;
  /** Wait for leave to send one request expected to count `inputTokens` against ITPM. */
  acquire(inputTokens: number, signal: AbortSignal): Promise<Permit>;
  succeeded(permit: Permit, signal: SuccessSignal): void;
  failed(permit: Permit, outcome: AttemptOutcome, headers: Headers | null): void;
  /** Give the slot back without a verdict (an attempt never sent, or aborted). */
  release(permit: Permit): void;
  /** Simulated ms before the next attempt after `attempts` failed ones, or null to give up. */
  retryDelay(outcome: AttemptOutcome & { kind: 'retry' }, attempts: number): number | null;
  snapshot(): SchedulerSnapshot;
}

/** A token bucket in simulated milliseconds. A request bigger than the bucket passes when it is full. */
export class TokenBucket {
  private level: number;
  private last: number;

  constructor(
    private capacity: number,
    private ratePerMs: number,
    now: number,
  ) {
    this.level = capacity;
    this.last = now;
  }

  configure(capacity: number, ratePerMs: number, now: number): void {
    this.refill(now);
    this.capacity = capacity;
    this.ratePerMs = ratePerMs;
    this.level = Math.min(this.level, capacity);
  }

  private refill(now: number): void {
    this.level = Math.min(this.capacity, this.level + (now - this.last) * this.ratePerMs);
    this.last = now;
  }

  /** Milliseconds until `n` can be taken (0 = now). */
  waitFor(n: number, now: number): number {
    this.refill(now);
    const need = Math.min(n, this.capacity);
    if (this.level >= need) return 0;
    return (need - this.level) / this.ratePerMs;
  }

  take(n: number, now: number): void {
    this.refill(now);
    this.level -= n;
  }

  /** Lower the level to at most `level` (the server says fewer are left than we think). */
  clampTo(level: number, now: number): void {
    this.refill(now);
    this.level = Math.min(this.level, level);
  }

  get fill(): number {
    return this.level;
  }
}

/** Wakes everyone waiting for a change (a slot freed, a limit learned, a pause lifted). */
class Signal {
  private waiters: (() => void)[] = [];
  wait(time: PoolTime, maxMs: number, abort: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        ac.abort();
        abort.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        if (done) return;
        done = true;
        ac.abort();
        reject(abort.reason);
      };
      const ac = new AbortController();
      this.waiters.push(finish);
      abort.addEventListener('abort', onAbort, { once: true });
      if (Number.isFinite(maxMs)) time.sleep(Math.max(0, maxMs), ac.signal).then(finish, () => undefined);
    });
  }
  notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** Run async sections one at a time (a single dispatcher is assumed, but callers may overlap). */
class Mutex {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

const headerNumber = (h: Headers | null, name: string): number | null => {
  const v = h?.get(name);
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
};

export interface AdaptiveOptions {
  /** Hard cap on requests in flight (also the user's `--concurrency N`, which disables growth). */
  maxConcurrency?: number;
  /** Fixed concurrency instead of adapting (still paced by the limits). */
  fixedConcurrency?: number;
  /** First guess of one request's latency, until some are measured (the model table's typicalLatencyMs). */
  latencyPriorMs?: number;
  /** Give up on a page after this many attempts of the transient kinds. */
  maxAttempts?: number;
  attemptDeadlineMs?: number;
  headerTimeoutMs?: number;
  random?: () => number;
}

export class AdaptiveScheduler implements Scheduler {
  readonly kind = 'adaptive' as const;
  readonly holdDuringBackoff = false;
  readonly attemptDeadlineMs: number;
  readonly headerTimeoutMs: number;

  private readonly maxConcurrency: number;
  private readonly fixedConcurrency: number | null;
  private readonly maxAttempts: number;
  private readonly random: () => number;
  private readonly changed = new Signal();
  private readonly mutex = new Mutex();

  private limits: RateLimits = { rpm: null, itpm: null, otpm: null };
  private requestBucket: TokenBucket | null = null;
  private tokenBucket: TokenBucket | null = null;
  /** Fraction of the announced rate we pace at; lowered by 429s, recovers with successes. */
  private pace = 0.99;
  private static readonly MAX_PACE = 0.99;
  /** Slow start while no limit is known. */
  private cwnd = 2;
  private ssthresh = Infinity;
  /** Multiplier on the Little's-law target, lowered by 529s (the service is overloaded, not us). */
  private overloadFactor = 1;
  private inFlight = 0;
  private pausedUntil = 0;
  private lastDecrease = -Infinity;
  private calibration = 1;
  private latencies: number[] = [];
  private nextId = 1;
  private blockedBySlots = false;

  constructor(
    private readonly time: PoolTime,
    opts: AdaptiveOptions = {},
  ) {
    this.maxConcurrency = opts.maxConcurrency ?? 64;
    this.fixedConcurrency = opts.fixedConcurrency ?? null;
    this.maxAttempts = opts.maxAttempts ?? 10;
    this.attemptDeadlineMs = opts.attemptDeadlineMs ?? 180_000;
    this.headerTimeoutMs = opts.headerTimeoutMs ?? 120_000;
    this.random = opts.random ?? Math.random;
    if (opts.latencyPriorMs) this.latencies.push(opts.latencyPriorMs);
  }

  /** A high percentile of recent latencies: slots are cheap when the buckets do the pacing. */
  private latencyEstimate(): number {
    if (this.latencies.length === 0) return 2000;
    const sorted = [...this.latencies].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))]!;
  }

  /** Requests per simulated ms the limits allow at the current pace, or null when unknown. */
  private allowedRatePerMs(expectedTokens: number): number | null {
    const rates: number[] = [];
    if (this.limits.rpm) rates.push((this.limits.rpm / 60_000) * this.pace);
    if (this.limits.itpm && expectedTokens > 0) rates.push(((this.limits.itpm / 60_000) * this.pace) / expectedTokens);
    return rates.length ? Math.min(...rates) : null;
  }

  private lastExpectedTokens = 0;

  concurrencyLimit(): number {
    if (this.fixedConcurrency !== null) return this.fixedConcurrency;
    const rate = this.allowedRatePerMs(this.lastExpectedTokens);
    if (rate === null) return Math.max(1, Math.min(this.maxConcurrency, Math.floor(this.cwnd)));
    const target = Math.ceil(rate * this.latencyEstimate() * 1.5 * this.overloadFactor) + 2;
    return Math.max(1, Math.min(this.maxConcurrency, target));
  }

  acquire(inputTokens: number, signal: AbortSignal): Promise<Permit> {
    return this.mutex.run(async () => {
      const tokens = Math.max(1, Math.round(inputTokens * this.calibration));
      this.lastExpectedTokens = tokens;
      for (;;) {
        if (signal.aborted) throw signal.reason;
        const now = this.time.now();
        if (now < this.pausedUntil) {
          await this.changed.wait(this.time, this.pausedUntil - now, signal);
          continue;
        }
        if (this.inFlight >= this.concurrencyLimit()) {
          this.blockedBySlots = true;
          await this.changed.wait(this.time, Infinity, signal);
          continue;
        }
        const wait = Math.max(this.requestBucket?.waitFor(1, now) ?? 0, this.tokenBucket?.waitFor(tokens, now) ?? 0);
        if (wait > 0) {
          await this.changed.wait(this.time, wait, signal);
          continue;
        }
        this.requestBucket?.take(1, now);
        this.tokenBucket?.take(tokens, now);
        this.inFlight++;
        return { id: this.nextId++, sentAt: now };
      }
    });
  }

  private learn(headers: Headers | null): void {
    if (!headers) return;
    const now = this.time.now();
    const rpm = headerNumber(headers, 'anthropic-ratelimit-requests-limit');
    const itpm = headerNumber(headers, 'anthropic-ratelimit-input-tokens-limit') ?? headerNumber(headers, 'anthropic-ratelimit-tokens-limit');
    const otpm = headerNumber(headers, 'anthropic-ratelimit-output-tokens-limit');
    if (rpm && rpm > 0) {
      this.limits.rpm = rpm;
      if (!this.requestBucket) this.requestBucket = new TokenBucket(this.requestCapacity(), (rpm / 60_000) * this.pace, now);
    }
    if (itpm && itpm > 0) {
      this.limits.itpm = itpm;
      if (!this.tokenBucket) this.tokenBucket = new TokenBucket(this.tokenCapacity(), (itpm / 60_000) * this.pace, now);
    }
    this.reconfigure(now);
    if (otpm && otpm > 0) this.limits.otpm = otpm;
    // The server's view of what is left: when it runs low, slow down a little.
    const reqLeft = headerNumber(headers, 'anthropic-ratelimit-requests-remaining');
    const tokLeft = headerNumber(headers, 'anthropic-ratelimit-input-tokens-remaining');
    const low = (left: number | null, limit: number | null) => left !== null && limit !== null && limit > 0 && left / limit < 0.15;
    if (low(reqLeft, this.limits.rpm) || low(tokLeft, this.limits.itpm)) {
      this.pace = Math.max(0.5, this.pace * 0.97);
      this.reconfigure(now);
    }
  }

  /**
   * Half a second of the limit (at least one request or one page): enough that a timer firing a
   * little late does not throw refill away, while staying well inside a server bucket that holds
   * even one second ("60 RPM may be enforced as 1 request per second").
   */
  private static readonly BURST_MS = 500;

  private requestCapacity(): number {
    return Math.max(1, ((this.limits.rpm ?? 0) / 60_000) * AdaptiveScheduler.BURST_MS);
  }

  private tokenCapacity(): number {
    return Math.max(this.lastExpectedTokens, ((this.limits.itpm ?? 0) / 60_000) * AdaptiveScheduler.BURST_MS, 1);
  }

  private reconfigure(now: number): void {
    if (this.limits.rpm && this.requestBucket) this.requestBucket.configure(this.requestCapacity(), (this.limits.rpm / 60_000) * this.pace, now);
    if (this.limits.itpm && this.tokenBucket) this.tokenBucket.configure(this.tokenCapacity(), (this.limits.itpm / 60_000) * this.pace, now);
  }

  private done(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.changed.notify();
  }

  succeeded(_permit: Permit, s: SuccessSignal): void {
    this.learn(s.headers);
    this.latencies.push(s.latencyMs);
    if (this.latencies.length > 64) this.latencies.shift();
    if (s.estimatedInputTokens > 0 && s.actualInputTokens > 0) {
      // Both counts are for the raw estimate, so the ratio is the calibration itself (smoothed).
      this.calibration = 0.8 * this.calibration + 0.2 * (s.actualInputTokens / s.estimatedInputTokens);
    }
    if (this.pace < AdaptiveScheduler.MAX_PACE) {
      // Additive increase: back to full pace about twenty answers after a 10 % cut.
      this.pace = Math.min(AdaptiveScheduler.MAX_PACE, this.pace + 0.005);
      this.reconfigure(this.time.now());
    }
    this.overloadFactor = Math.min(1, this.overloadFactor + 0.02);
    if (this.blockedBySlots) {
      this.cwnd += this.cwnd < this.ssthresh ? 1 : 1 / this.cwnd;
      this.blockedBySlots = false;
    }
    this.done();
  }

  failed(_permit: Permit, outcome: AttemptOutcome, headers: Headers | null): void {
    this.learn(headers);
    const now = this.time.now();
    if (outcome.kind === 'retry' && outcome.reason === 'rate_limit') {
      // Everyone waits: a 429 is about the account, not this page.
      const wait = outcome.retryAfterMs ?? 1000;
      this.pausedUntil = Math.max(this.pausedUntil, now + wait);
      // Requests sent together fail together: one slow-down per congestion event (once per
      // latency, like TCP's once per round trip), not one per 429 of the same burst.
      if (now - this.lastDecrease > Math.max(1000, this.latencyEstimate())) {
        this.lastDecrease = now;
        this.pace = Math.max(0.5, this.pace * 0.9);
        this.ssthresh = Math.max(1, this.cwnd / 2);
        this.cwnd = this.ssthresh;
      }
      this.reconfigure(now);
      // The server's bucket is empty: ours should be too.
      this.requestBucket?.clampTo(0, now);
      this.tokenBucket?.clampTo(0, now);
    } else if (outcome.kind === 'retry' && outcome.reason === 'overloaded') {
      this.overloadFactor = Math.max(0.5, this.overloadFactor * 0.9);
      this.ssthresh = Math.max(1, this.cwnd / 2);
      this.cwnd = Math.max(1, this.cwnd * 0.7);
    }
    this.done();
  }

  release(_permit: Permit): void {
    this.done();
  }

  retryDelay(outcome: AttemptOutcome & { kind: 'retry' }, attempts: number): number | null {
    if (attempts >= this.maxAttempts) return null;
    const backoff = Math.min(30_000, 500 * 2 ** Math.max(0, attempts - 1));
    // "Equal jitter": half fixed, half random, so retries of a burst spread out.
    const jittered = backoff / 2 + (this.random() * backoff) / 2;
    if (outcome.retryAfterMs !== null) return outcome.retryAfterMs + this.random() * 250;
    return jittered;
  }

  snapshot(): SchedulerSnapshot {
    return {
      kind: 'adaptive',
      concurrency: this.concurrencyLimit(),
      inFlight: this.inFlight,
      paceFactor: Math.round(this.pace * 1000) / 1000,
      limits: { ...this.limits },
      pausedForMs: Math.max(0, this.pausedUntil - this.time.now()),
      tokenCalibration: Math.round(this.calibration * 1000) / 1000,
    };
  }
}

export interface FixedOptions {
  workers: number;
  /** Minimum gap between two dispatches, simulated ms. */
  spacingMs: number;
  /** Delay before retry 1, 2, 3 …; its length is the number of retries. */
  backoffMs: number[];
  timeoutMs: number;
}

/** The pool Folio replaces: fixed workers and spacing, fixed backoff, `retry-after` ignored. */
export class FixedScheduler implements Scheduler {
  readonly kind = 'fixed' as const;
  readonly holdDuringBackoff = true;
  readonly attemptDeadlineMs: number;
  readonly headerTimeoutMs: number;
  private inFlight = 0;
  private lastDispatch = -Infinity;
  private readonly changed = new Signal();
  private readonly mutex = new Mutex();
  private nextId = 1;

  constructor(
    private readonly time: PoolTime,
    private readonly opts: FixedOptions,
  ) {
    if (!Number.isInteger(opts.workers) || opts.workers < 1) throw new RangeError(`workers must be a positive integer, got ${opts.workers}`);
    this.attemptDeadlineMs = opts.timeoutMs;
    this.headerTimeoutMs = opts.timeoutMs;
  }

  acquire(_inputTokens: number, signal: AbortSignal): Promise<Permit> {
    return this.mutex.run(async () => {
      while (this.inFlight >= this.opts.workers) await this.changed.wait(this.time, Infinity, signal);
      const now = this.time.now();
      const at = Math.max(now, this.lastDispatch + this.opts.spacingMs);
      this.lastDispatch = at;
      if (at > now) await this.time.sleep(at - now, signal);
      this.inFlight++;
      return { id: this.nextId++, sentAt: this.time.now() };
    });
  }

  /** The held worker sends its next attempt after the fixed spacing, like a fresh dispatch. */
  private done(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.changed.notify();
  }
  succeeded(): void {
    this.done();
  }
  failed(): void {
    this.done();
  }
  release(): void {
    this.done();
  }

  retryDelay(_outcome: AttemptOutcome & { kind: 'retry' }, attempts: number): number | null {
    return this.opts.backoffMs[attempts - 1] ?? null;
  }

  snapshot(): SchedulerSnapshot {
    return {
      kind: 'fixed',
      concurrency: this.opts.workers,
      inFlight: this.inFlight,
      paceFactor: null,
      limits: { rpm: null, itpm: null, otpm: null },
      pausedForMs: 0,
      tokenCalibration: 1,
    };
  }
}

/** The fixed configuration the adaptive pool replaced: 4 workers, 200 ms apart, 3 retries after 1, 2 and 4 s, 60 s timeout. */
export const LEGACY_FIXED: FixedOptions = { workers: 4, spacingMs: 200, backoffMs: [1000, 2000, 4000], timeoutMs: 60_000 };
export const SEQUENTIAL: FixedOptions = { workers: 1, spacingMs: 0, backoffMs: [1000, 2000, 4000], timeoutMs: 60_000 };
