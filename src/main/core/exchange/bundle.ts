import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { rename, rm, stat, statfs } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { AppError } from '../../../shared/contract/errors';
import type { BundleExportSummary, BundleImportSummary, ExchangeConflict } from '../../../shared/domain/exchange';
import type { DocType, PyramidLevel } from '../../../shared/domain/model';
import type { Db } from '../db/open';
import { receivedSourcePath, type DocumentsRepo } from '../db/repos/documents';
import type { ProjectsRepo } from '../db/repos/projects';
import type { MediaStore } from '../media/mediaStore';
import { type Clock, isoNow } from '../util/clock';
import { applyVersion, describeVersion, readStoredContent, receivedContentProblems, type IncomingVersion } from './apply';
import { BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION, BUNDLE_MANIFEST, bundleLimits, bundleManifestSchema, PAGE_FILE, type BundleManifest } from './bundleFormat';
import { checkReceivedPageSize, commitDocument, PAGE_HEAD_BYTES, pageHeadProblem, prepareDocument, ReceivedFileError, type PreparedDocument } from './documents';

/**
 * `bundle export` / `bundle import`: a project's documents and verified work in one file, for
 * machines that never see W&B (bundleFormat.ts describes the archive). Import checks the whole
 * archive first — the manifest (its size, shape, format version, counts, every reference between
 * documents, pages, boxes, evidence and annotators, every version's content against the
 * contract's limits) before any page is read; every page as it streams in (listed, of its
 * declared size, an image of the recorded size) before a byte of it is written; then every file's
 * SHA-256 and every page image that would create a document — and writes nothing to the project
 * if anything is wrong (bundleLimits bounds what the staging folder can hold meanwhile, and it is
 * emptied whatever happens). Then it applies the versions
 * with the same merge rules as the W&B pull (apply.ts), so importing twice changes nothing and
 * local work is never overwritten.
 */

export interface BundleDeps {
  db: Db;
  projects: ProjectsRepo;
  documents: DocumentsRepo;
  media: MediaStore;
  clock: Clock;
  folioVersion: string;
}

export interface BundleProgress {
  phase: 'reading' | 'checking' | 'writing';
  done: number;
  total: number;
}

/** A pass-through stream that hashes (SHA-256) and counts what flows through it. */
function hashingTap(): { stream: Transform; result(): { sha256: string; size: number } } {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  return { stream, result: () => ({ sha256: hash.digest('hex'), size }) };
}

