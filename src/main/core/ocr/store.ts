import type { OcrLine, OcrWord, PageWords } from '../../../shared/domain/ocr';
import type { Db } from '../db/open';
import { settlePredictionStatus } from '../db/repos/documents';
import { type NewPrediction, PredictionsRepo } from '../db/repos/predictions';
import type { PageText } from './tsv';
import { searchText } from './tsv';

/** A page still to read: where it is and what to call it in a failure. */
export interface UnreadPage {
  pageId: string;
  documentId: string;
  name: string;
  pageNumber: number;
}

/** What the OCR job saves for one page. */
export interface PageReading extends PageText {
  imageSha256: string;
  engine: string;
  ms: number;
}

// Words are stored as arrays, not objects: a dense page holds hundreds, and keys would triple it.
type StoredWord = [x: number, y: number, w: number, h: number, confidence: number, line: number, text: string];
type StoredLine = [x: number, y: number, w: number, h: number, confidence: number, first: number, last: number];

const percent = (c: number): number => Math.round(c * 1000) / 10;

/**
 * The one writer of `page_ocr` (words on pages) and `ocr_projects` (each project's OCR choices).
 * Words are stored per page with the sha256 of the image they were read from; the schema drops
 * them when the page's image changes.
 */
export class OcrStore {
  private readonly predictions: PredictionsRepo;

  constructor(private readonly db: Db) {
    this.predictions = new PredictionsRepo(db);
  }

  save(pageId: string, reading: PageReading, now: string): void {
    const words: StoredWord[] = reading.words.map((w) => [w.x, w.y, w.w, w.h, percent(w.confidence), w.line, w.text]);
    const lines: StoredLine[] = reading.lines.map((l) => [l.x, l.y, l.w, l.h, percent(l.confidence), l.words[0], l.words[1]]);
    const mean = reading.words.length ? reading.words.reduce((s, w) => s + w.confidence, 0) / reading.words.length : 0;
    this.db
      .prepare(
        `INSERT INTO page_ocr (page_id, image_sha256, engine, words, lines, text, mean_confidence, ms, read_at)
         VALUES (@pageId, @sha, @engine, @words, @lines, @text, @mean, @ms, @now)
         ON CONFLICT (page_id) DO UPDATE SET image_sha256 = excluded.image_sha256, engine = excluded.engine, words = excluded.words,
           lines = excluded.lines, text = excluded.text, mean_confidence = excluded.mean_confidence, ms = excluded.ms, read_at = excluded.read_at`,
      )
      .run({ pageId, sha: reading.imageSha256, engine: reading.engine, words: JSON.stringify(words), lines: JSON.stringify(lines), text: searchText(reading), mean, ms: Math.round(reading.ms), now });
  }

  /** The words read on a page, or null when it has not been read (or its image changed since). */
  pageWords(pageId: string): PageWords | null {
    const row = this.db.prepare('SELECT page_id, image_sha256, engine, words, lines, mean_confidence, read_at FROM page_ocr WHERE page_id = ?').get(pageId) as
      | { page_id: string; image_sha256: string; engine: string; words: string; lines: string; mean_confidence: number; read_at: string }
      | undefined;
    if (!row) return null;
    const words: OcrWord[] = (JSON.parse(row.words) as StoredWord[]).map(([x, y, w, h, c, line, text]) => ({ x, y, w, h, text, confidence: c / 100, line }));
    const lines: OcrLine[] = (JSON.parse(row.lines) as StoredLine[]).map(([x, y, w, h, c, first, last]) => ({
      x,
      y,
      w,
      h,
      text: words.slice(first, last + 1).map((wd) => wd.text).join(' '),
      confidence: c / 100,
      words: [first, last],
    }));
    return { pageId: row.page_id, imageSha256: row.image_sha256, engine: row.engine, words, lines, meanConfidence: row.mean_confidence, readAt: row.read_at };
  }

  /** The sha256 a page's words were read from (null: not read). */
  readSha(pageId: string): string | null {
    return (this.db.prepare('SELECT image_sha256 FROM page_ocr WHERE page_id = ?').pluck().get(pageId) as string | undefined) ?? null;
  }

