import { describe, expect, it } from 'vitest';
import { cohenKappa, fleissCounts, fleissKappa, krippendorffAlpha } from '../../src/main/core/review/metrics';

/**
 * Chance-corrected agreement against published worked examples. Where a source prints 3 or 4
 * decimals, the test also checks the exact value of the same computation (a fraction worked out
 * by hand/with rational arithmetic from the published table) to 1e-6.
 */

const repeat = (pairs: [string, number][]): string[] => pairs.flatMap(([v, n]) => new Array<string>(n).fill(v));

describe("Cohen's kappa (scikit-learn cohen_kappa_score)", () => {
  it('reproduces the docstring example', () => {
    // https://scikit-learn.org/stable/modules/generated/sklearn.metrics.cohen_kappa_score.html
    // (Examples): y1 = [neg, pos, neg, neu, pos], y2 = [neg, pos, neg, neu, neg] → 0.6875.
    const y1 = ['negative', 'positive', 'negative', 'neutral', 'positive'];
    const y2 = ['negative', 'positive', 'negative', 'neutral', 'negative'];
    expect(cohenKappa(y1, y2)).toBeCloseTo(0.6875, 6);
    expect(cohenKappa(y2, y1)).toBeCloseTo(0.6875, 6);
  });

  it("reproduces sklearn's test_cohen_kappa (Artstein & Poesio 2008, tables 1 and 4, and the weighting example)", () => {
    // sklearn/metrics/tests/test_classification.py::test_cohen_kappa.
    // Table 1: contingency [[20, 20], [10, 50]] → 0.348 (3 d.p.); exactly (0.7 − 0.54)/(1 − 0.54) = 8/23.
    const a1 = repeat([['0', 40], ['1', 60]]);
    const b1 = repeat([['0', 20], ['1', 20], ['0', 10], ['1', 50]]);
    expect(cohenKappa(a1, b1)).toBeCloseTo(0.348, 3);
    expect(cohenKappa(a1, b1)).toBeCloseTo(8 / 23, 6);
    expect(cohenKappa(b1, a1)).toBe(cohenKappa(a1, b1));
    // Spurious labels outside `labels` are ignored.
    expect(cohenKappa([...a1, '2', '2', '2', '2'], [...b1, '2', '2', '2', '2'], { labels: ['0', '1'] })).toBe(cohenKappa(a1, b1));
    expect(cohenKappa(a1, a1)).toBeCloseTo(1, 6);

    // Table 4 (three classes): 0.8013 (4 d.p.); exactly 121/151.
    const a4 = repeat([['0', 46], ['1', 44], ['2', 10]]);
    const b4 = repeat([['0', 52], ['1', 32], ['2', 16]]);
    expect(cohenKappa(a4, b4)).toBeCloseTo(0.8013, 4);
    expect(cohenKappa(a4, b4)).toBeCloseTo(121 / 151, 6);

    // Weighting: none 0.9315, linear 0.9412, quadratic 0.9541 (4 d.p.); exactly 68/73, 16/17, 104/109.
    const bw = repeat([['0', 50], ['1', 40], ['2', 10]]);
    expect(cohenKappa(a4, bw)).toBeCloseTo(68 / 73, 6);
    expect(cohenKappa(a4, bw, { weights: 'linear' })).toBeCloseTo(16 / 17, 6);
    expect(cohenKappa(a4, bw, { weights: 'quadratic' })).toBeCloseTo(104 / 109, 6);
    expect(cohenKappa(a4, bw, { weights: 'linear' })).toBeCloseTo(0.9412, 4);
    expect(cohenKappa(a4, bw, { weights: 'quadratic' })).toBeCloseTo(0.9541, 4);
  });

  it('is null where it is undefined, and refuses ratings of different lengths', () => {
    expect(cohenKappa([], [])).toBeNull();
    expect(cohenKappa(['x', 'x'], ['x', 'x'])).toBeNull(); // p_e = 1
    expect(() => cohenKappa(['x'], ['x', 'y'])).toThrow(/different numbers of items/);
  });

  it('is 0 for agreement at chance level and negative below it', () => {
    expect(cohenKappa(['a', 'a', 'b', 'b'], ['a', 'b', 'a', 'b'])).toBeCloseTo(0, 12);
    expect(cohenKappa(['a', 'b'], ['b', 'a'])).toBeCloseTo(-1, 12);
  });
});

