import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { cpus, totalmem } from 'node:os';

/** Event-loop stalls while `fn` runs (1 ms resolution): the longest and the 99th percentile, in ms. */
export async function measureEventLoop<T>(fn: () => Promise<T>): Promise<{ result: T; maxStallMs: number; p99DelayMs: number }> {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  try {
    const result = await fn();
    return { result, maxStallMs: histogram.max / 1e6, p99DelayMs: histogram.percentile(99) / 1e6 };
  } finally {
    histogram.disable();
  }
}

export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

export const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;
