import { describe, expect, it } from 'vitest';
import { labelAgreement, NO_BOX, perLabelAgreement, rateUnits } from '../../src/main/core/review/agreement';
import { cohenKappa, fleissCounts, fleissKappa, krippendorffAlpha } from '../../src/main/core/review/metrics';

/**
 * The per-label agreement figures (each label against the rest) come from one encoding of the
 * units instead of per-label rating lists. They must be the very same numbers as the
 * straightforward computation: recode every rating, then Cohen / Fleiss / Krippendorff on the
 * recoded lists. Checked bit for bit on random units (fixed seed): 2–4 annotators, missing
 * ratings, "no box", and a label literally called "other".
 */

/** mulberry32: a small deterministic PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The reference: recode the ratings and call the metric functions directly (no shared code with either side). */
function reference(annotators: string[], units: Map<string, string>[], label: string) {
  const recode = (v: string) => (v === label ? label : 'other');
  const pairable = units.filter((u) => u.size >= 2);
  const complete = pairable.filter((u) => annotators.every((a) => u.has(a)));
  const both = annotators.length === 2 ? pairable.filter((u) => u.has(annotators[0]!) && u.has(annotators[1]!)) : null;
  return {
    cohenKappa: both ? cohenKappa(both.map((u) => recode(u.get(annotators[0]!)!)), both.map((u) => recode(u.get(annotators[1]!)!))) : null,
    fleissKappa: annotators.length >= 2 && complete.length ? fleissKappa(fleissCounts(complete.map((u) => annotators.map((a) => recode(u.get(a)!)))).counts) : null,
    krippendorffAlpha: krippendorffAlpha(pairable.map((u) => annotators.map((a) => (u.has(a) ? recode(u.get(a)!) : null)))),
  };
}

describe('per-label agreement from one encoding of the units', () => {
  it('equals the recode-and-compute reference bit for bit on random units', () => {
    const random = rng(20261206);
    const pool = ['total', 'date', 'vendor', 'other', '(unlabelled)', NO_BOX, 'tax'];
    let compared = 0;
    let nonNull = 0;
    for (let trial = 0; trial < 300; trial++) {
      const annotatorCount = 2 + Math.floor(random() * 3);
      const annotators = Array.from({ length: annotatorCount }, (_, i) => `ann-${i}`);
      // Some trials have a dominant label (kappa near 1), some are noise, some tiny.
      const unitCount = trial % 10 === 0 ? Math.floor(random() * 4) : 1 + Math.floor(random() * 200);
      const skew = random();
      const missing = random() * 0.4;
      const palette = pool.slice(0, 1 + Math.floor(random() * pool.length));
      const units: Map<string, string>[] = [];
      for (let u = 0; u < unitCount; u++) {
        const unit = new Map<string, string>();
        const truth = palette[Math.floor(random() * palette.length)]!;
        for (const a of annotators) {
          if (random() < missing) continue;
          unit.set(a, random() < skew ? truth : palette[Math.floor(random() * palette.length)]!);
        }
        units.push(unit);
      }
      const labels = [...pool, 'never-used'];
      const rated = rateUnits(units, annotators);
      const fast = perLabelAgreement(rated, labels);
      for (const label of labels) {
        const want = reference(annotators, units, label);
        const viaRated = labelAgreement(rated, (v) => (v === label ? label : 'other'));
        const got = fast.get(label)!;
        // Object.is: the same double, not merely close (and null stays null).
        expect(Object.is(got.cohenKappa, want.cohenKappa), `cohen ${trial} ${label}: ${got.cohenKappa} vs ${want.cohenKappa}`).toBe(true);
        expect(Object.is(got.fleissKappa, want.fleissKappa), `fleiss ${trial} ${label}: ${got.fleissKappa} vs ${want.fleissKappa}`).toBe(true);
        expect(Object.is(got.krippendorffAlpha, want.krippendorffAlpha), `alpha ${trial} ${label}: ${got.krippendorffAlpha} vs ${want.krippendorffAlpha}`).toBe(true);
        expect({ cohenKappa: viaRated.cohenKappa, fleissKappa: viaRated.fleissKappa, krippendorffAlpha: viaRated.krippendorffAlpha }).toEqual(want);
        compared++;
        if (got.cohenKappa !== null && got.fleissKappa !== null && got.krippendorffAlpha !== null) nonNull++;
      }
    }
    // The random cases must exercise real numbers, not just the null paths.
    expect(compared).toBe(300 * 8);
    expect(nonNull).toBeGreaterThan(200);
  });
});
