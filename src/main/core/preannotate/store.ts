import type { Statement } from 'better-sqlite3';
import type { Db } from '../db/open';
import { setDocType, settlePredictionStatus } from '../db/repos/documents';
import { boxPrediction, PredictionsRepo, qaPrediction } from '../db/repos/predictions';
import { currentOwner, ownerAlive } from '../jobs/owner';
import { newId } from '../util/ids';
import type { AttemptOutcome } from './classify';
import { addUsage, zeroUsage, type CostEstimate, type TokenUsage } from './cost';
import type { DropCounts, ParsedPage } from './parse';

export type RunState = 'running' | 'paused' | 'stopped' | 'completed' | 'cancelled';
export type TaskState = 'queued' | 'in_flight' | 'done' | 'failed' | 'cancelled';
export type RunMode = 'online' | 'batch';

export interface RunOptions {
  concurrency: 'auto' | number;
  /** Internal: the benchmark's baselines. */
  strategy: { kind: 'adaptive' } | { kind: 'fixed'; workers: number; spacingMs: number; backoffMs: number[]; timeoutMs: number };
  attemptDeadlineMs: number;
  headerTimeoutMs: number;
  maxAttempts: number;
  scope: 'new' | 'all';
  timeScale: number;
  batchPollMs: number;
  batchMaxRequests: number;
}

export interface RunPrompt {
  labels: string[];
  questions: string[];
  /** Question text → the document types it is asked on (empty: every document). Absent in runs from before types. */
  questionKinds?: Record<string, string[]>;
}

export interface RunRow {
  id: string;
  projectId: string;
  mode: RunMode;
  state: RunState;
  model: string;
  effort: string | null;
  maxTokens: number;
  options: RunOptions;
  prompt: RunPrompt;
  estimate: CostEstimate | null;
  stopReason: { code: string; message: string } | null;
  /** Requests that belong to no page (the prompt-cache pre-warm). */
  overhead: { requests: number; tokens: TokenUsage; costUsd: number };
  statsFile: string | null;
  elapsedMs: number;
  simulated: boolean;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface TaskRow {
  id: string;
  runId: string;
  documentId: string;
  pageId: string;
  position: number;
  state: TaskState;
  attempts: number;
  downsized: boolean;
  outputRetries: number;
  batchId: string | null;
  error: string | null;
  firstSentMs: number | null;
  durationMs: number | null;
  latencyMs: number | null;
  tokens: TokenUsage;
  costUsd: number;
  detail: TaskDetail | null;
}

export interface TaskDetail {
  sent?: { width: number; height: number; asIs: boolean };
  boxes?: number;
  qa?: number;
  dropped?: DropCounts;
}

export interface BatchRow {
  id: string;
  runId: string;
  state: 'creating' | 'submitted' | 'ingested' | 'abandoned';
  remoteId: string | null;
  requestCount: number;
  createdAt: string;
  submittedAt: string | null;
  endedAt: string | null;
  error: string | null;
}

/** A page to annotate, with what the request needs. */
export interface PageWork {
  taskId: string;
  documentId: string;
  pageId: string;
  pageNumber: number;
  pageCount: number;
  sourceName: string;
  width: number;
  height: number;
  level0: string;
}

export interface AttemptRecord {
  n: number;
  sentMs: number;
  latencyMs: number;
  status: number | null;
  outcome: AttemptOutcome['kind'] | 'ok';
  reason: string | null;
  requestId: string | null;
  message: string | null;
}

interface RunDbRow {
  id: string;
  project_id: string;
  mode: RunMode;
  state: RunState;
  model: string;
  effort: string | null;
  max_tokens: number;
  options: string;
  prompt: string;
  estimate: string | null;
  stop_reason: string | null;
  overhead: string | null;
  stats_file: string | null;
  elapsed_ms: number;
  simulated: number;
  owner_pid: number | null;
  owner_start: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

interface TaskDbRow {
  id: string;
  run_id: string;
  document_id: string;
  page_id: string;
  position: number;
  state: TaskState;
  attempts: number;
  downsized: number;
  output_retries: number;
  batch_id: string | null;
  error: string | null;
  first_sent_ms: number | null;
  duration_ms: number | null;
  latency_ms: number | null;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_usd: number;
  detail: string | null;
}

const toRun = (r: RunDbRow): RunRow => ({
  id: r.id,
  projectId: r.project_id,
  mode: r.mode,
  state: r.state,
  model: r.model,
  effort: r.effort,
  maxTokens: r.max_tokens,
  options: JSON.parse(r.options) as RunOptions,
  prompt: JSON.parse(r.prompt) as RunPrompt,
  estimate: r.estimate ? (JSON.parse(r.estimate) as CostEstimate) : null,
  stopReason: r.stop_reason ? (JSON.parse(r.stop_reason) as { code: string; message: string }) : null,
  overhead: r.overhead ? (JSON.parse(r.overhead) as RunRow['overhead']) : { requests: 0, tokens: zeroUsage(), costUsd: 0 },
  statsFile: r.stats_file,
  elapsedMs: r.elapsed_ms,
  simulated: r.simulated === 1,
  createdAt: r.created_at,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
});

const toTask = (r: TaskDbRow): TaskRow => ({
  id: r.id,
  runId: r.run_id,
  documentId: r.document_id,
  pageId: r.page_id,
  position: r.position,
  state: r.state,
  attempts: r.attempts,
  downsized: r.downsized === 1,
  outputRetries: r.output_retries,
  batchId: r.batch_id,
  error: r.error,
  firstSentMs: r.first_sent_ms,
  durationMs: r.duration_ms,
  latencyMs: r.latency_ms,
  // Cache writes are stored as one number; the 1-hour TTL is not used by Folio.
  tokens: { input: r.input_tokens, output: r.output_tokens, cacheRead: r.cache_read_tokens, cacheWrite5m: r.cache_write_tokens, cacheWrite1h: 0 },
  costUsd: r.cost_usd,
  detail: r.detail ? (JSON.parse(r.detail) as TaskDetail) : null,
});

export const predictionId = (taskId: string, kind: 'b' | 'q', index: number): string => `${taskId}:${kind}${index}`;

/**
 * Runs, tasks, attempts and batches in SQLite. Every state change that matters after a crash is
 * one transaction: ingesting a page writes its predictions, marks the task done and settles the
 * document's status (pre_annotated only if it has predictions) together, and only if the task was not done already — so an answer
 * that arrives twice (a retry racing a slow response, a batch read again after a restart) is
 * ingested once.
 */
export class RunStore {
  private readonly statements = new Map<string, Statement>();
  private readonly predictions: PredictionsRepo;

