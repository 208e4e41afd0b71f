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