async function sha256OfFile(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

// ---- export -------------------------------------------------------------------------------

export async function exportBundle(deps: BundleDeps, req: { projectId: string; path: string }, onProgress?: (p: BundleProgress) => void): Promise<BundleExportSummary> {
  const { db, projects, media } = deps;
  const project = projects.get(req.projectId);
  const out = resolve(req.path);
  if (existsSync(out)) throw new AppError('conflict', `path: ${out} already exists; choose a new file name (a bundle never replaces a file)`);
  if (!existsSync(dirname(out))) throw new AppError('not_found', `path: the folder ${dirname(out)} does not exist`);
  const required = (db.prepare('SELECT required_annotators AS n FROM projects WHERE id = ?').get(project.id) as { n: number }).n;

  const documentRows = db
    .prepare(
      `SELECT d.id, d.kind, pd.doc_type, d.source_name, d.byte_size FROM project_documents pd JOIN documents d ON d.id = pd.document_id
       WHERE pd.project_id = ? ORDER BY pd.position, d.id`,
    )
    .all(project.id) as { id: string; kind: 'image' | 'pdf' | 'tiff'; doc_type: DocType | null; source_name: string; byte_size: number }[];
  const pagesQ = db.prepare('SELECT page_number, width, height, levels FROM pages WHERE document_id = ? ORDER BY page_number');
  const files: BundleManifest['files'] = {};
  const sources = new Map<string, string>(); // bundle path → absolute file
  const documents: BundleManifest['documents'] = [];
  const totalPages = documentRows.reduce((n, d) => n + (pagesQ.all(d.id) as unknown[]).length, 0);
  let hashed = 0;
  for (const d of documentRows) {
    const pages: BundleManifest['documents'][number]['pages'] = [];
    for (const p of pagesQ.all(d.id) as { page_number: number; width: number; height: number; levels: string }[]) {
      const level0 = (JSON.parse(p.levels) as PyramidLevel[]).find((l) => l.level === 0);
      const ext = (level0?.path.split('.').pop() ?? '').toLowerCase().replace('jpeg', 'jpg');
      if (!level0 || !['png', 'jpg', 'webp'].includes(ext)) throw new AppError('invalid_request', `document ${d.source_name} (${d.id}) page ${p.page_number} has no full-size image recorded`);
      const abs = media.absolute(level0.path);
      if (!existsSync(abs)) throw new AppError('not_found', `the image of page ${p.page_number} of ${d.source_name} is missing (${abs}); re-import the document, then export again`);
      const file = `pages/${d.id}/p${p.page_number}.${ext}`;
      files[file] = await sha256OfFile(abs);
      sources.set(file, abs);
      pages.push({ pageNumber: p.page_number, width: p.width, height: p.height, file });
      onProgress?.({ phase: 'reading', done: ++hashed, total: totalPages });
    }
    documents.push({ id: d.id, kind: d.kind, docType: d.doc_type, sourceName: d.source_name, byteSize: d.byte_size, pages });
  }

  const versionRows = db
    .prepare(
      `SELECT a.id, a.document_id, a.annotator_id, a.kind, a.version, a.parent_id, a.verified_at FROM annotations a
       WHERE a.project_id = ? AND a.status = 'verified' ORDER BY a.document_id, a.annotator_id, a.kind, a.version`,
    )
    .all(project.id) as { id: string; document_id: string; annotator_id: string; kind: 'annotation' | 'gold'; version: number; parent_id: string | null; verified_at: string }[];
  const lineageQ = db.prepare('SELECT resolved_by, resolved_at, sources, items FROM gold_lineage WHERE annotation_id = ?');
  const versions: BundleManifest['versions'] = versionRows.map((v) => {
    const content = readStoredContent(db, v.id);
    const l = lineageQ.get(v.id) as { resolved_by: string; resolved_at: string; sources: string; items: string } | undefined;
    return {
      annotationId: v.id,
      documentId: v.document_id,
      annotatorId: v.annotator_id,
      kind: v.kind,
      version: v.version,
      parentId: v.parent_id,
      verifiedAt: v.verified_at,
      boxes: content.boxes,
      qa: content.qa,
      lineage: l ? { resolvedBy: l.resolved_by, resolvedAt: l.resolved_at, sources: JSON.parse(l.sources) as unknown, items: JSON.parse(l.items) as unknown } : null,
    };
  });
  const annotatorIds = [...new Set(versions.map((v) => v.annotatorId))];
  const nameQ = db.prepare('SELECT name FROM annotators WHERE id = ?');
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_FORMAT_VERSION,
    createdAt: isoNow(deps.clock),
    folioVersion: deps.folioVersion,
    project: {
      id: project.id,
      name: project.name,
      requiredAnnotators: required,
      labels: project.labels.map((l) => ({ name: l.name, color: l.color, hotkey: l.hotkey ?? null })),
      questions: project.questions.map((q) => ({ id: q.id, text: q.text, required: q.required, kinds: q.kinds })),
    },
    annotators: annotatorIds.map((id) => ({ id, name: (nameQ.get(id) as { name: string } | undefined)?.name ?? id })),
    documents,
    versions,
    files,
  };
  const manifestBytes = Buffer.from(JSON.stringify(manifest, null, 1), 'utf8');

  // Written beside the target and renamed when complete: a failed export leaves no half bundle.
  const partial = `${out}.partial-${randomUUID().slice(0, 8)}`;
  const pack = tar.pack();
  const counter = hashingTap();
  const written = pipeline(pack, createGzip({ level: 6 }), counter.stream, createWriteStream(partial, { flags: 'wx' }));
  try {
    const mtime = new Date(manifest.createdAt);
    await new Promise<void>((ok, fail) => pack.entry({ name: BUNDLE_MANIFEST, size: manifestBytes.length, mtime }, manifestBytes, (err) => (err ? fail(err) : ok())));
    let done = 0;
    for (const [file, abs] of sources) {
      const entry = pack.entry({ name: file, size: files[file]!.size, mtime });
      await pipeline(createReadStream(abs), entry);
      onProgress?.({ phase: 'writing', done: ++done, total: sources.size });
    }
    pack.finalize();
    await written;
    await rename(partial, out);
  } catch (err) {
    pack.destroy();
    await written.catch(() => undefined);
    await rm(partial, { force: true });
    throw err;
  }
  const archive = counter.result();
  return {
    path: out,
    bytes: archive.size,
    sha256: archive.sha256,
    projectId: project.id,
    projectName: project.name,
    documents: documents.length,
    pages: totalPages,
    versions: versions.length,
    annotators: annotatorIds.length,
  };
}

