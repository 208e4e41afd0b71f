import type { BoxScores, EvaluationDocument, EvaluationMetrics } from '../../../shared/domain/evaluation';
import { anlsScore, compareVersions, DEFAULT_REVIEW_SETTINGS, type ReviewSettings, type ReviewVersion, type VersionComparison } from '../review';

/**
 * Model evaluation measures: one model's version of each document against its reference version
 * (gold or verified). The pairing — boxes matched one to one by the assignment that maximises
 * total IoU at IoU ≥ 0.5, questions paired by template or normalised text, and EM / token F1 /
 * ANLS per question — is the review engine's `compareVersions`; this file only adds it up.
 *
 * - Boxes, overall: a match is a pair at IoU ≥ 0.5 whatever the labels (so a label swap costs
 *   label accuracy, not recall); precision = matched / predicted, recall = matched / reference.
 * - Boxes, per label: a true positive is a matched pair where both boxes carry the label;
 *   reference and predicted counts are the boxes with that label on each side.
 * - Answers: every question of the reference is scored (a question the model did not answer
 *   scores 0, unless the reference marks it unanswerable too); questions only the model asked
 *   are not scored.
 */

export interface EvaluationInput {
  documentId: string;
  sourceName: string;
  reference: ReviewVersion;
  referenceKind: 'gold' | 'verified';
  /** The model's predictions as a version (an empty one when it saw the page and found nothing). */
  prediction: ReviewVersion;
}

interface BoxTally {
  reference: number;
  predicted: number;
  matched: number;
  iouSum: number;
  iouPairs: number;
}

const emptyTally = (): BoxTally => ({ reference: 0, predicted: 0, matched: 0, iouSum: 0, iouPairs: 0 });
const ratio = (n: number, d: number): number | null => (d ? n / d : null);

function boxScores(t: BoxTally): BoxScores {
  return {
    reference: t.reference,
    predicted: t.predicted,
    matched: t.matched,
    precision: ratio(t.matched, t.predicted),
    recall: ratio(t.matched, t.reference),
    f1: t.reference + t.predicted ? (2 * t.matched) / (t.reference + t.predicted) : null,
    meanIou: ratio(t.iouSum, t.iouPairs),
  };
}

const UNLABELLED = '(unlabelled)';
const labelOf = (label: string | null): string => label ?? UNLABELLED;
const transcriptionText = (s: string): string => s.normalize('NFC').trim().replace(/\s+/g, ' ');

/** Sums over documents, turned into rates at the end (micro averages: every box and question weighs the same). */
export class EvaluationAccumulator {
  private documents = 0;
  private readonly overall = emptyTally();
  private labelCorrect = 0;
  private readonly labels = new Map<string, BoxTally>();
  private questions = 0;
  private em = 0;
  private f1 = 0;
  private anls = 0;
  private transcriptionPairs = 0;
  private transcriptionExact = 0;
  private transcriptionAnls = 0;
  readonly rows: EvaluationDocument[] = [];

  constructor(private readonly settings: ReviewSettings = DEFAULT_REVIEW_SETTINGS) {}

  private label(l: string): BoxTally {
    let t = this.labels.get(l);
    if (!t) this.labels.set(l, (t = emptyTally()));
    return t;
  }

  /** Compare one document and add it to the totals; returns its row. */
  add(input: EvaluationInput): EvaluationDocument {
    const c: VersionComparison = compareVersions(input.documentId, input.reference, input.prediction, this.settings);
    this.documents++;
    const doc = emptyTally();
    let docLabelCorrect = 0;
    doc.matched = c.matches.length;
    doc.reference = c.matches.length + c.unmatchedA.length;
    doc.predicted = c.matches.length + c.unmatchedB.length;
    for (const m of c.matches) {
      doc.iouSum += m.iou;
      doc.iouPairs++;
      const ref = labelOf(m.a.label);
      const pred = labelOf(m.b.label);
      this.label(ref).reference++;
      this.label(pred).predicted++;
      // A pair's IoU counts towards the reference box's label.
      this.label(ref).iouSum += m.iou;
      this.label(ref).iouPairs++;
      if (ref === pred) {
        docLabelCorrect++;
        this.label(ref).matched++;
      }
      const ta = transcriptionText(m.a.transcription);
      const tb = transcriptionText(m.b.transcription);
      if (ta !== '' || tb !== '') {
        this.transcriptionPairs++;
        if (ta === tb) this.transcriptionExact++;
        this.transcriptionAnls += ta === '' ? 0 : anlsScore(tb, ta);
      }
    }
    for (const b of c.unmatchedA) this.label(labelOf(b.label)).reference++;
    for (const b of c.unmatchedB) this.label(labelOf(b.label)).predicted++;
    for (const k of ['reference', 'predicted', 'matched', 'iouSum', 'iouPairs'] as const) this.overall[k] += doc[k];
    this.labelCorrect += docLabelCorrect;

    let qn = 0;
    let qem = 0;
    let qf1 = 0;
    let qanls = 0;
    for (const q of c.questions) {
      if (q.a === null) continue; // asked only by the model: not scored
      qn++;
      qem += q.exactMatch;
      qf1 += q.tokenF1;
      qanls += q.anls;
    }
    this.questions += qn;
    this.em += qem;
    this.f1 += qf1;
    this.anls += qanls;

    const row: EvaluationDocument = {
      documentId: input.documentId,
      sourceName: input.sourceName,
      reference: input.referenceKind,
      referenceAnnotationId: input.reference.annotationId,
      referenceVersion: input.reference.version,
      referenceBy: input.reference.source.name,
      boxes: { ...boxScores(doc), labelAccuracy: ratio(docLabelCorrect, doc.matched) },
      answers: { questions: qn, exactMatch: ratio(qem, qn), tokenF1: ratio(qf1, qn), anls: ratio(qanls, qn) },
    };
    this.rows.push(row);
    return row;
  }

  metrics(): EvaluationMetrics {
    return {
      documents: this.documents,
      boxes: { ...boxScores(this.overall), labelAccuracy: ratio(this.labelCorrect, this.overall.matched) },
      answers: { questions: this.questions, exactMatch: ratio(this.em, this.questions), tokenF1: ratio(this.f1, this.questions), anls: ratio(this.anls, this.questions) },
      transcriptions: { pairs: this.transcriptionPairs, exactMatch: ratio(this.transcriptionExact, this.transcriptionPairs), anls: ratio(this.transcriptionAnls, this.transcriptionPairs) },
    };
  }

  perLabel(): Record<string, BoxScores> {
    return Object.fromEntries([...this.labels.keys()].sort().map((l) => [l, boxScores(this.labels.get(l)!)]));
  }
}

/** Evaluate a list of documents in one go (tests, bundles). */
export function evaluateDocuments(inputs: Iterable<EvaluationInput>, settings?: ReviewSettings): { metrics: EvaluationMetrics; perLabel: Record<string, BoxScores>; documents: EvaluationDocument[] } {
  const acc = new EvaluationAccumulator(settings);
  for (const i of inputs) acc.add(i);
  return { metrics: acc.metrics(), perLabel: acc.perLabel(), documents: acc.rows };
}
