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
