import { newestVersion } from '../../../shared/domain/reference';
import type { Db } from '../db/open';
import { toPrediction, type PredictionRow } from '../db/repos/predictions';
import { modelVersion } from './disagreements';
import type { ReviewBox, ReviewQa, ReviewVersion } from './types';

/**
 * Reads what review compares from the database: per document of a project, every annotator's
 * latest verified annotation version, the latest verified gold version, and (when asked) the
 * model's newest predictions. Read-only; documents are yielded one at a time so a large project
 * is never all in memory.
 */

export interface ReviewDocumentInput {
  documentId: string;
  sourceName: string;
  /** Each annotator's latest verified `annotation` version (one per annotator). */
  annotators: ReviewVersion[];
  /** The latest verified `gold` version, whoever resolved it. */
  gold: ReviewVersion | null;
  /** The model's predictions as a version (only when asked for, and only if there are any). */
  model: ReviewVersion | null;
}

interface VersionRow {
  id: string;
  document_id: string;
  annotator_id: string;
  annotator_name: string;
  kind: 'annotation' | 'gold';
  version: number;
  verified_at: string | null;
}

/**
 * `model`: read the model's newest predictions too (every model's, newest run per page).
 * `modelName`: read only that model's predictions (implies `model`); evaluation measures one model.
 * `documentId`: read only that document.
 * `batchSize`: documents read per batch of statements (boxes, questions, evidence, predictions).
 */
