import { z } from 'zod';
import { docTypes, docTypeSchema } from '../../../shared/domain/model';
import { importLimits } from '../media/limits';

/**
 * A Folio bundle: one gzipped tar that carries a project's work between machines without W&B.
 *
 *   folio-bundle.json            the manifest below (always the first entry)
 *   pages/<documentId>/p<n>.<ext> every page image at full size (level 0), PNG, JPEG or WebP
 *
 * The manifest lists every other entry with its SHA-256 and size, so a bundle damaged in transit
 * or edited by hand is refused before anything is written. Bump BUNDLE_FORMAT_VERSION for any
 * change an older Folio could misread.
 */

export const BUNDLE_MANIFEST = 'folio-bundle.json';
export const BUNDLE_FORMAT = 'folio-bundle';
export const BUNDLE_FORMAT_VERSION = 1;
export const PAGE_FILE = /^pages\/([0-9A-Za-z_-]+)\/p([1-9]\d*)\.(png|jpg|webp)$/;

/**
 * What one bundle may hold; an archive over any of them is refused while it is read, before its
 * bytes reach the disk. Sized from a large real project: 100,000 one-page documents with 50,000
 * boxes and 10,000 QA pairs in 5,000 versions make a 73 MB manifest, so 128 MiB leaves room for
 * longer transcriptions without letting one JSON string approach what V8 can hold.
 */
export const bundleLimits = {
  maxManifestBytes: 128 * 1024 ** 2,
  maxDocuments: 200_000,
  /** Page images (entries besides the manifest): two pages per document of the largest project. */
  maxFiles: 400_000,
  maxVersions: 1_000_000,
  /** One page image: what an import takes as one file. */
  maxFileBytes: importLimits.maxFileBytes,
  /** All page images together (their declared sizes); the disk must also have three times this free. */
  maxTotalBytes: 256 * 1024 ** 3,
} as const;

const id = z.string().min(1).max(200);
const finite = z.number().refine(Number.isFinite, 'must be a finite number');

export const bundleBoxSchema = z
  .object({
    id,
    page: z.number().int().positive(),
    label: z.string().nullable(),
    x: finite,
    y: finite,
    w: finite.refine((n) => n >= 0, 'must be ≥ 0'),
    h: finite.refine((n) => n >= 0, 'must be ≥ 0'),
    transcription: z.string(),
  })
  .strict();

export const bundleQaSchema = z
  .object({
    id,
    question: z.string(),
    answer: z.string(),
    unanswerable: z.boolean(),
    source: z.enum(['template', 'model', 'annotator']),
    templateId: z.string().nullable(),
    evidenceBoxIds: z.array(id),
  })
  .strict();

export const bundleVersionSchema = z
  .object({
    annotationId: id,
    documentId: id,
    annotatorId: id,
    kind: z.enum(['annotation', 'gold']),
    version: z.number().int().positive(),
    parentId: z.string().nullable(),
    verifiedAt: z.string().min(1),
    boxes: z.array(bundleBoxSchema),
    qa: z.array(bundleQaSchema),
    lineage: z.object({ resolvedBy: id, resolvedAt: z.string().min(1), sources: z.unknown(), items: z.unknown() }).strict().nullable(),
  })
  .strict();

export const bundleManifestSchema = z
  .object({
    format: z.literal(BUNDLE_FORMAT),
    formatVersion: z.literal(BUNDLE_FORMAT_VERSION),
    createdAt: z.string(),
    folioVersion: z.string(),
    project: z
      .object({
        id,
        name: z.string().trim().min(1).max(120),
        requiredAnnotators: z.number().int().min(1).max(20),
        labels: z.array(
          z
            .object({
              name: z.string().trim().min(1).max(64),
              color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a #rrggbb colour'),
              hotkey: z.enum(['1', '2', '3', '4', '5', '6', '7', '8', '9']).nullable(),
            })
            .strict(),
        ),
        questions: z.array(
          z
            .object({
              id,
              text: z.string().trim().min(1).max(500),
              required: z.boolean(),
              /** The document types it is asked on; empty or absent (bundles before types): every document. */
              kinds: z.array(docTypeSchema).max(docTypes.length).optional(),
            })
            .strict(),
        ),
      })
      .strict(),
    annotators: z.array(z.object({ id, name: z.string() }).strict()),
    documents: z
      .array(
      z
        .object({
          id: z.string().regex(/^[0-9A-Za-z_-]+$/, 'must be letters, digits, _ or -').max(200),
          kind: z.enum(['image', 'pdf', 'tiff']),
          /** What the document is in the project (absent in bundles before types; null: not known). */
          docType: docTypeSchema.nullable().optional(),
          sourceName: z.string(),
          byteSize: z.number().int().nonnegative(),
          pages: z
            .array(
              z
                .object({
                  pageNumber: z.number().int().positive(),
                  width: z.number().int().positive(),
                  height: z.number().int().positive(),
                  file: z.string().regex(PAGE_FILE, 'must be pages/<document id>/p<n>.png|jpg|webp'),
                })
                .strict(),
            )
            .min(1),
        })
        .strict(),
      )
      .max(bundleLimits.maxDocuments),
    versions: z.array(bundleVersionSchema).max(bundleLimits.maxVersions),
    files: z.record(
      z.string().regex(PAGE_FILE, 'must be pages/<document id>/p<n>.png|jpg|webp'),
      z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters'), size: z.number().int().nonnegative().max(bundleLimits.maxFileBytes) }).strict(),
    ),
  })
  .strict();

export type BundleManifest = z.infer<typeof bundleManifestSchema>;

/** The JSON Schema (draft 2020-12) of folio-bundle.json, committed as docs/formats/folio-bundle.schema.json. */
export function bundleManifestJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(bundleManifestSchema, { target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
  return { $schema: schema.$schema, $id: 'https://folio.local/schemas/folio-bundle.schema.json', title: 'folio-bundle.json: the manifest of a Folio bundle', ...schema };
}
