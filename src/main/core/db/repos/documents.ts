import { AppError } from '../../../../shared/contract/errors';
import {
  docTypes,
  documentStatuses,
  type DocType,
  type DocumentDetail,
  type DocumentKind,
  type DocumentStatus,
  type DocumentSummary,
  type Page,
  type PyramidLevel,
  type TilePyramid,
} from '../../../../shared/domain/model';
import type { Db } from '../open';
import { cachedStatement } from '../statementCache';
import { recordAudit } from './audit';
import { touchProject } from './projects';

/**
 * A document nobody has started (`new` or `pre_annotated`) is `pre_annotated` exactly when it has
 * predictions to review; a pre-annotation that found nothing on it leaves (or puts) it back at
 * `new`. Call in the transaction that wrote or replaced its predictions.
 */
export function settlePredictionStatus(db: Db, projectId: string, documentId: string): void {
  cachedStatement(
    db,
    `UPDATE project_documents SET status = CASE WHEN EXISTS (SELECT 1 FROM predictions WHERE project_id = @projectId AND document_id = @documentId) THEN 'pre_annotated' ELSE 'new' END
     WHERE project_id = @projectId AND document_id = @documentId AND status IN ('new', 'pre_annotated')`,
  ).run({ projectId, documentId });
}

/** A document's status in a project, as the annotator's own save, verify or revert leaves it. */
export function setDocumentStatus(db: Db, projectId: string, documentId: string, status: 'in_progress' | 'verified'): void {
  cachedStatement(db, 'UPDATE project_documents SET status = ? WHERE project_id = ? AND document_id = ?').run(status, projectId, documentId);
}

/** Work verified elsewhere arrived: the document shows as verified unless someone here has started on it. */
export function markVerifiedIfUnstarted(db: Db, projectId: string, documentId: string): void {
  cachedStatement(db, "UPDATE project_documents SET status = 'verified' WHERE project_id = ? AND document_id = ? AND status IN ('new', 'pre_annotated')").run(projectId, documentId);
}

interface SummaryRow {
  id: string;
  source_name: string;
  kind: DocumentKind;
  doc_type: DocType | null;
  page_count: number;
  status: DocumentStatus;
  added_at: string;
  byte_size: number;
  thumbnail: string;
  width: number;
  height: number;
}

interface PageRow {
  id: string;
  page_number: number;
  width: number;
  height: number;
  thumbnail: string;
  levels: string;
  tiles: string | null;
}

export interface NewDocument {
  id: string;
  kind: DocumentKind;
  sourceName: string;
  sourcePath: string;
  byteSize: number;
  pages: { pageNumber: number; width: number; height: number; thumbnail: string; levels: PyramidLevel[]; tiles: TilePyramid | null }[];
}

const summaryColumns = `
  d.id, d.source_name, d.kind, pd.doc_type, d.page_count, d.byte_size, pd.status, pd.added_at,
  p.thumbnail, p.width, p.height`;
const summaryFrom = `
  FROM project_documents pd
  JOIN documents d ON d.id = pd.document_id
  JOIN pages p ON p.document_id = d.id AND p.page_number = 1`;

const toSummary = (r: SummaryRow): DocumentSummary => ({
  id: r.id,
  sourceName: r.source_name,
  kind: r.kind,
  docType: r.doc_type,
  pageCount: r.page_count,
  status: r.status,
  thumbnail: r.thumbnail,
  width: r.width,
  height: r.height,
  addedAt: r.added_at,
  // Pre-annotation's to say (createCore fills it in from the runs).
  nothingFound: null,
});

/**
 * A document's id is the SHA-256 of the file it was imported from. One made from page images
 * another machine sent (a bundle, a W&B pull) cannot be checked against that: its original file
 * is not sent, and a rotated photo, a PDF or a TIFF is re-encoded on import anyway. So it is
 * recorded with one of these source schemes, and the first genuine import of a file with that
 * hash replaces its pages (replaceReceivedPages): the file's own pixels always win.
 */
export const RECEIVED_SOURCE_SCHEMES = ['bundle:', 'wandb:'] as const;
export const receivedSourcePath = (scheme: (typeof RECEIVED_SOURCE_SCHEMES)[number], where: string): string => `${scheme}${where}`;

export const pageId = (documentId: string, pageNumber: number): string => `${documentId}-p${pageNumber}`;

