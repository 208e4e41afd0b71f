import { z } from 'zod';

/**
 * The browser host's upload routes, beside the WebSocket contract: a browser cannot hand the host
 * paths on the user's disk, so files dropped or chosen for an import are sent over HTTP and
 * imported from the host's staging folder. Web only (the desktop app imports dropped files by path).
 *
 *   POST   /import-uploads                       {projectId}          → 201 {uploadId, maxFileBytes, maxFiles}
 *   PUT    /import-uploads/<id>/files?path=<p>   the file's bytes     → 201 {path, bytes}
 *   POST   /import-uploads/<id>/import           {skipped, notSent}   → 202 {jobId}  (an import.* job)
 *   DELETE /import-uploads/<id>                                       → 204 (cancel: the files go)
 *
 * Every route needs the host's token in the `x-folio-token` header (hostAuth.ts), and an Origin, when sent, must be
 * the host's own. Errors answer `{ error: { code, message, retryable } }` with an HTTP status.
 */
export const IMPORT_UPLOADS_PATH = '/import-uploads';

export const uploadCreateRequestSchema = z.object({ projectId: z.string().min(1) }).strict();
export const uploadCreateResponseSchema = z.object({ uploadId: z.string(), maxFileBytes: z.number().int().positive(), maxFiles: z.number().int().positive() });

export const notSentSchema = z
  .object({ path: z.string().min(1).max(4096), bytes: z.number().int().nonnegative(), problem: z.enum(['too_large', 'unreadable']) })
  .strict();
export type NotSentFile = z.infer<typeof notSentSchema>;

export const uploadCommitRequestSchema = z
  .object({
    /** Files inside dropped folders that are not documents (by name), left out by the browser. */
    skipped: z.number().int().nonnegative().max(10_000_000).default(0),
    /** Files the browser did not send: over the size limit, or unreadable. */
    notSent: z.array(notSentSchema).max(10_000).default([]),
  })
  .strict();
export type UploadCommitRequest = z.input<typeof uploadCommitRequestSchema>;
export const uploadCommitResponseSchema = z.object({ jobId: z.string() });

export const uploadErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string(), retryable: z.boolean().optional() }) });
