import type { Db } from '../db/open';
import { cachedStatement } from '../db/statementCache';
import { computeAgreement, type AgreementReport, type ComparisonStats } from './agreement';
import type { DocumentReview } from './disagreements';
import { readReviewDocuments, type ReviewDocumentInput } from './store';
import { DEFAULT_REVIEW_SETTINGS, goldLineageSchema, type GoldInfo, type GoldLineage, type ReviewAgreement, type ReviewQueueItem, type ReviewVersion } from './types';

/**
 * A whole project read and compared once: what the review queue lists of each document and the
 * agreement figures behind the charts. Pure reading (no writes), so it can run on any connection:
 * in-process, or on the review worker's own (worker/), off the core's thread.
 */
export function analyseProject(db: Db, project: { id: string; name: string }, model: boolean): ProjectAnalysis {
  const documents: DocumentSummary[] = [];
  const report = computeAgreement({ id: project.id, name: project.name }, readReviewDocuments(db, project.id, { model }), DEFAULT_REVIEW_SETTINGS, (doc, review) =>
    documents.push(summarize(db, doc, review)),
  );
  return { documents, agreement: agreementResponse(report) };
}

interface LineageRow {
  resolved_by: string;
  resolved_by_name: string | null;
  resolved_at: string;
  sources: string;
  items: string;
}

export function readLineage(db: Db, annotationId: string | null): GoldLineage | null {
  if (!annotationId) return null;
  // Read once per document of the queue: one statement per connection, not one per call.
  const row = cachedStatement(
    db,
    'SELECT g.resolved_by, an.name AS resolved_by_name, g.resolved_at, g.sources, g.items FROM gold_lineage g LEFT JOIN annotators an ON an.id = g.resolved_by WHERE g.annotation_id = ?',
  ).get(annotationId) as LineageRow | undefined;
  if (!row) return null;
  return goldLineageSchema.parse({
    resolvedBy: row.resolved_by,
    resolvedByName: row.resolved_by_name ?? row.resolved_by,
    resolvedAt: row.resolved_at,
    sources: JSON.parse(row.sources),
    items: JSON.parse(row.items),
  });
}

/** What the queue needs of one document's review: where it stands is decided per call (the required count can change). */
export function summarize(db: Db, doc: ReviewDocumentInput, review: DocumentReview): DocumentSummary {
  const lineage = readLineage(db, doc.gold?.annotationId ?? null);
  const gold: GoldInfo | null = doc.gold
    ? {
        annotationId: doc.gold.annotationId ?? '',
        version: doc.gold.version ?? 0,
        resolvedBy: lineage?.resolvedByName ?? doc.gold.source.name,
        resolvedAt: lineage?.resolvedAt ?? doc.gold.verifiedAt ?? '',
      }
    : null;
  return {
    documentId: doc.documentId,
    sourceName: doc.sourceName,
    sources: review.sources,
    annotatorCount: doc.annotators.length,
    score: review.score,
    counts: review.counts,
    disagreements: review.disagreements.length,
    lowConfidence: review.lowConfidence.length,
    gold,
    goldCurrent: doc.gold !== null && goldIsCurrent(doc, doc.gold, lineage),
  };
}

/** One document of an analysed project, as the queue lists it. */
export interface DocumentSummary {
  documentId: string;
  sourceName: string;
  sources: ReviewQueueItem['sources'];
  annotatorCount: number;
  score: number;
  counts: ReviewQueueItem['counts'];
  disagreements: number;
  lowConfidence: number;
  gold: GoldInfo | null;
  /** Gold exists and still settles the document (see goldIsCurrent). */
  goldCurrent: boolean;
}

export interface ProjectAnalysis {
  documents: DocumentSummary[];
  agreement: ReviewAgreement;
}

function agreementResponse(r: AgreementReport): ReviewAgreement {
  const summary = (s: ComparisonStats | null) =>
    s ? { documents: s.documents, f1: s.boxes.f1, meanIou: s.boxes.meanIou, cohenKappa: s.cohenKappa, exactMatch: s.answers.exactMatch, anls: s.answers.anls } : null;
  return {
    annotators: r.annotators,
    documents: r.documents,
    overall: {
      cohenKappa: r.overall.labels.cohenKappa,
      fleissKappa: r.overall.labels.fleissKappa,
      krippendorffAlpha: r.overall.labels.krippendorffAlpha,
      boxF1: r.overall.boxes.f1,
      meanIou: r.overall.boxes.meanIou,
      exactMatch: r.overall.answers.exactMatch,
      tokenF1: r.overall.answers.tokenF1,
      anls: r.overall.answers.anls,
    },
    perLabel: Object.entries(r.perLabel).map(([label, l]) => ({
      label,
      units: l.units,
      cohenKappa: l.cohenKappa,
      fleissKappa: l.fleissKappa,
      krippendorffAlpha: l.krippendorffAlpha,
      f1: l.f1,
      meanIou: l.meanIou,
    })),
    iouHistogram: r.iouHistogram,
    perAnnotator: r.perAnnotator.map((a) => ({ id: a.id, name: a.name, vsOthers: summary(a.vsOthers), vsGold: summary(a.vsGold) })),
    disagreements: r.disagreements,
  };
}

/**
 * Gold settles a document while every annotator version it was resolved from is still each
 * annotator's latest (a newer verified version reopens it). Gold pulled without lineage counts
 * when it is newer than every annotator version.
 */
function goldIsCurrent(doc: ReviewDocumentInput, gold: ReviewVersion, lineage: GoldLineage | null): boolean {
  const from = new Set(lineage?.sources.map((s) => s.annotationId) ?? []);
  return doc.annotators.every((v) => (lineage ? from.has(v.annotationId) : (v.verifiedAt ?? '') <= (gold.verifiedAt ?? '')));
}

