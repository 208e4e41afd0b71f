import type { Prediction } from '../../../shared/domain/model';
import { isItemQaId } from '../../../shared/domain/templateQuestions';
import { matchBoxes } from './metrics/boxes';
import { anlsScore, exactMatch, normalizeAnswer, normalizedEditDistance, tokenF1 } from './metrics/text';
import {
  DEFAULT_REVIEW_SETTINGS,
  disagreementTypes,
  SEVERITY_WEIGHT,
  severities,
  type Disagreement,
  type DisagreementCounts,
  type DisagreementType,
  type ReviewBox,
  type ReviewQa,
  type ReviewSettings,
  type ReviewSource,
  type ReviewVersion,
  type Severity,
} from './types';

/**
 * The disagreement engine: compares every pair of sources of one document (annotators, gold, the
 * model) and classifies each difference. Pure: the lead view, the agreement report and tests feed
 * it versions however they got them.
 */

export interface BoxPair {
  pageId: string;
  a: ReviewBox;
  b: ReviewBox;
  iou: number;
}

/** The scores one question gets between two sources (1 when both have no answer). */
export interface AnswerScores {
  exactMatch: number;
  tokenF1: number;
  anls: number;
}

export interface QuestionPair extends AnswerScores {
  key: string;
  question: string;
  a: ReviewQa | null;
  b: ReviewQa | null;
}

/** Two sources of one document side by side. */
export interface VersionComparison {
  a: ReviewSource;
  b: ReviewSource;
  matches: BoxPair[];
  /** Boxes of a with no partner in b (b is missing them), and of b with none in a (extra). */
  unmatchedA: ReviewBox[];
  unmatchedB: ReviewBox[];
  questions: QuestionPair[];
  /** Every difference, low-confidence ones included (flagged). */
  disagreements: Disagreement[];
}

export interface DocumentReview {
  documentId: string;
  sources: ReviewSource[];
  comparisons: VersionComparison[];
  /** What the lead must settle, most severe first. */
  disagreements: Disagreement[];
  /** Differences involving a model prediction under the low-confidence setting, apart. */
  lowConfidence: Disagreement[];
  counts: DisagreementCounts;
  /** Σ severity weights of `disagreements`: the lead's queue is ordered by it. */
  score: number;
}

const KIND_ORDER: Record<ReviewSource['kind'], number> = { gold: 0, annotator: 1, model: 2 };

/** Gold first, then annotators by name, then the model: the earlier source of a pair is its reference. */
export function orderSources<T extends { source: ReviewSource }>(versions: readonly T[]): T[] {
  return [...versions].sort(
    (x, y) => KIND_ORDER[x.source.kind] - KIND_ORDER[y.source.kind] || x.source.name.localeCompare(y.source.name) || (x.source.id < y.source.id ? -1 : x.source.id > y.source.id ? 1 : 0),
  );
}

/** An answer as compared: null when there is none (absent, empty, or marked unanswerable). */
export const answerOf = (qa: ReviewQa | null | undefined): string | null => (!qa || qa.unanswerable || qa.answer.trim() === '' ? null : qa.answer);

/** EM / token F1 / ANLS of `candidate` against `reference`; both without an answer agree fully. */
export function answerScores(reference: string | null, candidate: string | null): AnswerScores {
  if (reference === null && candidate === null) return { exactMatch: 1, tokenF1: 1, anls: 1 };
  if (reference === null || candidate === null) return { exactMatch: 0, tokenF1: 0, anls: 0 };
  // The same text (most answers two annotators give): EM and ANLS are 1; token F1 is 1 unless
  // normalising leaves no token (SQuAD's F1 is 0 then). Skips normalising and edit distances.
  if (reference === candidate) return { exactMatch: 1, tokenF1: normalizeAnswer(candidate) === '' ? 0 : 1, anls: 1 };
  return { exactMatch: exactMatch(candidate, reference) ? 1 : 0, tokenF1: tokenF1(candidate, reference), anls: anlsScore(candidate, reference) };
}

/** Transcriptions are compared after trimming and collapsing whitespace runs; case and punctuation count. */
const transcriptionText = (s: string): string => s.normalize('NFC').trim().replace(/\s+/g, ' ');

/**
 * Questions are paired across sources by template when they come from one, otherwise by their
 * normalised text (ids differ between installations). `templateByText` lets a model question
 * whose text is a template's pair with that template.
 */
