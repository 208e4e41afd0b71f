import { z } from 'zod';
import { referenceChoices } from './reference';

/**
 * Evaluation jobs as the renderer, the CLI and tests see them: a model's predictions measured
 * against gold (or verified) versions, recorded as a job and logged to W&B as a run. The service
 * in src/main/core/evaluation produces these shapes.
 *
 * Every rate is a fraction in [0, 1], or null when there was nothing to measure (no boxes, no
 * questions) — never NaN, so it survives JSON.
 */

/** What the predictions are compared with: gold only, verified only, or gold where a document has it and else verified (reference.ts). */
export const evaluationAgainstValues = referenceChoices;
export const evaluationAgainstSchema = z.enum(evaluationAgainstValues);
export type EvaluationAgainst = z.infer<typeof evaluationAgainstSchema>;

export const evaluationTriggers = ['manual', 'schedule'] as const;
/** A job's lifecycle in the `jobs` table: queued → running → completed | failed. */
export const evaluationJobStates = ['queued', 'running', 'completed', 'failed'] as const;

const count = z.number().int().nonnegative();
const rate = z.number().min(0).max(1).nullable();

/** Detection quality of boxes at IoU ≥ 0.5 (optimal one-to-one assignment). */
export const boxScoresSchema = z.object({
  /** Boxes in the reference (gold/verified) and in the predictions. */
  reference: count,
  predicted: count,
  /** Pairs matched at IoU ≥ 0.5 (overall: whatever their labels; per label: both boxes carry that label). */
  matched: count,
  precision: rate,
  recall: rate,
  f1: rate,
  /** Mean IoU of the matched pairs. */
  meanIou: rate,
});
export type BoxScores = z.infer<typeof boxScoresSchema>;

export const overallBoxScoresSchema = boxScoresSchema.extend({
  /** Matched pairs whose predicted label is the reference's. */
  labelAccuracy: rate,
});

/** Answers to the reference's questions: SQuAD exact match and token F1, and ANLS (DocVQA). */
export const answerScoresSchema = z.object({
  questions: count,
  exactMatch: rate,
  tokenF1: rate,
  anls: rate,
});

/** Transcriptions of matched boxes: exact (whitespace collapsed) and ANLS. */
export const transcriptionScoresSchema = z.object({
  pairs: count,
  exactMatch: rate,
  anls: rate,
});

export const evaluationMetricsSchema = z.object({
  documents: count,
  boxes: overallBoxScoresSchema,
  answers: answerScoresSchema,
  transcriptions: transcriptionScoresSchema,
});
export type EvaluationMetrics = z.infer<typeof evaluationMetricsSchema>;

export const evaluationDocumentSchema = z.object({
  documentId: z.string(),
  sourceName: z.string(),
  /** Which kind of version was the reference, its annotation id and version, and who made it. */
  reference: z.enum(['gold', 'verified']),
  referenceAnnotationId: z.string().nullable(),
  referenceVersion: z.number().int().nullable(),
  referenceBy: z.string(),
  boxes: overallBoxScoresSchema,
  answers: answerScoresSchema,
});
export type EvaluationDocument = z.infer<typeof evaluationDocumentSchema>;

/** The dataset artifact version the evaluation declares as its input (the project's latest committed sync). */
export const evaluationDatasetSchema = z.object({
  artifactId: z.string(),
  /** "v3" */
  version: z.string(),
  versionIndex: z.number().int().nonnegative(),
  entity: z.string(),
  project: z.string(),
  collection: z.string(),
  baseUrl: z.string(),
  url: z.string(),
});
export type EvaluationDataset = z.infer<typeof evaluationDatasetSchema>;

/**
 * What happened to the W&B run. `logged`: the run exists with its summary and table. `skipped`:
 * no key, or W&B unreachable — the metrics are kept locally. `failed`: W&B refused (bad key,
 * no access, a server error) — the metrics are kept locally; `message` says what to fix.
 */
export const evaluationWandbSchema = z.object({
  status: z.enum(['logged', 'skipped', 'failed']),
  message: z.string().nullable(),
  runId: z.string().nullable(),
  runUrl: z.string().nullable(),
  entity: z.string().nullable(),
  project: z.string().nullable(),
  /** Whether the dataset version was declared as the run's input. */
  datasetUsed: z.boolean(),
  /** The per-document table as a run file. */
  tableFile: z.string().nullable(),
});
export type EvaluationWandb = z.infer<typeof evaluationWandbSchema>;

