/**
 * Timings for `npm run bench:canvas`: when the benchmark sets `window.__folioPerf = {}`, named
 * durations are collected there; otherwise this costs one property read.
 */
export function recordPerf(name: string, ms: number): void {
  const sink = (window as unknown as { __folioPerf?: Record<string, number[]> }).__folioPerf;
  if (sink) (sink[name] ??= []).push(ms);
}
