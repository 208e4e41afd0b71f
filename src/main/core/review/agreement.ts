import type { Db } from '../db/open';
import { compareVersions, countDisagreements, orderQueue, orderSources, questionKeys, reviewDocument, type DocumentReview, type VersionComparison } from './disagreements';
import { cohenKappa, cohenKappaFromConfusion, fleissCounts, fleissKappa } from './metrics/kappa';
import { krippendorffAlpha } from './metrics/krippendorff';
import { matchBoxes } from './metrics/boxes';
import { readReviewDocuments, type ReviewDocumentInput } from './store';
import { DEFAULT_REVIEW_SETTINGS, reviewSettingsSchema, type Disagreement, type DisagreementCounts, type ReviewSettings, type ReviewSource, type ReviewVersion } from './types';

/**
 * Agreement over a project: label agreement (Cohen / Fleiss / Krippendorff) on box clusters, box
 * geometry (mean IoU, precision/recall/F1 at the match threshold), answer agreement (EM, token F1,
 * ANLS), each annotator against the others and against gold, and the documents with
 * disagreements in queue order.
 *
 * How boxes become units for label agreement: on each page the annotators' boxes are clustered
 * (each annotator's boxes matched optimally on IoU to the clusters so far; an unmatched box
 * starts a new cluster). A cluster is one unit; an annotator who verified the document but has no
 * box in the cluster rates it NO_BOX, so a missing or extra box counts as disagreement; an
 * annotator who did not verify the document is missing data. Cohen's kappa needs exactly two
 * annotators; Fleiss' kappa uses the documents every annotator verified; Krippendorff's alpha
 * uses every document with two or more (missing data allowed), and `krippendorffAlphaBoxed`
 * treats NO_BOX as missing too: agreement on labels where both drew a box.
 */

export const NO_BOX = '(no box)';
const UNLABELLED = '(unlabelled)';
const labelOf = (label: string | null): string => label ?? UNLABELLED;

export interface BoxStats {
  /** Matched pairs at IoU ≥ the match threshold (true positives). */
  matched: number;
  /** Boxes on the reference side and on the measured side. */
  reference: number;
  candidate: number;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  meanIou: number | null;
}

export interface AnswerStats {
  questions: number;
  exactMatch: number | null;
  tokenF1: number | null;
  anls: number | null;
}

export interface LabelAgreement {
  /** Box clusters rated by two or more annotators (per label: those where someone used the label; its kappa and alpha are over all units, the label against the rest). */
  units: number;
  cohenKappa: number | null;
  fleissKappa: number | null;
  krippendorffAlpha: number | null;
}

export interface ComparisonStats {
  documents: number;
  cohenKappa: number | null;
  boxes: BoxStats;
  perLabel: Record<string, BoxStats>;
  answers: AnswerStats;
}

export interface DocumentDisagreements {
  documentId: string;
  sourceName: string;
  score: number;
  hasGold: boolean;
  sources: ReviewSource[];
  counts: DisagreementCounts;
  disagreements: Disagreement[];
  lowConfidence: Disagreement[];
}

export interface AgreementReport {
  project: { id: string; name: string };
  settings: ReviewSettings;
  annotators: { id: string; name: string; documents: number }[];
  documents: { total: number; verified: number; compared: number; withGold: number };
  /** Between annotators (gold and the model left out). */
  overall: {
    labels: LabelAgreement & { krippendorffAlphaBoxed: number | null };
    /** Symmetric: F1 = 2·matched / (boxes of both); P and R per direction are under `pairs`. */
    boxes: { comparisons: number; matched: number; boxes: number; f1: number | null; meanIou: number | null };
    answers: AnswerStats;
  };
  perLabel: Record<string, LabelAgreement & { matched: number; boxes: number; f1: number | null; meanIou: number | null }>;
  perQuestion: Record<string, AnswerStats & { question: string }>;
  /** Each pair of annotators: `a` is the reference (P = matched / b's boxes, R = matched / a's). */
  pairs: (ComparisonStats & { a: string; b: string })[];
  /** Each annotator measured against the others (the others are the reference) and against gold. */
  perAnnotator: { id: string; name: string; vsOthers: ComparisonStats | null; vsGold: ComparisonStats | null }[];
  /** Every annotator's versions against gold, pooled (null without gold). */
  gold: ComparisonStats | null;
  /** IoU of the boxes matched between annotators, in equal bins from the match threshold to 1. */
  iouHistogram: { from: number; to: number; count: number }[];
  disagreements: { documents: number; total: number; lowConfidence: number } & DisagreementCounts;
  /** Documents with at least one disagreement (or low-confidence difference), highest score first. */
  queue: DocumentDisagreements[];
}

