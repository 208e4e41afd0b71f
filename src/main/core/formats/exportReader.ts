import type { Statement } from 'better-sqlite3';
import { AppError } from '../../../shared/contract/errors';
import type { BoxContent, PyramidLevel, QaPair } from '../../../shared/domain/model';
import { chooseReference, type ReferenceChoice } from '../../../shared/domain/reference';
import type { Db } from '../db/open';
import { yieldToLoop } from '../util/yieldToLoop';

/**
 * What an export reads: for each document of the project, the one verified version that stands
 * for it (shared/domain/reference.ts, the rule evaluation uses too) and matches the filters, with
 * its pages, boxes, QA pairs and lineage. Documents are read a page of ids at a time (keyset on
 * the project's document order), so an export of any size holds one document in memory at once.
 *
 * The filters mean, per status:
 * - `verified` / `gold`: the newest of the versions by those annotators verified in that window;
 * - `gold-or-verified`: first the version that stands (gold, else the newest verified), whoever
 *   made it and whenever; the document is exported when that version is by those annotators and
 *   was verified (or resolved) in that window. An annotator's version that gold overrules is never
 *   written in its place.
 */

export interface ExportFilters {
  projectId: string;
  status: ReferenceChoice;
  /** Only versions by these annotators (null: everyone). */
  annotatorIds: string[] | null;
  /** verified_at >= since, verified_at < untilExclusive (ISO strings, UTC). */
  since: string | null;
  untilExclusive: string | null;
}

/** What a set of filters exports: documents, and how many from gold or from an annotator's verified version. */
export interface ExportCounts {
  documents: number;
  fromGold: number;
  fromVerified: number;
  /** Exported from an annotator's version although the document has gold (status `verified` only). */
  overruled: number;
}

interface Candidate {
  id: string;
  kind: 'annotation' | 'gold';
  annotatorId: string;
  version: number;
  verifiedAt: string;
}

/** One document's chosen version. */
export interface ChosenVersion {
  position: number;
  documentId: string;
  annotationId: string;
  kind: 'gold' | 'verified';
  /** The document has gold, but an annotator's version was chosen. */
  overruled: boolean;
}

export interface ExportPage {
  id: string;
  pageNumber: number;
  width: number;
  height: number;
  /** Media path (relative to the media root) of the full-resolution image. */
  level0: string;
}

export interface ExportBox extends BoxContent {
  id: string;
  pageId: string;
  pageNumber: number;
  originPredictionId: string | null;
}

export type ExportQa = QaPair;

export interface ExportLineageEntry {
  annotationId: string;
  version: number;
  kind: 'annotation' | 'gold';
  status: 'draft' | 'verified';
  annotatorId: string;
  createdAt: string;
  verifiedAt: string | null;
}

export interface ExportDocument {
  position: number;
  document: { id: string; sourceName: string; sourcePath: string | null; kind: string; pageCount: number; byteSize: number };
  pages: ExportPage[];
  annotation: {
    id: string;
    kind: 'annotation' | 'gold';
    version: number;
    annotator: { id: string; name: string };
    createdAt: string;
    verifiedAt: string;
    parentId: string | null;
  };
  /** The versions this one descends from, parent first. */
  lineage: ExportLineageEntry[];
  boxes: ExportBox[];
  qa: ExportQa[];
}

/** Parse a --since/--until value: a YYYY-MM-DD day (UTC) or an ISO date-time. */
export function parseDateBound(value: string, which: 'since' | 'until'): string {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (day) {
    const start = new Date(Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])));
    if (start.toISOString().slice(0, 10) !== value) throw new AppError('invalid_request', `${which}: "${value}" is not a calendar date`);
    // --until names a whole day: everything before the next midnight.
    return which === 'since' ? start.toISOString() : new Date(start.getTime() + 86_400_000).toISOString();
  }
  const t = Date.parse(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value) || Number.isNaN(t)) {
    throw new AppError('invalid_request', `${which}: expected a date like 2026-03-31 or a time like 2026-03-31T17:00:00Z, got "${value}"`);
  }
  // An exact --until time is inclusive: the next millisecond is the exclusive bound.
  return which === 'since' ? new Date(t).toISOString() : new Date(t + 1).toISOString();
}

/** Annotator ids for an --annotator value: the id itself, or every annotator of that name. */
export function resolveAnnotators(db: Db, value: string): string[] {
  const byId = db.prepare('SELECT id FROM annotators WHERE id = ?').get(value) as { id: string } | undefined;
  if (byId) return [byId.id];
  const byName = (db.prepare('SELECT id FROM annotators WHERE name = ? COLLATE NOCASE ORDER BY created_at').all(value.trim()) as { id: string }[]).map((r) => r.id);
  if (!byName.length) {
    const known = (db.prepare('SELECT name FROM annotators ORDER BY name LIMIT 20').all() as { name: string }[]).map((r) => `"${r.name}"`);
    throw new AppError('not_found', `annotator: no annotator has the id or name "${value}"${known.length ? `; annotators: ${known.join(', ')}` : ''}`);
  }
  return byName;
}

