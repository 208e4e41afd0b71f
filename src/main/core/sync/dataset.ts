import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { BoxContent, PyramidLevel } from '../../../shared/domain/model';
import type { Db } from '../db/open';
import { cachedStatement } from '../db/statementCache';
import { readOrNull, statOrNull } from './files';
import type { BatchItem, ImageHashRow } from './store';
import { b64md5, pythonJson } from '../wandb/manifest';
import { yieldToLoop } from '../util/yieldToLoop';

/**
 * The dataset layout of one batch (docs/WANDB_PROTOCOL.md §6): one W&B Table partition
 * `parts/<batch>.table.json` with a row per page of each annotation version — the page image
 * (content-addressed under media/images/, boxes with class ids from the project's label set and
 * their transcriptions as captions), document, annotator, version, QA pairs with their evidence
 * boxes, verified time — plus the project's classes file and the root
 * `dataset.partitioned-table.json` that never changes.
 *
 * The columns after `verified_at` are what another Folio needs to read a version back exactly
 * (src/main/core/exchange/pull.ts): the project's id, the document's kind, size and page count
 * (to recreate it), the page's boxes with their ids (the image cell's boxes carry no ids, and
 * their caption is the transcription or the label), and a gold version's lineage.
 */

export const PARTITIONED_TABLE_PATH = 'dataset.partitioned-table.json';
export const PARTS_DIR = 'parts';
export const partitionPath = (batchId: string): string => `${PARTS_DIR}/${batchId}.table.json`;

export const TABLE_COLUMNS = [
  'row_id',
  'project',
  'document_id',
  'document_name',
  'page',
  'image',
  'annotation_id',
  'annotation_version',
  'annotation_kind',
  'annotator',
  'annotator_id',
  'box_count',
  'qa',
  'qa_count',
  'verified_at',
  'project_id',
  'document_kind',
  'document_bytes',
  'page_count',
  'boxes',
  'lineage',
] as const;

/** One entry of the `boxes` column (JSON): a box of this page, in original image pixels. */
export interface DatasetBox extends BoxContent {
  id: string;
}

/** The `lineage` column (JSON) of a gold version: gold_lineage's row as it is stored. */
export interface DatasetLineage {
  resolved_by: string;
  resolved_at: string;
  sources: unknown;
  items: unknown;
}

export interface ArtifactFile {
  path: string;
  digest: string;
  size: number;
  /** Where the bytes come from when they must be uploaded. */
  /** A file's size and mtime when it was hashed: the upload checks them instead of hashing the bytes again. */
  source: { kind: 'file'; absPath: string; mtimeMs: number } | { kind: 'bytes'; bytes: Buffer };
}

export interface BuiltBatch {
  /** Files this batch needs in the version (images, classes, partition, root table). */
  files: Map<string, ArtifactFile>;
  partition: string;
  rows: number;
  documents: number;
  poison: { outboxId: string; reason: string }[];
  /** Bytes of the partition file. */
  tableBytes: number;
  /** Page-image hashes computed for this batch, for the cache (the caller saves them: SyncWriter.saveImageHashes). */
  newHashes: ImageHashRow[];
}

interface PageRow {
  id: string;
  page_number: number;
  width: number;
  height: number;
  levels: string;
}

interface ImageInfo {
  path: string;
  absPath: string;
  mtimeMs: number;
  md5: string;
  sha256: string;
  size: number;
  format: string;
}