// ---- import -------------------------------------------------------------------------------

/** Bytes of refused entries read past (not written) before reading stops: enough to name a few more problems, never a bomb. */
const MAX_SKIPPED_BYTES = 16 * 1024 ** 2;
/** Problems listed in a refusal; the rest are counted. */
const MAX_LISTED_PROBLEMS = 200;

type EntryStream = tar.ExtractEvents['entry'][1];

/** The archive cannot be read on: reading stops at once, with what was found so far. */
class StopReading extends Error {}

interface Received {
  manifest: BundleManifest;
  /** Page files written to the staging folder, with their hash and size as read. */
  files: Map<string, { abs: string; sha256: string; size: number }>;
  /** Entries refused as they were read (each already a problem). */
  refused: Set<string>;
  problems: string[];
}

const formatBytes = (n: number): string => `${(n / 1024 ** 3).toFixed(n >= 1024 ** 3 ? 1 : 3)} GiB`;

/**
 * Read the manifest (the first entry) and check it whole — shape, counts, references, page sizes,
 * every version's content — then, only if it holds, the page images: each written to the staging
 * folder only when the manifest lists it with the size its tar header declares and its first bytes
 * are the image the manifest records; anything else is a problem and is not written. The declared
 * sizes bound what can reach the disk, and must fit in the free space before the first page is read.
 */
async function readArchive(path: string, staging: string, freeBytes: () => Promise<number>, onProgress?: (p: BundleProgress) => void): Promise<Received> {
  const problems: string[] = [];
  const files = new Map<string, { abs: string; sha256: string; size: number }>();
  const refused = new Set<string>();
  let manifest: BundleManifest | null = null;
  let fileCount = 0;
  let pagesByFile = new Map<string, ExpectedPage>();
  const writes: Promise<unknown>[] = [];
  const extract = tar.extract();
  let entries = 0;
  let skipped = 0;
  let stop: StopReading | null = null;
  /** `why` is left out when the problems found so far already say it. */
  const stopReading = (why = ''): StopReading => {
    stop ??= new StopReading(why);
    extract.destroy(stop);
    return stop;
  };

  /** Read past a refused entry without writing it, within the budget for refused bytes. */
  const skip = (stream: EntryStream, done: () => void) => {
    stream.on('data', (data: unknown) => {
      skipped += (data as Buffer).length;
      if (skipped > MAX_SKIPPED_BYTES) stopReading(`stopped reading after ${MAX_SKIPPED_BYTES / 1024 ** 2} MiB of entries that would not be written`);
    });
    stream.on('end', done);
    stream.resume();
  };

  const readManifest = async (stream: EntryStream): Promise<void> => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > bundleLimits.maxManifestBytes) throw stopReading(`${BUNDLE_MANIFEST}: over ${bundleLimits.maxManifestBytes / 1024 ** 2} MiB, the most a bundle's manifest may be`);
      chunks.push(chunk);
    }
    const checked = checkManifest(Buffer.concat(chunks));
    problems.push(...checked.problems);
    if (!checked.manifest) throw stopReading();
    const m = checked.manifest;
    const spaceProblem = await declaredSizeProblem(m, freeBytes);
    if (spaceProblem) problems.push(spaceProblem);
    if (problems.length) throw stopReading();
    manifest = m;
    fileCount = Object.keys(m.files).length;
    pagesByFile = expectedPages(m);
  };

  /** Write one listed page image, unless its first bytes already show it is not the page. */
  const readPage = (name: string, stream: EntryStream, done: (err?: unknown) => void) => {
    const page = pagesByFile.get(name);
    let head = Buffer.alloc(0);
    const onData = (data: unknown) => {
      head = Buffer.concat([head, data as Buffer]);
      if (head.length < PAGE_HEAD_BYTES) return;
      stream.removeListener('data', onData);
      stream.removeListener('end', onShortEnd);
      stream.pause();
      const problem = page ? pageHeadProblem(head, page) : null;
      if (problem) {
        problems.push(`${name}: ${problem}; not written`);
        refused.add(name);
        skipped += head.length;
        skip(stream, done);
        return;
      }
      const abs = join(staging, `f${files.size}`);
      const tap = hashingTap();
      // The bytes already read go first, then the rest of the entry.
      tap.stream.write(head);
      const written = pipeline(stream, tap.stream, createWriteStream(abs, { flags: 'wx' }));
      writes.push(written.catch(() => undefined));
      written.then(
        () => {
          files.set(name, { abs, ...tap.result() });
          done();
        },
        (err: unknown) => done(err),
      );
    };
    const onShortEnd = () => {
      problems.push(`${name}: ${head.length} bytes, too short to be a page image; not written`);
      refused.add(name);
      done();
    };
    stream.on('data', onData);
    stream.on('end', onShortEnd);
  };

  extract.on('entry', (header, stream, next) => {
    const name = header.name;
    const done = (err?: unknown) => {
      onProgress?.({ phase: 'reading', done: entries, total: fileCount + 1 });
      if (err) next(err as Error);
      else next();
    };
    entries++;
    if (entries === 1) {
      const notManifest = manifestEntryProblem(header);
      if (notManifest) {
        stopReading(notManifest);
        return;
      }
      readManifest(stream).then(() => done(), (err: unknown) => (err instanceof StopReading ? undefined : done(err)));
      return;
    }
    const problem = pageEntryProblem(header, manifest!, (n) => files.has(n) || refused.has(n));
    if (problem) {
      problems.push(`${name}: ${problem}; not written`);
      refused.add(name);
      // Every listed page once, and the manifest: anything beyond is not worth reading on.
      if (entries > fileCount + 1) {
        stopReading(`the archive holds more entries than the ${fileCount.toLocaleString('en-US')} page images ${BUNDLE_MANIFEST} lists`);
        return;
      }
      skip(stream, () => done());
      return;
    }
    readPage(name, stream, done);
  });

  try {
    await pipeline(createReadStream(path), createGunzip(), extract);
  } catch (err) {
    await Promise.all(writes);
    if (stop) return refuse(path, [...problems, ...((stop as StopReading).message ? [(stop as StopReading).message] : [])]);
    return refuse(path, [...problems, unreadableArchive((err as Error).message)]);
  }
  await Promise.all(writes);
  if (!manifest) return refuse(path, [...problems, `${BUNDLE_MANIFEST}: missing (it must be the first entry of the archive)`]);
  return { manifest, files, refused, problems };
}