/** Who said what a document is; a source never overrides one ranked above it. */
export type DocTypeSource = 'annotator' | 'import' | 'model';
/** The list's type filter: a type, or `none` for documents whose type is not known yet. */
export type DocTypeFilter = DocType | 'none';

/** A document's type in a project (null: not known, or not in the project). */
export function docTypeOf(db: Db, projectId: string, documentId: string): DocType | null {
  return (cachedStatement(db, 'SELECT doc_type FROM project_documents WHERE project_id = ? AND document_id = ?').get(projectId, documentId) as { doc_type: DocType | null } | undefined)?.doc_type ?? null;
}

/**
 * Set a document's type in a project, by the rules of who may: the annotator always (clearing it
 * lets the others fill it in again), an import unless the annotator chose, pre-annotation only
 * where nobody but pre-annotation did. Returns whether anything changed. A plain function of the
 * connection, so pre-annotation's ingest calls it inside its own transaction.
 */
export function setDocType(db: Db, projectId: string, documentId: string, docType: DocType | null, source: DocTypeSource): boolean {
  const allowed = source === 'annotator' ? '1' : source === 'import' ? "doc_type_source IS NOT 'annotator'" : "doc_type_source IS NULL OR doc_type_source = 'model'";
  return (
    cachedStatement(
      db,
      `UPDATE project_documents SET doc_type = @docType, doc_type_source = @source
       WHERE project_id = @projectId AND document_id = @documentId AND (${allowed})
         AND (doc_type IS NOT @docType OR doc_type_source IS NOT @source)`,
    ).run({ projectId, documentId, docType, source: docType === null ? null : source }).changes === 1
  );
}

/**
 * A search as an FTS5 query over page text: each word or number the search holds, quoted (so no
 * character of it is query syntax) and matched as a prefix, all of them required. Null when the
 * search holds none (only punctuation).
 */
export function pageTextQuery(search: string): string | null {
  const terms = search.match(/[\p{L}\p{N}]+/gu)?.slice(0, 16) ?? [];
  return terms.length ? terms.map((t) => `"${t}"*`).join(' ') : null;
}

export class DocumentsRepo {
  constructor(private readonly db: Db) {}

  list(query: {
    projectId: string;
    status?: DocumentStatus | undefined;
    docType?: DocTypeFilter | undefined;
    search?: string | undefined;
    offset?: number | undefined;
    limit?: number | undefined;
  }): {
    items: DocumentSummary[];
    total: number;
    counts: Record<DocumentStatus, number>;
    typeCounts: Record<DocTypeFilter, number>;
  } {
    const where = ['pd.project_id = @projectId'];
    const params: Record<string, unknown> = { projectId: query.projectId, offset: query.offset ?? 0, limit: query.limit ?? 100 };
    if (query.status) {
      where.push('pd.status = @status');
      params.status = query.status;
    }
    if (query.docType === 'none') where.push('pd.doc_type IS NULL');
    else if (query.docType) {
      where.push('pd.doc_type = @docType');
      params.docType = query.docType;
    }
    const search = query.search?.trim();
    if (search) {
      // By name, or by the words on its pages where they have been read (every term, as a prefix).
      const byText = pageTextQuery(search);
      where.push(
        byText
          ? "(d.source_name LIKE @search ESCAPE '\\' OR pd.document_id IN (SELECT p.document_id FROM page_text JOIN page_ocr o ON o.id = page_text.rowid JOIN pages p ON p.id = o.page_id WHERE page_text MATCH @byText))"
          : "d.source_name LIKE @search ESCAPE '\\'",
      );
      params.search = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      if (byText) params.byText = byText;
    }
    const whereSql = `WHERE ${where.join(' AND ')}`;
    const items = (
      this.db.prepare(`SELECT ${summaryColumns} ${summaryFrom} ${whereSql} ORDER BY pd.position LIMIT @limit OFFSET @offset`).all(params) as SummaryRow[]
    ).map(toSummary);
    const total = (this.db.prepare(`SELECT COUNT(*) AS n ${summaryFrom} ${whereSql}`).get(params) as { n: number }).n;
    const counts = Object.fromEntries(documentStatuses.map((s) => [s, 0])) as Record<DocumentStatus, number>;
    for (const row of this.db
      .prepare('SELECT status, COUNT(*) AS n FROM project_documents WHERE project_id = ? GROUP BY status')
      .all(query.projectId) as { status: DocumentStatus; n: number }[]) {
      counts[row.status] = row.n;
    }
    const typeCounts = Object.fromEntries([...docTypes, 'none'].map((t) => [t, 0])) as Record<DocTypeFilter, number>;
    for (const row of this.db
      .prepare('SELECT doc_type, COUNT(*) AS n FROM project_documents WHERE project_id = ? GROUP BY doc_type')
      .all(query.projectId) as { doc_type: DocType | null; n: number }[]) {
      typeCounts[row.doc_type ?? 'none'] = row.n;
    }
    return { items, total, counts, typeCounts };
  }