class BoxAcc {
  matched = 0;
  reference = 0;
  candidate = 0;
  iouSum = 0;
  private readonly labels = new Map<string, { matched: number; reference: number; candidate: number; iouSum: number; iouCount: number }>();

  private label(l: string) {
    let s = this.labels.get(l);
    if (!s) this.labels.set(l, (s = { matched: 0, reference: 0, candidate: 0, iouSum: 0, iouCount: 0 }));
    return s;
  }

  /** Add a comparison, measuring side `measured` against the other. */
  add(c: VersionComparison, measured: 'a' | 'b'): void {
    const refUnmatched = measured === 'b' ? c.unmatchedA : c.unmatchedB;
    const candUnmatched = measured === 'b' ? c.unmatchedB : c.unmatchedA;
    this.matched += c.matches.length;
    this.reference += c.matches.length + refUnmatched.length;
    this.candidate += c.matches.length + candUnmatched.length;
    for (const m of c.matches) {
      this.iouSum += m.iou;
      const [ref, cand] = measured === 'b' ? [m.a, m.b] : [m.b, m.a];
      const lr = labelOf(ref.label);
      const lc = labelOf(cand.label);
      this.label(lr).reference++;
      this.label(lc).candidate++;
      if (lr === lc) this.label(lr).matched++;
      // A pair's IoU counts for each label it carries (once when both carry the same).
      const sr = this.label(lr);
      sr.iouSum += m.iou;
      sr.iouCount++;
      if (lc !== lr) {
        const sc = this.label(lc);
        sc.iouSum += m.iou;
        sc.iouCount++;
      }
    }
    for (const b of refUnmatched) this.label(labelOf(b.label)).reference++;
    for (const b of candUnmatched) this.label(labelOf(b.label)).candidate++;
  }

  stats(): BoxStats {
    return boxStats(this.matched, this.reference, this.candidate, this.iouSum, this.matched);
  }

  perLabel(): Record<string, BoxStats> {
    const out: Record<string, BoxStats> = {};
    for (const l of [...this.labels.keys()].sort()) {
      const s = this.labels.get(l)!;
      out[l] = boxStats(s.matched, s.reference, s.candidate, s.iouSum, s.iouCount);
    }
    return out;
  }
}

function boxStats(matched: number, reference: number, candidate: number, iouSum: number, iouCount: number): BoxStats {
  return {
    matched,
    reference,
    candidate,
    precision: candidate ? matched / candidate : null,
    recall: reference ? matched / reference : null,
    f1: reference + candidate ? (2 * matched) / (reference + candidate) : null,
    meanIou: iouCount ? iouSum / iouCount : null,
  };
}

class AnswerAcc {
  n = 0;
  em = 0;
  f1 = 0;
  anls = 0;
  add(s: { exactMatch: number; tokenF1: number; anls: number }): void {
    this.n++;
    this.em += s.exactMatch;
    this.f1 += s.tokenF1;
    this.anls += s.anls;
  }
  stats(): AnswerStats {
    return { questions: this.n, exactMatch: this.n ? this.em / this.n : null, tokenF1: this.n ? this.f1 / this.n : null, anls: this.n ? this.anls / this.n : null };
  }
}

