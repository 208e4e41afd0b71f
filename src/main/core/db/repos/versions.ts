import type { Db } from '../open';
import { cachedStatement } from '../statementCache';
import { newId } from '../../util/ids';
import type { BoxContent } from '../../../../shared/domain/model';

/** The outbox kind of a verified version waiting to be synced; the sync engine reads only these rows. */
export const SYNC_OUTBOX_KIND = 'annotation_version';

/** Which version: its row and the identity sync sends. */
export interface VersionKey {
  projectId: string;
  documentId: string;
  annotationId: string;
  annotatorId: string;
  version: number;
  kind: 'annotation' | 'gold';
}

export interface VersionBox extends BoxContent {
  id: string;
  pageId: string;
}

export interface VersionQa {
  id: string;
  question: string;
  answer: string;
  unanswerable: boolean;
  source: 'template' | 'model' | 'annotator';
  templateId: string | null;
  /** Boxes of this same version, in order. */
  evidenceBoxIds: readonly string[];
}

/** How a gold version was resolved: the lead, when, the source versions compared, and where each box and answer came from. */
export interface GoldLineageRecord {
  resolvedBy: string;
  resolvedAt: string;
  sources: unknown;
  items: unknown;
}

/**
 * Whether a frozen version goes to the outbox. Everything made here does: sync depends on every
 * verified version of this machine being enqueued in the transaction that froze it. A version
 * received from another machine does not (`enqueue: false`): its own machine syncs it.
 */
export interface FreezeOptions {
  now: string;
  /** When the version was verified: now, unless it was verified elsewhere. */
  verifiedAt?: string | undefined;
  enqueue: boolean;
}

/**
 * The one writer of annotation versions: freezing a version (status verified, immutable from then
 * on by the schema's triggers), enqueueing it for sync and recording a gold version's lineage
 * happen here and only here, inside the caller's transaction.
 */
export class VersionsRepo {
  constructor(private readonly db: Db) {}

  private stmt(sql: string) {
    return cachedStatement(this.db, sql);
  }

  /**
   * Write a whole version at once (a lead's gold resolution, a version received from another
   * machine) and freeze it. Its rows go in as a draft first: the triggers refuse content added
   * to a verified version.
   */
  insert(v: VersionKey & { parentId: string | null; boxes: readonly VersionBox[]; qa: readonly VersionQa[] }, options: FreezeOptions): void {
    const { now } = options;
    this.stmt(
      `INSERT INTO annotations (id, project_id, document_id, annotator_id, version, status, kind, parent_id, created_at, updated_at, revision)
       VALUES (?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?, 0)`,
    ).run(v.annotationId, v.projectId, v.documentId, v.annotatorId, v.version, v.kind, v.parentId, now, now);
    const insertBox = this.stmt(
      `INSERT INTO boxes (annotation_id, id, page_id, label, x, y, w, h, transcription, locked, hidden, origin_prediction_id, position)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, NULL, ?)`,
    );
    v.boxes.forEach((b, i) => insertBox.run(v.annotationId, b.id, b.pageId, b.label, b.x, b.y, b.w, b.h, b.transcription, i));
    const insertQa = this.stmt(
      `INSERT INTO qa_pairs (annotation_id, id, question, answer, unanswerable, source, template_id, origin_prediction_id, position)
       VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
    );
    // A box cited twice by one question is one piece of evidence.
    const insertEvidence = this.stmt('INSERT OR IGNORE INTO qa_evidence (annotation_id, qa_id, box_id, position) VALUES (?, ?, ?, ?)');
    const boxIds = new Set(v.boxes.map((b) => b.id));
    v.qa.forEach((q, i) => {
      insertQa.run(v.annotationId, q.id, q.question, q.answer, q.unanswerable ? 1 : 0, q.source, q.templateId, i);
      q.evidenceBoxIds.forEach((boxId, k) => {
        if (!boxIds.has(boxId)) throw new Error(`QA pair ${q.id} of annotation ${v.annotationId} cites box ${boxId}, which the version does not have`);
        insertEvidence.run(v.annotationId, q.id, boxId, k);
      });
    });
    this.freeze(v, options);
  }

  /** Freeze a version whose content is written (a verified draft, or one `insert` wrote), and enqueue it unless told not to. */
  freeze(v: VersionKey, options: FreezeOptions): void {
    const { now, verifiedAt = now } = options;
    this.stmt("UPDATE annotations SET status = 'verified', verified_at = ?, updated_at = ? WHERE id = ?").run(verifiedAt, verifiedAt, v.annotationId);
    if (!options.enqueue) return;
    this.stmt(
      `INSERT INTO outbox (id, kind, entity_id, payload, state, attempts, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
    ).run(newId(), SYNC_OUTBOX_KIND, v.annotationId, JSON.stringify(outboxPayload(v)), now, now, now);
  }

  /**
   * The lineage of a gold version `insert` just wrote (a lead's resolution, or received with it).
   * OR IGNORE: a received lineage without its sources or items (the bundle format leaves them
   * open) is left out instead of refusing the version.
   */
  recordLineage(annotationId: string, lineage: GoldLineageRecord): void {
    this.stmt('INSERT OR IGNORE INTO gold_lineage (annotation_id, resolved_by, resolved_at, sources, items) VALUES (?, ?, ?, ?, ?)').run(
      annotationId,
      lineage.resolvedBy,
      lineage.resolvedAt,
      JSON.stringify(lineage.sources),
      JSON.stringify(lineage.items),
    );
  }
}

/** What the sync engine reads back from an outbox row (sync/store.ts); an annotator's version carries no kind. */
export function outboxPayload(v: VersionKey): { projectId: string; documentId: string; annotationId: string; annotatorId: string; version: number; kind?: 'gold' } {
  const payload = { projectId: v.projectId, documentId: v.documentId, annotationId: v.annotationId, annotatorId: v.annotatorId, version: v.version };
  return v.kind === 'gold' ? { ...payload, kind: 'gold' } : payload;
}
