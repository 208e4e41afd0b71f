import { existsSync, statSync } from 'node:fs';
import { basename, extname, isAbsolute, join, resolve } from 'node:path';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../db/open';
import { sha256File } from '../../media/hash';
import { parseExportImageStem } from '../geometry';
import type { RawPage } from './types';

export interface MatchedPage {
  documentId: string;
  pageId: string;
  pageNumber: number;
  width: number;
  height: number;
}

interface DocInfo {
  id: string;
  sourceName: string;
  sourcePath: string | null;
  pageCount: number;
}

/** Label Studio's ways of naming an image, reduced to a path or a file name. */
export function normalizeImageRef(ref: string): string {
  let r = ref.trim();
  const local = /^\/?data\/local-files\/?\?d=(.*)$/.exec(r);
  if (local) {
    r = local[1]!;
    try {
      r = decodeURIComponent(r);
    } catch {
      /* keep it as written */
    }
    // Relative to Label Studio's document root: absolute if it exists as such.
    if (!isAbsolute(r) && existsSync(`/${r}`) && !existsSync(r)) r = `/${r}`;
    return r;
  }
  // Uploaded files get an 8-character prefix: /data/upload/<project>/<prefix>-<name>.
  const upload = /^\/?data\/upload\/\d+\/[0-9a-f]{8}-(.+)$/.exec(r);
  if (upload) return upload[1]!;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(r)) {
    if (r.startsWith('file://')) return decodeURIComponent(new URL(r).pathname);
    try {
      return decodeURIComponent(basename(new URL(r).pathname));
    } catch {
      return basename(r);
    }
  }
  return r;
}

/**
 * Finds the project's document and page an imported item's image is. In order: Folio's own ids
 * (a Folio export names its documents), then the image file itself — looked for relative to the
 * imported file or the --images folder — by content (a document's id is the sha256 of its file) or
 * by the path it was imported from, then by name (an exported page image's name, or the source
 * file's name when exactly one document has it).
 */
export class ImageMatcher {
  private readonly docs = new Map<string, DocInfo>();
  private readonly byName = new Map<string, string[]>();
  private readonly byStem = new Map<string, string[]>();
  private readonly byPath = new Map<string, string>();
  private readonly hashes = new Map<string, string>();
  private readonly pageQ: Statement;

  constructor(
    db: Db,
    projectId: string,
    /** Where relative image paths are looked for: the --images folder, or the imported file's folder. */
    private readonly baseDir: string,
  ) {
    const rows = db
      .prepare('SELECT d.id, d.source_name, d.source_path, d.page_count FROM project_documents pd JOIN documents d ON d.id = pd.document_id WHERE pd.project_id = ?')
      .all(projectId) as { id: string; source_name: string; source_path: string | null; page_count: number }[];
    const add = (map: Map<string, string[]>, key: string, id: string) => {
      const list = map.get(key);
      if (list) list.push(id);
      else map.set(key, [id]);
    };
    for (const r of rows) {
      this.docs.set(r.id, { id: r.id, sourceName: r.source_name, sourcePath: r.source_path, pageCount: r.page_count });
      add(this.byName, r.source_name, r.id);
      add(this.byStem, basename(r.source_name, extname(r.source_name)), r.id);
      if (r.source_path) this.byPath.set(resolve(r.source_path), r.id);
    }
    this.pageQ = db.prepare('SELECT id, page_number, width, height FROM pages WHERE document_id = ? AND page_number = ?');
  }

  private page(documentId: string, pageNumber: number): MatchedPage | string {
    const p = this.pageQ.get(documentId, pageNumber) as { id: string; page_number: number; width: number; height: number } | undefined;
    if (!p) return `document ${documentId} has no page ${pageNumber} (it has ${this.docs.get(documentId)?.pageCount ?? 0})`;
    return { documentId, pageId: p.id, pageNumber: p.page_number, width: p.width, height: p.height };
  }

  /** The page of a document found some way other than by page number: page 1 of a one-page document. */
  private onlyPage(documentId: string, pageNumber: number | undefined, how: string): MatchedPage | string {
    if (pageNumber !== undefined) return this.page(documentId, pageNumber);
    const doc = this.docs.get(documentId)!;
    if (doc.pageCount > 1) return `${how} is document "${doc.sourceName}", which has ${doc.pageCount} pages; the item does not say which page`;
    return this.page(documentId, 1);
  }

  async match(raw: RawPage): Promise<MatchedPage | { reason: string }> {
    const tried: string[] = [];
    const hintPage = raw.hint?.page;
    if (raw.hint?.documentId) {
      if (this.docs.has(raw.hint.documentId)) {
        const m = this.page(raw.hint.documentId, hintPage ?? 1);
        return typeof m === 'string' ? { reason: m } : m;
      }
      tried.push(`document id ${raw.hint.documentId.slice(0, 12)}… is not in this project`);
    }
    if (!raw.ref) return { reason: tried.length ? tried.join('; ') : 'the item names no image' };
    const ref = normalizeImageRef(raw.ref);
    const name = basename(ref);
    const exported = parseExportImageStem(name);
    const pageFromName = hintPage ?? exported?.pageNumber;

    // The file itself, next to the imported file or in the --images folder.
    const candidates = [...new Set([isAbsolute(ref) ? ref : null, join(this.baseDir, ref), join(this.baseDir, name)].filter((p): p is string => p !== null))];
    for (const path of candidates) {
      let isFile = false;
      try {
        isFile = statSync(path).isFile();
      } catch {
        isFile = false;
      }
      if (!isFile) continue;
      const abs = resolve(path);
      const byPath = this.byPath.get(abs);
      if (byPath) {
        const m = this.onlyPage(byPath, pageFromName, `the image ${abs}`);
        return typeof m === 'string' ? { reason: m } : m;
      }
      let hash = this.hashes.get(abs);
      if (!hash) this.hashes.set(abs, (hash = await sha256File(abs)));
      if (this.docs.has(hash)) {
        const m = this.onlyPage(hash, pageFromName, `the image ${abs}`);
        return typeof m === 'string' ? { reason: m } : m;
      }
      tried.push(`the file ${abs} is not a document of this project (by content or path)`);
    }
    if (!tried.some((t) => t.startsWith('the file'))) tried.push(`no file "${ref}" in ${this.baseDir}`);

    // By name: an exported page image's name carries its document id prefix and page.
    if (exported) {
      const ids = [...this.docs.keys()].filter((id) => id.startsWith(exported.idPrefix));
      if (ids.length === 1) {
        const m = this.page(ids[0]!, exported.pageNumber);
        return typeof m === 'string' ? { reason: m } : m;
      }
    }
    const named = this.byName.get(name) ?? (extname(name) ? undefined : this.byStem.get(name));
    if (named?.length === 1) {
      const m = this.onlyPage(named[0]!, hintPage, `"${name}"`);
      return typeof m === 'string' ? { reason: m } : m;
    }
    if (named && named.length > 1) return { reason: `${named.length} documents of this project are called "${name}"; put the image file next to the imported file (or in --images) so it can be matched by content` };
    tried.push(`no document of this project is called "${name}"`);
    return { reason: `image not found: ${tried.join('; ')}` };
  }
}
