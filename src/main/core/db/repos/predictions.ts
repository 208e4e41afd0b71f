import type { Prediction } from '../../../../shared/domain/model';
import type { Db } from '../open';
import { cachedStatement } from '../statementCache';

/** A predictions row as stored. */
export interface PredictionRow {
  id: string;
  project_id: string;
  document_id: string;
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
  /** JSON array of prediction ids (QA predictions only). */
  evidence: string | null;
  confidence: number;
  status: Prediction['status'];
  created_at: string;
  run_id: string | null;
}

export function toPrediction(r: PredictionRow): Prediction {
  return {
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
  };
}

/** A model's prediction to store: always pending until an annotator accepts or rejects it. */
export type NewPrediction = Omit<Prediction, 'status'> & { documentId: string };

type Common = Pick<NewPrediction, 'id' | 'documentId' | 'pageId' | 'model' | 'confidence'>;

/** A predicted box: the question fields stay empty. */
export const boxPrediction = (p: Common & Pick<NewPrediction, 'label' | 'x' | 'y' | 'w' | 'h' | 'transcription'>): NewPrediction => ({
  ...p,
  kind: 'box',
  question: null,
  answer: null,
  evidence: [],
});

/** A predicted question and answer, with the ids of the predicted boxes it cites: the box fields stay empty. */
export const qaPrediction = (p: Common & { question: string; answer: string | null; evidence: string[] }): NewPrediction => ({
  ...p,
  kind: 'qa',
  label: null,
  x: null,
  y: null,
  w: null,
  h: null,
  transcription: null,
});

/**
 * The one writer of the predictions table: model output (pre-annotation runs, imported
 * predictions) in, superseded pending output out, and annotators' accept/reject decisions.
 * Writes run inside the caller's transaction.
 */
export class PredictionsRepo {
  constructor(private readonly db: Db) {}

  private stmt(sql: string) {
    return cachedStatement(this.db, sql);
  }

  forDocument(projectId: string, documentId: string): Prediction[] {
    return (this.stmt('SELECT * FROM predictions WHERE project_id = ? AND document_id = ? ORDER BY created_at, id').all(projectId, documentId) as PredictionRow[]).map(toPrediction);
  }

  /**
   * Store predictions as pending; returns how many rows were added. `skipExisting`: a prediction
   * whose id is already stored is left as it is (with the status an annotator gave it) instead
   * of failing the transaction.
   */
  insertPending(projectId: string, predictions: Iterable<NewPrediction>, opts: { now: string; runId: string | null; skipExisting: boolean }): number {
    const insert = this.stmt(
      `INSERT ${opts.skipExisting ? 'OR IGNORE ' : ''}INTO predictions (id, project_id, document_id, page_id, model, kind, label, x, y, w, h, transcription, question, answer, evidence, confidence, status, created_at, run_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?)`,
    );
    let added = 0;
    for (const p of predictions) {
      const evidence = p.kind === 'qa' ? JSON.stringify(p.evidence) : null;
      added += insert.run(p.id, projectId, p.documentId, p.pageId, p.model, p.kind, p.label, p.x, p.y, p.w, p.h, p.transcription, p.question, p.answer, evidence, p.confidence, opts.now, opts.runId).changes;
    }
    return added;
  }

  /** Drop a page's pending predictions from other runs than `runId`, unless an annotator's box or answer came from one. */
  dropSupersededPending(projectId: string, pageId: string, runId: string): void {
    // Most pages have nothing earlier: skip the delete, whose subqueries read every box and answer made from a prediction.
    const earlier = this.stmt("SELECT 1 FROM predictions WHERE project_id = ? AND page_id = ? AND status = 'pending' AND (run_id IS NULL OR run_id <> ?) LIMIT 1").get(projectId, pageId, runId);
    if (!earlier) return;
    this.stmt(
      `DELETE FROM predictions WHERE project_id = ? AND page_id = ? AND status = 'pending' AND (run_id IS NULL OR run_id <> ?)
         AND id NOT IN (SELECT origin_prediction_id FROM boxes WHERE origin_prediction_id IS NOT NULL)
         AND id NOT IN (SELECT origin_prediction_id FROM qa_pairs WHERE origin_prediction_id IS NOT NULL)`,
    ).run(projectId, pageId, runId);
  }

  /** Drop a page's pending predictions from one model (its earlier output), unless an annotator's box or answer came from one. */
  dropPendingOfModel(projectId: string, pageId: string, model: string): void {
    this.stmt(
      `DELETE FROM predictions WHERE project_id = ? AND page_id = ? AND model = ? AND status = 'pending'
         AND id NOT IN (SELECT origin_prediction_id FROM boxes WHERE origin_prediction_id IS NOT NULL)
         AND id NOT IN (SELECT origin_prediction_id FROM qa_pairs WHERE origin_prediction_id IS NOT NULL)`,
    ).run(projectId, pageId, model);
  }

  /** An annotator's decisions on a document's predictions; ids of other documents are ignored. */
  setStatuses(projectId: string, documentId: string, statuses: readonly { id: string; status: Prediction['status'] }[]): void {
    const set = this.stmt('UPDATE predictions SET status = ? WHERE id = ? AND project_id = ? AND document_id = ?');
    for (const p of statuses) set.run(p.status, p.id, projectId, documentId);
  }
}
