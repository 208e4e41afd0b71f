import { z } from 'zod';
import { jobStateSchema } from './model';

/**
 * Sync of verified work to the W&B dataset artifact, as the app sees it. The engine lives in
 * src/main/core/sync; these are the shapes that cross the contract.
 */

export const syncConfigSchema = z.object({
  /** Minutes between scheduled checks; a build starts when a batch is full or has waited long enough. */
  intervalMinutes: z.number().int().min(1, 'the sync interval is at least 1 minute').max(24 * 60, 'the sync interval is at most 24 hours'),
  /** Local time of the daily build that sends everything waiting, "HH:MM" (24 h), or null for none. */
  dailyTime: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'the daily time must look like 02:00 (24-hour HH:MM)')
    .nullable(),
  /** Verified annotation versions per batch (= per dataset version). */
  batchSize: z.number().int().min(1, 'a batch holds at least 1 verified version').max(5000, 'a batch holds at most 5000 verified versions'),
  /** Longest an item waits for its batch to fill before a scheduled check sends it anyway. */
  maxWaitMinutes: z.number().int().min(0).max(7 * 24 * 60, 'the maximum wait is at most 7 days'),
  /** Failed attempts (server errors, not being offline) after which an item goes to dead. */
  maxAttempts: z.number().int().min(1).max(100),
});
export type SyncConfig = z.infer<typeof syncConfigSchema>;
export const syncConfigPatchSchema = syncConfigSchema.partial().strict();
export type SyncConfigPatch = z.infer<typeof syncConfigPatchSchema>;

export const syncJobSchema = z.object({
  jobId: z.string(),
  state: jobStateSchema,
  trigger: z.string().nullable(),
  batchId: z.string().nullable(),
  attempt: z.number().int().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** Verified versions the build sent (or tried to send): one document verified twice counts twice. */
  documents: z.number().int(),
  rows: z.number().int(),
  dead: z.number().int(),
  outcome: z.enum(['committed', 'already-present', 'deduplicated', 'resolved-after-restart', 'empty']).nullable(),
  runId: z.string().nullable(),
  runUrl: z.string().nullable(),
  artifactVersion: z.string().nullable(),
  versionIndex: z.number().int().nullable(),
  artifactUrl: z.string().nullable(),
  newFiles: z.number().int(),
  reusedFiles: z.number().int(),
  bytesSent: z.number().int(),
  requests: z.number().int(),
  durationMs: z.number().nullable(),
  progress: z.object({ phase: z.enum(['checking', 'preparing', 'uploading', 'committing', 'finishing']), filesDone: z.number().int(), filesTotal: z.number().int() }).nullable(),
  error: z.string().nullable(),
});
export type SyncJob = z.infer<typeof syncJobSchema>;

export const syncStatusSchema = z.object({
  state: z.enum(['idle', 'syncing', 'offline', 'not_configured', 'needs_attention', 'stopped', 'other_process']),
  /** One sentence for the status bar and the status page. */
  message: z.string(),
  /** Reachability of W&B as last checked (null: not checked yet). */
  online: z.boolean().nullable(),
  /** Verified versions by state (one document verified twice is two versions), and the documents the pending and in-flight ones are of. */
  outbox: z.object({ pending: z.number().int(), inFlight: z.number().int(), dead: z.number().int(), done: z.number().int(), waitingDocuments: z.number().int() }),
  currentJob: syncJobSchema.nullable(),
  lastJob: syncJobSchema.nullable(),
  lastSuccessAt: z.string().nullable(),
  nextCheckAt: z.string().nullable(),
  nextDailyAt: z.string().nullable(),
  lastCheckedAt: z.string().nullable(),
});
export type SyncStatusView = z.infer<typeof syncStatusSchema>;

export const syncDeadItemSchema = z.object({
  outboxId: z.string(),
  annotationId: z.string(),
  documentId: z.string(),
  projectId: z.string(),
  version: z.number().int(),
  attempts: z.number().int(),
  reason: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SyncDeadItem = z.infer<typeof syncDeadItemSchema>;