class ComparisonAcc {
  documents = new Set<string>();
  boxes = new BoxAcc();
  answers = new AnswerAcc();
  /** For Cohen's kappa, in this argument order: the measured side's labels and the other side's, NO_BOX for an unmatched box. */
  private readonly measuredLabels: string[] = [];
  private readonly otherLabels: string[] = [];
  add(documentId: string, c: VersionComparison, measured: 'a' | 'b'): void {
    this.documents.add(documentId);
    this.boxes.add(c, measured);
    for (const q of c.questions) this.answers.add(q);
    const [sideA, sideB] = measured === 'a' ? [this.measuredLabels, this.otherLabels] : [this.otherLabels, this.measuredLabels];
    for (const m of c.matches) {
      sideA.push(labelOf(m.a.label));
      sideB.push(labelOf(m.b.label));
    }
    for (const b of c.unmatchedA) {
      sideA.push(labelOf(b.label));
      sideB.push(NO_BOX);
    }
    for (const b of c.unmatchedB) {
      sideA.push(NO_BOX);
      sideB.push(labelOf(b.label));
    }
  }
  stats(): ComparisonStats {
    return {
      documents: this.documents.size,
      cohenKappa: cohenKappa(this.measuredLabels, this.otherLabels),
      boxes: this.boxes.stats(),
      perLabel: this.boxes.perLabel(),
      answers: this.answers.stats(),
    };
  }
}

/** Box clusters of one document across its annotators (see the module comment). */
export function clusterUnits(versions: readonly ReviewVersion[], settings: ReviewSettings): Map<string, string>[] {
  const units: Map<string, string>[] = [];
  const pages = [...new Set(versions.flatMap((v) => v.boxes.map((b) => b.pageId)))].sort();
  for (const pageId of pages) {
    const clusters: { rep: ReviewVersion['boxes'][number]; values: Map<string, string> }[] = [];
    for (const v of versions) {
      const boxes = v.boxes.filter((b) => b.pageId === pageId);
      const reps = clusters.map((c) => c.rep);
      const m = matchBoxes(reps, boxes, { threshold: settings.matchIou, prefer: (i, j) => reps[i]!.label === boxes[j]!.label });
      for (const x of m.matches) clusters[x.a]!.values.set(v.source.id, labelOf(boxes[x.b]!.label));
      for (const j of m.unmatchedB) clusters.push({ rep: boxes[j]!, values: new Map([[v.source.id, labelOf(boxes[j]!.label)]]) });
    }
    for (const c of clusters) {
      // Whoever verified the document and has no box here says "no box".
      for (const v of versions) if (!c.values.has(v.source.id)) c.values.set(v.source.id, NO_BOX);
      units.push(c.values);
    }
  }
  return units;
}

/**
 * The same units as `clusterUnits` for exactly two annotators, from their comparison: with two,
 * the clusters are the first one's boxes (in order, page by page) matched to the second one's
 * exactly as compareVersions matches them (same threshold, same label preference), then the
 * second one's unmatched boxes. Saves matching every page a second time.
 */
export function pairUnits(first: ReviewVersion, second: ReviewVersion, c: VersionComparison): Map<string, string>[] {
  if (c.a.id !== first.source.id || c.b.id !== second.source.id) throw new Error(`pairUnits: the comparison is of ${c.a.id} and ${c.b.id}, not ${first.source.id} and ${second.source.id}`);
  const a = first.source.id;
  const b = second.source.id;
  // Matched pairs hold the versions' own box objects.
  const partner = new Map<ReviewVersion['boxes'][number], string>();
  for (const m of c.matches) partner.set(m.a, labelOf(m.b.label));
  const firstOnPage = new Map<string, ReviewVersion['boxes'][number][]>();
  for (const box of first.boxes) {
    const list = firstOnPage.get(box.pageId);
    if (list) list.push(box);
    else firstOnPage.set(box.pageId, [box]);
  }
  const extraOnPage = new Map<string, ReviewVersion['boxes'][number][]>();
  for (const box of c.unmatchedB) {
    const list = extraOnPage.get(box.pageId);
    if (list) list.push(box);
    else extraOnPage.set(box.pageId, [box]);
  }
  const units: Map<string, string>[] = [];
  const pages = [...new Set([...first.boxes.map((x) => x.pageId), ...second.boxes.map((x) => x.pageId)])].sort();
  for (const pageId of pages) {
    for (const box of firstOnPage.get(pageId) ?? []) units.push(new Map([[a, labelOf(box.label)], [b, partner.get(box) ?? NO_BOX]]));
    for (const box of extraOnPage.get(pageId) ?? []) units.push(new Map([[b, labelOf(box.label)], [a, NO_BOX]]));
  }
  return units;
}

