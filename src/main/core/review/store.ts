import type { Prediction } from '../../../shared/domain/model';
import type { Db } from '../db/open';
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
 */
export function* readReviewDocuments(db: Db, projectId: string, opts: { model?: boolean; modelName?: string; documentId?: string } = {}): Generator<ReviewDocumentInput> {
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

  const boxStmt = db.prepare('SELECT id, page_id, label, x, y, w, h, transcription FROM boxes WHERE annotation_id = ? ORDER BY position, id').raw(true);
  const qaStmt = db.prepare('SELECT id, question, answer, unanswerable, template_id FROM qa_pairs WHERE annotation_id = ? ORDER BY position, id').raw(true);
  const evidenceStmt = db.prepare('SELECT qa_id, box_id FROM qa_evidence WHERE annotation_id = ? ORDER BY qa_id, position').raw(true);
  const load = (r: VersionRow): ReviewVersion => {
    const boxes = (boxStmt.all(r.id) as [string, string, string | null, number, number, number, number, string][]).map(
      ([id, pageId, label, x, y, w, h, transcription]): ReviewBox => ({ id, pageId, label, x, y, w, h, transcription }),
    );
    const evidence = new Map<string, string[]>();
    for (const [qaId, boxId] of evidenceStmt.all(r.id) as [string, string][]) {
      const list = evidence.get(qaId);
      if (list) list.push(boxId);
      else evidence.set(qaId, [boxId]);
    }
    const qa = (qaStmt.all(r.id) as [string, string, string, number, string | null][]).map(
      ([id, question, answer, unanswerable, templateId]): ReviewQa => ({ id, question, answer, unanswerable: unanswerable === 1, templateId, evidenceBoxIds: evidence.get(id) ?? [] }),
    );
    return {
      source: { id: r.annotator_id, kind: r.kind === 'gold' ? 'gold' : 'annotator', name: r.annotator_name },
      annotationId: r.id,
      version: r.version,
      verifiedAt: r.verified_at,
      boxes,
      qa,
    };
  };

  const predictionStmt =
    opts.modelName === undefined
      ? db.prepare('SELECT * FROM predictions WHERE project_id = ? AND document_id = ? ORDER BY created_at, id')
      : db.prepare('SELECT * FROM predictions WHERE project_id = ? AND document_id = ? AND model = ? ORDER BY created_at, id');
  const withModel = opts.model === true || opts.modelName !== undefined;
  const predictionArgs = (documentId: string): string[] => (opts.modelName === undefined ? [projectId, documentId] : [projectId, documentId, opts.modelName]);
  for (const doc of documents) {
    const versions = byDocument.get(doc.id) ?? [];
    const golds = versions.filter((v) => v.kind === 'gold');
    // Gold can be resolved by more than one lead: the most recently verified wins.
    const gold = golds.sort((x, y) => (y.verified_at ?? '').localeCompare(x.verified_at ?? '') || y.version - x.version)[0];
    yield {
      documentId: doc.id,
      sourceName: doc.name,
      annotators: versions.filter((v) => v.kind === 'annotation').map(load),
      gold: gold ? { ...load(gold), source: { id: `gold:${gold.annotator_id}`, kind: 'gold', name: `gold (${gold.annotator_name})` } } : null,
      model: withModel ? latestModelVersion(predictionStmt.all(...predictionArgs(doc.id)) as PredictionRow[]) : null,
    };
  }
}

interface PredictionRow {
  id: string;
  page_id: string | null;
  model: string;
  kind: 'box' | 'qa';
  label: string | null;
  x: number | null;
  y: number | null;
  w: number | null;
  h: number | null;
  transcription: string | null;
  question: string | null;
  answer: string | null;
  evidence: string | null;
  confidence: number;
  status: Prediction['status'];
  created_at: string;
  run_id: string | null;
}

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
  return modelVersion(
    chosen.map(
      (r): Prediction => ({
        id: r.id,
        kind: r.kind,
        pageId: r.page_id,
        model: r.model,
        label: r.label,
        x: r.x,
        y: r.y,
        w: r.w,
        h: r.h,
        transcription: r.transcription,
        question: r.question,
        answer: r.answer,
        evidence: r.evidence ? (JSON.parse(r.evidence) as string[]) : [],
        confidence: r.confidence,
        status: r.status,
      }),
    ),
    models.join('+'),
  );
}
