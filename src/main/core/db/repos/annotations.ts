import { AppError } from '../../../../shared/contract/errors';
import type { AnnotationState, Box, DocumentStatus, Prediction, QaPair, VerifyResult, VerifyWarningKind } from '../../../../shared/domain/model';
import { boxColumnsFrom, toBoxColumns, type AnnotationColumnsState, type BoxColumns } from '../../../../shared/domain/boxColumns';
import { arrangeQa, expandTemplates, itemLabels, type ItemBox, type TemplateQuestion } from '../../../../shared/domain/templateQuestions';
import { newId } from '../../util/ids';
import type { Db } from '../open';
import { recordAudit } from './audit';
import { ensureAnnotator } from './annotators';
import { docTypeOf, setDocumentStatus } from './documents';
import { templateColumns, toTemplate, type TemplateRow } from './projects';
import { PredictionsRepo } from './predictions';
import { VersionsRepo } from './versions';
import { cachedStatement } from '../statementCache';

type BoxRow = [string, string, string | null, number, number, number, number, string, number, number, string | null];

export interface AnnotationPatch {
  projectId: string;
  documentId: string;
  /** The revision the client's state was based on; a mismatch means someone else saved since. */
  baseRevision: number;
  upsertBoxes?: Box[] | undefined;
  deleteBoxIds?: string[] | undefined;
  upsertQa?: QaPair[] | undefined;
  deleteQaIds?: string[] | undefined;
  predictionStatus?: { id: string; status: Prediction['status'] }[] | undefined;
}

/** What verify's rules decide on besides the annotation state. */
export interface VerifyFacts {
  /** The project's label names. */
  labels: ReadonlySet<string>;
  /** Template questions this document must answer (or mark unanswerable); other template pairs may stay empty. */
  requiredTemplateQaIds: ReadonlySet<string>;
}

export type VerifyDecision = Exclude<VerifyResult, { result: 'verified' }> | { result: 'record' };

export type DecideVerify = (state: AnnotationState, facts: VerifyFacts, acknowledged: readonly VerifyWarningKind[]) => VerifyDecision;

export interface SaveResult {
  annotationId: string;
  version: number;
  status: 'draft';
  revision: number;
  documentStatus: DocumentStatus;
}

interface AnnotationRow {
  id: string;
  version: number;
  status: 'draft' | 'verified';
  revision: number;
  updated_at: string;
  verified_at: string | null;
}

interface QaRow {
  id: string;
  question: string;
  answer: string;
  unanswerable: number;
  source: QaPair['source'];
  template_id: string | null;
  origin_prediction_id: string | null;
}

/**
 * One annotator's versions of one document. Drafts change in place (autosave); verifying freezes
 * the draft into an immutable version and enqueues it in the outbox in the same transaction;
 * editing a verified document starts a new draft that copies it.
 */
export class AnnotationsRepo {
  private readonly versions: VersionsRepo;
  private readonly predictions: PredictionsRepo;

  /** `decideVerify`: verify's rules (annotations/verifyRules.ts); this repository only reads and writes. */
  constructor(
    private readonly db: Db,
    private readonly decideVerify: DecideVerify,
  ) {
    this.versions = new VersionsRepo(db);
    this.predictions = new PredictionsRepo(db);
  }

  /** Prepared once per connection: save and verify run on every keystroke batch and every verify. */
  private stmt(sql: string) {
    return cachedStatement(this.db, sql);
  }

  ensureAnnotator(id: string, name: string, now: string): void {
    ensureAnnotator(this.db, id, name, now);
  }

  private current(projectId: string, documentId: string, annotatorId: string): AnnotationRow | undefined {
    return this.stmt(
        `SELECT id, version, status, revision, updated_at, verified_at FROM annotations
         WHERE project_id = ? AND document_id = ? AND annotator_id = ? AND kind = 'annotation'
         ORDER BY version DESC LIMIT 1`,
      )
      .get(projectId, documentId, annotatorId) as AnnotationRow | undefined;
  }

  private assertDocument(projectId: string, documentId: string): void {
    if (!this.stmt('SELECT 1 FROM project_documents WHERE project_id = ? AND document_id = ?').get(projectId, documentId)) {
      throw new AppError('not_found', `Document ${documentId} is not in this project`);
    }
  }

  private boxRows(annotationId: string): BoxRow[] {
    // Raw rows: a dense page has 10,000 boxes and objects per row cost more than the query.
    return this.db
      .prepare('SELECT id, page_id, label, x, y, w, h, transcription, locked, hidden, origin_prediction_id FROM boxes WHERE annotation_id = ? ORDER BY position')
      .raw(true)
      .all(annotationId) as BoxRow[];
  }

