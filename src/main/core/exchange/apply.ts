import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ExchangeConflict } from '../../../shared/domain/exchange';
import { boxSchema, type BoxContent, LABEL_NAME_MAX, type QaContent, qaPairSchema } from '../../../shared/domain/model';
import type { Db } from '../db/open';
import { knowAnnotator } from '../db/repos/annotators';
import { recordAudit } from '../db/repos/audit';
import { markVerifiedIfUnstarted, pageId } from '../db/repos/documents';
import { VersionsRepo } from '../db/repos/versions';

/**
 * The one place where annotation versions made on another machine enter this database, for the
 * W&B pull and for bundles alike. The rules:
 *
 * - A version keeps its identity: its annotation id, and (project, document, annotator, kind,
 *   version). Folio's versions are immutable, so the same identity must mean the same content.
 * - Already here with the same content (by id or by key): skipped, nothing written.
 * - Something else here under that identity (other content, a draft, another document): a
 *   conflict. It is reported and not applied; what this machine holds is never overwritten.
 * - An annotator's draft here would be hidden by a newer incoming version (the same person working
 *   on two machines): also a conflict, so the draft stays the current work.
 * - Otherwise the version is written as it was verified (same ids, version number and verified
 *   time) in one transaction, with its gold lineage. It is not put in the outbox: it came from
 *   another machine, whose own sync is responsible for it.
 */

export interface IncomingBox extends BoxContent {
  id: string;
  /** Page number within the document (the page id is derived here: `<documentId>-p<n>`). */
  page: number;
}

/** `templateId` is the template id where the version was made; matched here by id, else by question text. */
export type IncomingQa = QaContent;

export interface IncomingLineage {
  resolvedBy: string;
  resolvedAt: string;
  sources: unknown;
  items: unknown;
}

export interface IncomingVersion {
  annotationId: string;
  documentId: string;
  annotatorId: string;
  annotatorName: string;
  kind: 'annotation' | 'gold';
  version: number;
  verifiedAt: string;
  parentId: string | null;
  boxes: IncomingBox[];
  qa: IncomingQa[];
  lineage: IncomingLineage | null;
}

/**
 * What a received version may contain: what the contract lets the app return, so a version that
 * is written here can always be opened (review, annotations). Derived from the contract's own
 * schemas, never a copy of their numbers; bundles check every version with it before anything is
 * written, and applyVersion refuses one that does not fit (so a pull reports it and goes on).
 */
const receivedBoxSchema = boxSchema.pick({ id: true, x: true, y: true, w: true, h: true, transcription: true }).extend({ label: z.string().max(LABEL_NAME_MAX).nullable() });
const receivedQaSchema = qaPairSchema.pick({ id: true, question: true, answer: true, evidenceBoxIds: true });
const receivedContentSchema = z.object({ boxes: z.array(receivedBoxSchema), qa: z.array(receivedQaSchema) });

const valueAt = (root: unknown, path: PropertyKey[]): unknown => path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined), root);

/** Where a version's content leaves the contract, one line per field naming the field and its limit; empty when it fits. */
export function receivedContentProblems(v: { boxes: IncomingBox[]; qa: IncomingQa[] }): string[] {
  const parsed = receivedContentSchema.safeParse(v);
  if (parsed.success) return [];
  return parsed.error.issues.map((i) => {
    const field = i.path.map(String).join('.');
    if (i.code === 'too_big') {
      const value = valueAt(v, i.path);
      const max = Number(i.maximum).toLocaleString('en-US');
      if (typeof value === 'string') return `${field} is ${value.length.toLocaleString('en-US')} characters, over the limit of ${max}`;
      if (Array.isArray(value)) return `${field} has ${value.length.toLocaleString('en-US')} entries, over the limit of ${max}`;
    }
    return `${field}: ${i.message}`;
  });
}

/** The version named as a person finds it: document, version, annotation. */
export const describeVersion = (v: { documentId: string; version: number; kind: 'annotation' | 'gold'; annotationId: string }): string =>
  `document ${v.documentId} ${v.kind === 'gold' ? 'gold ' : ''}version ${v.version} (annotation ${v.annotationId})`;