export function questionKeys(versions: readonly { qa: readonly ReviewQa[] }[]): (qa: ReviewQa) => string {
  // A line-item template asks one question per item (and each annotator has their own boxes):
  // those pair by the item they name, i.e. their text.
  const templateKey = (q: ReviewQa, templateId: string) => (isItemQaId(q.id, templateId) ? `template:${templateId}:${normalizeAnswer(q.question)}` : `template:${templateId}`);
  const templateByText = new Map<string, string>();
  for (const v of versions) for (const q of v.qa) if (q.templateId) templateByText.set(normalizeAnswer(q.question), templateKey(q, q.templateId));
  // Every pair of a document's sources asks again for the same questions' keys.
  const byQuestion = new Map<string, string>();
  return (qa) => {
    if (qa.templateId) return templateKey(qa, qa.templateId);
    let key = byQuestion.get(qa.question);
    if (key === undefined) {
      const text = normalizeAnswer(qa.question);
      byQuestion.set(qa.question, (key = templateByText.get(text) ?? `question:${text}`));
    }
    return key;
  };
}

/** A version's questions by key; a key asked twice in one version gets #2, #3… in order. */
export function keyedQuestions(qa: readonly ReviewQa[], keyOf: (qa: ReviewQa) => string): Map<string, ReviewQa> {
  const out = new Map<string, ReviewQa>();
  for (const q of qa) {
    const base = keyOf(q);
    let key = base;
    for (let n = 2; out.has(key); n++) key = `${base}#${n}`;
    out.set(key, q);
  }
  return out;
}