/**
 * The units each label-agreement figure is computed over, filtered once: label agreement is
 * computed overall and again for every label (that label against the rest), over the same units.
 */
export interface RatedUnits {
  annotators: readonly string[];
  /** Rated by two or more annotators. */
  pairable: Map<string, string>[];
  /** Rated by every annotator (Fleiss). */
  complete: Map<string, string>[];
  /** Rated by both of exactly two annotators (Cohen), else null. */
  both: Map<string, string>[] | null;
}

export function rateUnits(units: readonly Map<string, string>[], annotators: readonly string[]): RatedUnits {
  const pairable = units.filter((u) => u.size >= 2);
  return {
    annotators,
    pairable,
    complete: pairable.filter((u) => annotators.every((a) => u.has(a))),
    both: annotators.length === 2 ? pairable.filter((u) => u.has(annotators[0]!) && u.has(annotators[1]!)) : null,
  };
}

/**
 * Label agreement over the rated units; `recode` maps each value before it is compared. Builds
 * every rating list afresh: used once for the overall figures (and as the reference the per-label
 * figures below are tested against).
 */
export function labelAgreement(rated: RatedUnits, recode: (v: string) => string): LabelAgreement {
  const { annotators, pairable, complete, both } = rated;
  const cohen = both ? cohenKappa(both.map((u) => recode(u.get(annotators[0]!)!)), both.map((u) => recode(u.get(annotators[1]!)!))) : null;
  const fleiss = annotators.length >= 2 && complete.length ? fleissKappa(fleissCounts(complete.map((u) => annotators.map((a) => recode(u.get(a)!)))).counts) : null;
  const alpha = krippendorffAlpha(pairable.map((u) => annotators.map((a) => (u.has(a) ? recode(u.get(a)!) : null))));
  return { units: pairable.length, cohenKappa: cohen, fleissKappa: fleiss, krippendorffAlpha: alpha };
}

/** Each rated value as a small integer code; each pairable unit as one code per annotator (-1: not rated). */
export interface EncodedUnits {
  codeOf: Map<string, number>;
  values: string[];
  codes: Int32Array;
}

export function encodeUnits(rated: RatedUnits): EncodedUnits {
  const { annotators, pairable } = rated;
  const A = annotators.length;
  const codeOf = new Map<string, number>();
  const values: string[] = [];
  const codes = new Int32Array(pairable.length * A);
  pairable.forEach((u, i) => {
    for (let a = 0; a < A; a++) {
      const v = u.get(annotators[a]!);
      if (v === undefined) {
        codes[i * A + a] = -1;
        continue;
      }
      let c = codeOf.get(v);
      if (c === undefined) {
        codeOf.set(v, (c = values.length));
        values.push(v);
      }
      codes[i * A + a] = c;
    }
  });
  return { codeOf, values, codes };
}

const byCodePoint = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);

/**
 * `labelAgreement(rated, (v) => v)` from the encoded units, without a rating list per unit:
 * Cohen from the confusion matrix, Fleiss and Krippendorff accumulated unit by unit in the same
 * order, over the categories in the same order, as cohenKappa, fleissKappa and
 * krippendorffAlpha do, so the figures are identical. `krippendorffAlphaBoxed` is alpha with
 * NO_BOX as missing data.
 */