/** Hash a page image once (cached by media path, size and mtime): base64 MD5 and hex SHA-256. */
async function imageInfo(db: Db, dataDir: string, mediaPath: string, newHashes: ImageHashRow[]): Promise<ImageInfo | { missing: string }> {
  const absPath = join(dataDir, 'media', ...mediaPath.split('/'));
  const st = statOrNull(absPath);
  if (!st || !st.isFile()) return { missing: absPath };
  const ext = (mediaPath.split('.').pop() ?? '').toLowerCase();
  const format = ext === 'jpeg' ? 'jpg' : ext;
  const cached = cachedStatement(db, 'SELECT size, mtime_ms, md5, sha256 FROM sync_image_hashes WHERE media_path = ?').get(mediaPath) as
    | { size: number; mtime_ms: number; md5: string; sha256: string }
    | undefined;
  let md5: string;
  let sha256: string;
  if (cached && cached.size === st.size && cached.mtime_ms === st.mtimeMs) {
    ({ md5, sha256 } = cached);
  } else {
    const bytes = readOrNull(absPath);
    if (!bytes) return { missing: absPath };
    md5 = b64md5(bytes);
    sha256 = createHash('sha256').update(bytes).digest('hex');
    newHashes.push([mediaPath, bytes.length, st.mtimeMs, md5, sha256]);
  }
  const hex = Buffer.from(md5, 'base64').toString('hex');
  // Content-addressed like the SDK's temporary media: the first 20 hex digits of the MD5.
  return { path: `media/images/${hex.slice(0, 20)}.${format}`, absPath, mtimeMs: st.mtimeMs, md5, sha256, size: st.size, format };
}

/** The project's label set as W&B classes: id = position in the label set (labels no longer in it are appended). */
function classSet(db: Db, projectId: string): Map<string, number> {
  const labels = cachedStatement(db, 'SELECT name FROM labels WHERE project_id = ? ORDER BY position, name').all(projectId) as { name: string }[];
  return new Map(labels.map((l, i) => [l.name, i]));
}

const pixelBox = (b: { x: number; y: number; w: number; h: number }) => ({ minX: b.x, maxX: b.x + b.w, minY: b.y, maxY: b.y + b.h });

interface AnnotationRow {
  id: string;
  project_id: string;
  document_id: string;
  annotator_id: string;
  version: number;
  status: string;
  kind: string;
  verified_at: string | null;
}

interface BoxRow extends BoxContent {
  id: string;
  page_id: string;
}

interface DocumentRow {
  source_name: string;
  kind: string;
  byte_size: number;
  page_count: number;
}

/** One partition row before serialising: its image cell's `classes` is filled once the class set is final. */
interface TableRow {
  cells: unknown[];
  classIds: Set<number>;
}

/** A version that can go into the batch: its pages, each with its hashed full-size image. */
interface ReadableVersion {
  annotation: AnnotationRow;
  pages: PageRow[];
  images: ImageInfo[];
}

type VersionQueries = ReturnType<typeof versionQueries>;

function versionQueries(db: Db) {
  return {
    annotation: cachedStatement(db, 'SELECT id, project_id, document_id, annotator_id, version, status, kind, verified_at FROM annotations WHERE id = ?'),
    annotator: cachedStatement(db, 'SELECT name FROM annotators WHERE id = ?'),
    document: cachedStatement(db, 'SELECT source_name, kind, byte_size, page_count FROM documents WHERE id = ?'),
    lineage: cachedStatement(db, 'SELECT resolved_by, resolved_at, sources, items FROM gold_lineage WHERE annotation_id = ?'),
    pages: cachedStatement(db, 'SELECT id, page_number, width, height, levels FROM pages WHERE document_id = ? ORDER BY page_number'),
    boxes: cachedStatement(db, 'SELECT id, page_id, label, x, y, w, h, transcription FROM boxes WHERE annotation_id = ? ORDER BY position'),
    qa: cachedStatement(db, 'SELECT id, question, answer, unanswerable, source FROM qa_pairs WHERE annotation_id = ? ORDER BY position'),
    evidence: cachedStatement(db, 'SELECT qa_id, box_id FROM qa_evidence WHERE annotation_id = ? ORDER BY qa_id, position'),
  };
}

/**
 * The item's version with its pages and images, or why it is poison: no longer a verified version,
 * no pages, or a page without its full-size image. Hashes learnt on the way go to `newHashes`.
 */
