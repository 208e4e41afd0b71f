/** Percentiles and histograms for the pool's performance figures. */

/** Nearest-rank percentile of a list (0 < p ≤ 100); null for an empty list. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
  count: number;
}

export function summarize(values: readonly number[]): Percentiles {
  const round = (v: number | null) => (v === null ? null : Math.round(v));
  return {
    p50: round(percentile(values, 50)),
    p95: round(percentile(values, 95)),
    p99: round(percentile(values, 99)),
    max: round(values.length ? Math.max(...values) : null),
    mean: round(values.length ? values.reduce((a, b) => a + b, 0) / values.length : null),
    count: values.length,
  };
}

/** Upper edges (ms) of the latency histogram's buckets; the last bucket is open-ended. */
export const LATENCY_BUCKETS_MS = [250, 500, 1000, 1500, 2000, 2500, 3000, 4000, 6000, 8000, 12_000, 20_000, 30_000, 60_000, 120_000] as const;

export interface HistogramBucket {
  /** Inclusive lower and exclusive upper edge in ms; `upToMs` null = no upper edge. */
  fromMs: number;
  upToMs: number | null;
  count: number;
}

export function histogram(values: readonly number[], edges: readonly number[] = LATENCY_BUCKETS_MS): HistogramBucket[] {
  const buckets: HistogramBucket[] = edges.map((upTo, i) => ({ fromMs: i === 0 ? 0 : edges[i - 1]!, upToMs: upTo, count: 0 }));
  buckets.push({ fromMs: edges[edges.length - 1] ?? 0, upToMs: null, count: 0 });
  for (const v of values) {
    const i = edges.findIndex((e) => v < e);
    buckets[i === -1 ? buckets.length - 1 : i]!.count++;
  }
  return buckets;
}
