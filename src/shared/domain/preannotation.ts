import { z } from 'zod';

/**
 * Pre-annotation runs as the renderer, the CLI and tests see them: the status of a run (progress,
 * cost, latency, pool state), the cost estimate shown before a run starts, and the models the
 * price table offers. The service in src/main/core/preannotate produces these shapes.
 */

export const preannotationRunStates = ['running', 'paused', 'stopped', 'completed', 'cancelled'] as const;
export const preannotationRunStateSchema = z.enum(preannotationRunStates);
export const preannotationEfforts = ['low', 'medium', 'high', 'xhigh', 'max'] as const;

const count = z.number().int().nonnegative();
const ms = z.number().nonnegative();

export const tokenUsageSchema = z.object({ input: count, output: count, cacheRead: count, cacheWrite5m: count, cacheWrite1h: count });

export const costEstimateSchema = z.object({
  model: z.string(),
  mode: z.enum(['online', 'batch']),
  pages: count,
  tokens: tokenUsageSchema,
  usd: z.object({ input: z.number(), output: z.number(), cacheRead: z.number(), cacheWrite: z.number(), total: z.number() }),
  perPageUsd: z.number(),
  basis: z.object({
    imageTokens: count,
    prefixTokens: count,
    prefixCached: z.boolean(),
    pageTextTokens: count,
    outputTokensPerPage: count,
    outputSource: z.enum(['history', 'prior']),
    textCounting: z.enum(['count_tokens', 'approximate']),
  }),
});
export type CostEstimateData = z.infer<typeof costEstimateSchema>;

export const latencySummarySchema = z.object({
  p50: ms.nullable(),
  p95: ms.nullable(),
  p99: ms.nullable(),
  max: ms.nullable(),
  mean: ms.nullable(),
  count,
});

/** One bar of the latency histogram: attempts that took [fromMs, upToMs). */
export const histogramBucketSchema = z.object({ fromMs: ms, upToMs: ms.nullable(), count });

export const dropCountsSchema = z.object({ degenerate: count, unknownLabel: count, invalid: count, unknownQuestion: count, danglingEvidence: count });

export const preannotationRunSchema = z.object({
  runId: z.string(),
  projectId: z.string(),
  state: preannotationRunStateSchema,
  mode: z.enum(['online', 'batch']),
  model: z.string(),
  effort: z.string().nullable(),
  maxTokens: z.number().int().positive(),
  concurrency: z.union([z.literal('auto'), z.number().int().positive()]),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** Why the API stopped the run (bad key, spend limit, the same error on every page): what to do, then resume. */
  stopReason: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Answers came from Folio's Claude simulator (the server said so), not from Claude. */
  simulated: z.boolean(),
  pages: z.object({ total: count, queued: count, inFlight: count, done: count, failed: count, cancelled: count }),
  /** (done + failed + cancelled) / total — for the progress bar. */
  progress: z.number().min(0).max(1),
  /** Time left at the recent rate; null until there is a rate, or when finished. */
  etaMs: ms.nullable(),
  elapsedMs: ms,
  throughput: z.object({ pagesPerSec: z.number().nonnegative(), recentPagesPerSec: z.number().nonnegative() }),
  /** Request latency of successful attempts, and page duration (first send → ingested, retries included). */
  latency: latencySummarySchema,
  pageDuration: latencySummarySchema,
  histogram: z.array(histogramBucketSchema),
  requests: z.object({
    total: count,
    ok: count,
    retries: count,
    rateLimited: count,
    /** Failed attempts by reason: rate_limit, overloaded, server_error, connection, deadline, malformed, truncated, image_size, … */
    errors: z.record(z.string(), count),
    retryRate: z.number().min(0).max(1),
    errorRate: z.number().min(0).max(1),
  }),
  tokens: tokenUsageSchema,
  /** Dollars actually spent so far, from each response's usage (cache reads and writes included). */
  costUsd: z.number().nonnegative(),
  estimate: costEstimateSchema.nullable(),
  predictions: z.object({ boxes: count, qa: count }),
  dropped: dropCountsSchema,
  /** The pool's live state (null when the run is not executing). */
  pool: z
    .object({
      kind: z.enum(['adaptive', 'fixed']),
      concurrency: count,
      inFlight: count,
      paceFactor: z.number().nullable(),
      limits: z.object({ rpm: z.number().nullable(), itpm: z.number().nullable(), otpm: z.number().nullable() }),
      pausedForMs: ms,
    })
    .nullable(),
  batches: z.array(z.object({ id: z.string(), remoteId: z.string().nullable(), state: z.string(), requestCount: count })),
  /** The first failed pages with their reasons. */
  failures: z.array(z.object({ documentId: z.string(), pageId: z.string(), message: z.string() })),
  /** The performance export beside the run (written when it pauses, stops or ends). */
  statsFile: z.string().nullable(),
});
export type PreannotationRun = z.infer<typeof preannotationRunSchema>;

export const preannotationStartRequestSchema = z
  .object({
    projectId: z.string().min(1),
    model: z.string().min(1).max(100).optional(),
    effort: z.enum(preannotationEfforts).optional(),
    maxTokens: z.number().int().min(256).max(128_000).optional(),
    concurrency: z.union([z.literal('auto'), z.number().int().min(1).max(256)]).optional(),
    batch: z.boolean().optional(),
    /** new: documents nobody has started (default); all: every document not yet verified. */
    scope: z.enum(['new', 'all']).optional(),
    documentIds: z.array(z.string().min(1)).max(100_000).optional(),
  })
  .strict();
export type PreannotationStartRequest = z.infer<typeof preannotationStartRequestSchema>;

export const preannotationEstimateRequestSchema = preannotationStartRequestSchema.omit({ concurrency: true }).strict();

export const preannotationModelSchema = z.object({
  id: z.string(),
  label: z.string(),
  isDefault: z.boolean(),
  vision: z.string(),
  efforts: z.array(z.string()),
  pricesPerMTok: z.object({
    input: z.number(),
    output: z.number(),
    cacheWrite5m: z.number(),
    cacheWrite1h: z.number(),
    cacheRead: z.number(),
    batchInput: z.number(),
    batchOutput: z.number(),
  }),
});
