import { rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp, { type Metadata } from 'sharp';
import type { DocumentKind } from '../../../shared/domain/model';
import type { DocumentsRepo } from '../db/repos/documents';
import { AppError } from '../../../shared/contract/errors';
import { checkPageSize } from '../media/limits';
import { sharpInputOptions, writePagePyramid, type PreparedPage } from '../media/pyramid';
import { sniffBytes, sniffFile } from '../media/sniff';
import type { MediaStore } from '../media/mediaStore';

/**
 * A document the lead does not have yet, recreated from the page images another machine sent
 * (the full-size level 0 of every page): the same id (so versions and later imports line up), a
 * fresh pyramid and thumbnail through the import pipeline's own code, written in a staging folder
 * and moved into place before the database learns about it — as an import would.
 */

export interface ReceivedPage {
  pageNumber: number;
  width: number;
  height: number;
  /**
   * The image: its bytes (a pull downloads them), or a file holding it that is this import's to
   * move (a bundle's staged entry; a page of up to 2 GiB is never read into memory whole).
   */
  bytes: Buffer | { file: string };
  /** Where the bytes came from, for error messages (an artifact path or a bundle entry). */
  file: string;
}

export interface ReceivedDocument {
  id: string;
  kind: DocumentKind;
  sourceName: string;
  /** Where it came from, recorded as the document's source path (e.g. `wandb:entity/project/artifact:v3`). */
  sourcePath: string;
  byteSize: number;
  pages: ReceivedPage[];
}

export class ReceivedFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

/** A received page obeys the same size limits as an imported file's pages. */
export function checkReceivedPageSize(page: { pageNumber: number; width: number; height: number; file: string }): void {
  try {
    checkPageSize(page.width, page.height, `page ${page.pageNumber}`);
  } catch (err) {
    if (err instanceof AppError) throw new ReceivedFileError(page.file, err.message);
    throw err;
  }
}

/** Bytes a page image's type and (PNG, WebP) pixel size can be read from: see pageHeadProblem. */
export const PAGE_HEAD_BYTES = 30;

/**
 * Why the first bytes of a received page image cannot be the page it claims to be, or null: they
 * must be a PNG, JPEG or WebP signature of the file's own type and, where the header carries it in
 * those bytes (PNG, WebP), the size recorded for the page. Lets a bundle refuse a page before
 * writing any of it.
 */
export function pageHeadProblem(head: Buffer, expect: { ext: 'png' | 'jpg' | 'webp'; width: number; height: number; pageNumber: number }): string | null {
  const sniffed = sniffBytes(head);
  const type = sniffed === 'jpeg' ? 'jpg' : sniffed;
  if (type !== 'png' && type !== 'jpg' && type !== 'webp') return `is not a PNG, JPEG or WebP page image (${sniffed ?? 'unknown type'})`;
  if (type !== expect.ext) return `is a ${type.toUpperCase()} image, not the .${expect.ext} its name says`;
  let size: { width: number; height: number } | null = null;
  if (type === 'png' && head.length >= 24 && head.toString('latin1', 12, 16) === 'IHDR') size = { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
  if (type === 'webp' && head.length >= 30) {
    const chunk = head.toString('latin1', 12, 16);
    if (chunk === 'VP8X') size = { width: head.readUIntLE(24, 3) + 1, height: head.readUIntLE(27, 3) + 1 };
    else if (chunk === 'VP8L' && head[20] === 0x2f) {
      const bits = head.readUInt32LE(21);
      size = { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
    } else if (chunk === 'VP8 ' && head[23] === 0x9d && head[24] === 0x01 && head[25] === 0x2a) size = { width: head.readUInt16LE(26) & 0x3fff, height: head.readUInt16LE(28) & 0x3fff };
  }
  if (size && (size.width !== expect.width || size.height !== expect.height)) {
    return `is ${size.width} × ${size.height} px, but page ${expect.pageNumber} is recorded as ${expect.width} × ${expect.height} px`;
  }
  return null;
}

/** Check a page image is one Folio shows as it is (PNG, JPEG, WebP), within the page limits, and has the size it claims. */
export async function checkPageImage(page: ReceivedPage): Promise<'png' | 'jpg' | 'webp'> {
  checkReceivedPageSize(page);
  const source = Buffer.isBuffer(page.bytes) ? page.bytes : page.bytes.file;
  const type = Buffer.isBuffer(source) ? sniffBytes(source.subarray(0, 64)) : await sniffFile(source);
  if (type !== 'png' && type !== 'jpeg' && type !== 'webp') throw new ReceivedFileError(page.file, `is not a PNG, JPEG or WebP page image (${type ?? 'unknown type'})`);
  let meta: Metadata;
  try {
    meta = await sharp(source, sharpInputOptions).metadata();
  } catch (err) {
    throw new ReceivedFileError(page.file, `cannot be decoded (${(err as Error).message.split('\n')[0]})`);
  }
  if (meta.width !== page.width || meta.height !== page.height) {
    throw new ReceivedFileError(page.file, `is ${meta.width ?? '?'} × ${meta.height ?? '?'} px, but page ${page.pageNumber} is recorded as ${page.width} × ${page.height} px`);
  }
  return type === 'jpeg' ? 'jpg' : type;
}

/** A received document's pyramids, written in a staging folder and not yet known to the database. */
export interface PreparedDocument {
  doc: Omit<ReceivedDocument, 'pages'>;
  staging: string;
  pages: PreparedPage[];
}

/**
 * Check every page of a document this machine lacks and write its pyramid into a staging folder,
 * touching nothing the app can see: a page that does not decode to the end fails here, naming its
 * file, so a bundle can be refused whole before its first document or version is written.
 */
export async function prepareDocument(media: MediaStore, doc: ReceivedDocument): Promise<PreparedDocument> {
  // The id names a folder under media/: refuse anything that could be a path.
  if (!/^[0-9A-Za-z_-]{1,200}$/.test(doc.id)) throw new ReceivedFileError(doc.pages[0]?.file ?? 'document', `document id ${JSON.stringify(doc.id)} is not a Folio document id`);
  const numbers = doc.pages.map((p) => p.pageNumber).sort((a, b) => a - b);
  if (!numbers.length || numbers.some((n, i) => n !== i + 1)) throw new ReceivedFileError(doc.pages[0]?.file ?? doc.id, `document ${doc.id} needs pages 1…n, got ${numbers.join(', ') || 'none'}`);
  const staging = await media.createStaging();
  try {
    const pages: PreparedPage[] = [];
    for (const page of [...doc.pages].sort((a, b) => a.pageNumber - b.pageNumber)) {
      const ext = await checkPageImage(page);
      const input = join(staging, `received-p${page.pageNumber}.${ext}`);
      if (Buffer.isBuffer(page.bytes)) await writeFile(input, page.bytes);
      else await rename(page.bytes.file, input);
      try {
        pages.push(
          await writePagePyramid({
            pageNumber: page.pageNumber,
            width: page.width,
            height: page.height,
            level0: { kind: 'copy', path: input, ext },
            pageDir: join(staging, `p${page.pageNumber}`),
            mediaPrefix: `${media.documentDir(doc.id)}/p${page.pageNumber}`,
          }),
        );
      } catch (err) {
        throw new ReceivedFileError(page.file, `cannot be decoded to the end (${(err as Error).message.split('\n')[0]})`);
      }
      await rm(input, { force: true });
    }
    const { pages: _received, ...rest } = doc;
    return { doc: rest, staging, pages };
  } catch (err) {
    await media.discardStaging(staging);
    throw err;
  }
}

/**
 * Move a prepared document into place and add it to the project; true when it was created. If an
 * import made the document meanwhile, that one is kept (its media is not replaced) and linked.
 */
export async function commitDocument(media: MediaStore, documents: DocumentsRepo, projectId: string, prepared: PreparedDocument, now: () => string): Promise<boolean> {
  const { doc } = prepared;
  if (documents.exists(doc.id)) {
    await media.discardStaging(prepared.staging);
    documents.addToProject(projectId, { id: doc.id }, now());
    return false;
  }
  await media.commitStaging(prepared.staging, doc.id);
  documents.addToProject(projectId, { id: doc.id, kind: doc.kind, sourceName: doc.sourceName, sourcePath: doc.sourcePath, byteSize: doc.byteSize, pages: prepared.pages }, now());
  return true;
}

/**
 * Make sure the document is in the project: link it when this machine has it (from another
 * project), else create it from the received pages. Returns true when a document was created.
 */
export async function ensureDocument(media: MediaStore, documents: DocumentsRepo, projectId: string, doc: ReceivedDocument, now: () => string): Promise<boolean> {
  if (documents.inProject(projectId, doc.id)) return false;
  if (documents.exists(doc.id)) {
    documents.addToProject(projectId, { id: doc.id }, now());
    return false;
  }
  const prepared = await prepareDocument(media, doc);
  try {
    return await commitDocument(media, documents, projectId, prepared, now);
  } catch (err) {
    await media.discardStaging(prepared.staging);
    throw err;
  }
}
