import { z } from 'zod';

/** Page pixels; a region may start off the page (it is read where it overlaps), never be empty. */
const coordinate = z.number().min(-30_000).max(60_000);
const extent = z.number().positive('a region needs a width and a height').max(60_000);

/** A region of one page to read, in original image pixels (a box as drawn). */
export const regionRequestSchema = z
  .object({
    projectId: z.string().min(1),
    documentId: z.string().min(1),
    pageId: z.string().min(1),
    x: coordinate,
    y: coordinate,
    w: extent,
    h: extent,
    /** false: only find the ink (for snapping); no text is read. */
    readText: z.boolean().optional(),
  })
  .strict();
export type RegionRequest = z.infer<typeof regionRequestSchema>;

export const pixelRectSchema = z.object({ x: z.number().int(), y: z.number().int(), w: z.number().int().positive(), h: z.number().int().positive() });

export const regionReadingSchema = z.object({
  /** What the region says, whitespace collapsed to single spaces; '' when it holds no ink or was not read. */
  text: z.string(),
  /** The reader's confidence in the text, 0–1 (0 when nothing was read). */
  confidence: z.number().min(0).max(1),
  /** The bounding box of the ink (page pixels, at most a few pixels past the region); null when the region holds no ink. */
  snapped: pixelRectSchema.nullable(),
  /** Time the core spent on the request. */
  ms: z.number().nonnegative(),
});
export type RegionReading = z.infer<typeof regionReadingSchema>;

/** One word the page's OCR found: its box in page pixels, its text and the reader's confidence (0–1). */
export const ocrWordSchema = z.object({
  x: z.number().int(),
  y: z.number().int(),
  w: z.number().int().positive(),
  h: z.number().int().positive(),
  text: z.string().min(1),
  confidence: z.number().min(0).max(1),
  /** Index of the line (in `lines`) the word is on. */
  line: z.number().int().nonnegative(),
});
export type OcrWord = z.infer<typeof ocrWordSchema>;

/** A line of words, in reading order: `words` are the indexes [first, last] into the page's words. */
export const ocrLineSchema = z.object({
  x: z.number().int(),
  y: z.number().int(),
  w: z.number().int().positive(),
  h: z.number().int().positive(),
  text: z.string(),
  confidence: z.number().min(0).max(1),
  words: z.tuple([z.number().int().nonnegative(), z.number().int().nonnegative()]),
});
export type OcrLine = z.infer<typeof ocrLineSchema>;

/** Everything the page's OCR found, for the page image it was read from. */
export const pageWordsSchema = z.object({
  pageId: z.string(),
  /** The sha256 of the page image that was read: words belong to that image only. */
  imageSha256: z.string(),
  engine: z.string(),
  words: z.array(ocrWordSchema),
  lines: z.array(ocrLineSchema),
  /** Mean word confidence, 0–1 (0 for a page without words). */
  meanConfidence: z.number().min(0).max(1),
  readAt: z.string(),
});
export type PageWords = z.infer<typeof pageWordsSchema>;

export const pageWordsRequestSchema = z.object({ projectId: z.string().min(1), documentId: z.string().min(1), pageId: z.string().min(1) }).strict();

/** A page the OCR job could not read, and why. */
export const ocrFailureSchema = z.object({ pageId: z.string(), documentId: z.string(), name: z.string(), pageNumber: z.number().int().positive(), reason: z.string() });
export type OcrFailure = z.infer<typeof ocrFailureSchema>;

/** Local OCR as a pre-annotation source: boxes with text from the words on the pages. */
export const localOcrOptionsSchema = z
  .object({
    /** One box per line of text (default), or per word. */
    granularity: z.enum(['line', 'word']).default('line'),
    /** Documents nobody has started (default), or every document not yet verified. */
    scope: z.enum(['new', 'all']).default('new'),
  })
  .strict();
export type LocalOcrOptions = z.infer<typeof localOcrOptionsSchema>;

/** One run of a project's page OCR: the pages it set out to read, how far it got. */
export const ocrJobSchema = z.object({
  jobId: z.string(),
  projectId: z.string(),
  state: z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']),
  /** The run was stopped by a pause (it ends cancelled; resuming starts the next run where it stopped). */
  paused: z.boolean(),
  pagesTotal: z.number().int().nonnegative(),
  pagesDone: z.number().int().nonnegative(),
  pagesFailed: z.number().int().nonnegative(),
  wordsFound: z.number().int().nonnegative(),
  /** Set when the run also pre-annotates from the words (Local OCR), once the pages are read. */
  prediction: localOcrOptionsSchema.nullable(),
  documentsPredicted: z.number().int().nonnegative(),
  predictionsMade: z.number().int().nonnegative(),
  /** At most the first 50 failures. */
  failures: z.array(ocrFailureSchema),
  etaMs: z.number().nonnegative().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: z.string().nullable(),
});
export type OcrJob = z.infer<typeof ocrJobSchema>;

/** A project's OCR: how many of its pages have words, whether it is paused, the current or last run. */
export const ocrStatusSchema = z.object({
  projectId: z.string(),
  pagesTotal: z.number().int().nonnegative(),
  pagesRead: z.number().int().nonnegative(),
  paused: z.boolean(),
  /** Whether importing documents starts reading their pages (the project's setting). */
  onImport: z.boolean(),
  job: ocrJobSchema.nullable(),
});
export type OcrStatus = z.infer<typeof ocrStatusSchema>;

export const ocrProjectRequestSchema = z.object({ projectId: z.string().min(1) }).strict();
export const ocrPredictRequestSchema = z.object({ projectId: z.string().min(1), options: localOcrOptionsSchema.optional() }).strict();
export const ocrSettingsUpdateSchema = z.object({ projectId: z.string().min(1), onImport: z.boolean() }).strict();
