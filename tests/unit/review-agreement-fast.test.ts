import { describe, expect, it } from 'vitest';
import { clusterUnits, labelAgreement, NO_BOX, pairUnits, perLabelAgreement, rateUnits } from '../../src/main/core/review/agreement';
import { compareVersions, orderSources } from '../../src/main/core/review/disagreements';
import { DEFAULT_REVIEW_SETTINGS, type ReviewBox, type ReviewVersion } from '../../src/main/core/review/types';
import { cohenKappa, fleissCounts, fleissKappa, krippendorffAlpha } from '../../src/main/core/review/metrics';

/**
 * The fast paths of the agreement report against the straightforward computations they replace.
 *
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

describe('label-agreement units of two annotators from their comparison', () => {
  it('equals clustering their boxes afresh, unit for unit and in order, on random pages', () => {
    const random = rng(6122026);
    const labels = ['total', 'date', 'vendor', null];
    let units = 0;
    let noBox = 0;
    for (let trial = 0; trial < 300; trial++) {
      const pages = ['p1', 'p2', 'p3'].slice(0, 1 + Math.floor(random() * 3));
      // A shared layout both annotators start from; each moves, relabels, drops and adds boxes.
      const layout = Array.from({ length: Math.floor(random() * 25) }, (_, i) => ({
        pageId: pages[Math.floor(random() * pages.length)]!,
        x: Math.floor(random() * 400),
        y: Math.floor(random() * 400),
        w: 10 + Math.floor(random() * 80),
        h: 10 + Math.floor(random() * 40),
        label: labels[Math.floor(random() * labels.length)]!,
        i,
      }));
      const version = (id: string, name: string): ReviewVersion => {
        const boxes: ReviewBox[] = [];
        for (const l of layout) {
          if (random() < 0.15) continue;
          const jitter = () => Math.floor((random() - 0.5) * 30);
          boxes.push({
            id: `${id}-${l.i}`,
            pageId: l.pageId,
            label: random() < 0.2 ? labels[Math.floor(random() * labels.length)]! : l.label,
            x: l.x + jitter(),
            y: l.y + jitter(),
            w: l.w,
            h: l.h,
            transcription: '',
          });
        }
        for (let k = Math.floor(random() * 3); k > 0; k--) {
          boxes.push({ id: `${id}-extra-${k}`, pageId: pages[0]!, label: 'total', x: Math.floor(random() * 400), y: Math.floor(random() * 400), w: 30, h: 20, transcription: '' });
        }
        // Shuffled: box order within a page must be followed, not assumed.
        for (let k = boxes.length - 1; k > 0; k--) {
          const j = Math.floor(random() * (k + 1));
          [boxes[k], boxes[j]] = [boxes[j]!, boxes[k]!];
        }
        return { source: { id, kind: 'annotator', name }, annotationId: id, version: 1, verifiedAt: null, boxes, qa: [] };
      };
      const [first, second] = orderSources([version('ann-b', 'Bea'), version('ann-a', 'Abe')]) as [ReviewVersion, ReviewVersion];
      const c = compareVersions('doc', first, second, DEFAULT_REVIEW_SETTINGS);
      const fast = pairUnits(first, second, c);
      const reference = clusterUnits([first, second], DEFAULT_REVIEW_SETTINGS);
      expect(fast.map((u) => [...u])).toEqual(reference.map((u) => [...u]));
      units += fast.length;
      noBox += fast.filter((u) => [...u.values()].includes(NO_BOX)).length;
    }
    expect(units).toBeGreaterThan(1000);
    expect(noBox).toBeGreaterThan(100);
  });

  it('refuses a comparison of other sources', () => {
    const v = (id: string): ReviewVersion => ({ source: { id, kind: 'annotator', name: id }, annotationId: id, version: 1, verifiedAt: null, boxes: [], qa: [] });
    expect(() => pairUnits(v('x'), v('y'), compareVersions('doc', v('y'), v('x')))).toThrow(/not x and y/);
  });
});