/** What the manifest says a page image is, to check its first bytes against. */
type ExpectedPage = { pageNumber: number; width: number; height: number; ext: 'png' | 'jpg' | 'webp' };

function expectedPages(m: BundleManifest): Map<string, ExpectedPage> {
  return new Map(m.documents.flatMap((d) => d.pages.map((p) => [p.file, { pageNumber: p.pageNumber, width: p.width, height: p.height, ext: PAGE_FILE.exec(p.file)![3] as 'png' | 'jpg' | 'webp' }])));
}

/** Why the page images the manifest declares cannot be taken in (too much for a bundle, or for the free space), or null. */
async function declaredSizeProblem(m: BundleManifest, freeBytes: () => Promise<number>): Promise<string | null> {
  const declared = Object.values(m.files).reduce((n, f) => n + f.size, 0);
  if (declared > bundleLimits.maxTotalBytes) return `${BUNDLE_MANIFEST}: files: its page images add up to ${formatBytes(declared)}, over the ${formatBytes(bundleLimits.maxTotalBytes)} a bundle may hold`;
  // Unpacked (1×), copied as each page's full-size level (1×) beside its smaller levels and
  // tiles (JPEG, in practice under 1×), all held until the import ends; and a little for the database.
  const free = await freeBytes();
  const needed = 3 * declared + 64 * 1024 ** 2;
  return free < needed ? `${BUNDLE_MANIFEST}: files: its page images need ${formatBytes(needed)} free to import, but the disk of Folio's data folder has ${formatBytes(free)} free` : null;
}

/** Why the archive's first entry is not a manifest Folio reads, or null. */
function manifestEntryProblem(header: tar.Header): string | null {
  if (header.name !== BUNDLE_MANIFEST || header.type !== 'file') return `the first entry is ${header.name}, not ${BUNDLE_MANIFEST}: a bundle starts with its manifest`;
  if ((header.size ?? 0) > bundleLimits.maxManifestBytes) return `${BUNDLE_MANIFEST}: its tar header declares ${(header.size ?? 0).toLocaleString('en-US')} bytes, over the ${bundleLimits.maxManifestBytes / 1024 ** 2} MiB a manifest may be`;
  return null;
}