export class ExportReader {
  private readonly pageOfDocuments: Statement;
  private readonly versionsOf: Statement;
  private readonly q: Record<'annotation' | 'document' | 'pages' | 'boxes' | 'qa' | 'evidence' | 'annotator' | 'parent', Statement>;
  private readonly annotators: ReadonlySet<string> | null;

  constructor(
    db: Db,
    private readonly filters: ExportFilters,
  ) {
    this.annotators = filters.annotatorIds ? new Set(filters.annotatorIds) : null;
    this.pageOfDocuments = db.prepare('SELECT position, document_id FROM project_documents WHERE project_id = ? AND position > ? ORDER BY position LIMIT ?').raw(true);
    // Every verified version of a page of documents (uses the annotations_document index); the choice is made in choose().
    this.versionsOf = db
      .prepare(
        `SELECT document_id, id, kind, annotator_id, version, verified_at FROM annotations
         WHERE project_id = ? AND status = 'verified' AND document_id IN (SELECT value FROM json_each(?))`,
      )
      .raw(true);
    this.q = {
      annotation: db.prepare('SELECT id, document_id, kind, version, annotator_id, created_at, verified_at, parent_id FROM annotations WHERE id = ?'),
      document: db.prepare('SELECT id, source_name, source_path, kind, page_count, byte_size FROM documents WHERE id = ?'),
      pages: db.prepare('SELECT id, page_number, width, height, levels FROM pages WHERE document_id = ? ORDER BY page_number'),
      // Raw rows: 100 boxes a document, 10,000 documents; objects per row cost more than the query.
      boxes: db.prepare('SELECT id, page_id, label, x, y, w, h, transcription, origin_prediction_id FROM boxes WHERE annotation_id = ? ORDER BY position').raw(true),
      qa: db.prepare('SELECT id, question, answer, unanswerable, source, template_id, origin_prediction_id FROM qa_pairs WHERE annotation_id = ? ORDER BY position').raw(true),
      evidence: db.prepare('SELECT qa_id, box_id FROM qa_evidence WHERE annotation_id = ? ORDER BY qa_id, position').raw(true),
      annotator: db.prepare('SELECT name FROM annotators WHERE id = ?'),
      parent: db.prepare('SELECT id, version, kind, status, annotator_id, created_at, verified_at, parent_id FROM annotations WHERE id = ?'),
    };
  }

  private matches(v: Candidate): boolean {
    const f = this.filters;
    return (!this.annotators || this.annotators.has(v.annotatorId)) && (!f.since || v.verifiedAt >= f.since) && (!f.untilExclusive || v.verifiedAt < f.untilExclusive);
  }

  /** The version exported for one document's verified versions, or null (see the filters above). */
  private choose(versions: Candidate[]): { chosen: Candidate; kind: 'gold' | 'verified'; overruled: boolean } | null {
    const gold = versions.filter((v) => v.kind === 'gold');
    const annotations = versions.filter((v) => v.kind === 'annotation');
    const status = this.filters.status;
    if (status === 'gold-or-verified') {
      const standing = chooseReference(gold, annotations, status);
      return standing && this.matches(standing.version) ? { chosen: standing.version, kind: standing.kind, overruled: false } : null;
    }
    const picked = chooseReference(gold.filter((v) => this.matches(v)), annotations.filter((v) => this.matches(v)), status);
    return picked ? { chosen: picked.version, kind: picked.kind, overruled: picked.kind === 'verified' && gold.length > 0 } : null;
  }

  /** The chosen versions after document position `after`, `limit` project documents at a time. */
  nextIds(after: number, limit = 200): { last: number | null; ids: ChosenVersion[] } {
    const rows = this.pageOfDocuments.all(this.filters.projectId, after, limit) as [number, string][];
    if (!rows.length) return { last: null, ids: [] };
    const byDocument = new Map<string, Candidate[]>();
    for (const [documentId, id, kind, annotatorId, version, verifiedAt] of this.versionsOf.all(this.filters.projectId, JSON.stringify(rows.map((r) => r[1]))) as [
      string,
      string,
      Candidate['kind'],
      string,
      number,
      string,
    ][]) {
      let list = byDocument.get(documentId);
      if (!list) byDocument.set(documentId, (list = []));
      list.push({ id, kind, annotatorId, version, verifiedAt });
    }
    const ids: ChosenVersion[] = [];
    for (const [position, documentId] of rows) {
      const c = this.choose(byDocument.get(documentId) ?? []);
      if (c) ids.push({ position, documentId, annotationId: c.chosen.id, kind: c.kind, overruled: c.overruled });
    }
    return { last: rows[rows.length - 1]![0], ids };
  }

