import { z } from 'zod';
import type { DocumentKind } from '../../../shared/domain/model';
import { TABLE_COLUMNS } from '../sync';
import type { IncomingVersion } from './apply';
import { ReceivedFileError } from './documents';

/**
 * Reading one W&B Table partition that Folio's sync wrote (src/main/core/sync/dataset.ts) back
 * into annotation versions: one row per page of each version, grouped by (annotation, version).
 * Every row is checked against the shape the sync writes; a row that does not fit is reported
 * with the partition, the row and the field, and its version is left out.
 */

/** The columns a pull needs; partitions from before they existed cannot be read back exactly. */
export const REQUIRED_COLUMNS = TABLE_COLUMNS.filter((c) => c !== 'row_id' && c !== 'box_count' && c !== 'qa_count');

const imageCell = z
  .object({
    _type: z.literal('image-file'),
    path: z.string().min(1),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex characters'),
    width: z.number().int().positive(),
    height: z.number().int().positive(),
  })
  .loose();

const rowSchema = z
  .object({
    project: z.string(),
    project_id: z.string().min(1),
    // Becomes a folder name under media/: a document id is a sha256 (plus a page suffix), never a path.
    document_id: z.string().regex(/^[0-9A-Za-z_-]{1,200}$/, 'must be letters, digits, _ or - (a document id)'),
    document_name: z.string(),
    page: z.number().int().positive(),
    image: imageCell,
    annotation_id: z.string().min(1),
    annotation_version: z.number().int().positive(),
    annotation_kind: z.enum(['annotation', 'gold']),
    annotator: z.string(),
    annotator_id: z.string().min(1),
    qa: z.string(),
    verified_at: z.string().min(1),
    document_kind: z.enum(['image', 'pdf', 'tiff']).nullable(),
    document_bytes: z.number().int().nonnegative().nullable(),
    page_count: z.number().int().positive(),
    boxes: z.string(),
    lineage: z.string().nullable(),
  })
  .loose();

const boxesSchema = z.array(
  z.object({
    id: z.string().min(1),
    label: z.string().nullable(),
    x: z.number(),
    y: z.number(),
    w: z.number().nonnegative(),
    h: z.number().nonnegative(),
    transcription: z.string(),
  }),
);

const qaSchema = z.array(
  z
    .object({
      id: z.string().min(1),
      question: z.string(),
      answer: z.string().nullable(),
      unanswerable: z.boolean(),
      source: z.enum(['template', 'model', 'annotator']),
      evidence: z.array(z.object({ box_id: z.string().min(1) }).loose()),
    })
    .loose(),
);

const lineageSchema = z.object({ resolved_by: z.string().min(1), resolved_at: z.string().min(1), sources: z.unknown(), items: z.unknown() });

export interface PageImageRef {
  pageNumber: number;
  path: string;
  sha256: string;
  width: number;
  height: number;
}

export interface TableVersion {
  version: IncomingVersion;
  documentName: string;
  documentKind: DocumentKind;
  documentBytes: number | null;
  pageCount: number;
  pages: PageImageRef[];
}

export interface ReadTable {
  versions: TableVersion[];
  problems: { file: string; message: string }[];
}

const issueText = (e: z.ZodError): string => e.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('; ');

