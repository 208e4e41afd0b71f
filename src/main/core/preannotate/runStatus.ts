import { AppError } from '../../../shared/contract/errors';
import type { PreannotationRun } from '../../../shared/domain/preannotation';
import type { Db } from '../db/open';
import { addUsage, type TokenUsage } from './cost';
import type { Scheduler } from './scheduler';
import { histogram, summarize } from './stats';
import type { RunStore } from './store';

/** What a run's status reads beyond the database while the run executes in this process. */
export interface LiveRun {
  startedAt: number;
  /** Pool-clock times of recent page completions (the recent throughput). */
  completions: readonly number[];
  scheduler: Scheduler | null;
}

const RECENT_WINDOW_MS = 30_000;
const MAX_FAILURES_LISTED = 50;

/** A run's status: its rows, its attempts and, when it executes here, its pool. */
export function readRunStatus(db: Db, store: RunStore, runId: string, live: LiveRun | undefined, now: number): PreannotationRun {
  const run = store.run(runId);
  if (!run) throw new AppError('not_found', `No pre-annotation run with id ${runId}`);
  const counts = store.counts(runId);
  const total = counts.queued + counts.in_flight + counts.done + counts.failed + counts.cancelled;
  const sums = taskSums(db, runId);
  const tokens: TokenUsage = addUsage(
    { input: sums.input!, output: sums.output!, cacheRead: sums.cacheRead!, cacheWrite5m: sums.cacheWrite!, cacheWrite1h: 0 },
    run.overhead.tokens,
  );
  const requests = tallyAttempts(db, runId, run.overhead.requests);
  const latencies = (db.prepare("SELECT latency_ms AS v FROM preannotation_attempts WHERE run_id = ? AND outcome = 'ok'").all(runId) as { v: number }[]).map((r) => r.v);
  const durations = (db.prepare("SELECT duration_ms AS v FROM preannotation_tasks WHERE run_id = ? AND state = 'done' AND duration_ms IS NOT NULL").all(runId) as { v: number }[]).map(
    (r) => r.v,
  );
  const predictions = db.prepare('SELECT kind, COUNT(*) AS n FROM predictions WHERE run_id = ? GROUP BY kind').all(runId) as { kind: 'box' | 'qa'; n: number }[];
  const failures = db
    .prepare("SELECT document_id AS documentId, page_id AS pageId, error AS message FROM preannotation_tasks WHERE run_id = ? AND state = 'failed' ORDER BY position LIMIT ?")
    .all(runId, MAX_FAILURES_LISTED) as { documentId: string; pageId: string; message: string | null }[];

  const elapsedMs = run.elapsedMs + (live ? now - live.startedAt : 0);
  const finished = counts.done + counts.failed + counts.cancelled;
  const pagesPerSec = elapsedMs > 0 ? counts.done / (elapsedMs / 1000) : 0;
  const recent = live ? recentPagesPerSec(live, now) : 0;
  const remaining = counts.queued + counts.in_flight;
  const rate = recent > 0 ? recent : pagesPerSec;
  const snap = live?.scheduler?.snapshot() ?? null;
  return {
    runId: run.id,
    projectId: run.projectId,
    state: run.state,
    mode: run.mode,
    model: run.model,
    effort: run.effort,
    maxTokens: run.maxTokens,
    concurrency: run.options.concurrency,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    stopReason: run.stopReason,
    simulated: run.simulated,
    pages: { total, queued: counts.queued, inFlight: counts.in_flight, done: counts.done, failed: counts.failed, cancelled: counts.cancelled },
    progress: total ? finished / total : 1,
    etaMs: live && remaining > 0 && rate > 0 ? Math.round((remaining / rate) * 1000) : null,
    elapsedMs: Math.round(elapsedMs),
    throughput: { pagesPerSec: round3(pagesPerSec), recentPagesPerSec: round3(recent) },
    latency: summarize(latencies),
    pageDuration: summarize(durations),
    histogram: histogram(latencies),
    requests,
    tokens,
    costUsd: round6(sums.cost! + run.overhead.costUsd),
    estimate: run.estimate,
    predictions: { boxes: predictions.find((p) => p.kind === 'box')?.n ?? 0, qa: predictions.find((p) => p.kind === 'qa')?.n ?? 0 },
    dropped: {
      degenerate: sums.degenerate!,
      unknownLabel: sums.unknownLabel!,
      invalid: sums.invalid!,
      unknownQuestion: sums.unknownQuestion!,
      danglingEvidence: sums.danglingEvidence!,
    },
    pool: snap
      ? { kind: snap.kind, concurrency: snap.concurrency, inFlight: snap.inFlight, paceFactor: snap.paceFactor, limits: snap.limits, pausedForMs: Math.round(snap.pausedForMs) }
      : null,
    batches: store.batches(runId).map((b) => ({ id: b.id, remoteId: b.remoteId, state: b.state, requestCount: b.requestCount })),
    failures: failures.map((f) => ({ documentId: f.documentId, pageId: f.pageId, message: f.message ?? '' })),
    statsFile: run.statsFile,
  };
}