  private *chosen(): Generator<ChosenVersion> {
    let after = Number.MIN_SAFE_INTEGER;
    for (;;) {
      const { last, ids } = this.nextIds(after);
      if (last === null) return;
      yield* ids;
      after = last;
    }
  }

  /**
   * How many documents the export writes, and where their versions come from (reads ids only, a
   * page of documents at a time, giving the event loop a turn between pages: 10,000 documents take
   * about 0.1 s in all).
   */
  async counts(): Promise<ExportCounts> {
    const out: ExportCounts = { documents: 0, fromGold: 0, fromVerified: 0, overruled: 0 };
    let after = Number.MIN_SAFE_INTEGER;
    for (;;) {
      const { last, ids } = this.nextIds(after);
      if (last === null) return out;
      for (const c of ids) {
        out.documents++;
        if (c.kind === 'gold') out.fromGold++;
        else out.fromVerified++;
        if (c.overruled) out.overruled++;
      }
      after = last;
      await yieldToLoop();
    }
  }

  /** Every chosen version, one document at a time. */
  *documents(): Generator<ExportDocument> {
    for (const c of this.chosen()) yield this.read(c.position, c.annotationId);
  }

  read(position: number, annotationId: string): ExportDocument {
    const a = this.q.annotation.get(annotationId) as {
      id: string;
      document_id: string;
      kind: 'annotation' | 'gold';
      version: number;
      annotator_id: string;
      created_at: string;
      verified_at: string;
      parent_id: string | null;
    };
    const d = this.q.document.get(a.document_id) as { id: string; source_name: string; source_path: string | null; kind: string; page_count: number; byte_size: number };
    const pages = (this.q.pages.all(d.id) as { id: string; page_number: number; width: number; height: number; levels: string }[]).map((p): ExportPage => {
      const level0 = (JSON.parse(p.levels) as PyramidLevel[]).find((l) => l.level === 0);
      return { id: p.id, pageNumber: p.page_number, width: p.width, height: p.height, level0: level0?.path ?? '' };
    });
    const pageNumber = new Map(pages.map((p) => [p.id, p.pageNumber]));
    const boxes = (this.q.boxes.all(a.id) as [string, string, string | null, number, number, number, number, string, string | null][]).map(
      ([id, pageId, label, x, y, w, h, transcription, originPredictionId]): ExportBox => ({
        id,
        pageId,
        pageNumber: pageNumber.get(pageId) ?? 0,
        label,
        x,
        y,
        w,
        h,
        transcription,
        originPredictionId,
      }),
    );
    const evidence = new Map<string, string[]>();
    for (const [qaId, boxId] of this.q.evidence.all(a.id) as [string, string][]) {
      let list = evidence.get(qaId);
      if (!list) evidence.set(qaId, (list = []));
      list.push(boxId);
    }
    const qa = (this.q.qa.all(a.id) as [string, string, string, number, ExportQa['source'], string | null, string | null][]).map(
      ([id, question, answer, unanswerable, source, templateId, originPredictionId]): ExportQa => ({
        id,
        question,
        answer,
        unanswerable: unanswerable === 1,
        source,
        templateId,
        originPredictionId,
        evidenceBoxIds: evidence.get(id) ?? [],
      }),
    );
    const lineage: ExportLineageEntry[] = [];
    const seen = new Set<string>([a.id]);
    let parentId = a.parent_id;
    while (parentId && !seen.has(parentId)) {
      seen.add(parentId);
      const p = this.q.parent.get(parentId) as
        | { id: string; version: number; kind: 'annotation' | 'gold'; status: 'draft' | 'verified'; annotator_id: string; created_at: string; verified_at: string | null; parent_id: string | null }
        | undefined;
      if (!p) break;
      lineage.push({ annotationId: p.id, version: p.version, kind: p.kind, status: p.status, annotatorId: p.annotator_id, createdAt: p.created_at, verifiedAt: p.verified_at });
      parentId = p.parent_id;
    }
    const annotatorName = (this.q.annotator.get(a.annotator_id) as { name: string } | undefined)?.name ?? a.annotator_id;
    return {
      position,
      document: { id: d.id, sourceName: d.source_name, sourcePath: d.source_path, kind: d.kind, pageCount: d.page_count, byteSize: d.byte_size },
      pages,
      annotation: {
        id: a.id,
        kind: a.kind,
        version: a.version,
        annotator: { id: a.annotator_id, name: annotatorName },
        createdAt: a.created_at,
        verifiedAt: a.verified_at,
        parentId: a.parent_id,
      },
      lineage,
      boxes,
      qa,
    };
  }
}