const pct = (v: number): string => `${Math.round(v * 100)}%`;
const quote = (s: string | null): string => (s === null ? '(none)' : JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}…` : s));

function severityOf(type: DisagreementType, m: { iou?: number | null; editDistance?: number | null }): Severity {
  switch (type) {
    case 'missing_box':
    case 'extra_box':
    case 'label_mismatch':
    case 'answer_mismatch':
      return 'high';
    case 'evidence_mismatch':
      return 'medium';
    case 'transcription_mismatch':
      return (m.editDistance ?? 1) >= 0.5 ? 'high' : (m.editDistance ?? 1) >= 0.1 ? 'medium' : 'low';
    case 'geometry_mismatch':
      return (m.iou ?? 0) < 0.7 ? 'medium' : 'low';
  }
}

/** Compare two versions of one document: boxes page by page, then questions. */
export function compareVersions(
  documentId: string,
  a: Pick<ReviewVersion, 'source' | 'boxes' | 'qa'>,
  b: Pick<ReviewVersion, 'source' | 'boxes' | 'qa'>,
  settings: ReviewSettings = DEFAULT_REVIEW_SETTINGS,
  keyOf: (qa: ReviewQa) => string = questionKeys([a, b]),
): VersionComparison {
  const out: Disagreement[] = [];
  const confidenceOf = (x: { confidence?: number | null | undefined } | null | undefined): number | null => x?.confidence ?? null;
  const add = (
    type: DisagreementType,
    d: Partial<Omit<Disagreement, 'id' | 'type' | 'severity' | 'weight' | 'documentId' | 'a' | 'b' | 'lowConfidence'>> & { message: string },
  ) => {
    const severity = severityOf(type, d);
    const confidence = d.confidence ?? null;
    const row: Disagreement = {
      id: [type, a.source.id, b.source.id, d.pageId ?? '', d.boxA ?? '', d.boxB ?? '', d.questionKey ?? ''].join('|'),
      type,
      severity,
      weight: SEVERITY_WEIGHT[severity],
      documentId,
      a: a.source.id,
      b: b.source.id,
      pageId: d.pageId ?? null,
      boxA: d.boxA ?? null,
      boxB: d.boxB ?? null,
      questionKey: d.questionKey ?? null,
      question: d.question ?? null,
      valueA: d.valueA ?? null,
      valueB: d.valueB ?? null,
      evidenceA: d.evidenceA ?? null,
      evidenceB: d.evidenceB ?? null,
      reason: d.reason ?? null,
      iou: d.iou ?? null,
      editDistance: d.editDistance ?? null,
      anls: d.anls ?? null,
      confidence,
      lowConfidence: confidence !== null && confidence < settings.lowConfidence,
      message: d.message,
    };
    out.push(row);
  };
  const who = (s: ReviewSource) => s.name;

  // Boxes, page by page.
  const byPage = (boxes: readonly ReviewBox[]) => {
    const m = new Map<string, ReviewBox[]>();
    for (const box of boxes) {
      const list = m.get(box.pageId);
      if (list) list.push(box);
      else m.set(box.pageId, [box]);
    }
    return m;
  };
  const pagesA = byPage(a.boxes);
  const pagesB = byPage(b.boxes);
  const pageIds = [...new Set([...pagesA.keys(), ...pagesB.keys()])].sort();
  const matches: BoxPair[] = [];
  const unmatchedA: ReviewBox[] = [];
  const unmatchedB: ReviewBox[] = [];
  const partnerOfA = new Map<string, string>(); // a's box id → b's box id
  for (const pageId of pageIds) {
    const as = pagesA.get(pageId) ?? [];
    const bs = pagesB.get(pageId) ?? [];
    const m = matchBoxes(as, bs, { threshold: settings.matchIou, prefer: (i, j) => as[i]!.label === bs[j]!.label });
    for (const x of m.matches) {
      const pair = { pageId, a: as[x.a]!, b: bs[x.b]!, iou: x.iou };
      matches.push(pair);
      partnerOfA.set(pair.a.id, pair.b.id);
      const confidence = confidenceOf(pair.b) ?? confidenceOf(pair.a);
      const common = { pageId, boxA: pair.a.id, boxB: pair.b.id, iou: x.iou, confidence };
      if (pair.a.label !== pair.b.label) {
        add('label_mismatch', { ...common, valueA: pair.a.label, valueB: pair.b.label, message: `${who(a.source)} labelled a box ${quote(pair.a.label)}, ${who(b.source)} ${quote(pair.b.label)}` });
      }
      if (x.iou < settings.geometryIou) {
        add('geometry_mismatch', { ...common, message: `The boxes overlap only ${pct(x.iou)} (IoU ${x.iou.toFixed(3)}, below ${settings.geometryIou})` });
      }
      const ta = transcriptionText(pair.a.transcription);
      const tb = transcriptionText(pair.b.transcription);
      const distance = ta === tb ? 0 : normalizedEditDistance(ta, tb);
      if (distance > settings.transcriptionDistance) {
        add('transcription_mismatch', {
          ...common,
          valueA: pair.a.transcription,
          valueB: pair.b.transcription,
          editDistance: distance,
          message: `${who(a.source)} transcribed ${quote(pair.a.transcription)}, ${who(b.source)} ${quote(pair.b.transcription)} (edit distance ${distance.toFixed(2)})`,
        });
      }
    }
    for (const i of m.unmatchedA) {
      const box = as[i]!;
      unmatchedA.push(box);
      add('missing_box', { pageId, boxA: box.id, valueA: box.label, confidence: confidenceOf(box), message: `${who(b.source)} has no box for ${who(a.source)}'s ${quote(box.label)} box${box.transcription ? ` ${quote(box.transcription)}` : ''}` });
    }
    for (const j of m.unmatchedB) {
      const box = bs[j]!;
      unmatchedB.push(box);
      add('extra_box', { pageId, boxB: box.id, valueB: box.label, confidence: confidenceOf(box), message: `${who(b.source)} has a ${quote(box.label)} box${box.transcription ? ` ${quote(box.transcription)}` : ''} that ${who(a.source)} does not` });
    }
  }

  // Questions.
  const qa = keyedQuestions(a.qa, keyOf);
  const qb = keyedQuestions(b.qa, keyOf);
  const questions: QuestionPair[] = [];
  for (const key of [...new Set([...qa.keys(), ...qb.keys()])]) {
    const x = qa.get(key) ?? null;
    const y = qb.get(key) ?? null;
    const question = (x ?? y)!.question;
    const ansA = answerOf(x);
    const ansB = answerOf(y);
    const scores = answerScores(ansA, ansB);
    questions.push({ key, question, a: x, b: y, ...scores });
    const confidence = confidenceOf(y) ?? confidenceOf(x);
    const common = { questionKey: key, question, confidence };
    if (ansA !== null || ansB !== null) {
      const differs = ansA === null || ansB === null || (scores.exactMatch === 0 && scores.anls < settings.answerAnls);
      if (differs) {
        const none = ansA === null ? x : y;
        const reason = ansA !== null && ansB !== null ? 'text' : none?.unanswerable ? 'unanswerable' : 'missing';
        const says = (src: ReviewSource, q: ReviewQa | null, ans: string | null) =>
          `${who(src)} ${ans !== null ? `answered ${quote(ans)}` : q?.unanswerable ? 'marked it unanswerable' : 'gave no answer'}`;
        add('answer_mismatch', {
          ...common,
          valueA: ansA,
          valueB: ansB,
          reason,
          anls: scores.anls,
          message: `${quote(question)}: ${says(a.source, x, ansA)}, ${says(b.source, y, ansB)}`,
        });
      }
    }
    // Evidence is compared where both sides answered; boxes correspond through the box matching.
    if (x && y && ansA !== null && ansB !== null) {
      const mapped = x.evidenceBoxIds.map((id) => partnerOfA.get(id));
      const target = new Set(y.evidenceBoxIds);
      const same = mapped.every((id) => id !== undefined && target.has(id)) && new Set(mapped).size === target.size;
      if (!same) {
        add('evidence_mismatch', {
          ...common,
          evidenceA: [...x.evidenceBoxIds],
          evidenceB: [...y.evidenceBoxIds],
          message: `${quote(question)}: the evidence boxes differ (${who(a.source)}: ${x.evidenceBoxIds.length}, ${who(b.source)}: ${y.evidenceBoxIds.length}${mapped.some((id) => id === undefined) ? `; some of ${who(a.source)}'s have no matching box` : ''})`,
        });
      }
    }
  }
  return { a: a.source, b: b.source, matches, unmatchedA, unmatchedB, questions, disagreements: out };
}