  private boxes(annotationId: string): Box[] {
    return this.boxRows(annotationId).map(([id, pageId, label, x, y, w, h, transcription, locked, hidden, originPredictionId]) => ({
      id,
      pageId,
      label,
      x,
      y,
      w,
      h,
      transcription,
      locked: locked === 1,
      hidden: hidden === 1,
      originPredictionId,
    }));
  }

  private boxColumns(annotationId: string): BoxColumns {
    return boxColumnsFrom(this.boxRows(annotationId));
  }

  private qaPairs(annotationId: string): QaPair[] {
    const evidence = new Map<string, string[]>();
    for (const row of this.stmt('SELECT qa_id, box_id FROM qa_evidence WHERE annotation_id = ? ORDER BY qa_id, position').all(annotationId) as { qa_id: string; box_id: string }[]) {
      const list = evidence.get(row.qa_id) ?? [];
      list.push(row.box_id);
      evidence.set(row.qa_id, list);
    }
    return (this.stmt('SELECT * FROM qa_pairs WHERE annotation_id = ? ORDER BY position').all(annotationId) as QaRow[]).map((q) => ({
      id: q.id,
      question: q.question,
      answer: q.answer,
      unanswerable: q.unanswerable === 1,
      source: q.source,
      templateId: q.template_id,
      originPredictionId: q.origin_prediction_id,
      evidenceBoxIds: evidence.get(q.id) ?? [],
    }));
  }

  /**
   * The template questions this document is asked: those for its type, line-item templates once
   * per box of their label (see templateQuestions.ts). `boxes`: the annotation's, in order; read
   * from the database (only the boxes of the labels placeholders name) when not given.
   */
  private asked(projectId: string, documentId: string, annotationId: string | null, boxes?: readonly ItemBox[]): TemplateQuestion[] {
    const templates = (this.stmt(`SELECT ${templateColumns} FROM question_templates WHERE project_id = ? ORDER BY position`).all(projectId) as TemplateRow[]).map(toTemplate);
    const docType = docTypeOf(this.db, projectId, documentId);
    let items: readonly ItemBox[] = boxes ?? [];
    if (!boxes && annotationId) {
      const wanted = itemLabels(templates, docType);
      const labels = wanted.size ? (this.stmt('SELECT name FROM labels WHERE project_id = ?').all(projectId) as { name: string }[]).map((l) => l.name).filter((n) => wanted.has(n.toLowerCase())) : [];
      if (labels.length) {
        items = this.db
          .prepare(`SELECT id, label, transcription FROM boxes WHERE annotation_id = ? AND label IN (${labels.map(() => '?').join(', ')}) ORDER BY position`)
          .all(annotationId, ...labels) as ItemBox[];
      }
    }
    return expandTemplates(templates, docType, items);
  }

  get(projectId: string, documentId: string, annotator: { id: string; name: string }): AnnotationState {
    const { row, rest } = this.stateWithout(projectId, documentId, annotator);
    return { ...rest, boxes: row ? this.boxes(row.id) : [] };
  }

  /** `get` with the boxes as columns, read from the rows without making an object per box. */
  getColumns(projectId: string, documentId: string, annotator: { id: string; name: string }): AnnotationColumnsState {
    const { row, rest } = this.stateWithout(projectId, documentId, annotator);
    return { ...rest, boxColumns: row ? this.boxColumns(row.id) : toBoxColumns([]) };
  }

  /** Everything of the state but its boxes. */
  private stateWithout(projectId: string, documentId: string, annotator: { id: string; name: string }): { row: AnnotationRow | undefined; rest: Omit<AnnotationState, 'boxes'> } {
    this.assertDocument(projectId, documentId);
    const row = this.current(projectId, documentId, annotator.id);
    return {
      row,
      rest: {
        projectId,
        documentId,
        annotator,
        annotationId: row?.id ?? null,
        version: row?.version ?? 0,
        status: row?.status ?? 'draft',
        revision: row?.revision ?? 0,
        qa: arrangeQa(this.asked(projectId, documentId, row?.id ?? null), row ? this.qaPairs(row.id) : []).qa,
        predictions: this.predictions.forDocument(projectId, documentId),
        updatedAt: row?.updated_at ?? null,
        verifiedAt: row?.verified_at ?? null,
      },
    };
  }