/** Why an entry after the manifest is not a page image to write (unlisted, seen before, of another size), or null. */
function pageEntryProblem(header: tar.Header, m: BundleManifest, seen: (name: string) => boolean): string | null {
  const name = header.name;
  const listed = Object.hasOwn(m.files, name) ? m.files[name]! : null;
  if (header.type !== 'file') return `is a ${header.type}, not a file; a bundle holds only files`;
  if (!listed) return PAGE_FILE.test(name) ? `in the archive but not listed in ${BUNDLE_MANIFEST} (files)` : `unexpected entry (a bundle holds ${BUNDLE_MANIFEST} and pages/<document id>/p<n>.<png|jpg|webp>)`;
  if (seen(name)) return 'appears twice in the archive';
  if (header.size !== listed.size) return `its tar header declares ${(header.size ?? 0).toLocaleString('en-US')} bytes, but ${BUNDLE_MANIFEST} says ${listed.size.toLocaleString('en-US')}`;
  return null;
}

/** The problem when the archive cannot be read to its end. */
function unreadableArchive(message: string): string {
  return /unexpected end of (file|data)/i.test(message) ? 'it ends in the middle (truncated: was it copied completely?)' : `not a readable Folio bundle (a gzipped tar): ${message}`;
}

function refuse(path: string, problems: string[]): never {
  const listed = problems.slice(0, MAX_LISTED_PROBLEMS).map((p) => `  - ${p}`);
  if (problems.length > MAX_LISTED_PROBLEMS) listed.push(`  - … and ${problems.length - MAX_LISTED_PROBLEMS} more`);
  throw new AppError('invalid_request', `The bundle ${basename(path)} was refused; nothing was written:\n${listed.join('\n')}`, { details: { problems: problems.slice(0, 1000) } });
}