/** Tokens, cost and dropped answers summed over a run's pages. */
function taskSums(db: Db, runId: string): Record<string, number> {
  return db
    .prepare(
      `SELECT COALESCE(SUM(input_tokens), 0) AS input, COALESCE(SUM(output_tokens), 0) AS output, COALESCE(SUM(cache_read_tokens), 0) AS cacheRead,
              COALESCE(SUM(cache_write_tokens), 0) AS cacheWrite, COALESCE(SUM(cost_usd), 0) AS cost,
              COALESCE(SUM(json_extract(detail, '$.dropped.degenerate')), 0) AS degenerate,
              COALESCE(SUM(json_extract(detail, '$.dropped.unknownLabel')), 0) AS unknownLabel,
              COALESCE(SUM(json_extract(detail, '$.dropped.invalid')), 0) AS invalid,
              COALESCE(SUM(json_extract(detail, '$.dropped.unknownQuestion')), 0) AS unknownQuestion,
              COALESCE(SUM(json_extract(detail, '$.dropped.danglingEvidence')), 0) AS danglingEvidence
       FROM preannotation_tasks WHERE run_id = ?`,
    )
    .get(runId) as Record<string, number>;
}

/** The run's requests by outcome; its overhead requests (the prompt-cache pre-warm) count as succeeded. */
function tallyAttempts(db: Db, runId: string, overheadRequests: number): PreannotationRun['requests'] {
  const attempts = db.prepare('SELECT outcome, reason, status, COUNT(*) AS n FROM preannotation_attempts WHERE run_id = ? GROUP BY outcome, reason, status').all(runId) as {
    outcome: string;
    reason: string | null;
    status: number | null;
    n: number;
  }[];
  let totalAttempts = overheadRequests;
  let ok = overheadRequests;
  let rateLimited = 0;
  const errors: Record<string, number> = {};
  for (const a of attempts) {
    totalAttempts += a.n;
    if (a.outcome === 'ok') ok += a.n;
    else if (a.outcome !== 'aborted') {
      const key = a.reason ?? (a.outcome === 'fail_page' ? `http_${a.status ?? 'error'}` : a.outcome);
      errors[key] = (errors[key] ?? 0) + a.n;
    }
    if (a.status === 429) rateLimited += a.n;
  }
  const failedAttempts = Object.values(errors).reduce((x, y) => x + y, 0);
  // Every attempt of a page after its first is a retry.
  const pa = db.prepare('SELECT COALESCE(SUM(attempts), 0) AS total, COALESCE(SUM(attempts > 0), 0) AS pages FROM preannotation_tasks WHERE run_id = ?').get(runId) as {
    total: number;
    pages: number;
  };
  const retries = pa.total - pa.pages;
  return {
    total: totalAttempts,
    ok,
    retries,
    rateLimited,
    errors,
    retryRate: pa.total ? round3(retries / pa.total) : 0,
    errorRate: totalAttempts ? round3(failedAttempts / totalAttempts) : 0,
  };
}

function recentPagesPerSec(live: LiveRun, now: number): number {
  const windowStart = Math.max(live.startedAt, now - RECENT_WINDOW_MS);
  const inWindow = live.completions.filter((t) => t >= windowStart).length;
  return now - windowStart > 1000 ? inWindow / ((now - windowStart) / 1000) : 0;
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;
const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;
