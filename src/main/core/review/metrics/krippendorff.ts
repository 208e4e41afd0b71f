/**
 * Krippendorff's alpha over units of analysis with missing values, computed from the coincidence
 * matrix as in K. Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011):
 *   o_ck = Σ_u (pairs of values c,k in unit u) / (m_u − 1)   over units with m_u ≥ 2 values,
 *   n_c = Σ_k o_ck,  n = Σ_c n_c,
 *   α = 1 − (n − 1) · Σ_c,k o_ck δ²(c,k) / Σ_c,k n_c n_k δ²(c,k).
 * Units with fewer than two values are not pairable and do not count.
 */

export type AlphaLevel = 'nominal' | 'ordinal' | 'interval' | 'ratio';
export type AlphaValue = string | number;

/**
 * `units[u]` holds the values the coders gave unit u; `null`/`undefined` is a missing value (the
 * coder did not code the unit). Ordinal, interval and ratio need numbers. `null` when alpha is
 * undefined: fewer than two pairable values, or no variation at all (expected disagreement 0).
 */
export function krippendorffAlpha(units: readonly (readonly (AlphaValue | null | undefined)[])[], level: AlphaLevel = 'nominal'): number | null {
  // Coincidences accumulated per unit from value counts, so a unit costs O(distinct values²).
  const coincidences = new Map<AlphaValue, Map<AlphaValue, number>>();
  const add = (c: AlphaValue, k: AlphaValue, v: number) => {
    let row = coincidences.get(c);
    if (!row) coincidences.set(c, (row = new Map()));
    row.set(k, (row.get(k) ?? 0) + v);
  };
  for (const unit of units) {
    const counts = new Map<AlphaValue, number>();
    let m = 0;
    for (const v of unit) {
      if (v === null || v === undefined) continue;
      if (level !== 'nominal' && (typeof v !== 'number' || !Number.isFinite(v))) throw new Error(`krippendorffAlpha: ${level} data must be finite numbers, got ${JSON.stringify(v)}`);
      counts.set(v, (counts.get(v) ?? 0) + 1);
      m++;
    }
    if (m < 2) continue;
    for (const [c, nc] of counts) {
      for (const [k, nk] of counts) add(c, k, (c === k ? nc * (nc - 1) : nc * nk) / (m - 1));
    }
  }
  const values = [...coincidences.keys()];
  if (level !== 'nominal') (values as number[]).sort((a, b) => a - b);
  const nOf = new Map(values.map((c) => [c, [...coincidences.get(c)!.values()].reduce((s, v) => s + v, 0)]));
  const n = [...nOf.values()].reduce((s, v) => s + v, 0);
  if (n < 2) return null;

  let delta: (c: AlphaValue, k: AlphaValue) => number;
  if (level === 'nominal') delta = (c, k) => (c === k ? 0 : 1);
  else if (level === 'interval') delta = (c, k) => ((c as number) - (k as number)) ** 2;
  else if (level === 'ratio') delta = (c, k) => (c === k ? 0 : (((c as number) - (k as number)) / ((c as number) + (k as number))) ** 2);
  else {
    // Ordinal: the squared sum of the marginals between the two ranks, less half of each end.
    const rank = new Map(values.map((c, i) => [c, i]));
    const prefix = [0];
    for (const c of values) prefix.push(prefix.at(-1)! + nOf.get(c)!);
    delta = (c, k) => {
      const [lo, hi] = [rank.get(c)!, rank.get(k)!].sort((a, b) => a - b) as [number, number];
      return (prefix[hi + 1]! - prefix[lo]! - (nOf.get(c)! + nOf.get(k)!) / 2) ** 2;
    };
  }

  let observed = 0;
  let expected = 0;
  for (const c of values) {
    for (const k of values) {
      const d = delta(c, k);
      if (d === 0) continue;
      observed += (coincidences.get(c)!.get(k) ?? 0) * d;
      expected += nOf.get(c)! * nOf.get(k)! * d;
    }
  }
  if (expected === 0) return null;
  return 1 - ((n - 1) * observed) / expected;
}