export function overallLabelAgreement(rated: RatedUnits, encoded: EncodedUnits = encodeUnits(rated)): LabelAgreement & { krippendorffAlphaBoxed: number | null } {
  const { annotators, pairable, complete, both } = rated;
  const A = annotators.length;
  const { codes, values, codeOf } = encoded;
  const K = values.length;

  let cohen: number | null = null;
  if (both) {
    // Categories: every value either rater gave on the units both rated, sorted.
    const seen = new Uint8Array(K);
    let n = 0;
    for (let i = 0; i < pairable.length; i++) {
      const c0 = codes[i * A]!;
      const c1 = codes[i * A + 1]!;
      if (c0 === -1 || c1 === -1) continue;
      seen[c0] = 1;
      seen[c1] = 1;
      n++;
    }
    const categories = values.map((_, c) => c).filter((c) => seen[c]).sort((x, y) => byCodePoint(values[x]!, values[y]!));
    const index = new Int32Array(K);
    categories.forEach((c, i) => (index[c] = i));
    const confusion = categories.map(() => new Array<number>(categories.length).fill(0));
    for (let i = 0; i < pairable.length; i++) {
      const c0 = codes[i * A]!;
      const c1 = codes[i * A + 1]!;
      if (c0 === -1 || c1 === -1) continue;
      confusion[index[c0]!]![index[c1]!]! += 1;
    }
    cohen = cohenKappaFromConfusion(confusion, n);
  }

  let fleiss: number | null = null;
  if (A >= 2 && complete.length) {
    const totals = new Float64Array(K);
    const count = new Int32Array(K);
    let N = 0;
    let sumP = 0;
    for (let i = 0; i < pairable.length; i++) {
      let m = 0;
      for (let a = 0; a < A; a++) if (codes[i * A + a] !== -1) m++;
      if (m !== A) continue;
      N++;
      let squares = 0;
      for (let a = 0; a < A; a++) count[codes[i * A + a]!]! += 1;
      for (let a = 0; a < A; a++) {
        const c = codes[i * A + a]!;
        const v = count[c]!;
        if (v === 0) continue;
        squares += v * v;
        totals[c]! += v;
        count[c] = 0;
      }
      sumP += (squares - A) / (A * (A - 1));
    }
    const categories = values.map((_, c) => c).filter((c) => totals[c]! > 0).sort((x, y) => byCodePoint(values[x]!, values[y]!));
    const pe = categories.reduce((s, c) => s + (totals[c]! / (N * A)) ** 2, 0);
    fleiss = pe === 1 ? null : (sumP / N - pe) / (1 - pe);
  }

  return {
    units: pairable.length,
    cohenKappa: cohen,
    fleissKappa: fleiss,
    krippendorffAlpha: nominalAlpha(encoded, A, pairable.length, -2),
    krippendorffAlphaBoxed: nominalAlpha(encoded, A, pairable.length, codeOf.get(NO_BOX) ?? -2),
  };
}

/**
 * krippendorffAlpha (nominal) over the encoded units, `missing` (a code) counted as not rated:
 * coincidences summed unit by unit, rows and cells taken in the order krippendorffAlpha's maps
 * first see them, so every sum adds the same numbers in the same order.
 */
function nominalAlpha(encoded: EncodedUnits, A: number, units: number, missing: number): number | null {
  const { codes, values } = encoded;
  const K = values.length;
  const cell = new Float64Array(K * K);
  const cellSeen = new Uint8Array(K * K);
  const rowCells: number[][] = values.map(() => []);
  const rows: number[] = [];
  const count = new Int32Array(K);
  const present: number[] = [];
  for (let i = 0; i < units; i++) {
    let m = 0;
    present.length = 0;
    for (let a = 0; a < A; a++) {
      const c = codes[i * A + a]!;
      if (c === -1 || c === missing) continue;
      if (count[c] === 0) present.push(c);
      count[c]! += 1;
      m++;
    }
    if (m >= 2) {
      for (const c of present) {
        const nc = count[c]!;
        if (rowCells[c]!.length === 0) rows.push(c);
        for (const k of present) {
          const at = c * K + k;
          if (!cellSeen[at]) {
            cellSeen[at] = 1;
            rowCells[c]!.push(k);
          }
          cell[at]! += (c === k ? nc * (nc - 1) : nc * count[k]!) / (m - 1);
        }
      }
    }
    for (const c of present) count[c] = 0;
  }
  const nOf = new Float64Array(K);
  for (const c of rows) nOf[c] = rowCells[c]!.reduce((s, k) => s + cell[c * K + k]!, 0);
  const n = rows.reduce((s, c) => s + nOf[c]!, 0);
  if (n < 2) return null;
  let observed = 0;
  let expected = 0;
  for (const c of rows) {
    for (const k of rows) {
      if (c === k) continue;
      observed += cell[c * K + k]! * 1;
      expected += nOf[c]! * nOf[k]! * 1;
    }
  }
  if (expected === 0) return null;
  return 1 - ((n - 1) * observed) / expected;
}

