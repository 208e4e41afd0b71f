import { AppError } from '../../../../shared/contract/errors';
import {
  documentStatuses,
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

interface SummaryRow {
  id: string;
  source_name: string;
  kind: DocumentKind;
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
  d.id, d.source_name, d.kind, d.page_count, d.byte_size, pd.status, pd.added_at,
  p.thumbnail, p.width, p.height`;
const summaryFrom = `
  FROM project_documents pd
  JOIN documents d ON d.id = pd.document_id
  JOIN pages p ON p.document_id = d.id AND p.page_number = 1`;

const toSummary = (r: SummaryRow): DocumentSummary => ({
  id: r.id,
  sourceName: r.source_name,
  kind: r.kind,
  pageCount: r.page_count,
  status: r.status,
  thumbnail: r.thumbnail,
  width: r.width,
  height: r.height,
  addedAt: r.added_at,
  // Pre-annotation's to say (createCore fills it in from the runs).
  nothingFound: null,
});

export const pageId = (documentId: string, pageNumber: number): string => `${documentId}-p${pageNumber}`;

export class DocumentsRepo {
  constructor(private readonly db: Db) {}

  list(query: { projectId: string; status?: DocumentStatus | undefined; search?: string | undefined; offset?: number | undefined; limit?: number | undefined }): {
    items: DocumentSummary[];
    total: number;
    counts: Record<DocumentStatus, number>;
  } {
    const where = ['pd.project_id = @projectId'];
    const params: Record<string, unknown> = { projectId: query.projectId, offset: query.offset ?? 0, limit: query.limit ?? 100 };
    if (query.status) {
      where.push('pd.status = @status');
      params.status = query.status;
    }
    const search = query.search?.trim();
    if (search) {
      where.push("d.source_name LIKE @search ESCAPE '\\'");
      params.search = `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
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
    return { items, total, counts };
  }

  get(projectId: string, documentId: string): DocumentDetail {
    const row = this.db.prepare(`SELECT ${summaryColumns} ${summaryFrom} WHERE pd.project_id = ? AND d.id = ?`).get(projectId, documentId) as
      | SummaryRow
      | undefined;
    if (!row) throw new AppError('not_found', `Document ${documentId} is not in this project`);
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

  exists(documentId: string): boolean {
    return this.db.prepare('SELECT 1 FROM documents WHERE id = ?').get(documentId) !== undefined;
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
      this.db.prepare('UPDATE projects SET updated_at = ? WHERE id = ?').run(now, projectId);
      this.db
        .prepare("INSERT INTO audit (at, actor, action, entity_type, entity_id, details) VALUES (?, NULL, 'document.import', 'document', ?, ?)")
        .run(now, doc.id, JSON.stringify({ projectId }));
      return true;
    }).immediate(); // reads then writes: take the write lock first (see AnnotationsRepo.save)
  }

  allDocumentIds(): Set<string> {
    return new Set((this.db.prepare('SELECT id FROM documents').all() as { id: string }[]).map((r) => r.id));
  }
}