async function readVersion(db: Db, dataDir: string, q: VersionQueries, item: BatchItem, newHashes: ImageHashRow[]): Promise<ReadableVersion | { poison: string }> {
  const p = item.payload;
  const a = q.annotation.get(p.annotationId) as AnnotationRow | undefined;
  if (!a || a.status !== 'verified' || a.version !== p.version) {
    return { poison: `annotation ${p.annotationId} version ${p.version} is no longer in the database as a verified version; discard this item` };
  }
  const pages = q.pages.all(a.document_id) as PageRow[];
  if (!pages.length) return { poison: `document ${a.document_id} has no pages in the database; re-import it, then retry this item` };
  const images: ImageInfo[] = [];
  for (const page of pages) {
    const level0 = (JSON.parse(page.levels) as PyramidLevel[]).find((l) => l.level === 0);
    if (!level0) return { poison: `page ${page.page_number} of document ${a.document_id} has no full-size image recorded` };
    const info = await imageInfo(db, dataDir, level0.path, newHashes);
    if ('missing' in info) {
      return { poison: `the image of page ${page.page_number} of document ${a.document_id} is missing (${info.missing}); re-import the document, then retry this item` };
    }
    images.push(info);
  }
  return { annotation: a, pages, images };
}

/** The `lineage` column of a gold version; null for any other version. */
function lineageCell(q: VersionQueries, a: AnnotationRow): string | null {
  const row = a.kind === 'gold' ? (q.lineage.get(a.id) as { resolved_by: string; resolved_at: string; sources: string; items: string } | undefined) : undefined;
  if (!row) return null;
  const lineage: DatasetLineage = { resolved_by: row.resolved_by, resolved_at: row.resolved_at, sources: JSON.parse(row.sources) as unknown, items: JSON.parse(row.items) as unknown };
  return pythonJson(lineage, { sortKeys: true });
}

/** The version's QA pairs with their evidence boxes (page number, label, text, pixel position). */
function qaPairs(q: VersionQueries, a: AnnotationRow, pages: PageRow[], boxes: BoxRow[]) {
  const boxById = new Map(boxes.map((b) => [b.id, b]));
  const pageNumber = new Map(pages.map((pg) => [pg.id, pg.page_number]));
  const evidence = new Map<string, string[]>();
  for (const e of q.evidence.all(a.id) as { qa_id: string; box_id: string }[]) evidence.set(e.qa_id, [...(evidence.get(e.qa_id) ?? []), e.box_id]);
  return (q.qa.all(a.id) as { id: string; question: string; answer: string; unanswerable: number; source: string }[]).map((pair) => ({
    id: pair.id,
    question: pair.question,
    answer: pair.unanswerable ? null : pair.answer,
    unanswerable: pair.unanswerable === 1,
    source: pair.source,
    evidence: (evidence.get(pair.id) ?? []).map((boxId) => {
      const b = boxById.get(boxId);
      return b
        ? { box_id: boxId, page: pageNumber.get(b.page_id) ?? null, label: b.label, text: b.transcription, domain: 'pixel', position: pixelBox(b) }
        : { box_id: boxId, page: null, label: null, text: null, domain: 'pixel', position: null };
    }),
  }));
}

/**
 * The partition rows of one version, one per page, in TABLE_COLUMNS order. `classId` assigns
 * class ids to labels as boxes are met, so rows must be built in batch order.
 */