export function* readReviewDocuments(
  db: Db,
  projectId: string,
  opts: { model?: boolean; modelName?: string; documentId?: string; batchSize?: number } = {},
): Generator<ReviewDocumentInput> {
  const only = opts.documentId ? ' AND pd.document_id = ?' : '';
  const onlyA = opts.documentId ? ' AND a.document_id = ?' : '';
  const params = opts.documentId ? [projectId, opts.documentId] : [projectId];
  const documents = db
    .prepare(`SELECT pd.document_id AS id, d.source_name AS name FROM project_documents pd JOIN documents d ON d.id = pd.document_id WHERE pd.project_id = ?${only} ORDER BY pd.position, pd.document_id`)
    .all(...params) as { id: string; name: string }[];
  // The newest verified version per (document, annotator, kind); a later draft does not hide it.
  const rows = db
    .prepare(
      `SELECT a.id, a.document_id, a.annotator_id, an.name AS annotator_name, a.kind, a.version, a.verified_at
       FROM annotations a JOIN annotators an ON an.id = a.annotator_id
       WHERE a.project_id = ? AND a.status = 'verified'
         AND a.version = (SELECT MAX(b.version) FROM annotations b
                          WHERE b.project_id = a.project_id AND b.document_id = a.document_id AND b.annotator_id = a.annotator_id
                            AND b.kind = a.kind AND b.status = 'verified')${onlyA}
       ORDER BY a.document_id, an.name, a.annotator_id`,
    )
    .all(...params) as VersionRow[];
  const byDocument = new Map<string, VersionRow[]>();
  for (const r of rows) {
    const list = byDocument.get(r.document_id);
    if (list) list.push(r);
    else byDocument.set(r.document_id, [r]);
  }

  // Boxes, questions, evidence and predictions are read for a batch of documents at a time: a few
  // statements per batch instead of several per document, while memory stays bounded by the batch.
  const ids = (list: readonly string[]) => JSON.stringify(list);
  const boxStmt = db
    .prepare('SELECT annotation_id, id, page_id, label, x, y, w, h, transcription FROM boxes WHERE annotation_id IN (SELECT value FROM json_each(?)) ORDER BY annotation_id, position, id')
    .raw(true);
  const qaStmt = db
    .prepare('SELECT annotation_id, id, question, answer, unanswerable, template_id FROM qa_pairs WHERE annotation_id IN (SELECT value FROM json_each(?)) ORDER BY annotation_id, position, id')
    .raw(true);
  const evidenceStmt = db
    .prepare('SELECT annotation_id, qa_id, box_id FROM qa_evidence WHERE annotation_id IN (SELECT value FROM json_each(?)) ORDER BY annotation_id, qa_id, position')
    .raw(true);
  const withModel = opts.model === true || opts.modelName !== undefined;
  const predictionStmt =
    opts.modelName === undefined
      ? db.prepare('SELECT * FROM predictions WHERE project_id = ? AND document_id IN (SELECT value FROM json_each(?)) ORDER BY document_id, created_at, id')
      : db.prepare('SELECT * FROM predictions WHERE project_id = ? AND document_id IN (SELECT value FROM json_each(?)) AND model = ? ORDER BY document_id, created_at, id');

  const size = Math.max(1, opts.batchSize ?? BATCH);
  for (let start = 0; start < documents.length; start += size) {
    const batch = documents.slice(start, start + size);
    const annotationIds = batch.flatMap((d) => (byDocument.get(d.id) ?? []).map((v) => v.id));
    // Rows come ordered by annotation: each annotation's boxes and questions are one run of rows.
    const boxesOf = new Map<string, ReviewBox[]>();
    for (const [annotationId, id, pageId, label, x, y, w, h, transcription] of boxStmt.all(ids(annotationIds)) as [string, string, string, string | null, number, number, number, number, string][]) {
      const box: ReviewBox = { id, pageId, label, x, y, w, h, transcription };
      const list = boxesOf.get(annotationId);
      if (list) list.push(box);
      else boxesOf.set(annotationId, [box]);
    }
    const evidenceOf = new Map<string, Map<string, string[]>>();
    for (const [annotationId, qaId, boxId] of evidenceStmt.all(ids(annotationIds)) as [string, string, string][]) {
      let byQa = evidenceOf.get(annotationId);
      if (!byQa) evidenceOf.set(annotationId, (byQa = new Map()));
      const list = byQa.get(qaId);
      if (list) list.push(boxId);
      else byQa.set(qaId, [boxId]);
    }
    const qaOf = new Map<string, ReviewQa[]>();
    for (const [annotationId, id, question, answer, unanswerable, templateId] of qaStmt.all(ids(annotationIds)) as [string, string, string, string, number, string | null][]) {
      const qa: ReviewQa = { id, question, answer, unanswerable: unanswerable === 1, templateId, evidenceBoxIds: evidenceOf.get(annotationId)?.get(id) ?? [] };
      const list = qaOf.get(annotationId);
      if (list) list.push(qa);
      else qaOf.set(annotationId, [qa]);
    }
    const predictionsOf = new Map<string, PredictionRow[]>();
    if (withModel) {
      const rows = (
        opts.modelName === undefined ? predictionStmt.all(projectId, ids(batch.map((d) => d.id))) : predictionStmt.all(projectId, ids(batch.map((d) => d.id)), opts.modelName)
      ) as PredictionRow[];
      for (const r of rows) {
        const list = predictionsOf.get(r.document_id);
        if (list) list.push(r);
        else predictionsOf.set(r.document_id, [r]);
      }
    }
    const load = (r: VersionRow): ReviewVersion => {
      const boxes = boxesOf.get(r.id) ?? [];
      const qa = qaOf.get(r.id) ?? [];
      return {
        source: { id: r.annotator_id, kind: r.kind === 'gold' ? 'gold' : 'annotator', name: r.annotator_name },
        annotationId: r.id,
        version: r.version,
        verifiedAt: r.verified_at,
        boxes,
        qa,
      };
    };
    for (const doc of batch) {
      const versions = byDocument.get(doc.id) ?? [];
      const golds = versions.filter((v) => v.kind === 'gold');
      // Gold can be resolved by more than one lead: the most recently verified wins.
      const gold = newestVersion(golds.map((v) => ({ ...v, verifiedAt: v.verified_at })));
      yield {
        documentId: doc.id,
        sourceName: doc.name,
        annotators: versions.filter((v) => v.kind === 'annotation').map(load),
        gold: gold ? { ...load(gold), source: { id: `gold:${gold.annotator_id}`, kind: 'gold', name: `gold (${gold.annotator_name})` } } : null,
        model: withModel ? latestModelVersion(predictionsOf.get(doc.id) ?? []) : null,
      };
    }
  }
}

/** Documents read per batch of statements. */
const BATCH = 200;

/**
 * A page can hold predictions of several runs (a re-run keeps the ones annotators accepted): the
 * model's version of each page is its newest run's predictions.
 */
function latestModelVersion(rows: PredictionRow[]): ReviewVersion | null {
  if (!rows.length) return null;
  const newestRun = new Map<string, { run: string; at: string }>();
  for (const r of rows) {
    const page = r.page_id ?? '';
    const run = r.run_id ?? '';
    const seen = newestRun.get(page);
    if (!seen || r.created_at > seen.at) newestRun.set(page, { run, at: r.created_at });
  }
  const chosen = rows.filter((r) => newestRun.get(r.page_id ?? '')!.run === (r.run_id ?? ''));
  const models = [...new Set(chosen.map((r) => r.model))].sort();
  return modelVersion(chosen.map(toPrediction), models.join('+'));
}