  get(projectId: string, documentId: string): DocumentDetail {
    const row = this.summaryRow(projectId, documentId);
    const pages = (
      this.db.prepare('SELECT id, page_number, width, height, thumbnail, levels, tiles FROM pages WHERE document_id = ? ORDER BY page_number').all(documentId) as PageRow[]
    ).map(
      (p): Page => ({
        id: p.id,
        pageNumber: p.page_number,
        width: p.width,
        height: p.height,
        thumbnail: p.thumbnail,
        levels: JSON.parse(p.levels) as PyramidLevel[],
        tiles: p.tiles ? (JSON.parse(p.tiles) as TilePyramid) : null,
      }),
    );
    return { ...toSummary(row), byteSize: row.byte_size, pages };
  }

  /** One page of a document in the project; not_found names the document and how many pages it has. */
  page(projectId: string, documentId: string, pageId: string): Page {
    const doc = this.get(projectId, documentId);
    const page = doc.pages.find((p) => p.id === pageId);
    if (page) return page;
    throw new AppError('not_found', `pageId: ${pageId} is not a page of ${doc.sourceName} (it has ${doc.pages.length} page${doc.pages.length === 1 ? '' : 's'})`, {
      details: { field: 'pageId' },
    });
  }

  /** The annotator sets (or clears) a document's type; returns the document as the list shows it. */
  setType(projectId: string, documentId: string, docType: DocType | null, now: string): DocumentSummary {
    this.db.transaction(() => {
      if (!this.inProject(projectId, documentId)) throw new AppError('not_found', `Document ${documentId} is not in this project`);
      if (setDocType(this.db, projectId, documentId, docType, 'annotator')) {
        recordAudit(this.db, { at: now, actor: null, action: 'document.type', entityType: 'document', entityId: documentId, details: { projectId, docType } });
      }
    }).immediate();
    return this.summary(projectId, documentId);
  }

  /** What an import that knows its documents' types (the demo's generator) says, unless an annotator chose. */
  setTypesFromImport(projectId: string, types: { documentId: string; docType: DocType }[]): number {
    return this.db.transaction(() => types.filter((t) => setDocType(this.db, projectId, t.documentId, t.docType, 'import')).length).immediate();
  }