function versionRows(q: VersionQueries, version: ReadableVersion, projectName: string, classId: (label: string | null) => number): TableRow[] {
  const { annotation: a, pages, images } = version;
  const annotator = (q.annotator.get(a.annotator_id) as { name: string } | undefined)?.name ?? a.annotator_id;
  const doc = q.document.get(a.document_id) as DocumentRow | undefined;
  const sourceName = doc?.source_name ?? a.document_id;
  const lineageJson = lineageCell(q, a);
  const boxes = q.boxes.all(a.id) as BoxRow[];
  const qa = qaPairs(q, a, pages, boxes);
  const qaJson = pythonJson(qa, { sortKeys: true });

  return pages.map((page, i) => {
    const img = images[i]!;
    const pageBoxes = boxes.filter((b) => b.page_id === page.id);
    const ids = new Set<number>();
    const boxData = pageBoxes.map((b) => {
      const id = classId(b.label);
      ids.add(id);
      return { position: pixelBox(b), domain: 'pixel', class_id: id, box_caption: b.transcription || (b.label ?? '') };
    });
    const cell = {
      _type: 'image-file',
      format: img.format,
      path: img.path,
      sha256: img.sha256,
      width: page.width,
      height: page.height,
      caption: `${sourceName} p${page.page_number}`,
      boxes: { ground_truth: boxData },
      classes: null as unknown, // filled once the class set is final
    };
    return {
      classIds: ids,
      cells: [
        `${a.id}:${a.version}:${page.page_number}`,
        projectName,
        a.document_id,
        sourceName,
        page.page_number,
        cell,
        a.id,
        a.version,
        a.kind,
        annotator,
        a.annotator_id,
        pageBoxes.length,
        qaJson,
        qa.length,
        a.verified_at,
        a.project_id,
        doc?.kind ?? null,
        doc?.byte_size ?? null,
        doc?.page_count ?? pages.length,
        pythonJson(
          pageBoxes.map((b): DatasetBox => ({ id: b.id, label: b.label, x: b.x, y: b.y, w: b.w, h: b.h, transcription: b.transcription })),
          { sortKeys: true },
        ),
        lineageJson,
      ],
    };
  });
}

/** The classes file: the project's label set (plus any label found on a box that is no longer in it), content-addressed. */
function classesFile(classes: Map<string, number>): { path: string; digest: string; bytes: Buffer } {
  const bytes = Buffer.from(pythonJson({ _type: 'classes', class_set: [...classes].map(([name, id]) => ({ id, name })) }, { sortKeys: true }), 'utf8');
  return { path: `media/classes/${createHash('md5').update(bytes).digest('hex')}_cls.classes.json`, digest: b64md5(bytes), bytes };
}

/** The table's `column_types`: every column nullable; the image column carries the box layers and class map. */
function tableColumnTypes(classes: Map<string, number>, usedIds: Set<number>) {
  const classMap = Object.fromEntries([...classes].map(([name, id]) => [String(id), name]));
  const unionNone = (t: Record<string, unknown>) => ({ wb_type: 'union', params: { allowed_types: [{ wb_type: 'none' }, t] } });
  return {
    wb_type: 'typedDict',
    params: {
      type_map: {
        row_id: unionNone({ wb_type: 'string' }),
        project: unionNone({ wb_type: 'string' }),
        document_id: unionNone({ wb_type: 'string' }),
        document_name: unionNone({ wb_type: 'string' }),
        page: unionNone({ wb_type: 'number' }),
        image: {
          wb_type: 'union',
          params: {
            allowed_types: [
              {
                wb_type: 'image-file',
                params: {
                  box_layers: { wb_type: 'const', params: { val: { ground_truth: [...usedIds].sort((x, y) => x - y) }, is_set: false } },
                  box_score_keys: { wb_type: 'const', params: { val: [], is_set: true } },
                  mask_layers: { wb_type: 'const', params: { val: {}, is_set: false } },
                  box_class_maps: { wb_type: 'const', params: { val: { ground_truth: classMap }, is_set: false } },
                  mask_class_maps: { wb_type: 'const', params: { val: {}, is_set: false } },
                  class_map: { wb_type: 'const', params: { val: classMap, is_set: false } },
                },
              },
              { wb_type: 'none' },
            ],
          },
        },
        annotation_id: unionNone({ wb_type: 'string' }),
        annotation_version: unionNone({ wb_type: 'number' }),
        annotation_kind: unionNone({ wb_type: 'string' }),
        annotator: unionNone({ wb_type: 'string' }),
        annotator_id: unionNone({ wb_type: 'string' }),
        box_count: unionNone({ wb_type: 'number' }),
        qa: unionNone({ wb_type: 'string' }),
        qa_count: unionNone({ wb_type: 'number' }),
        verified_at: unionNone({ wb_type: 'string' }),
        project_id: unionNone({ wb_type: 'string' }),
        document_kind: unionNone({ wb_type: 'string' }),
        document_bytes: unionNone({ wb_type: 'number' }),
        page_count: unionNone({ wb_type: 'number' }),
        boxes: unionNone({ wb_type: 'string' }),
        lineage: unionNone({ wb_type: 'string' }),
      },
    },
  };
}

