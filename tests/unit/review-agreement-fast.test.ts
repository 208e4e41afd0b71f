import { describe, expect, it } from 'vitest';
import { clusterUnits, computeAgreement, labelAgreement, NO_BOX, overallLabelAgreement, pairUnits, perLabelAgreement, rateUnits } from '../../src/main/core/review/agreement';
import type { ReviewDocumentInput } from '../../src/main/core/review/store';
import { computeAgreement as computeAgreementBefore } from '../reference/agreement-before';
import { answerScores, compareVersions, orderSources } from '../../src/main/core/review/disagreements';
import { anlsScore, exactMatch, tokenF1 } from '../../src/main/core/review/metrics';
import { DEFAULT_REVIEW_SETTINGS, type ReviewBox, type ReviewQa, type ReviewVersion } from '../../src/main/core/review/types';
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
function reference(annotators: string[], units: Map<string, string>[], label: string | null) {
  // null: no recoding (the overall figures).
  const recode = (v: string) => (label === null ? v : v === label ? label : 'other');
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
      // Overall (every category at once), and alpha with "no box" as missing data.
      const overall = overallLabelAgreement(rated);
      const plain = reference(annotators, units, null);
      const boxedUnits = units.map((u) => new Map([...u].filter(([, v]) => v !== NO_BOX))).filter((u) => u.size >= 2);
      const boxed = krippendorffAlpha(boxedUnits.map((u) => annotators.map((a) => u.get(a) ?? null)));
      for (const [key, got, want] of [
        ['cohen', overall.cohenKappa, plain.cohenKappa],
        ['fleiss', overall.fleissKappa, plain.fleissKappa],
        ['alpha', overall.krippendorffAlpha, plain.krippendorffAlpha],
        ['alpha boxed', overall.krippendorffAlphaBoxed, boxed],
      ] as const) {
        expect(Object.is(got, want), `overall ${key} ${trial}: ${got} vs ${want}`).toBe(true);
      }
      expect(overall.units).toBe(units.filter((u) => u.size >= 2).length);
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

describe('answer scores of identical answers', () => {
  it('equal the full computation, including answers that normalise to nothing', () => {
    const answers = ['1,234.50', 'ACME Corp.', 'the', ' a  an ', '!!!', '', '   ', 'Ünïcödé straße', 'The Total', '2026-12-06', 'x'];
    for (const s of answers) {
      expect(answerScores(s, s), JSON.stringify(s)).toEqual({ exactMatch: exactMatch(s, s) ? 1 : 0, tokenF1: tokenF1(s, s), anls: anlsScore(s, s) });
    }
    expect(answerScores('the', 'the').tokenF1).toBe(0);
  });
});

describe('the agreement report', () => {
  /** A random project: 2–4 annotators (some documents with fewer), jittered and relabelled boxes, answers that agree or not, gold and the model on some. */
  function randomProject(seed: number, annotatorCount: number): ReviewDocumentInput[] {
    const random = rng(seed);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const labels = ['total', 'date', 'vendor', 'other', null];
    const questions = [
      { question: 'What is the total?', templateId: 'tpl-total' },
      { question: 'Who is the vendor?', templateId: null },
      { question: 'When was it issued?', templateId: null },
    ];
    const answers = ['1,234.50', '1234.50', 'ACME Corp.', 'Acme Corp', '2026-12-06', 'the', ''];
    const people = Array.from({ length: annotatorCount }, (_, i) => ({ id: `ann-${i}`, name: ['Alice', 'Bob', 'Chen', 'Dana'][i]! }));
    return Array.from({ length: 40 }, (_, d): ReviewDocumentInput => {
      const pages = [`doc${d}-p1`, `doc${d}-p2`].slice(0, 1 + Math.floor(random() * 2));
      const layout = Array.from({ length: Math.floor(random() * 15) }, (_, i) => ({
        i,
        pageId: pick(pages),
        x: Math.floor(random() * 300),
        y: Math.floor(random() * 300),
        w: 10 + Math.floor(random() * 60),
        h: 10 + Math.floor(random() * 30),
        label: pick(labels),
        text: pick(answers),
      }));
      const version = (source: ReviewVersion['source'], withConfidence: boolean): ReviewVersion => {
        const boxes: ReviewBox[] = [];
        for (const l of layout) {
          if (random() < 0.1) continue;
          const jitter = () => (random() < 0.6 ? 0 : Math.floor((random() - 0.5) * 20));
          boxes.push({
            id: `${source.id}-${l.i}`,
            pageId: l.pageId,
            label: random() < 0.15 ? pick(labels) : l.label,
            x: l.x + jitter(),
            y: l.y + jitter(),
            w: l.w,
            h: l.h,
            transcription: random() < 0.2 ? pick(answers) : l.text,
            ...(withConfidence ? { confidence: random() } : {}),
          });
        }
        if (random() < 0.2) boxes.push({ id: `${source.id}-extra`, pageId: pages[0]!, label: 'total', x: 350, y: 350, w: 40, h: 20, transcription: '' });
        const qa: ReviewQa[] = questions
          .filter(() => random() < 0.85)
          .map((q, k) => {
            const unanswerable = random() < 0.1;
            return {
              id: `${source.id}-q${k}`,
              question: q.question,
              answer: unanswerable ? '' : random() < 0.7 ? answers[(d + k) % answers.length]! : pick(answers),
              unanswerable,
              templateId: q.templateId,
              evidenceBoxIds: boxes.filter(() => random() < 0.1).map((b) => b.id),
              ...(withConfidence ? { confidence: random() } : {}),
            };
          });
        return { source, annotationId: source.kind === 'model' ? null : `${source.id}-v`, version: source.kind === 'model' ? null : 1, verifiedAt: source.kind === 'model' ? null : '2026-12-01T00:00:00.000Z', boxes, qa };
      };
      const who = d % 7 === 0 ? people.slice(0, 1) : d % 5 === 0 ? people.slice(1) : people.filter((_, i) => i < 2 || random() < 0.7);
      return {
        documentId: `doc-${String(d).padStart(3, '0')}`,
        sourceName: `doc-${d}.png`,
        annotators: who.map((p) => version({ id: p.id, kind: 'annotator', name: p.name }, false)),
        gold: random() < 0.3 ? version({ id: 'gold:lead', kind: 'gold', name: 'gold (Lead)' }, false) : null,
        model: random() < 0.3 ? version({ id: 'model:m', kind: 'model', name: 'm' }, true) : null,
      };
    });
  }

  it('is the same, number for number, as before the performance work on random projects', () => {
    const project = { id: 'p', name: 'Random' };
    let labelled = 0;
    for (let seed = 1; seed <= 24; seed++) {
      const annotators = 2 + (seed % 3);
      const docs = randomProject(seed * 7919, annotators);
      const got = computeAgreement(project, docs);
      const want = computeAgreementBefore(project, docs);
      // toEqual compares numbers with Object.is: the same doubles, not merely close ones.
      expect(got).toEqual(want);
      labelled += Object.values(got.perLabel).filter((l) => l.krippendorffAlpha !== null).length;
      expect(got.overall.labels.units).toBeGreaterThan(0);
    }
    expect(labelled).toBeGreaterThan(50);
  });
});