  constructor(private readonly db: Db) {
    this.predictions = new PredictionsRepo(db);
  }

  /** Prepared once per SQL text: preparing costs more than running these small statements. */
  private q(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  createRun(
    run: Omit<RunRow, 'stopReason' | 'statsFile' | 'startedAt' | 'finishedAt' | 'state' | 'overhead' | 'elapsedMs' | 'simulated'>,
    pages: { documentId: string; pageId: string }[],
    now: string,
  ): void {
    this.db.transaction(() => {
      this.q(
        `INSERT INTO preannotation_runs (id, project_id, mode, state, model, effort, max_tokens, options, prompt, estimate, created_at, started_at, updated_at)
         VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        run.id,
        run.projectId,
        run.mode,
        run.model,
        run.effort,
        run.maxTokens,
        JSON.stringify(run.options),
        JSON.stringify(run.prompt),
        run.estimate ? JSON.stringify(run.estimate) : null,
        run.createdAt,
        now,
        now,
      );
      const insert = this.q("INSERT INTO preannotation_tasks (id, run_id, document_id, page_id, position, state) VALUES (?, ?, ?, ?, ?, 'queued')");
      pages.forEach((p, i) => insert.run(newId(), run.id, p.documentId, p.pageId, i));
    })();
  }

  run(runId: string): RunRow | null {
    const row = this.q('SELECT * FROM preannotation_runs WHERE id = ?').get(runId) as RunDbRow | undefined;
    return row ? toRun(row) : null;
  }

  runsOf(projectId: string): RunRow[] {
    return (this.q('SELECT * FROM preannotation_runs WHERE project_id = ? ORDER BY created_at DESC, id').all(projectId) as RunDbRow[]).map(toRun);
  }

  unfinishedRuns(): RunRow[] {
    return (this.q("SELECT * FROM preannotation_runs WHERE state IN ('running', 'paused', 'stopped') ORDER BY created_at").all() as RunDbRow[]).map(toRun);
  }

  /**
   * Of these documents, those a run of the project finished pages of (a done task) while they have
   * no predictions: the model looked and found nothing. Per document: the model of the latest such
   * page, when, and on how many pages. Only ever asked about documents that are still `new`.
   */
  foundNothing(projectId: string, documentIds: readonly string[]): Map<string, { model: string; at: string; pages: number }> {
    const out = new Map<string, { model: string; at: string; pages: number }>();
    if (!documentIds.length) return out;
    // The documents' pages, then each run of the project by (run_id, page_id), the tasks' unique
    // index (CROSS JOIN keeps that order: the other way round reads every done task of every run).
    const rows = this.q(
      `SELECT pg.document_id AS id, r.model AS model, MAX(t.finished_at) AS at, COUNT(DISTINCT t.page_id) AS pages
       FROM json_each(?) j
       CROSS JOIN pages pg ON pg.document_id = j.value
       CROSS JOIN preannotation_runs r ON r.project_id = ?
       CROSS JOIN preannotation_tasks t ON t.run_id = r.id AND t.page_id = pg.id
       WHERE t.state = 'done' AND NOT EXISTS (SELECT 1 FROM predictions pr WHERE pr.project_id = r.project_id AND pr.document_id = pg.document_id)
       GROUP BY pg.document_id`,
    ).all(JSON.stringify(documentIds), projectId) as { id: string; model: string; at: string; pages: number }[];
    for (const r of rows) out.set(r.id, { model: r.model, at: r.at, pages: r.pages });
    return out;
  }

  activeRunOf(projectId: string): RunRow | null {
    const row = this.q("SELECT * FROM preannotation_runs WHERE project_id = ? AND state IN ('running', 'paused', 'stopped') ORDER BY created_at DESC LIMIT 1").get(projectId) as
      | RunDbRow
      | undefined;
    return row ? toRun(row) : null;
  }

  setRunState(runId: string, state: RunState, now: string, extra: { stopReason?: { code: string; message: string } | null; statsFile?: string } = {}): void {
    const finished = state === 'completed' || state === 'cancelled';
    this.q(
      `UPDATE preannotation_runs SET state = ?, updated_at = ?,
         finished_at = CASE WHEN ? THEN ? ELSE NULL END,
         stop_reason = CASE WHEN ? THEN ? ELSE stop_reason END,
         stats_file = COALESCE(?, stats_file)
       WHERE id = ?`,
    ).run(state, now, finished ? 1 : 0, now, extra.stopReason !== undefined ? 1 : 0, extra.stopReason ? JSON.stringify(extra.stopReason) : null, extra.statsFile ?? null, runId);
  }

  addElapsed(runId: string, ms: number): void {
    this.q('UPDATE preannotation_runs SET elapsed_ms = elapsed_ms + ? WHERE id = ?').run(Math.max(0, ms), runId);
  }

  markSimulated(runId: string): void {
    this.q('UPDATE preannotation_runs SET simulated = 1 WHERE id = ? AND simulated = 0').run(runId);
  }

  addOverhead(runId: string, tokens: TokenUsage, costUsd: number): void {
    this.db.transaction(() => {
      const run = this.run(runId);
      if (!run) return;
      const o = run.overhead;
      const next = { requests: o.requests + 1, tokens: addUsage(o.tokens, tokens), costUsd: o.costUsd + costUsd };
      this.q('UPDATE preannotation_runs SET overhead = ? WHERE id = ?').run(JSON.stringify(next), runId);
    })();
  }

  /**
   * After a crash or quit: a request that was in flight never got its answer ingested, so its
   * page goes back to the queue (the attempt it used stays counted).
   */
  /** This process executes the run from now on (recorded so another Folio starting meanwhile leaves it alone). */
  claimRun(runId: string): void {
    const me = currentOwner();
    this.q('UPDATE preannotation_runs SET owner_pid = ?, owner_start = ? WHERE id = ?').run(me.pid, me.start, runId);
  }

  /** The run is executed right now by another live process (not this one). */
  executedElsewhere(runId: string): boolean {
    const row = this.q('SELECT owner_pid, owner_start FROM preannotation_runs WHERE id = ?').get(runId) as { owner_pid: number | null; owner_start: string | null } | undefined;
    return !!row && row.owner_pid !== null && row.owner_pid !== process.pid && ownerAlive({ pid: row.owner_pid, start: row.owner_start });
  }

  requeueInFlight(runId: string): number {
    return this.q("UPDATE preannotation_tasks SET state = 'queued' WHERE run_id = ? AND state = 'in_flight'").run(runId).changes;
  }

  /** Failed pages go back to the queue (resuming a run stopped because every page failed alike). */
  requeueFailed(runId: string): number {
    return this.q("UPDATE preannotation_tasks SET state = 'queued', error = NULL, finished_at = NULL WHERE run_id = ? AND state = 'failed'").run(runId).changes;
  }

  tasks(runId: string): TaskRow[] {
    return (this.q('SELECT * FROM preannotation_tasks WHERE run_id = ? ORDER BY position').all(runId) as TaskDbRow[]).map(toTask);
  }

  task(taskId: string): TaskRow | null {
    const row = this.q('SELECT * FROM preannotation_tasks WHERE id = ?').get(taskId) as TaskDbRow | undefined;
    return row ? toTask(row) : null;
  }

  counts(runId: string): Record<TaskState, number> {
    const counts: Record<TaskState, number> = { queued: 0, in_flight: 0, done: 0, failed: 0, cancelled: 0 };
    for (const r of this.q('SELECT state, COUNT(*) AS n FROM preannotation_tasks WHERE run_id = ? GROUP BY state').all(runId) as { state: TaskState; n: number }[]) {
      counts[r.state] = r.n;
    }
    return counts;
  }

  private static readonly WORK_COLUMNS = `t.id AS taskId, t.document_id AS documentId, t.page_id AS pageId, p.page_number AS pageNumber, d.page_count AS pageCount,
    d.source_name AS sourceName, p.width, p.height, p.levels
    FROM preannotation_tasks t JOIN pages p ON p.id = t.page_id JOIN documents d ON d.id = t.document_id`;

  private static toWork({ levels, ...w }: Omit<PageWork, 'level0'> & { levels: string }): PageWork {
    return { ...w, level0: (JSON.parse(levels) as { path: string }[])[0]!.path };
  }

  /** Queued pages with what a request needs, in order (optionally only those in no batch). */
  queuedWork(runId: string, opts: { unbatchedOnly?: boolean } = {}): PageWork[] {
    const rows = this.q(
      `SELECT ${RunStore.WORK_COLUMNS} WHERE t.run_id = ? AND t.state = 'queued' ${opts.unbatchedOnly ? 'AND t.batch_id IS NULL' : ''} ORDER BY t.position`,
    ).all(runId) as (Omit<PageWork, 'level0'> & { levels: string })[];
    return rows.map(RunStore.toWork);
  }

  workOf(taskIds: string[]): Map<string, PageWork> {
    const out = new Map<string, PageWork>();
    const stmt = this.q(`SELECT ${RunStore.WORK_COLUMNS} WHERE t.id = ?`);
    for (const id of taskIds) {
      const r = stmt.get(id) as (Omit<PageWork, 'level0'> & { levels: string }) | undefined;
      if (r) out.set(id, RunStore.toWork(r));
    }
    return out;
  }

  markInFlight(taskId: string, firstSentMs: number): boolean {
    return (
      this.q("UPDATE preannotation_tasks SET state = 'in_flight', first_sent_ms = COALESCE(first_sent_ms, ?) WHERE id = ? AND state IN ('queued', 'in_flight')").run(firstSentMs, taskId)
        .changes === 1
    );
  }

  /** Record one attempt (and what it cost, when the API billed it). */
  recordAttempt(taskId: string, runId: string, a: AttemptRecord, billed?: { tokens: TokenUsage; costUsd: number }): void {
    this.db.transaction(() => this.insertAttempt(taskId, runId, a, billed))();
  }

  private insertAttempt(taskId: string, runId: string, a: AttemptRecord, billed?: { tokens: TokenUsage; costUsd: number }): void {
    this.q(
      `INSERT OR REPLACE INTO preannotation_attempts (task_id, n, run_id, sent_ms, latency_ms, status, outcome, reason, request_id, message)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(taskId, a.n, runId, a.sentMs, a.latencyMs, a.status, a.outcome, a.reason, a.requestId, a.message?.slice(0, 2000) ?? null);
    const t = billed?.tokens;
    this.q(
      `UPDATE preannotation_tasks SET attempts = MAX(attempts, ?), input_tokens = input_tokens + ?, output_tokens = output_tokens + ?,
         cache_read_tokens = cache_read_tokens + ?, cache_write_tokens = cache_write_tokens + ?, cost_usd = cost_usd + ? WHERE id = ?`,
    ).run(a.n, t?.input ?? 0, t?.output ?? 0, t?.cacheRead ?? 0, (t?.cacheWrite5m ?? 0) + (t?.cacheWrite1h ?? 0), billed?.costUsd ?? 0, taskId);
  }

  /** Put a page back in the queue (a retry), keeping what it has spent. */
  requeue(taskId: string, patch: { downsized?: boolean; outputRetry?: boolean; batchId?: null } = {}): void {
    this.q(
      `UPDATE preannotation_tasks SET state = 'queued', downsized = MAX(downsized, ?), output_retries = output_retries + ?,
         batch_id = CASE WHEN ? THEN NULL ELSE batch_id END
       WHERE id = ? AND state IN ('queued', 'in_flight')`,
    ).run(patch.downsized ? 1 : 0, patch.outputRetry ? 1 : 0, patch.batchId === null ? 1 : 0, taskId);
  }

  failTask(taskId: string, error: string, now: string, durationMs: number | null): void {
    this.q("UPDATE preannotation_tasks SET state = 'failed', error = ?, finished_at = ?, duration_ms = ? WHERE id = ? AND state IN ('queued', 'in_flight')").run(
      error,
      now,
      durationMs,
      taskId,
    );
  }

  cancelRemaining(runId: string, now: string): number {
    return this.q("UPDATE preannotation_tasks SET state = 'cancelled', finished_at = ? WHERE run_id = ? AND state IN ('queued', 'in_flight')").run(now, runId).changes;
  }

  /**
   * One page's answer, in one transaction: predictions in, earlier pending predictions of this page
   * out (when nothing refers to them), task done, and if nobody has started the document, its status
   * says whether there is anything to review: pre_annotated with predictions, else new.
   * Returns false, changing nothing, when the task was already finished.
   */
  ingest(args: {
    taskId: string;
    run: RunRow;
    work: { documentId: string; pageId: string; pageNumber: number };
    parsed: ParsedPage;
    attempt: AttemptRecord;
    billed: { tokens: TokenUsage; costUsd: number };
    latencyMs: number;
    durationMs: number | null;
    detail: TaskDetail;
    now: string;
  }): boolean {
    const { taskId, run, work, parsed, now } = args;
    return this.db.transaction((): boolean => {
      const claimed = this.q(
        "UPDATE preannotation_tasks SET state = 'done', finished_at = ?, latency_ms = ?, duration_ms = ?, detail = ?, error = NULL WHERE id = ? AND state IN ('queued', 'in_flight')",
      ).run(now, args.latencyMs, args.durationMs, JSON.stringify(args.detail), taskId).changes;
      if (claimed !== 1) return false;
      this.insertAttempt(taskId, run.id, args.attempt, args.billed);
      // Earlier runs' pending predictions of this page give way to this run's.
      this.predictions.dropSupersededPending(run.projectId, work.pageId, run.id);
      const common = { documentId: work.documentId, pageId: work.pageId, model: run.model };
      this.predictions.insertPending(
        run.projectId,
        [
          ...parsed.boxes.map((b) =>
            boxPrediction({ ...common, id: predictionId(taskId, 'b', b.index), label: b.label, x: b.x, y: b.y, w: b.w, h: b.h, transcription: b.transcription, confidence: b.confidence }),
          ),
          ...parsed.qa.map((q, i) =>
            qaPrediction({ ...common, id: predictionId(taskId, 'q', i), question: q.question, answer: q.answer, evidence: q.evidence.map((e) => predictionId(taskId, 'b', e)), confidence: q.confidence }),
          ),
        ],
        { now, runId: run.id, skipExisting: false },
      );
      settlePredictionStatus(this.db, run.projectId, work.documentId);
      // A document is what its first page says it is, unless an annotator or an import said so.
      if (work.pageNumber === 1 && parsed.docType) setDocType(this.db, run.projectId, work.documentId, parsed.docType, 'model');
      return true;
    })();
  }

  attempts(runId: string): (AttemptRecord & { taskId: string })[] {
    const rows = this.q('SELECT task_id, n, sent_ms, latency_ms, status, outcome, reason, request_id, message FROM preannotation_attempts WHERE run_id = ? ORDER BY sent_ms').all(runId) as {
      task_id: string;
      n: number;
      sent_ms: number;
      latency_ms: number;
      status: number | null;
      outcome: AttemptRecord['outcome'];
      reason: string | null;
      request_id: string | null;
      message: string | null;
    }[];
    return rows.map((r) => ({
      taskId: r.task_id,
      n: r.n,
      sentMs: r.sent_ms,
      latencyMs: r.latency_ms,
      status: r.status,
      outcome: r.outcome,
      reason: r.reason,
      requestId: r.request_id,
      message: r.message,
    }));
  }

  // ----- batches -----

  /** Record a batch about to be created and assign its tasks, before the API call. */
  createBatch(runId: string, tasks: { taskId: string; sent: { width: number; height: number; asIs: boolean } }[], now: string): string {
    const id = newId();
    this.db.transaction(() => {
      this.q("INSERT INTO preannotation_batches (id, run_id, state, request_count, created_at) VALUES (?, ?, 'creating', ?, ?)").run(id, runId, tasks.length, now);
      const assign = this.q("UPDATE preannotation_tasks SET batch_id = ?, state = 'in_flight', detail = ? WHERE id = ? AND state = 'queued'");
      for (const t of tasks) assign.run(id, JSON.stringify({ sent: t.sent } satisfies TaskDetail), t.taskId);
    })();
    return id;
  }

  batchSubmitted(batchId: string, remoteId: string, now: string): void {
    this.q("UPDATE preannotation_batches SET state = 'submitted', remote_id = ?, submitted_at = ? WHERE id = ?").run(remoteId, now, batchId);
  }

  batchIngested(batchId: string, now: string): void {
    this.q("UPDATE preannotation_batches SET state = 'ingested', ended_at = COALESCE(ended_at, ?) WHERE id = ?").run(now, batchId);
  }

  /** A batch that never reached the API (or cannot be found there): its pages go back to the queue. */
  abandonBatch(batchId: string, error: string, now: string): void {
    this.db.transaction(() => {
      this.q("UPDATE preannotation_batches SET state = 'abandoned', error = ?, ended_at = ? WHERE id = ?").run(error, now, batchId);
      this.q("UPDATE preannotation_tasks SET batch_id = NULL, state = 'queued' WHERE batch_id = ? AND state IN ('queued', 'in_flight')").run(batchId);
    })();
  }

  batches(runId: string): BatchRow[] {
    const rows = this.q('SELECT * FROM preannotation_batches WHERE run_id = ? ORDER BY created_at, id').all(runId) as {
      id: string;
      run_id: string;
      state: BatchRow['state'];
      remote_id: string | null;
      request_count: number;
      created_at: string;
      submitted_at: string | null;
      ended_at: string | null;
      error: string | null;
    }[];
    return rows.map((b) => ({
      id: b.id,
      runId: b.run_id,
      state: b.state,
      remoteId: b.remote_id,
      requestCount: b.request_count,
      createdAt: b.created_at,
      submittedAt: b.submitted_at,
      endedAt: b.ended_at,
      error: b.error,
    }));
  }

  batchTaskIds(batchId: string): string[] {
    return (this.q('SELECT id FROM preannotation_tasks WHERE batch_id = ? ORDER BY position').all(batchId) as { id: string }[]).map((r) => r.id);
  }

  /** Mean output tokens per finished page of this project and model (the estimate's history). */
  meanOutputTokens(projectId: string, model: string): { mean: number; pages: number } | null {
    const row = this.q(
      `SELECT AVG(t.output_tokens) AS mean, COUNT(*) AS n FROM preannotation_tasks t JOIN preannotation_runs r ON r.id = t.run_id
       WHERE r.project_id = ? AND r.model = ? AND t.state = 'done' AND t.output_tokens > 0`,
    ).get(projectId, model) as { mean: number | null; n: number };
    return row.n > 0 && row.mean !== null ? { mean: row.mean, pages: row.n } : null;
  }
}
