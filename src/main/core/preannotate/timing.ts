/**
 * The pool's notion of time. In the app one pool millisecond is one real millisecond. Against the
 * simulator, tests and benchmarks compress time by a factor (`timeScale` 0.1 = ten times faster):
 * the simulator's latencies, its per-minute buckets and its retry-after seconds are scaled by the
 * same factor, so every figure the pool records (latency, throughput, backoff) stays in the
 * simulated service's own seconds and minutes.
 */
export interface PoolTime {
  readonly scale: number;
  /** Monotonic milliseconds of simulated time. */
  now(): number;
  /** Sleep `ms` of simulated time; rejects with the signal's reason when it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Simulated milliseconds until an absolute wall-clock time (e.g. an RFC 3339 reset header). */
  untilWall(epochMs: number): number;
}

export function poolTime(timeScale = 1): PoolTime {
  if (!(timeScale > 0 && timeScale <= 1)) throw new RangeError(`timeScale must be in (0, 1], got ${timeScale}`);
  const origin = performance.now();
  return {
    scale: timeScale,
    now: () => (performance.now() - origin) / timeScale,
    untilWall: (epochMs) => (epochMs - Date.now()) / timeScale,
    sleep: (ms, signal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) {
          reject(signal.reason);
          return;
        }
        const timer = setTimeout(
          () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          },
          Math.max(0, ms * timeScale),
        );
        const onAbort = () => {
          clearTimeout(timer);
          reject(signal!.reason);
        };
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
  };
}