function parseJsonField<T>(schema: z.ZodType<T>, text: string, field: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${field} is not JSON (${(err as Error).message})`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`${field}: ${issueText(parsed.error)}`);
  return parsed.data;
}

/** Parse a partition's bytes; rows of other projects (not this id, nor this name) are ignored. */
export function readPartition(file: string, bytes: Buffer, project: { id: string; name: string }): ReadTable {
  let table: unknown;
  try {
    table = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new ReceivedFileError(file, `is not JSON (${(err as Error).message})`);
  }
  const t = table as { _type?: unknown; columns?: unknown; data?: unknown };
  if (!t || typeof t !== 'object' || t._type !== 'table' || !Array.isArray(t.columns) || !Array.isArray(t.data)) {
    throw new ReceivedFileError(file, 'is not a W&B table (_type "table" with columns and data)');
  }
  const columns = t.columns as unknown[];
  const missing = REQUIRED_COLUMNS.filter((c) => !columns.includes(c));
  if (missing.length) throw new ReceivedFileError(file, `has no column ${missing.map((c) => `"${c}"`).join(', ')} (written by an older Folio?); its rows cannot be read back exactly and are not imported`);

  const problems: ReadTable['problems'] = [];
  const groups = new Map<string, { rows: z.infer<typeof rowSchema>[]; bad: boolean }>();
  (t.data as unknown[]).forEach((raw, i) => {
    if (!Array.isArray(raw) || raw.length !== columns.length) {
      problems.push({ file, message: `row ${i} does not have ${columns.length} cells` });
      return;
    }
    const obj: Record<string, unknown> = {};
    columns.forEach((c, k) => (obj[String(c)] = raw[k]));
    const mine = obj.project_id === project.id || (typeof obj.project === 'string' && obj.project.trim().toLowerCase() === project.name.trim().toLowerCase());
    if (!mine) return;
    const key = `${String(obj.annotation_id)}@${String(obj.annotation_version)}`;
    const group = groups.get(key) ?? { rows: [], bad: false };
    groups.set(key, group);
    const parsed = rowSchema.safeParse(obj);
    if (!parsed.success) {
      problems.push({ file, message: `row ${i} (annotation ${String(obj.annotation_id)} version ${String(obj.annotation_version)}): ${issueText(parsed.error)}` });
      group.bad = true;
      return;
    }
    group.rows.push(parsed.data);
  });

  const versions: TableVersion[] = [];
  for (const group of groups.values()) {
    if (group.bad || !group.rows.length) continue;
    const rows = [...group.rows].sort((a, b) => a.page - b.page);
    const first = rows[0]!;
    const where = `annotation ${first.annotation_id} version ${first.annotation_version}`;
    try {
      const pageNumbers = rows.map((r) => r.page);
      if (pageNumbers.some((n, i) => n !== i + 1) || pageNumbers.length !== first.page_count) {
        throw new Error(`has rows for pages ${pageNumbers.join(', ')} of a ${first.page_count}-page document`);
      }
      const boxes = rows.flatMap((r) => parseJsonField(boxesSchema, r.boxes, `boxes of page ${r.page}`).map((b) => ({ ...b, page: r.page })));
      const qa = parseJsonField(qaSchema, first.qa, 'qa');
      const lineage = first.lineage === null ? null : parseJsonField(lineageSchema, first.lineage, 'lineage');
      versions.push({
        version: {
          annotationId: first.annotation_id,
          documentId: first.document_id,
          annotatorId: first.annotator_id,
          annotatorName: first.annotator,
          kind: first.annotation_kind,
          version: first.annotation_version,
          verifiedAt: first.verified_at,
          parentId: null,
          boxes,
          qa: qa.map((q) => ({
            id: q.id,
            question: q.question,
            answer: q.answer ?? '',
            unanswerable: q.unanswerable,
            source: q.source,
            templateId: null,
            evidenceBoxIds: q.evidence.map((e) => e.box_id),
          })),
          lineage: lineage ? { resolvedBy: lineage.resolved_by, resolvedAt: lineage.resolved_at, sources: lineage.sources, items: lineage.items } : null,
        },
        documentName: first.document_name,
        documentKind: first.document_kind ?? 'image',
        documentBytes: first.document_bytes,
        pageCount: first.page_count,
        pages: rows.map((r) => ({ pageNumber: r.page, path: r.image.path, sha256: r.image.sha256, width: r.image.width, height: r.image.height })),
      });
    } catch (err) {
      problems.push({ file, message: `${where}: ${(err as Error).message}` });
    }
  }
  return { versions, problems };
}
