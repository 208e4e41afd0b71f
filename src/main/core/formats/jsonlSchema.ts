import { z } from 'zod';

/**
 * One line of a Folio JSONL export: one document's chosen annotation version with everything in
 * it. This zod schema is the single source: the importer parses lines with it, and
 * docs/formats/folio-jsonl.schema.json is generated from it (`npx tsx scripts/write-format-schemas.ts`;
 * a test fails when the committed file differs).
 */

export const FOLIO_JSONL_FORMAT = 'folio.annotations';
export const FOLIO_JSONL_VERSION = 1;

const isoTime = z.string().describe('ISO 8601 time, UTC');

export const jsonlBoxSchema = z
  .object({
    id: z.string().min(1).max(64).describe('Stable across versions of the annotation; QA evidence refers to it'),
    page: z.number().int().positive().describe('1-based page number within the document'),
    label: z.string().nullable().describe("A name from the project's label set"),
    x: z.number().describe('Left edge in original image pixels (0 = the left edge of the image)'),
    y: z.number().describe('Top edge in original image pixels (0 = the top edge of the image)'),
    w: z.number().nonnegative().describe('Width in pixels'),
    h: z.number().nonnegative().describe('Height in pixels'),
    transcription: z.string().describe('The text inside the box (empty for marks such as signatures)'),
    originPredictionId: z.string().nullable().describe('The model prediction this box was accepted from, if any'),
  })
  .strict();

export const jsonlQaSchema = z
  .object({
    id: z.string().min(1).max(64),
    question: z.string(),
    answer: z.string().describe('Empty when unanswerable'),
    unanswerable: z.boolean().describe('The document does not answer the question'),
    source: z.enum(['template', 'model', 'annotator']).describe('Where the question came from'),
    templateId: z.string().nullable().describe("The project's question template, for template questions"),
    evidence: z.array(z.string()).describe('Ids of the boxes (in `boxes`) that hold the answer, in reading order'),
  })
  .strict();

const versionRef = z
  .object({
    annotationId: z.string(),
    version: z.number().int().positive(),
    kind: z.enum(['annotation', 'gold']),
    status: z.enum(['draft', 'verified']),
    annotatorId: z.string(),
    createdAt: isoTime,
    verifiedAt: isoTime.nullable(),
  })
  .strict();

export const jsonlLineSchema = z
  .object({
    format: z.literal(FOLIO_JSONL_FORMAT),
    formatVersion: z.literal(FOLIO_JSONL_VERSION),
    project: z.object({ id: z.string(), name: z.string() }).strict(),
    document: z
      .object({
        id: z.string().describe("sha256 of the imported file's bytes"),
        sourceName: z.string(),
        sourcePath: z.string().nullable(),
        kind: z.enum(['image', 'pdf', 'tiff']),
        pageCount: z.number().int().positive(),
        byteSize: z.number().int().nonnegative(),
      })
      .strict(),
    pages: z
      .array(
        z
          .object({
            page: z.number().int().positive(),
            width: z.number().int().positive().describe('Pixels of the full-resolution page image'),
            height: z.number().int().positive(),
            image: z.string().describe('The page image: relative to the export folder when copied, an absolute path when referenced'),
          })
          .strict(),
      )
      .min(1),
    annotation: z
      .object({
        id: z.string(),
        kind: z.enum(['annotation', 'gold']).describe('annotation: an annotator’s version; gold: a resolved gold version'),
        status: z.literal('verified'),
        version: z.number().int().positive(),
        annotator: z.object({ id: z.string(), name: z.string() }).strict(),
        createdAt: isoTime,
        verifiedAt: isoTime,
        parentId: z.string().nullable().describe('The version this one was edited from'),
      })
      .strict(),
    lineage: z.array(versionRef).describe('The versions this one descends from, parent first'),
    boxes: z.array(jsonlBoxSchema),
    qa: z.array(jsonlQaSchema),
  })
  .strict()
  .describe('One document of a Folio export: its chosen verified (or gold) annotation version with boxes, transcriptions, QA pairs with evidence, annotator, version and lineage. Coordinates are original image pixels.');

export type JsonlLine = z.infer<typeof jsonlLineSchema>;

/** The JSON Schema (draft 2020-12) committed as docs/formats/folio-jsonl.schema.json. */
export function jsonlJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(jsonlLineSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
  return { $schema: schema.$schema, $id: 'https://folio.local/schemas/folio-jsonl.schema.json', title: 'Folio JSONL export line', ...schema };
}