  /** The project's pages without words, in the project's document order. */
  unreadPages(projectId: string): UnreadPage[] {
    return this.db
      .prepare(
        `SELECT p.id AS pageId, p.document_id AS documentId, d.source_name AS name, p.page_number AS pageNumber
         FROM project_documents pd JOIN documents d ON d.id = pd.document_id JOIN pages p ON p.document_id = pd.document_id
         WHERE pd.project_id = ? AND NOT EXISTS (SELECT 1 FROM page_ocr o WHERE o.page_id = p.id)
         ORDER BY pd.position, p.page_number`,
      )
      .all(projectId) as UnreadPage[];
  }

  /** Whether any page of the project has no words (asked at start and after imports: stops at the first). */
  hasUnreadPages(projectId: string): boolean {
    return (
      this.db
        .prepare(
          `SELECT 1 FROM project_documents pd JOIN pages p ON p.document_id = pd.document_id
           WHERE pd.project_id = ? AND NOT EXISTS (SELECT 1 FROM page_ocr o WHERE o.page_id = p.id) LIMIT 1`,
        )
        .get(projectId) !== undefined
    );
  }

  /** How many of the project's pages there are, and how many have words. */
  counts(projectId: string): { pagesTotal: number; pagesRead: number } {
    const row = this.db
      .prepare(
        `SELECT COUNT(*) AS total, COUNT(o.page_id) AS done
         FROM project_documents pd JOIN pages p ON p.document_id = pd.document_id LEFT JOIN page_ocr o ON o.page_id = p.id
         WHERE pd.project_id = ?`,
      )
      .get(projectId) as { total: number; done: number };
    return { pagesTotal: row.total, pagesRead: row.done };
  }

  /** Documents of the project to predict on: nobody has started them (`new`), or any not yet verified (`all`). */
  documentsToPredict(projectId: string, scope: 'new' | 'all'): { documentId: string; pageIds: string[] }[] {
    const rows = this.db
      .prepare(
        `SELECT pd.document_id AS documentId, json_group_array(p.id) AS pageIds FROM project_documents pd JOIN pages p ON p.document_id = pd.document_id
         WHERE pd.project_id = ? AND ${scope === 'new' ? "pd.status = 'new'" : "pd.status <> 'verified'"}
         GROUP BY pd.document_id ORDER BY MIN(pd.position)`,
      )
      .all(projectId) as { documentId: string; pageIds: string }[];
    return rows.map((r) => ({ documentId: r.documentId, pageIds: JSON.parse(r.pageIds) as string[] }));
  }

  /**
   * A document's predictions from one model replace that model's pending ones on its pages, in one
   * transaction that also settles the document's status. Returns how many were added.
   */
  replacePredictions(projectId: string, documentId: string, model: string, byPage: ReadonlyMap<string, NewPrediction[]>, now: string): number {
    return this.db
      .transaction(() => {
        let added = 0;
        for (const [pageId, predictions] of byPage) {
          this.predictions.dropPendingOfModel(projectId, pageId, model);
          added += this.predictions.insertPending(projectId, predictions, { now, runId: null, skipExisting: true });
        }
        settlePredictionStatus(this.db, projectId, documentId);
        return added;
      })
      .immediate();
  }

  settings(projectId: string): { onImport: boolean; paused: boolean } {
    const row = this.db.prepare('SELECT on_import, paused FROM ocr_projects WHERE project_id = ?').get(projectId) as { on_import: number; paused: number } | undefined;
    return { onImport: row ? row.on_import === 1 : true, paused: row ? row.paused === 1 : false };
  }

  setOnImport(projectId: string, onImport: boolean): void {
    this.db
      .prepare('INSERT INTO ocr_projects (project_id, on_import) VALUES (?, ?) ON CONFLICT (project_id) DO UPDATE SET on_import = excluded.on_import')
      .run(projectId, onImport ? 1 : 0);
  }

  setPaused(projectId: string, paused: boolean): void {
    this.db.prepare('INSERT INTO ocr_projects (project_id, paused) VALUES (?, ?) ON CONFLICT (project_id) DO UPDATE SET paused = excluded.paused').run(projectId, paused ? 1 : 0);
  }
}