  /** A project's documents by the name of the file they were imported from. */
  idsBySourceName(projectId: string): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const r of this.db
      .prepare('SELECT d.id, d.source_name FROM project_documents pd JOIN documents d ON d.id = pd.document_id WHERE pd.project_id = ?')
      .all(projectId) as { id: string; source_name: string }[]) {
      out.set(r.source_name, [...(out.get(r.source_name) ?? []), r.id]);
    }
    return out;
  }

  /** The document's type in a project (null: not known). */
  docType(projectId: string, documentId: string): DocType | null {
    return docTypeOf(this.db, projectId, documentId);
  }

  private summary(projectId: string, documentId: string): DocumentSummary {
    return toSummary(this.summaryRow(projectId, documentId));
  }

  private summaryRow(projectId: string, documentId: string): SummaryRow {
    const row = this.db.prepare(`SELECT ${summaryColumns} ${summaryFrom} WHERE pd.project_id = ? AND d.id = ?`).get(projectId, documentId) as SummaryRow | undefined;
    if (!row) throw new AppError('not_found', `Document ${documentId} is not in this project`);
    return row;
  }

  exists(documentId: string): boolean {
    return this.db.prepare('SELECT 1 FROM documents WHERE id = ?').get(documentId) !== undefined;
  }

  /** Whether the document was made from received page images, not imported from its file here. */
  isReceived(documentId: string): boolean {
    const row = this.db.prepare('SELECT source_path FROM documents WHERE id = ?').get(documentId) as { source_path: string } | undefined;
    return row !== undefined && RECEIVED_SOURCE_SCHEMES.some((s) => row.source_path.startsWith(s));
  }

  /**
   * The genuine file of a received document was imported: its pages (same count, same ids, so
   * every box stays on its page) now describe the file's own images, and the document is no longer
   * a received one. The caller has already moved the new media into place.
   */
  replaceReceivedPages(doc: NewDocument): void {
    this.db
      .transaction(() => {
        if (!this.isReceived(doc.id)) throw new AppError('conflict', `Document ${doc.id} was imported from its file here; its pages are not replaced`);
        if (this.pageCount(doc.id) !== doc.pages.length) throw new AppError('conflict', `Document ${doc.id} has ${this.pageCount(doc.id)} pages here, the file ${doc.pages.length}`);
        this.db.prepare('UPDATE documents SET kind = ?, source_name = ?, source_path = ?, byte_size = ? WHERE id = ?').run(doc.kind, doc.sourceName, doc.sourcePath, doc.byteSize, doc.id);
        const update = this.db.prepare('UPDATE pages SET width = ?, height = ?, thumbnail = ?, levels = ?, tiles = ? WHERE id = ?');
        for (const p of doc.pages) update.run(p.width, p.height, p.thumbnail, JSON.stringify(p.levels), p.tiles ? JSON.stringify(p.tiles) : null, pageId(doc.id, p.pageNumber));
      })
      .immediate();
  }

  pageCount(documentId: string): number {
    return (this.db.prepare('SELECT page_count FROM documents WHERE id = ?').get(documentId) as { page_count: number } | undefined)?.page_count ?? 0;
  }

  /**
   * Documents marked `pre_annotated` without a single prediction (older versions marked a page the
   * model found nothing on so) go back to `new`. Run at open; changes nothing once they are right.
   */
  settlePredictionStatuses(): number {
    return this.db
      .prepare(
        `UPDATE project_documents SET status = 'new' WHERE status = 'pre_annotated'
           AND NOT EXISTS (SELECT 1 FROM predictions pr WHERE pr.project_id = project_documents.project_id AND pr.document_id = project_documents.document_id)`,
      )
      .run().changes;
  }

  status(projectId: string, documentId: string): DocumentStatus | null {
    return (this.db.prepare('SELECT status FROM project_documents WHERE project_id = ? AND document_id = ?').get(projectId, documentId) as { status: DocumentStatus } | undefined)?.status ?? null;
  }

  inProject(projectId: string, documentId: string): boolean {
    return this.db.prepare('SELECT 1 FROM project_documents WHERE project_id = ? AND document_id = ?').get(projectId, documentId) !== undefined;
  }

  /**
   * Add a document (if new) and link it to the project, in one transaction. Returns false when the
   * project already had it (a duplicate), so importing the same file twice changes nothing.
   */
  addToProject(projectId: string, doc: NewDocument | { id: string }, now: string): boolean {
    return this.db.transaction(() => {
      if (this.inProject(projectId, doc.id)) return false;
      if ('pages' in doc && !this.exists(doc.id)) {
        this.db
          .prepare('INSERT INTO documents (id, kind, source_name, source_path, byte_size, page_count, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(doc.id, doc.kind, doc.sourceName, doc.sourcePath, doc.byteSize, doc.pages.length, now);
        const insertPage = this.db.prepare('INSERT INTO pages (id, document_id, page_number, width, height, thumbnail, levels, tiles) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
        for (const p of doc.pages) {
          insertPage.run(pageId(doc.id, p.pageNumber), doc.id, p.pageNumber, p.width, p.height, p.thumbnail, JSON.stringify(p.levels), p.tiles ? JSON.stringify(p.tiles) : null);
        }
      } else if (!this.exists(doc.id)) {
        throw new AppError('not_found', `Document ${doc.id} does not exist`);
      }
      const position = (this.db.prepare('SELECT COALESCE(MAX(position), 0) + 1 AS next FROM project_documents WHERE project_id = ?').get(projectId) as { next: number }).next;
      this.db.prepare("INSERT INTO project_documents (project_id, document_id, status, added_at, position) VALUES (?, ?, 'new', ?, ?)").run(projectId, doc.id, now, position);
      touchProject(this.db, projectId, now);
      recordAudit(this.db, { at: now, actor: null, action: 'document.import', entityType: 'document', entityId: doc.id, details: { projectId } });
      return true;
    }).immediate(); // reads then writes: take the write lock first (see AnnotationsRepo.save)
  }

  allDocumentIds(): Set<string> {
    return new Set((this.db.prepare('SELECT id FROM documents').all() as { id: string }[]).map((r) => r.id));
  }
}