/** The partition file's bytes: the rows (each image cell pointing at the classes file) in a W&B Table. */
async function serialisePartition(rows: TableRow[], classes: Map<string, number>, classRef: { type: string; path: string; digest: string }, yieldEvery: number): Promise<Buffer> {
  const parts: string[] = [];
  const usedIds = new Set<number>();
  for (const [n, row] of rows.entries()) {
    if (n > 0 && n % (yieldEvery * 5) === 0) await yieldToLoop();
    (row.cells[5] as { classes: unknown }).classes = classRef;
    for (const id of row.classIds) usedIds.add(id);
    parts.push(pythonJson(row.cells, { sortKeys: true }));
  }
  // Keys in sorted order, as json.dump(sort_keys=True) writes them; `data` is spliced in as text.
  const head = pythonJson({ _type: 'table', column_types: tableColumnTypes(classes, usedIds), columns: [...TABLE_COLUMNS] }, { sortKeys: true });
  const tail = pythonJson({ log_mode: 'IMMUTABLE', ncols: TABLE_COLUMNS.length, nrows: parts.length }, { sortKeys: true });
  return Buffer.from(`${head.slice(0, -1)}, "data": [${parts.join(', ')}], ${tail.slice(1)}`, 'utf8');
}

const bytesFile = (path: string, bytes: Buffer): ArtifactFile => ({ path, digest: b64md5(bytes), size: bytes.length, source: { kind: 'bytes', bytes } });

export async function buildBatch(db: Db, dataDir: string, batchId: string, items: BatchItem[], opts: { signal?: AbortSignal; yieldEvery?: number } = {}): Promise<BuiltBatch> {
  const yieldEvery = opts.yieldEvery ?? 2;
  const files = new Map<string, ArtifactFile>();
  const poison: BuiltBatch['poison'] = [];
  const projectId = items[0]?.payload.projectId;
  const project = projectId ? (cachedStatement(db, 'SELECT name FROM projects WHERE id = ?').get(projectId) as { name: string } | undefined) : undefined;
  const classes = projectId ? classSet(db, projectId) : new Map<string, number>();
  const classId = (label: string | null): number => {
    const name = label ?? '(unlabelled)';
    let id = classes.get(name);
    if (id === undefined) classes.set(name, (id = classes.size));
    return id;
  };
  const q = versionQueries(db);
  // Hashes learnt in this batch, saved in one transaction after the build (not one per image).
  const newHashes: ImageHashRow[] = [];
  const rows: TableRow[] = [];
  let documents = 0;

  for (const [n, item] of items.entries()) {
    if (opts.signal?.aborted) throw new Error('stopped');
    if (n > 0 && n % yieldEvery === 0) await yieldToLoop();
    const version = await readVersion(db, dataDir, q, item, newHashes);
    if ('poison' in version) {
      poison.push({ outboxId: item.outboxId, reason: version.poison });
      continue;
    }
    documents++;
    for (const img of version.images) {
      if (!files.has(img.path)) files.set(img.path, { path: img.path, digest: img.md5, size: img.size, source: { kind: 'file', absPath: img.absPath, mtimeMs: img.mtimeMs } });
    }
    rows.push(...versionRows(q, version, project?.name ?? item.payload.projectId, classId));
  }

  const classFile = classesFile(classes);
  const tableBytes = await serialisePartition(rows, classes, { type: 'classes-file', path: classFile.path, digest: classFile.digest }, yieldEvery);
  await yieldToLoop();

  const partition = partitionPath(batchId);
  if (rows.length) {
    files.set(classFile.path, bytesFile(classFile.path, classFile.bytes));
    files.set(partition, bytesFile(partition, tableBytes));
    files.set(PARTITIONED_TABLE_PATH, bytesFile(PARTITIONED_TABLE_PATH, Buffer.from(pythonJson({ _type: 'partitioned-table', parts_path: PARTS_DIR }, { sortKeys: true }), 'utf8')));
  }
  return { files, partition, rows: rows.length, documents, poison, tableBytes: tableBytes.length, newHashes };
}