  /** The draft to write into: the current one, or a new version copying the verified one (or empty). */
  private draftFor(projectId: string, documentId: string, annotatorId: string, baseRevision: number, now: string): AnnotationRow {
    const row = this.current(projectId, documentId, annotatorId);
    if ((row?.revision ?? 0) !== baseRevision) {
      throw new AppError(
        'conflict',
        `This document was saved elsewhere since you opened it (revision ${row?.revision ?? 0}, yours ${baseRevision}). Reload it to see the newest work.`,
        { details: { revision: row?.revision ?? 0 } },
      );
    }
    if (row && row.status === 'draft') return row;
    const id = newId();
    const version = (row?.version ?? 0) + 1;
    this.stmt(
        `INSERT INTO annotations (id, project_id, document_id, annotator_id, version, status, kind, parent_id, created_at, updated_at, revision)
         VALUES (?, ?, ?, ?, ?, 'draft', 'annotation', ?, ?, ?, ?)`,
      )
      .run(id, projectId, documentId, annotatorId, version, row?.id ?? null, now, now, baseRevision);
    if (row) {
      this.stmt('INSERT INTO boxes SELECT ?, id, page_id, label, x, y, w, h, transcription, locked, hidden, origin_prediction_id, position FROM boxes WHERE annotation_id = ?').run(id, row.id);
      this.stmt('INSERT INTO qa_pairs SELECT ?, id, question, answer, unanswerable, source, template_id, origin_prediction_id, position FROM qa_pairs WHERE annotation_id = ?').run(id, row.id);
      this.stmt('INSERT INTO qa_evidence SELECT ?, qa_id, box_id, position FROM qa_evidence WHERE annotation_id = ?').run(id, row.id);
    }
    return { id, version, status: 'draft', revision: baseRevision, updated_at: now, verified_at: null };
  }

