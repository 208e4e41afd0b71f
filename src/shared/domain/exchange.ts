import { z } from 'zod';
import { jobStateSchema } from './model';

/**
 * Bringing annotators' work together, as the app sees it: a lead pulls every
 * annotator's verified (and gold) versions back from the W&B dataset, or moves them between
 * machines as a bundle file. The merge rules are the same both ways (src/main/core/exchange/apply.ts):
 * a version already here is skipped, a different one under the same identity is a conflict that
 * is reported and never applied, and local work is never overwritten.
 */

/** A version that was not applied because this installation holds something else under its identity. */
export const exchangeConflictSchema = z.object({
  annotationId: z.string(),
  documentId: z.string(),
  annotatorId: z.string(),
  annotator: z.string(),
  kind: z.enum(['annotation', 'gold']),
  version: z.number().int(),
  reason: z.string(),
});
export type ExchangeConflict = z.infer<typeof exchangeConflictSchema>;

/** Something that could not be read or used; `file` names the artifact or bundle file when there is one. */
export const exchangeErrorSchema = z.object({ file: z.string().nullable(), message: z.string() });
export type ExchangeError = z.infer<typeof exchangeErrorSchema>;

const count = z.number().int().nonnegative();

export const pullRequestSchema = z.object({ projectId: z.string().min(1) }).strict();

export const pullJobSchema = z.object({
  jobId: z.string(),
  projectId: z.string(),
  state: jobStateSchema,
  phase: z.enum(['connecting', 'listing', 'reading', 'done']),
  /** "<base URL> <entity>/<project>/<artifact>" read from; null until known. */
  target: z.string().nullable(),
  /** Committed artifact versions listed, and those not pulled before. */
  artifactVersions: count,
  newArtifactVersions: count,
  /** Table partitions to read in this pull, and read so far. */
  partitions: count,
  partitionsDone: count,
  /** Annotation versions (annotators' and gold) found in the partitions read for this project. */
  versionsSeen: count,
  imported: count,
  /** Already here with the same content. */
  skipped: count,
  conflictCount: count,
  documentsCreated: count,
  errorCount: count,
  /** The first 1000 of each. */
  conflicts: z.array(exchangeConflictSchema),
  errors: z.array(exchangeErrorSchema),
  /** Why the pull stopped, when it failed as a whole (no key, no access, offline). */
  error: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
});
export type PullJob = z.infer<typeof pullJobSchema>;

export const pullsRequestSchema = z
  .object({ projectId: z.string().min(1).optional(), limit: z.number().int().positive().max(500).optional() })
  .strict();

export const bundleExportRequestSchema = z
  .object({
    projectId: z.string().min(1),
    /** The archive to write (a .tar.gz); it must not exist yet. */
    path: z.string().min(1),
  })
  .strict();

export const bundleExportSummarySchema = z.object({
  path: z.string(),
  bytes: count,
  /** sha256 of the archive file, to compare after copying it. */
  sha256: z.string(),
  projectId: z.string(),
  projectName: z.string(),
  documents: count,
  pages: count,
  versions: count,
  annotators: count,
});
export type BundleExportSummary = z.infer<typeof bundleExportSummarySchema>;

export const bundleImportRequestSchema = z.object({ path: z.string().min(1) }).strict();

export const bundleImportSummarySchema = z.object({
  path: z.string(),
  projectId: z.string(),
  projectName: z.string(),
  /** The installation lacked the project: it was created from the bundle (same id, labels, questions). */
  projectCreated: z.boolean(),
  documentsCreated: count,
  versionsSeen: count,
  imported: count,
  skipped: count,
  conflicts: z.array(exchangeConflictSchema),
});
export type BundleImportSummary = z.infer<typeof bundleImportSummarySchema>;