/** Every check of the manifest alone, before any page is read. Returns the manifest, or the list of what is wrong. */
function checkManifest(bytes: Buffer): { manifest: BundleManifest | null; problems: string[] } {
  const problems: string[] = [];
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return { manifest: null, problems: [`${BUNDLE_MANIFEST}: not JSON (${(err as Error).message})`] };
  }
  const head = raw as { format?: unknown; formatVersion?: unknown; files?: unknown };
  if (!head || typeof head !== 'object' || head.format !== BUNDLE_FORMAT) {
    return { manifest: null, problems: [`${BUNDLE_MANIFEST}: format is ${JSON.stringify(head?.format)}, not "${BUNDLE_FORMAT}": this is not a Folio bundle`] };
  }
  if (head.formatVersion !== BUNDLE_FORMAT_VERSION) {
    const newer = typeof head.formatVersion === 'number' && head.formatVersion > BUNDLE_FORMAT_VERSION;
    return {
      manifest: null,
      problems: [`${BUNDLE_MANIFEST}: formatVersion is ${JSON.stringify(head.formatVersion)}; this Folio reads bundles of format version ${BUNDLE_FORMAT_VERSION}${newer ? ' (update Folio to import it)' : ''}`],
    };
  }
  // A key the schema would drop without a word (an object's own __proto__): named here instead.
  if (head.files && typeof head.files === 'object') {
    for (const key of Object.keys(head.files)) if (!PAGE_FILE.test(key)) problems.push(`${BUNDLE_MANIFEST}: files: ${JSON.stringify(key)} is not a page image path (pages/<document id>/p<n>.png|jpg|webp)`);
  }
  const parsed = bundleManifestSchema.safeParse(raw);
  if (!parsed.success) {
    return { manifest: null, problems: [...problems, ...parsed.error.issues.slice(0, 50).map((i) => `${BUNDLE_MANIFEST}: ${i.path.map(String).join('.') || '(manifest)'}: ${i.message}`)] };
  }
  const m = parsed.data;
  if (Object.keys(m.files).length > bundleLimits.maxFiles) {
    problems.push(`${BUNDLE_MANIFEST}: files: ${Object.keys(m.files).length.toLocaleString('en-US')} page images, over the ${bundleLimits.maxFiles.toLocaleString('en-US')} a bundle may hold`);
  }

  // References: documents ↔ pages ↔ files, versions ↔ documents ↔ annotators, boxes ↔ pages, evidence ↔ boxes.
  const pagesOf = new Map<string, Set<number>>();
  m.documents.forEach((d, i) => {
    if (pagesOf.has(d.id)) problems.push(`${BUNDLE_MANIFEST}: documents.${i}.id: document ${d.id} is listed twice`);
    const numbers = d.pages.map((p) => p.pageNumber).sort((a, b) => a - b);
    if (numbers.some((n, k) => n !== k + 1)) problems.push(`${BUNDLE_MANIFEST}: documents.${i}.pages: pages must be numbered 1…n, got ${numbers.join(', ')}`);
    d.pages.forEach((p, k) => {
      const match = PAGE_FILE.exec(p.file);
      if (!match || match[1] !== d.id || Number(match[2]) !== p.pageNumber) problems.push(`${BUNDLE_MANIFEST}: documents.${i}.pages.${k}.file: ${p.file} is not page ${p.pageNumber} of ${d.id}`);
      if (!Object.hasOwn(m.files, p.file)) problems.push(`${BUNDLE_MANIFEST}: documents.${i}.pages.${k}.file: ${p.file} is not listed in files`);
      try {
        checkReceivedPageSize(p);
      } catch (err) {
        problems.push(`${BUNDLE_MANIFEST}: documents.${i}.pages.${k}: ${(err as Error).message}`);
      }
    });
    pagesOf.set(d.id, new Set(numbers));
  });
  const paged = new Set(m.documents.flatMap((d) => d.pages.map((p) => p.file)));
  for (const file of Object.keys(m.files)) if (!paged.has(file)) problems.push(`${BUNDLE_MANIFEST}: files: ${file} is the page of no document`);
  const annotators = new Set(m.annotators.map((a) => a.id));
  const ids = new Set<string>();
  const keys = new Set<string>();
  m.versions.forEach((v, i) => {
    const at = `${BUNDLE_MANIFEST}: versions.${i}`;
    if (ids.has(v.annotationId)) problems.push(`${at}.annotationId: ${v.annotationId} appears twice`);
    ids.add(v.annotationId);
    const key = `${v.documentId} ${v.annotatorId} ${v.kind} ${v.version}`;
    if (keys.has(key)) problems.push(`${at}: a second ${v.kind} version ${v.version} of document ${v.documentId} by ${v.annotatorId}`);
    keys.add(key);
    const pages = pagesOf.get(v.documentId);
    if (!pages) problems.push(`${at}.documentId: document ${v.documentId} is not in documents`);
    if (!annotators.has(v.annotatorId)) problems.push(`${at}.annotatorId: annotator ${v.annotatorId} is not in annotators`);
    for (const p of receivedContentProblems(v)) problems.push(`${at}: ${describeVersion(v)}: ${p}`);
    const boxIds = new Set<string>();
    v.boxes.forEach((b, k) => {
      if (boxIds.has(b.id)) problems.push(`${at}.boxes.${k}.id: box ${b.id} appears twice`);
      boxIds.add(b.id);
      if (pages && !pages.has(b.page)) problems.push(`${at}.boxes.${k}.page: document ${v.documentId} has no page ${b.page}`);
    });
    v.qa.forEach((q, k) =>
      q.evidenceBoxIds.forEach((boxId, e) => {
        if (!boxIds.has(boxId)) problems.push(`${at}.qa.${k}.evidenceBoxIds.${e}: box ${boxId} is not a box of this version`);
      }),
    );
  });
  return { manifest: problems.length ? null : m, problems };
}

/** The pages as read against what the manifest lists: each one there, with its hash and size. */
function checkFiles(received: Received): string[] {
  const problems = [...received.problems];
  for (const [file, want] of Object.entries(received.manifest.files)) {
    const got = received.files.get(file);
    if (!got) {
      if (!received.refused.has(file)) problems.push(`${file}: listed in ${BUNDLE_MANIFEST} (files) but not in the archive`);
    } else if (got.sha256 !== want.sha256) problems.push(`${file}: SHA-256 is ${got.sha256}, but ${BUNDLE_MANIFEST} says ${want.sha256} (damaged or altered)`);
    else if (got.size !== want.size) problems.push(`${file}: ${got.size} bytes, but ${BUNDLE_MANIFEST} says ${want.size}`);
  }
  return problems;
}