/**
 * Every label's agreement, "that label against the rest", from one encoding of the units:
 * `labelAgreement(rated, (v) => (v === label ? label : 'other'))` for each label, without
 * building per-label rating lists. With two categories left after recoding, each figure reduces
 * to a few counts per unit, accumulated here in the same order and with the same arithmetic as
 * cohenKappa, fleissKappa and krippendorffAlpha, so the results are identical to the last bit
 * (tests/unit/review-agreement-labels.test.ts checks it on random units).
 */
export function perLabelAgreement(rated: RatedUnits, labels: readonly string[], encoded: EncodedUnits = encodeUnits(rated)): Map<string, Omit<LabelAgreement, 'units'>> {
  const { annotators, pairable } = rated;
  const A = annotators.length;
  const { codeOf, codes } = encoded;
  const cohen = rated.both !== null;
  const fleiss = A >= 2 && rated.complete.length > 0;
  const out = new Map<string, Omit<LabelAgreement, 'units'>>();
  for (const label of labels) {
    // Recoded, every value is either `label` or 'other'; a label named "other" leaves one category.
    const merged = label === 'other';
    const L = codeOf.get(label) ?? -2;
    // Cohen: the 2×2 confusion of the first annotator against the second (L = label, O = other).
    let cLL = 0;
    let cLO = 0;
    let cOL = 0;
    let cOO = 0;
    // Fleiss: Σ P_i in unit order and the category totals.
    let fN = 0;
    let sumP = 0;
    let totL = 0;
    let totO = 0;
    // Krippendorff: the coincidence cells, each summed in unit order.
    let oLL = 0;
    let oLO = 0;
    let oOO = 0;
    for (let i = 0; i < pairable.length; i++) {
      let m = 0;
      let nL = 0;
      for (let a = 0; a < A; a++) {
        const c = codes[i * A + a]!;
        if (c === -1) continue;
        m++;
        if (merged || c === L) nL++;
      }
      if (m < 2) continue;
      const nO = m - nL;
      if (cohen) {
        const c0 = codes[i * A]!;
        const c1 = codes[i * A + 1]!;
        if (c0 !== -1 && c1 !== -1) {
          const l0 = merged || c0 === L;
          const l1 = merged || c1 === L;
          if (l0 && l1) cLL++;
          else if (l0) cLO++;
          else if (l1) cOL++;
          else cOO++;
        }
      }
      if (fleiss && m === A) {
        fN++;
        const squares = nL * nL + nO * nO;
        totL += nL;
        totO += nO;
        sumP += (squares - A) / (A * (A - 1));
      }
      if (nL > 0) oLL += (nL * (nL - 1)) / (m - 1);
      if (nL > 0 && nO > 0) oLO += (nL * nO) / (m - 1);
      if (nO > 0) oOO += (nO * (nO - 1)) / (m - 1);
    }

    let cohenKappa: number | null = null;
    const cn = cLL + cLO + cOL + cOO;
    if (cohen && cn > 0) {
      const observed = cLO + cOL;
      // Rows are the first annotator's categories, columns the second's: Σ_{i≠j} row_i · col_j / n.
      const expected = ((cLL + cLO) * (cLO + cOO)) / cn + ((cOL + cOO) * (cLL + cOL)) / cn;
      cohenKappa = expected === 0 ? null : 1 - observed / expected;
    }

    let fleissKappa: number | null = null;
    if (fleiss) {
      const pe = (totL / (fN * A)) ** 2 + (totO / (fN * A)) ** 2;
      fleissKappa = pe === 1 ? null : (sumP / fN - pe) / (1 - pe);
    }

    let krippendorffAlpha: number | null = null;
    const nLsum = oLL + oLO;
    const nOsum = oLO + oOO;
    const n = nLsum + nOsum;
    if (n >= 2) {
      const observed = oLO + oLO;
      const expected = nLsum * nOsum + nOsum * nLsum;
      krippendorffAlpha = expected === 0 ? null : 1 - ((n - 1) * observed) / expected;
    }
    out.set(label, { cohenKappa, fleissKappa, krippendorffAlpha });
  }
  return out;
}