const TYPE_ORDER = new Map(disagreementTypes.map((t, i) => [t, i]));

/** Most severe first; then by type, page, and ids, so the order is stable. */
export function sortDisagreements(list: Disagreement[]): Disagreement[] {
  return list.sort(
    (x, y) =>
      y.weight - x.weight ||
      TYPE_ORDER.get(x.type)! - TYPE_ORDER.get(y.type)! ||
      (x.pageId ?? '').localeCompare(y.pageId ?? '') ||
      x.id.localeCompare(y.id),
  );
}

export function countDisagreements(list: readonly Disagreement[]): DisagreementCounts {
  const byType = Object.fromEntries(disagreementTypes.map((t) => [t, 0])) as Record<DisagreementType, number>;
  const bySeverity = Object.fromEntries(severities.map((s) => [s, 0])) as Record<Severity, number>;
  for (const d of list) {
    byType[d.type]++;
    bySeverity[d.severity]++;
  }
  return { byType, bySeverity };
}

/**
 * Every pair of sources of one document compared (gold, annotators by name, the model last);
 * differences involving a model prediction under the low-confidence setting are listed apart and
 * do not count towards the score.
 */
export function reviewDocument(documentId: string, versions: readonly Pick<ReviewVersion, 'source' | 'boxes' | 'qa'>[], settings: ReviewSettings = DEFAULT_REVIEW_SETTINGS): DocumentReview {
  const ordered = orderSources(versions);
  const ids = new Set<string>();
  for (const v of ordered) {
    if (ids.has(v.source.id)) throw new Error(`reviewDocument: source ${v.source.id} appears twice for document ${documentId}`);
    ids.add(v.source.id);
  }
  const keyOf = questionKeys(ordered);
  const comparisons: VersionComparison[] = [];
  for (let i = 0; i < ordered.length; i++) {
    for (let j = i + 1; j < ordered.length; j++) comparisons.push(compareVersions(documentId, ordered[i]!, ordered[j]!, settings, keyOf));
  }
  const all = comparisons.flatMap((c) => c.disagreements);
  const disagreements = sortDisagreements(all.filter((d) => !d.lowConfidence));
  const lowConfidence = sortDisagreements(all.filter((d) => d.lowConfidence));
  return {
    documentId,
    sources: ordered.map((v) => v.source),
    comparisons,
    disagreements,
    lowConfidence,
    counts: countDisagreements(disagreements),
    score: disagreements.reduce((s, d) => s + d.weight, 0),
  };
}

/** The lead's queue: documents with the highest score first (ties by document id). */
export function orderQueue<T extends { documentId: string; score: number }>(reviews: readonly T[]): T[] {
  return [...reviews].sort((x, y) => y.score - x.score || (x.documentId < y.documentId ? -1 : x.documentId > y.documentId ? 1 : 0));
}

/**
 * The model's version of a document from its predictions: box predictions with geometry become
 * boxes (id = prediction id, so QA evidence, which names box prediction ids, links up), QA
 * predictions become questions (a null answer = unanswerable). Each carries its confidence.
 */
export function modelVersion(predictions: readonly Prediction[], model?: string): ReviewVersion {
  const name = model ?? predictions[0]?.model ?? 'model';
  const boxes: ReviewBox[] = [];
  const qa: ReviewQa[] = [];
  for (const p of predictions) {
    if (p.kind === 'box') {
      if (p.pageId === null || p.x === null || p.y === null || p.w === null || p.h === null) continue;
      boxes.push({ id: p.id, pageId: p.pageId, label: p.label, x: p.x, y: p.y, w: p.w, h: p.h, transcription: p.transcription ?? '', confidence: p.confidence });
    } else {
      qa.push({ id: p.id, question: p.question ?? '', answer: p.answer ?? '', unanswerable: p.answer === null, templateId: null, evidenceBoxIds: [...p.evidence], confidence: p.confidence });
    }
  }
  return { source: { id: `model:${name}`, kind: 'model', name }, annotationId: null, version: null, verifiedAt: null, boxes, qa };
}
