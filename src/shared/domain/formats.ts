import { z } from 'zod';
import { jobStateSchema } from './model';
import { referenceChoices } from './reference';

/**
 * Export and annotation-import jobs: the formats, what a request may ask for and what a
 * job reports while it runs and when it ends. The file layouts themselves are described in the
 * README's "Formats" section and docs/formats/.
 */

export const exportFormats = ['coco', 'labelstudio', 'voc', 'yolo', 'jsonl'] as const;
export const exportFormatSchema = z.enum(exportFormats);
export type ExportFormat = z.infer<typeof exportFormatSchema>;

export const importFormats = ['labelstudio', 'coco', 'jsonl', 'voc', 'yolo'] as const;
export const importFormatSchema = z.enum(importFormats);
export type ImportFormat = z.infer<typeof importFormatSchema>;

export const exportRequestSchema = z
  .object({
    projectId: z.string().min(1),
    format: exportFormatSchema,
    /** A folder that does not exist yet, or is empty. */
    out: z.string().min(1),
    /**
     * Which version of each document (reference.ts): gold-or-verified (the default: gold where the
     * lead resolved it, else the newest verified), verified (annotators' only), gold (gold only).
     */
    status: z.enum(referenceChoices).optional(),
    /** Annotator id or name (every annotator of that name). */
    annotator: z.string().trim().min(1).max(200).optional(),
    /** Verified at or after / at or before (YYYY-MM-DD is a whole UTC day, or an ISO time). */
    since: z.string().trim().min(1).max(40).optional(),
    until: z.string().trim().min(1).max(40).optional(),
    images: z.enum(['copy', 'reference']).optional(),
  })
  .strict();
export type ExportRequest = z.infer<typeof exportRequestSchema>;
export type ExportStatus = NonNullable<ExportRequest['status']>;
export const DEFAULT_EXPORT_STATUS: ExportStatus = 'gold-or-verified';

/** What an export with these choices would write, before it starts (the dialog shows it). */
export const exportPreviewRequestSchema = exportRequestSchema.pick({ projectId: true, status: true, annotator: true, since: true, until: true }).strict();
export const exportPreviewSchema = z.object({
  documents: z.number().int().nonnegative(),
  /** Documents whose gold version would be written. */
  fromGold: z.number().int().nonnegative(),
  /** Documents whose newest verified annotator version would be written. */
  fromVerified: z.number().int().nonnegative(),
  /** Of those, documents that have gold which the annotator's version is written instead of (status verified). */
  overruled: z.number().int().nonnegative(),
});
export type ExportPreview = z.infer<typeof exportPreviewSchema>;
export type ExportPreviewRequest = z.infer<typeof exportPreviewRequestSchema>;

export const exportJobSchema = z.object({
  jobId: z.string(),
  projectId: z.string(),
  state: jobStateSchema,
  format: exportFormatSchema,
  out: z.string(),
  /** Documents written so far and in all. */
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  etaMs: z.number().nonnegative().nullable(),
  pages: z.number().int().nonnegative(),
  boxes: z.number().int().nonnegative(),
  qa: z.number().int().nonnegative(),
  /** Page images copied into the export (0 when referenced). */
  imagesCopied: z.number().int().nonnegative(),
  /** Documents written from their gold version, and from an annotator's verified version. */
  fromGold: z.number().int().nonnegative(),
  fromVerified: z.number().int().nonnegative(),
  /** The main files written, relative to `out`. */
  files: z.array(z.string()),
  /** Documents left out, with the reason (e.g. a page image missing from the media folder). */
  skipped: z.array(z.object({ documentId: z.string(), reason: z.string() })),
  error: z.string().nullable(),
});
export type ExportJob = z.infer<typeof exportJobSchema>;

export const annotationsImportRequestSchema = z
  .object({
    projectId: z.string().min(1),
    format: importFormatSchema,
    /** The file (a folder for VOC and YOLO). */
    file: z.string().min(1),
    as: z.enum(['annotations', 'predictions']).optional(),
    /** Who imported annotations are attributed to (an annotator id or name; a new name creates one). */
    annotator: z.string().trim().min(1).max(80).optional(),
    /** The model imported predictions are attributed to. */
    model: z.string().trim().min(1).max(200).optional(),
    /** Where to look for the images the file names (default: next to the file). */
    images: z.string().min(1).optional(),
  })
  .strict();
export type AnnotationsImportRequest = z.infer<typeof annotationsImportRequestSchema>;

/** One thing in an imported file that was not imported (error) or was imported changed (warning). */
export const formatProblemSchema = z.object({
  severity: z.enum(['error', 'warning']),
  file: z.string(),
  /** The item in the file: "tasks[3] (id 17)", "line 12", "annotations[40] (id 41)". */
  item: z.string(),
  /** The field within the item: "annotations[0].result[2].value.width". */
  field: z.string(),
  reason: z.string(),
});
export type FormatProblem = z.infer<typeof formatProblemSchema>;

export const annotationsImportJobSchema = z.object({
  jobId: z.string(),
  projectId: z.string(),
  state: jobStateSchema,
  format: importFormatSchema,
  as: z.enum(['annotations', 'predictions']),
  file: z.string(),
  /** reading: parsing the file (done/total in bytes); writing: documents (done/total in documents). */
  phase: z.enum(['reading', 'writing', 'finished']),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** Items read from the file (tasks, images, lines, XML files). */
  items: z.number().int().nonnegative(),
  documents: z.object({
    /** Written as a new verified version or new predictions. */
    imported: z.number().int().nonnegative(),
    /** Already in Folio exactly so (a re-import). */
    unchanged: z.number().int().nonnegative(),
    /** Not written (see problems). */
    skipped: z.number().int().nonnegative(),
  }),
  boxes: z.number().int().nonnegative(),
  qa: z.number().int().nonnegative(),
  predictions: z.number().int().nonnegative(),
  /** The first problems (at most 1,000); `problemCount` counts them all. */
  problems: z.array(formatProblemSchema),
  problemCount: z.number().int().nonnegative(),
  error: z.string().nullable(),
});
export type AnnotationsImportJob = z.infer<typeof annotationsImportJobSchema>;