const IOU_BINS = 10;
const binEdge = (threshold: number, i: number): number => Math.round((threshold + ((1 - threshold) * i) / IOU_BINS) * 1e6) / 1e6;

/**
 * The agreement report from documents read however (the database, a bundle, a test).
 * `onDocument` sees each document with its review (every pair of its sources compared) as it
 * goes, so a caller that also needs the reviews (the lead's queue) does not compare them again.
 */
export function computeAgreement(
  project: { id: string; name: string },
  documents: Iterable<ReviewDocumentInput>,
  settingsIn: Partial<ReviewSettings> = {},
  onDocument?: (doc: ReviewDocumentInput, review: DocumentReview) => void,
): AgreementReport {
  const settings = reviewSettingsSchema.parse({ ...DEFAULT_REVIEW_SETTINGS, ...settingsIn });
  const annotatorNames = new Map<string, string>();
  const annotatorDocs = new Map<string, number>();
  const units: Map<string, string>[] = [];
  const overallBoxes = new BoxAcc();
  const iouBins = new Array<number>(IOU_BINS).fill(0);
  let comparisons = 0;
  const overallAnswers = new AnswerAcc();
  const perQuestion = new Map<string, { question: string; acc: AnswerAcc }>();
  const pairAcc = new Map<string, { a: string; b: string; acc: ComparisonAcc }>();
  const vsOthers = new Map<string, ComparisonAcc>();
  const vsGold = new Map<string, ComparisonAcc>();
  const goldAcc = new ComparisonAcc();
  const queue: DocumentDisagreements[] = [];
  const counts = { total: 0, verified: 0, compared: 0, withGold: 0 };
  const accFor = (m: Map<string, ComparisonAcc>, id: string) => {
    let acc = m.get(id);
    if (!acc) m.set(id, (acc = new ComparisonAcc()));
    return acc;
  };

  for (const doc of documents) {
    counts.total++;
    const annotators = orderSources(doc.annotators);
    if (annotators.length) counts.verified++;
    if (annotators.length >= 2) counts.compared++;
    if (doc.gold) counts.withGold++;
    for (const v of annotators) {
      annotatorNames.set(v.source.id, v.source.name);
      annotatorDocs.set(v.source.id, (annotatorDocs.get(v.source.id) ?? 0) + 1);
    }

    // Disagreements between annotators (and the model, when it was read).
    const review = reviewDocument(doc.documentId, doc.model ? [...annotators, doc.model] : annotators, settings);
    onDocument?.(doc, review);
    for (const c of review.comparisons) {
      if (c.a.kind !== 'annotator' || c.b.kind !== 'annotator') continue;
      comparisons++;
      overallBoxes.add(c, 'b');
      for (const m of c.matches) iouBins[Math.min(IOU_BINS - 1, Math.floor(((m.iou - settings.matchIou) / (1 - settings.matchIou)) * IOU_BINS))]! += 1;
      for (const q of c.questions) {
        overallAnswers.add(q);
        let pq = perQuestion.get(q.key);
        if (!pq) perQuestion.set(q.key, (pq = { question: q.question, acc: new AnswerAcc() }));
        pq.acc.add(q);
      }
      const key = `${c.a.id}\u0000${c.b.id}`;
      let pair = pairAcc.get(key);
      if (!pair) pairAcc.set(key, (pair = { a: c.a.id, b: c.b.id, acc: new ComparisonAcc() }));
      pair.acc.add(doc.documentId, c, 'b');
      accFor(vsOthers, c.a.id).add(doc.documentId, c, 'a');
      accFor(vsOthers, c.b.id).add(doc.documentId, c, 'b');
    }
    if (annotators.length === 2) {
      const pair = review.comparisons.find((c) => c.a.id === annotators[0]!.source.id && c.b.id === annotators[1]!.source.id)!;
      units.push(...pairUnits(annotators[0]!, annotators[1]!, pair));
    } else if (annotators.length > 2) units.push(...clusterUnits(annotators, settings));

    // Against gold: gold is the reference.
    if (doc.gold) {
      const keyOf = questionKeys([doc.gold, ...annotators]);
      for (const v of annotators) {
        const c = compareVersions(doc.documentId, doc.gold, v, settings, keyOf);
        accFor(vsGold, v.source.id).add(doc.documentId, c, 'b');
        goldAcc.add(doc.documentId, c, 'b');
      }
    }

    if (review.disagreements.length || review.lowConfidence.length) {
      queue.push({
        documentId: doc.documentId,
        sourceName: doc.sourceName,
        score: review.score,
        hasGold: doc.gold !== null,
        sources: review.sources,
        counts: review.counts,
        disagreements: review.disagreements,
        lowConfidence: review.lowConfidence,
      });
    }
  }

  const annotatorIds = [...annotatorNames.keys()].sort((x, y) => annotatorNames.get(x)!.localeCompare(annotatorNames.get(y)!) || (x < y ? -1 : 1));
  // How many units each label appears in, in one pass (per-label figures name it).
  const unitsWithLabel = new Map<string, number>();
  for (const u of units) for (const l of new Set(u.values())) unitsWithLabel.set(l, (unitsWithLabel.get(l) ?? 0) + 1);
  const labels = [...unitsWithLabel.keys()].filter((l) => l !== NO_BOX).sort();
  const rated = rateUnits(units, annotatorIds);
  const encoded = encodeUnits(rated);
  const overallLabels = overallLabelAgreement(rated, encoded);
  const overallBoxStats = overallBoxes.stats();
  const boxPerLabel = overallBoxes.perLabel();
  const perLabel: AgreementReport['perLabel'] = {};
  const allLabels = [...new Set([...labels, ...Object.keys(boxPerLabel)])].sort();
  // Per label: that label against everything else ("no box" included), over every unit.
  const labelFigures = perLabelAgreement(rated, allLabels, encoded);
  for (const l of allLabels) {
    const agreement = { units: unitsWithLabel.get(l) ?? 0, ...labelFigures.get(l)! };
    const b = boxPerLabel[l];
    perLabel[l] = { ...agreement, matched: b?.matched ?? 0, boxes: (b?.reference ?? 0) + (b?.candidate ?? 0), f1: b?.f1 ?? null, meanIou: b?.meanIou ?? null };
  }
  const ordered = orderQueue(queue);
  const all = ordered.flatMap((d) => d.disagreements);
  return {
    project,
    settings,
    annotators: annotatorIds.map((id) => ({ id, name: annotatorNames.get(id)!, documents: annotatorDocs.get(id)! })),
    documents: counts,
    overall: {
      labels: overallLabels,
      boxes: { comparisons, matched: overallBoxStats.matched, boxes: overallBoxStats.reference + overallBoxStats.candidate, f1: overallBoxStats.f1, meanIou: overallBoxStats.meanIou },
      answers: overallAnswers.stats(),
    },
    perLabel,
    perQuestion: Object.fromEntries([...perQuestion].sort(([x], [y]) => x.localeCompare(y)).map(([k, v]) => [k, { question: v.question, ...v.acc.stats() }])),
    pairs: [...pairAcc.values()].map((p) => ({ a: p.a, b: p.b, ...p.acc.stats() })),
    perAnnotator: annotatorIds.map((id) => ({ id, name: annotatorNames.get(id)!, vsOthers: vsOthers.get(id)?.stats() ?? null, vsGold: vsGold.get(id)?.stats() ?? null })),
    gold: counts.withGold ? goldAcc.stats() : null,
    iouHistogram: iouBins.map((count, i) => ({ from: binEdge(settings.matchIou, i), to: binEdge(settings.matchIou, i + 1), count })),
    disagreements: { documents: ordered.filter((d) => d.disagreements.length).length, total: all.length, lowConfidence: ordered.reduce((s, d) => s + d.lowConfidence.length, 0), ...countDisagreements(all) },
    queue: ordered,
  };
}

/** The agreement report of a project straight from the database. */
export function projectAgreement(db: Db, project: { id: string; name: string }, opts: { settings?: Partial<ReviewSettings>; model?: boolean } = {}): AgreementReport {
  return computeAgreement(project, readReviewDocuments(db, project.id, { model: opts.model === true }), opts.settings);
}