/** A received version whose content the contract would not let the app return: refused, never written. */
export class ReceivedContentError extends Error {
  constructor(
    readonly version: { documentId: string; version: number; kind: 'annotation' | 'gold'; annotationId: string },
    readonly problems: string[],
  ) {
    super(`${describeVersion(version)} is refused: ${problems.join('; ')}`);
  }
}

export type ApplyOutcome = { kind: 'imported' } | { kind: 'skipped' } | { kind: 'conflict'; conflict: ExchangeConflict };

/**
 * What a version says, independent of where it is stored: boxes and QA pairs by id, the fields
 * every copy carries. Locks, hidden flags, prediction origins and template ids are local matters
 * and stay out; an unanswerable question's answer text is not kept by every copy, so it counts as ''.
 */
export function contentDigest(v: { boxes: IncomingBox[]; qa: IncomingQa[] }): string {
  const boxes = [...v.boxes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((b) => [b.id, b.page, b.label, b.x, b.y, b.w, b.h, b.transcription]);
  const qa = [...v.qa]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((q) => [q.id, q.question, q.unanswerable ? '' : q.answer, q.unanswerable, q.source, q.evidenceBoxIds]);
  return createHash('sha256').update(JSON.stringify({ boxes, qa })).digest('hex');
}

/** A stored version in the same shape as an incoming one (for digests and for export). */
export function readStoredContent(db: Db, annotationId: string): { boxes: IncomingBox[]; qa: IncomingQa[] } {
  const boxes = (
    db
      .prepare('SELECT b.id, p.page_number AS page, b.label, b.x, b.y, b.w, b.h, b.transcription FROM boxes b JOIN pages p ON p.id = b.page_id WHERE b.annotation_id = ? ORDER BY b.position')
      .all(annotationId) as IncomingBox[]
  ).map((b) => ({ ...b }));
  const evidence = new Map<string, string[]>();
  for (const e of db.prepare('SELECT qa_id, box_id FROM qa_evidence WHERE annotation_id = ? ORDER BY qa_id, position').all(annotationId) as { qa_id: string; box_id: string }[]) {
    evidence.set(e.qa_id, [...(evidence.get(e.qa_id) ?? []), e.box_id]);
  }
  const qa = (
    db.prepare('SELECT id, question, answer, unanswerable, source, template_id FROM qa_pairs WHERE annotation_id = ? ORDER BY position').all(annotationId) as {
      id: string;
      question: string;
      answer: string;
      unanswerable: number;
      source: IncomingQa['source'];
      template_id: string | null;
    }[]
  ).map((q): IncomingQa => ({ id: q.id, question: q.question, answer: q.answer, unanswerable: q.unanswerable === 1, source: q.source, templateId: q.template_id, evidenceBoxIds: evidence.get(q.id) ?? [] }));
  return { boxes, qa };
}

interface LocalRow {
  id: string;
  project_id: string;
  document_id: string;
  annotator_id: string;
  kind: string;
  version: number;
  status: string;
}

/** Write (or skip, or report) one incoming version of `projectId`. The document must already be in the project. */
export function applyVersion(db: Db, projectId: string, v: IncomingVersion, now: string, source: 'wandb' | 'bundle'): ApplyOutcome {
  const conflict = (reason: string): ApplyOutcome => ({
    kind: 'conflict',
    conflict: { annotationId: v.annotationId, documentId: v.documentId, annotatorId: v.annotatorId, annotator: v.annotatorName, kind: v.kind, version: v.version, reason },
  });
  const problems = receivedContentProblems(v);
  if (problems.length) throw new ReceivedContentError(v, problems);
  const digest = contentDigest(v);
  return db.transaction((): ApplyOutcome => {
    const cols = 'id, project_id, document_id, annotator_id, kind, version, status';
    const sameKey = (r: LocalRow) => r.project_id === projectId && r.document_id === v.documentId && r.annotator_id === v.annotatorId && r.kind === v.kind && r.version === v.version;
    const byId = db.prepare(`SELECT ${cols} FROM annotations WHERE id = ?`).get(v.annotationId) as LocalRow | undefined;
    if (byId) {
      if (!sameKey(byId)) return conflict(`annotation id ${v.annotationId} is already used here by ${byId.kind} version ${byId.version} of another document, annotator or project`);
      if (byId.status !== 'verified') return conflict(`annotation ${v.annotationId} is a draft here; local work is never overwritten`);
      return contentDigest(readStoredContent(db, byId.id)) === digest ? { kind: 'skipped' } : conflict(`annotation ${v.annotationId} is already here with different content`);
    }
    const byKey = db
      .prepare(`SELECT ${cols} FROM annotations WHERE project_id = ? AND document_id = ? AND annotator_id = ? AND kind = ? AND version = ?`)
      .get(projectId, v.documentId, v.annotatorId, v.kind, v.version) as LocalRow | undefined;
    if (byKey) {
      if (byKey.status !== 'verified') return conflict(`${v.annotatorName} has a draft of this document here as version ${v.version}; local work is never overwritten`);
      return contentDigest(readStoredContent(db, byKey.id)) === digest
        ? { kind: 'skipped' }
        : conflict(`${v.kind === 'gold' ? 'gold ' : ''}version ${v.version} by ${v.annotatorName} is already here (annotation ${byKey.id}) with different content`);
    }
    const draft = db
      .prepare("SELECT version FROM annotations WHERE project_id = ? AND document_id = ? AND annotator_id = ? AND kind = ? AND status = 'draft' ORDER BY version DESC LIMIT 1")
      .get(projectId, v.documentId, v.annotatorId, v.kind) as { version: number } | undefined;
    if (draft && draft.version < v.version) {
      return conflict(`${v.annotatorName} has an unverified draft (version ${draft.version}) of this document here, which version ${v.version} would hide; verify or discard the draft first`);
    }

    const pages = new Set((db.prepare('SELECT page_number FROM pages WHERE document_id = ?').all(v.documentId) as { page_number: number }[]).map((p) => p.page_number));
    for (const b of v.boxes) if (!pages.has(b.page)) throw new Error(`box ${b.id} of annotation ${v.annotationId} is on page ${b.page}, which document ${v.documentId} does not have`);

    // Annotators are people with stable ids; received work never renames one known here.
    knowAnnotator(db, v.annotatorId, v.annotatorName, now);
    const parent = v.parentId && db.prepare('SELECT 1 FROM annotations WHERE id = ?').get(v.parentId) ? v.parentId : null;
    const templates = db.prepare('SELECT id, text FROM question_templates WHERE project_id = ?').all(projectId) as { id: string; text: string }[];
    const templateById = new Set(templates.map((t) => t.id));
    const templateByText = new Map(templates.map((t) => [t.text.trim(), t.id]));
    // Frozen exactly as it was verified where it was made, and not enqueued: that machine syncs it.
    new VersionsRepo(db).insert(
      {
        projectId,
        documentId: v.documentId,
        annotationId: v.annotationId,
        annotatorId: v.annotatorId,
        version: v.version,
        kind: v.kind,
        parentId: parent,
        boxes: v.boxes.map((b) => ({ ...b, pageId: pageId(v.documentId, b.page) })),
        qa: v.qa.map((q) => ({
          ...q,
          answer: q.unanswerable ? '' : q.answer,
          templateId: q.templateId && templateById.has(q.templateId) ? q.templateId : (templateByText.get(q.question.trim()) ?? null),
        })),
      },
      { now, verifiedAt: v.verifiedAt, enqueue: false },
    );
    if (v.lineage) new VersionsRepo(db).recordLineage(v.annotationId, v.lineage);
    // The list shows the document as verified once someone has; local work in progress keeps its status.
    markVerifiedIfUnstarted(db, projectId, v.documentId);
    recordAudit(db, {
      at: now,
      actor: v.annotatorId,
      action: 'annotation.import',
      entityType: 'annotation',
      entityId: v.annotationId,
      details: { projectId, documentId: v.documentId, version: v.version, kind: v.kind, source },
    });
    return { kind: 'imported' };
  }).immediate();
}