/** The project a bundle belongs to here: the same id, else the same name, else none yet. */
function findProject(db: Db, projects: ProjectsRepo, p: BundleManifest['project']): { id: string; name: string } | null {
  const byId = db.prepare('SELECT id, name FROM projects WHERE id = ?').get(p.id) as { id: string; name: string } | undefined;
  if (byId) return byId;
  const byName = projects.findByName(p.name);
  return byName ? { id: byName.id, name: byName.name } : null;
}

export async function importBundle(deps: BundleDeps, req: { path: string }, onProgress?: (p: BundleProgress) => void): Promise<BundleImportSummary> {
  const { db, projects, documents, media } = deps;
  const path = resolve(req.path);
  if (!existsSync(path) || !(await stat(path)).isFile()) throw new AppError('not_found', `path: ${path} is not a file`);
  const staging = await media.createStaging();
  const prepared = new Map<string, PreparedDocument>();
  try {
    const received = await readArchive(path, staging, async () => {
      const fs = await statfs(staging);
      return fs.bavail * fs.bsize;
    }, onProgress);
    const m = received.manifest;
    const problems = checkFiles(received);
    if (problems.length) refuse(path, problems);

    // The pyramids of the documents this machine lacks, in staging first: a page that does not
    // decode to the end refuses the bundle before its project, documents or versions are written.
    const lacking = m.documents.filter((d) => !documents.exists(d.id));
    let n = 0;
    for (const d of lacking) {
      onProgress?.({ phase: 'checking', done: ++n, total: lacking.length });
      try {
        const pages = d.pages.map((p) => ({ pageNumber: p.pageNumber, width: p.width, height: p.height, bytes: { file: received.files.get(p.file)!.abs }, file: p.file }));
        prepared.set(d.id, await prepareDocument(media, { id: d.id, kind: d.kind, sourceName: d.sourceName, sourcePath: receivedSourcePath('bundle:', basename(path)), byteSize: d.byteSize, pages }));
      } catch (err) {
        if (!(err instanceof ReceivedFileError)) throw err;
        problems.push(err.message);
      }
    }
    if (problems.length) refuse(path, problems);

    // Everything checked: write.
    const now = () => isoNow(deps.clock);
    let project = findProject(db, projects, m.project);
    const projectCreated = !project;
    if (!project) {
      projects.createReceived(m.project, now());
      project = { id: m.project.id, name: m.project.name.trim() };
    }
    let documentsCreated = 0;
    let done = 0;
    const total = m.documents.length + m.versions.length;
    for (const d of m.documents) {
      const ready = prepared.get(d.id);
      if (ready) {
        prepared.delete(d.id);
        if (await commitDocument(media, documents, project.id, ready, now)) documentsCreated++;
      } else if (!documents.inProject(project.id, d.id)) documents.addToProject(project.id, { id: d.id }, now());
      // The bundle's word on what a document is counts as an import's: an annotator's choice here stays.
      if (d.docType) documents.setTypesFromImport(project.id, [{ documentId: d.id, docType: d.docType }]);
      onProgress?.({ phase: 'writing', done: ++done, total });
    }
    const names = new Map(m.annotators.map((a) => [a.id, a.name]));
    const conflicts: ExchangeConflict[] = [];
    let imported = 0;
    let skipped = 0;
    // Older versions first, so a version's parent is there when it arrives.
    for (const v of [...m.versions].sort((a, b) => a.version - b.version)) {
      const incoming: IncomingVersion = { ...v, annotatorName: names.get(v.annotatorId) ?? v.annotatorId };
      const outcome = applyVersion(db, project.id, incoming, now(), 'bundle');
      if (outcome.kind === 'imported') imported++;
      else if (outcome.kind === 'skipped') skipped++;
      else conflicts.push(outcome.conflict);
      onProgress?.({ phase: 'writing', done: ++done, total });
    }
    return { path, projectId: project.id, projectName: project.name, projectCreated, documentsCreated, versionsSeen: m.versions.length, imported, skipped, conflicts };
  } catch (err) {
    if (err instanceof ReceivedFileError) throw new AppError('invalid_request', `The bundle ${basename(path)} was refused: ${err.message}`);
    throw err;
  } finally {
    for (const p of prepared.values()) await media.discardStaging(p.staging);
    await media.discardStaging(staging);
  }
}