export const evaluationProgressSchema = z.object({
  phase: z.enum(['reading', 'measuring', 'logging']),
  done: count,
  total: count,
});

export const evaluationCoverageSchema = z.object({
  /** Documents in the project. */
  total: count,
  /** Measured: a reference and the model's predictions (or a finished pre-annotation page). */
  evaluated: count,
  againstGold: count,
  againstVerified: count,
  /** Left out: no reference of the kind asked for, or the model never saw the document. */
  noReference: count,
  noPredictions: count,
});

export const evaluationJobSchema = z.object({
  jobId: z.string(),
  projectId: z.string(),
  state: z.enum(evaluationJobStates),
  trigger: z.enum(evaluationTriggers),
  model: z.string(),
  /** The version label given, or the one Folio derived (date of the newest prediction + a fingerprint of the set). */
  modelVersion: z.string().nullable(),
  against: evaluationAgainstSchema,
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  progress: evaluationProgressSchema.nullable(),
  dataset: evaluationDatasetSchema.nullable(),
  coverage: evaluationCoverageSchema.nullable(),
  metrics: evaluationMetricsSchema.nullable(),
  perLabel: z.record(z.string(), boxScoresSchema).nullable(),
  wandb: evaluationWandbSchema.nullable(),
  /** A readable reason when the job failed. */
  error: z.string().nullable(),
});
export type EvaluationJob = z.infer<typeof evaluationJobSchema>;

/** `evaluation.get`: the job and its per-document rows. */
export const evaluationJobDetailSchema = evaluationJobSchema.extend({
  documents: z.array(evaluationDocumentSchema),
});
export type EvaluationJobDetail = z.infer<typeof evaluationJobDetailSchema>;

export const evaluationStartRequestSchema = z
  .object({
    projectId: z.string().min(1),
    model: z.string().trim().min(1, 'choose a model').max(200),
    modelVersion: z.string().trim().min(1).max(64).optional(),
    against: evaluationAgainstSchema.optional(),
  })
  .strict();
export type EvaluationStartRequest = z.infer<typeof evaluationStartRequestSchema>;

/** A model that has predictions in a project (for the picker). */
export const evaluationModelSchema = z.object({
  model: z.string(),
  predictions: count,
  boxes: count,
  answers: count,
  documents: count,
  /** Where they came from: pre-annotation runs, a file import, or both. */
  source: z.enum(['preannotation', 'import', 'both']),
  lastPredictionAt: z.string(),
});
export type EvaluationModel = z.infer<typeof evaluationModelSchema>;

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'the time must look like 03:00 (24-hour HH:MM)');

/** The weekly evaluation of a project, run by the app (not the CLI). Off by default. */
export const evaluationScheduleSchema = z.object({
  projectId: z.string(),
  enabled: z.boolean(),
  /** 0 = Sunday … 6 = Saturday (local time, like Date.getDay); default 1 (Monday). */
  weekday: z.number().int().min(0).max(6),
  /** Local time "HH:MM"; default "03:00". */
  time: hhmm,
  /** Models to evaluate; empty = every model with predictions in the project. */
  models: z.array(z.string().min(1).max(200)).max(50),
  against: evaluationAgainstSchema,
  /**
   * The last slot the schedule ran for, and the next one (null when off). A slot that has come but
   * not run yet (Folio was closed) is the next one until it runs, so it can be in the past.
   */
  lastRunAt: z.string().nullable(),
  nextRunAt: z.string().nullable(),
});
export type EvaluationSchedule = z.infer<typeof evaluationScheduleSchema>;

export const evaluationScheduleUpdateSchema = z
  .object({
    projectId: z.string().min(1),
    enabled: z.boolean().optional(),
    weekday: z.number().int().min(0).max(6).optional(),
    time: hhmm.optional(),
    models: z.array(z.string().trim().min(1).max(200)).max(50).optional(),
    against: evaluationAgainstSchema.optional(),
  })
  .strict();
export type EvaluationScheduleUpdate = z.infer<typeof evaluationScheduleUpdateSchema>;
