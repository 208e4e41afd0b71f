/**
 * The agreement report exactly as computed before the review performance work (commit 1e7082f,
 * src/main/core/review/agreement.ts, minus the database entry point): the straightforward
 * reference the optimised computeAgreement is checked against on random projects. Not used by
 * the app.
 */
import { compareVersions, countDisagreements, orderQueue, orderSources, questionKeys, reviewDocument, type VersionComparison } from '../../src/main/core/review/disagreements';
import { cohenKappa, fleissCounts, fleissKappa } from '../../src/main/core/review/metrics/kappa';
import { krippendorffAlpha } from '../../src/main/core/review/metrics/krippendorff';
import { matchBoxes } from '../../src/main/core/review/metrics/boxes';
import type { ReviewDocumentInput } from '../../src/main/core/review/store';
import { DEFAULT_REVIEW_SETTINGS, reviewSettingsSchema, type Disagreement, type DisagreementCounts, type ReviewSettings, type ReviewSource, type ReviewVersion } from '../../src/main/core/review/types';

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
      // A pair's IoU counts for each label it carries.
      for (const l of new Set([lr, lc])) {
        this.label(l).iouSum += m.iou;
        this.label(l).iouCount++;
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

/** One side's labels against the other's, with NO_BOX for unmatched boxes (for Cohen's kappa). */
function labelItems(c: VersionComparison, measured: 'a' | 'b'): [string, string][] {
  const items: [string, string][] = c.matches.map((m) => [labelOf(m.a.label), labelOf(m.b.label)]);
  for (const b of c.unmatchedA) items.push([labelOf(b.label), NO_BOX]);
  for (const b of c.unmatchedB) items.push([NO_BOX, labelOf(b.label)]);
  return measured === 'a' ? items : items.map(([x, y]) => [y, x]);
}

class ComparisonAcc {
  documents = new Set<string>();
  boxes = new BoxAcc();
  answers = new AnswerAcc();
  items: [string, string][] = [];
  add(documentId: string, c: VersionComparison, measured: 'a' | 'b'): void {
    this.documents.add(documentId);
    this.boxes.add(c, measured);
    for (const q of c.questions) this.answers.add(q);
    this.items.push(...labelItems(c, measured));
  }
  stats(): ComparisonStats {
    return {
      documents: this.documents.size,
      cohenKappa: cohenKappa(this.items.map((i) => i[0]), this.items.map((i) => i[1])),
      boxes: this.boxes.stats(),
      perLabel: this.boxes.perLabel(),
      answers: this.answers.stats(),
    };
  }
}

/** Box clusters of one document across its annotators (see the module comment). */
function clusterUnits(versions: readonly ReviewVersion[], settings: ReviewSettings): Map<string, string>[] {
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
 * The units each label-agreement figure is computed over, filtered once: label agreement is
 * computed overall and again for every label (that label against the rest), over the same units.
 */
interface RatedUnits {
  annotators: readonly string[];
  /** Rated by two or more annotators. */
  pairable: Map<string, string>[];
  /** Rated by every annotator (Fleiss). */
  complete: Map<string, string>[];
  /** Rated by both of exactly two annotators (Cohen), else null. */
  both: Map<string, string>[] | null;
}

function rateUnits(units: readonly Map<string, string>[], annotators: readonly string[]): RatedUnits {
  const pairable = units.filter((u) => u.size >= 2);
  return {
    annotators,
    pairable,
    complete: pairable.filter((u) => annotators.every((a) => u.has(a))),
    both: annotators.length === 2 ? pairable.filter((u) => u.has(annotators[0]!) && u.has(annotators[1]!)) : null,
  };
}

function labelAgreement(rated: RatedUnits, recode: (v: string) => string): LabelAgreement {
  const { annotators, pairable, complete, both } = rated;
  const cohen = both ? cohenKappa(both.map((u) => recode(u.get(annotators[0]!)!)), both.map((u) => recode(u.get(annotators[1]!)!))) : null;
  const fleiss = annotators.length >= 2 && complete.length ? fleissKappa(fleissCounts(complete.map((u) => annotators.map((a) => recode(u.get(a)!)))).counts) : null;
  const alpha = krippendorffAlpha(pairable.map((u) => annotators.map((a) => (u.has(a) ? recode(u.get(a)!) : null))));
  return { units: pairable.length, cohenKappa: cohen, fleissKappa: fleiss, krippendorffAlpha: alpha };
}

const IOU_BINS = 10;
const binEdge = (threshold: number, i: number): number => Math.round((threshold + ((1 - threshold) * i) / IOU_BINS) * 1e6) / 1e6;

/** The agreement report from documents read however (the database, a bundle, a test). */
export function computeAgreement(project: { id: string; name: string }, documents: Iterable<ReviewDocumentInput>, settingsIn: Partial<ReviewSettings> = {}): AgreementReport {
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
    if (annotators.length >= 2) units.push(...clusterUnits(annotators, settings));

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
  const overallLabels = labelAgreement(rated, (v) => v);
  const boxed = units.map((u) => new Map([...u].filter(([, v]) => v !== NO_BOX)));
  const overallBoxStats = overallBoxes.stats();
  const boxPerLabel = overallBoxes.perLabel();
  const perLabel: AgreementReport['perLabel'] = {};
  for (const l of [...new Set([...labels, ...Object.keys(boxPerLabel)])].sort()) {
    // Per label: that label against everything else ("no box" included), over every unit.
    const agreement = { ...labelAgreement(rated, (v) => (v === l ? l : 'other')), units: unitsWithLabel.get(l) ?? 0 };
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
      labels: { ...overallLabels, krippendorffAlphaBoxed: krippendorffAlpha(boxed.filter((u) => u.size >= 2).map((u) => annotatorIds.map((a) => u.get(a) ?? null))) },
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