describe("Fleiss' kappa", () => {
  // Fleiss (1971) as worked on https://en.wikipedia.org/wiki/Fleiss%27_kappa#Worked_example:
  // 10 subjects, 14 raters, 5 categories; P̄ = 0.378, P̄e = 0.213, κ = 0.210 (3 d.p.).
  // Exactly: P̄ = 172/455, P̄e = Σ p_j² = 0.21275510…, κ = 4211/20059 = 0.20993070….
  const table = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
  ];

  it('reproduces the worked example', () => {
    expect(fleissKappa(table)).toBeCloseTo(0.21, 3);
    expect(fleissKappa(table)).toBeCloseTo(4211 / 20059, 6);
  });

  it('gives the same from raw ratings through fleissCounts', () => {
    const cats = ['1', '2', '3', '4', '5'];
    const subjects = table.map((row) => row.flatMap((n, j) => new Array<string>(n).fill(cats[j]!)));
    const { counts } = fleissCounts(subjects, cats);
    expect(counts).toEqual(table);
    expect(fleissKappa(counts)).toBeCloseTo(4211 / 20059, 6);
  });

  it('is 1 for perfect agreement and refuses uneven rater counts', () => {
    expect(fleissKappa([[3, 0], [0, 3], [3, 0]])).toBeCloseTo(1, 12);
    expect(() => fleissKappa([[3, 0], [1, 1]])).toThrow(/expected 3/);
    expect(fleissKappa([[2, 0], [2, 0]])).toBeNull();
  });
});

describe("Krippendorff's alpha", () => {
  // K. Krippendorff, "Computing Krippendorff's Alpha-Reliability" (2011),
  // https://repository.upenn.edu/asc_papers/43 — the example with missing data: 4 observers,
  // 12 units, values 1–5 ("." = not coded). Published: α_nominal = 0.743, α_ordinal = 0.815,
  // α_interval = 0.849, α_ratio = 0.797. The exact values of the same coincidence-matrix
  // computation: 113/152, 108577/133160, 951/1120, 18222619/22852465.
  const _ = null;
  const coders = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _], // A
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3], // B
    [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _], // C
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _], // D
  ];
  const units = coders[0]!.map((_v, u) => coders.map((c) => c[u]));

  it('reproduces the published values for every level of measurement', () => {
    expect(krippendorffAlpha(units, 'nominal')).toBeCloseTo(0.743, 3);
    expect(krippendorffAlpha(units, 'nominal')).toBeCloseTo(113 / 152, 6);
    expect(krippendorffAlpha(units, 'ordinal')).toBeCloseTo(0.815, 3);
    expect(krippendorffAlpha(units, 'ordinal')).toBeCloseTo(108577 / 133160, 6);
    expect(krippendorffAlpha(units, 'interval')).toBeCloseTo(0.849, 3);
    expect(krippendorffAlpha(units, 'interval')).toBeCloseTo(951 / 1120, 6);
    expect(krippendorffAlpha(units, 'ratio')).toBeCloseTo(0.797, 3);
    expect(krippendorffAlpha(units, 'ratio')).toBeCloseTo(18222619 / 22852465, 6);
  });

  it('treats nominal values as categories, whatever their type', () => {
    const asText = units.map((u) => u.map((v) => (v === null ? null : `c${v}`)));
    expect(krippendorffAlpha(asText, 'nominal')).toBeCloseTo(113 / 152, 6);
  });

  it('reproduces the Wikipedia computational example (3 coders, 15 units, nominal α = 0.691)', () => {
    // https://en.wikipedia.org/wiki/Krippendorff%27s_alpha#A_computational_example
    // Exactly 1 − (n − 1)·Do/De with n = 24 pairable values: 56/81.
    const data = [
      [_, _, _, _, _, 3, 4, 1, 2, 1, 1, 3, 3, _, 3],
      [1, _, 2, 1, 3, 3, 4, 3, _, _, _, _, _, _, _],
      [_, _, 2, 1, 3, 4, 4, _, 2, 1, 1, 3, 3, _, 4],
    ];
    const u = data[0]!.map((_v, i) => data.map((c) => c[i]));
    expect(krippendorffAlpha(u, 'nominal')).toBeCloseTo(0.691, 3);
    expect(krippendorffAlpha(u, 'nominal')).toBeCloseTo(56 / 81, 6);
  });

  it('is null without pairable values or variation, and needs numbers above nominal', () => {
    expect(krippendorffAlpha([[1], [2, null]])).toBeNull();
    expect(krippendorffAlpha([[1, 1], [1, 1]])).toBeNull();
    expect(() => krippendorffAlpha([['a', 'b']], 'interval')).toThrow(/finite numbers/);
  });
});