  /**
   * Apply an autosave patch in one transaction. Write transactions begin IMMEDIATE: they read
   * before they write, and a deferred one would fail at once with SQLITE_BUSY instead of waiting
   * when the import connection commits in between.
   */
  save(patch: AnnotationPatch, annotatorId: string, now: string): SaveResult {
    return this.db.transaction((): SaveResult => {
      this.assertDocument(patch.projectId, patch.documentId);
      const draft = this.draftFor(patch.projectId, patch.documentId, annotatorId, patch.baseRevision, now);
      const pages = new Map((this.stmt('SELECT id, page_number FROM pages WHERE document_id = ?').all(patch.documentId) as { id: string; page_number: number }[]).map((r) => [r.id, r.page_number]));
      const labels = this.labelNames(patch.projectId);

      const deleteBox = this.stmt('DELETE FROM boxes WHERE annotation_id = ? AND id = ?');
      for (const id of patch.deleteBoxIds ?? []) deleteBox.run(draft.id, id);
      let nextBoxPosition = (this.stmt('SELECT COALESCE(MAX(position), -1) + 1 AS n FROM boxes WHERE annotation_id = ?').get(draft.id) as { n: number }).n;
      const upsertBox = this.stmt(
        `INSERT INTO boxes (annotation_id, id, page_id, label, x, y, w, h, transcription, locked, hidden, origin_prediction_id, position)
         VALUES (@annotationId, @id, @pageId, @label, @x, @y, @w, @h, @transcription, @locked, @hidden, @origin, @position)
         ON CONFLICT (annotation_id, id) DO UPDATE SET page_id = excluded.page_id, label = excluded.label, x = excluded.x, y = excluded.y,
           w = excluded.w, h = excluded.h, transcription = excluded.transcription, locked = excluded.locked, hidden = excluded.hidden,
           origin_prediction_id = excluded.origin_prediction_id`,
      );
      for (const [i, box] of (patch.upsertBoxes ?? []).entries()) {
        // Refusals name the box (its id in details, for the client to point at) and what to fix.
        if (!pages.has(box.pageId)) {
          throw new AppError('invalid_request', `upsertBoxes[${i}].pageId: ${describeBox(box, null)} is on page ${box.pageId}, which is not a page of this document`, {
            details: { boxId: box.id, field: 'pageId' },
          });
        }
        if (box.label !== null && !labels.has(box.label)) {
          throw new AppError(
            'invalid_request',
            `upsertBoxes[${i}].label: ${describeBox(box, pages.get(box.pageId) ?? null)} has the label "${box.label}", which is not in this project's label set (renamed or removed?): choose another label for it`,
            { details: { boxId: box.id, field: 'label', label: box.label } },
          );
        }
        upsertBox.run({
          annotationId: draft.id,
          id: box.id,
          pageId: box.pageId,
          label: box.label,
          x: box.x,
          y: box.y,
          w: box.w,
          h: box.h,
          transcription: box.transcription,
          locked: box.locked ? 1 : 0,
          hidden: box.hidden ? 1 : 0,
          origin: box.originPredictionId,
          position: nextBoxPosition++,
        });
      }

      const deleteQa = this.stmt('DELETE FROM qa_pairs WHERE annotation_id = ? AND id = ?');
      for (const id of patch.deleteQaIds ?? []) deleteQa.run(draft.id, id);
      let nextQaPosition = (this.stmt('SELECT COALESCE(MAX(position), -1) + 1 AS n FROM qa_pairs WHERE annotation_id = ?').get(draft.id) as { n: number }).n;
      const upsertQa = this.stmt(
        `INSERT INTO qa_pairs (annotation_id, id, question, answer, unanswerable, source, template_id, origin_prediction_id, position)
         VALUES (@annotationId, @id, @question, @answer, @unanswerable, @source, @templateId, @origin, @position)
         ON CONFLICT (annotation_id, id) DO UPDATE SET question = excluded.question, answer = excluded.answer,
           unanswerable = excluded.unanswerable, source = excluded.source, template_id = excluded.template_id,
           origin_prediction_id = excluded.origin_prediction_id`,
      );
      const clearEvidence = this.stmt('DELETE FROM qa_evidence WHERE annotation_id = ? AND qa_id = ?');
      const addEvidence = this.stmt('INSERT OR IGNORE INTO qa_evidence (annotation_id, qa_id, box_id, position) VALUES (?, ?, ?, ?)');
      const boxExists = this.stmt('SELECT 1 FROM boxes WHERE annotation_id = ? AND id = ?');
      for (const [i, qa] of (patch.upsertQa ?? []).entries()) {
        upsertQa.run({
          annotationId: draft.id,
          id: qa.id,
          question: qa.question,
          answer: qa.answer,
          unanswerable: qa.unanswerable ? 1 : 0,
          source: qa.source,
          templateId: qa.templateId,
          origin: qa.originPredictionId,
          position: nextQaPosition++,
        });
        clearEvidence.run(draft.id, qa.id);
        qa.evidenceBoxIds.forEach((boxId, position) => {
          if (!boxExists.get(draft.id, boxId)) {
            throw new AppError('invalid_request', `upsertQa[${i}].evidenceBoxIds: the evidence of "${qa.question.slice(0, 60)}" is box ${boxId}, which does not exist in this annotation: unlink it`, {
              details: { qaId: qa.id, boxId, field: 'evidenceBoxIds' },
            });
          }
          addEvidence.run(draft.id, qa.id, boxId, position);
        });
      }

      this.predictions.setStatuses(patch.projectId, patch.documentId, patch.predictionStatus ?? []);

      const revision = draft.revision + 1;
      this.stmt('UPDATE annotations SET revision = ?, updated_at = ? WHERE id = ?').run(revision, now, draft.id);
      setDocumentStatus(this.db, patch.projectId, patch.documentId, 'in_progress');
      return { annotationId: draft.id, version: draft.version, status: 'draft', revision, documentStatus: 'in_progress' };
    }).immediate();
  }

  private labelNames(projectId: string): Set<string> {
    return new Set((this.stmt('SELECT name FROM labels WHERE project_id = ?').all(projectId) as { name: string }[]).map((r) => r.name));
  }

  /** What verify's rules decide on besides the state, read inside verify's transaction. */
  private verifyFacts(state: AnnotationState): VerifyFacts {
    const requiredTemplateQaIds = new Set(this.asked(state.projectId, state.documentId, state.annotationId, state.boxes).filter((q) => q.required).map((q) => q.qaId));
    return { labels: this.labelNames(state.projectId), requiredTemplateQaIds };
  }

  /**
   * Freeze the current draft as an immutable verified version and put it in the outbox — one
   * transaction on the synchronous=FULL connection, so once this returns the version survives a
   * crash and will be synced.
   */
  verify(projectId: string, documentId: string, annotator: { id: string; name: string }, now: string, acknowledged: readonly VerifyWarningKind[] = []): VerifyResult {
    return this.db.transaction((): VerifyResult => {
      const state = this.get(projectId, documentId, annotator);
      if (state.status === 'verified' && state.annotationId) {
        return { result: 'verified', annotationId: state.annotationId, version: state.version, verifiedAt: state.verifiedAt ?? now };
      }
      const decision = this.decideVerify(state, this.verifyFacts(state), acknowledged);
      if (decision.result !== 'record') return decision;
      // The version holds every template question that was answered or marked unanswerable.
      const unsavedTemplates = state.qa.filter((q) => q.source === 'template' && (q.unanswerable || q.answer.trim() !== ''));
      const saved = this.save({ projectId, documentId, baseRevision: state.revision, upsertQa: unsavedTemplates }, annotator.id, now);
      this.versions.freeze(
        { projectId, documentId, annotationId: saved.annotationId, annotatorId: annotator.id, version: saved.version, kind: 'annotation' },
        { now, enqueue: true },
      );
      setDocumentStatus(this.db, projectId, documentId, 'verified');
      recordAudit(this.db, {
        at: now,
        actor: annotator.id,
        action: 'annotation.verify',
        entityType: 'annotation',
        entityId: saved.annotationId,
        details: { projectId, documentId, version: saved.version },
      });
      return { result: 'verified', annotationId: saved.annotationId, version: saved.version, verifiedAt: now };
    }).immediate();
  }

