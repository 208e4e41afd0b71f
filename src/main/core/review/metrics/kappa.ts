/**
 * Chance-corrected agreement on categories: Cohen's kappa (two raters, optionally weighted) and
 * Fleiss' kappa (any fixed number of raters per subject). Pure functions; undefined values (no
 * items, or agreement expected by chance is already total) are `null`, never NaN, so they survive
 * JSON.
 */

export type KappaWeights = 'linear' | 'quadratic';

export interface CohenKappaOptions {
  /** The categories, in order (weights use their positions). Default: every value seen, sorted. */
  labels?: readonly string[];
  weights?: KappaWeights;
}

const sortedCategories = (values: Iterable<string>): string[] => [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * Cohen's kappa, computed the way scikit-learn's `cohen_kappa_score` does:
 * κ = 1 − Σ w·O / Σ w·E over the confusion matrix O and the outer product E of its marginals,
 * with w = 1 off the diagonal (unweighted), |i−j| (linear) or (i−j)² (quadratic). Items whose
 * category is not in `labels` are left out, as sklearn's confusion_matrix leaves them out.
 */
export function cohenKappa(y1: readonly string[], y2: readonly string[], opts: CohenKappaOptions = {}): number | null {
  if (y1.length !== y2.length) throw new Error(`cohenKappa: the raters rated different numbers of items (${y1.length} and ${y2.length})`);
  const labels = opts.labels ? [...opts.labels] : sortedCategories([...y1, ...y2]);
  const index = new Map(labels.map((l, i) => [l, i]));
  const k = labels.length;
  const confusion: number[][] = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let n = 0;
  for (let i = 0; i < y1.length; i++) {
    const a = index.get(y1[i]!);
    const b = index.get(y2[i]!);
    if (a === undefined || b === undefined) continue;
    confusion[a]![b]! += 1;
    n++;
  }
  return cohenKappaFromConfusion(confusion, n, opts.weights);
}

/**
 * Cohen's kappa from a k×k confusion matrix (rows: the first rater's categories, columns: the
 * second's, in the categories' order) holding `n` items; what `cohenKappa` computes once it has
 * counted the items.
 */
export function cohenKappaFromConfusion(confusion: readonly (readonly number[])[], n: number, weights?: KappaWeights): number | null {
  const k = confusion.length;
  if (n === 0) return null;
  const rows = confusion.map((r) => r.reduce((s, v) => s + v, 0));
  const cols = confusion.map((_, j) => confusion.reduce((s, r) => s + r[j]!, 0));
  const weight = (i: number, j: number): number => (weights === 'linear' ? Math.abs(i - j) : weights === 'quadratic' ? (i - j) ** 2 : i === j ? 0 : 1);
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const w = weight(i, j);
      if (w === 0) continue;
      observed += w * confusion[i]![j]!;
      expected += (w * rows[i]! * cols[j]!) / n;
    }
  }
  // Both raters used one and the same category throughout: chance explains everything.
  if (expected === 0) return null;
  return 1 - observed / expected;
}

/**
 * Fleiss' kappa (Fleiss 1971). `counts[i][j]` is how many raters put subject i in category j;
 * every subject must have the same number of ratings n ≥ 2.
 * P_i = (Σ_j n_ij² − n) / (n(n−1)), P̄ = mean P_i, p_j = Σ_i n_ij / (N n), P̄e = Σ p_j²,
 * κ = (P̄ − P̄e) / (1 − P̄e).
 */
export function fleissKappa(counts: readonly (readonly number[])[]): number | null {
  if (counts.length === 0) return null;
  const n = counts[0]!.reduce((s, v) => s + v, 0);
  const k = counts[0]!.length;
  if (n < 2) throw new Error('fleissKappa: every subject needs at least two ratings');
  const totals = new Array<number>(k).fill(0);
  let sumP = 0;
  for (const [i, row] of counts.entries()) {
    if (row.length !== k) throw new Error(`fleissKappa: subject ${i} has ${row.length} categories, expected ${k}`);
    const ratings = row.reduce((s, v) => s + v, 0);
    if (ratings !== n) throw new Error(`fleissKappa: subject ${i} has ${ratings} ratings, expected ${n} like the first`);
    let squares = 0;
    row.forEach((v, j) => {
      squares += v * v;
      totals[j]! += v;
    });
    sumP += (squares - n) / (n * (n - 1));
  }
  const N = counts.length;
  const pBar = sumP / N;
  const pe = totals.reduce((s, t) => s + (t / (N * n)) ** 2, 0);
  if (pe === 1) return null;
  return (pBar - pe) / (1 - pe);
}

/** Fleiss' `counts` matrix from each subject's ratings (one category per rater). */
export function fleissCounts(subjects: readonly (readonly string[])[], categories?: readonly string[]): { categories: string[]; counts: number[][] } {
  const cats = categories ? [...categories] : sortedCategories(subjects.flat());
  const index = new Map(cats.map((c, i) => [c, i]));
  const counts = subjects.map((ratings) => {
    const row = new Array<number>(cats.length).fill(0);
    for (const r of ratings) {
      const j = index.get(r);
      if (j === undefined) throw new Error(`fleissCounts: category "${r}" is not in the category list`);
      row[j]! += 1;
    }
    return row;
  });
  return { categories: cats, counts };
}