  /**
   * Drop a draft whose content is exactly the verified version it was started from (an edit of a
   * verified document undone), so the document is that verified version again and no new version
   * is made. Refused, with nothing changed, when the draft differs in anything.
   */
  revertToVerified(projectId: string, documentId: string, annotatorId: string, baseRevision: number, now: string): RevertedResult {
    return this.db.transaction((): RevertedResult => {
      this.assertDocument(projectId, documentId);
      const draft = this.current(projectId, documentId, annotatorId);
      if (!draft || draft.status !== 'draft' || draft.revision !== baseRevision) {
        throw new AppError('conflict', 'This document changed since: its draft was not reverted. Reload it to see the newest work.', { details: { revision: draft?.revision ?? 0 } });
      }
      const parent = this.stmt("SELECT id, version, status, revision, updated_at, verified_at FROM annotations WHERE id = (SELECT parent_id FROM annotations WHERE id = ?)").get(draft.id) as
        | AnnotationRow
        | undefined;
      if (!parent || parent.status !== 'verified') throw new AppError('conflict', 'This draft was not started from a verified version: there is nothing to revert to.');
      if (!this.sameContent(draft.id, parent.id)) throw new AppError('conflict', 'The draft differs from the verified version: it was kept.');
      this.stmt('DELETE FROM annotations WHERE id = ?').run(draft.id);
      setDocumentStatus(this.db, projectId, documentId, 'verified');
      recordAudit(this.db, {
        at: now,
        actor: annotatorId,
        action: 'annotation.revert',
        entityType: 'annotation',
        entityId: parent.id,
        details: { projectId, documentId, droppedDraftVersion: draft.version },
      });
      return { annotationId: parent.id, version: parent.version, status: 'verified', revision: parent.revision, documentStatus: 'verified' };
    }).immediate();
  }

  /**
   * Whether two versions hold the same boxes, questions and evidence (drawing order aside). An
   * empty template question counts as absent: drafts store one once it has been typed in.
   */
  private sameContent(a: string, b: string): boolean {
    const boxCols = 'id, page_id, label, x, y, w, h, transcription, locked, hidden, origin_prediction_id';
    const qaCols = 'id, question, answer, unanswerable, source, template_id, origin_prediction_id';
    const realQa = `NOT (source = 'template' AND answer = '' AND unanswerable = 0 AND NOT EXISTS (SELECT 1 FROM qa_evidence e WHERE e.annotation_id = qa_pairs.annotation_id AND e.qa_id = qa_pairs.id))`;
    const differs = (table: string, cols: string, where = '') =>
      this.stmt(
        `SELECT 1 FROM (SELECT ${cols} FROM ${table} WHERE annotation_id = @a ${where} EXCEPT SELECT ${cols} FROM ${table} WHERE annotation_id = @b ${where})
         UNION ALL SELECT 1 FROM (SELECT ${cols} FROM ${table} WHERE annotation_id = @b ${where} EXCEPT SELECT ${cols} FROM ${table} WHERE annotation_id = @a ${where}) LIMIT 1`,
      ).get({ a, b }) !== undefined;
    return !differs('boxes', boxCols) && !differs('qa_pairs', qaCols, `AND ${realQa}`) && !differs('qa_evidence', 'qa_id, box_id, position');
  }
}

export interface RevertedResult {
  annotationId: string;
  version: number;
  status: 'verified';
  revision: number;
  documentStatus: DocumentStatus;
}

/** A box as a person finds it: its text, else its label, with its page. */
function describeBox(box: Box, pageNumber: number | null): string {
  const what = box.transcription.trim() ? `the box "${box.transcription.trim().slice(0, 40)}"` : box.label ? `a box labelled "${box.label}"` : 'an unlabelled box';
  return pageNumber === null ? what : `${what} on page ${pageNumber}`;
}
