import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { AppError } from '../../../shared/contract/errors';
import type { Db } from '../db/open';
import { writeFileAtomic } from '../settings/fileStores';
import { type Clock, isoNow, systemClock } from '../util/clock';
import { newId } from '../util/ids';
import { BatchExecutor } from './batch';
import { checkAnthropicConnection } from './connection';
import { loadModelCatalog, resolveModel, type Effort, type ModelCatalog, type ResolvedModel } from './catalog';
import type { ConnectionTest } from '../../../shared/domain/connection';
import type { CostEstimateData, PreannotationRun } from '../../../shared/domain/preannotation';
import { addUsage, estimateCost, type CostEstimate, type TokenUsage } from './cost';
import { type ExecutionEnd, OnlineExecutor } from './executor';
import { imageTokens, resizedSize } from './imageSizing';
import { buildUserText, estimateTextTokens, questionKinds } from './prompt';
import { promptParts } from './request';
import { AdaptiveScheduler, FixedScheduler, type Scheduler } from './scheduler';
import { histogram, summarize } from './stats';
import { type RunOptions, type RunPrompt, type RunRow, RunStore } from './store';
import { poolTime, type PoolTime } from './timing';

/** What the service needs from the rest of the core. */
export interface PreannotationDeps {
  /** A connection for the pool's writes (synchronous=NORMAL is enough: predictions can be re-derived). */
  db: Db;
  dataDir: string;
  media: { absolute(mediaPath: string): string };
  projects: { get(projectId: string): { labels: { name: string }[]; questions: { text: string; kinds: string[] }[] } };
  settings: {
    anthropic(): { apiKey: string | null; baseUrl: string | null };
    /** Saved defaults for model, effort and max tokens, when settings has them. */
    preannotation?(): { model?: string | null; effort?: Effort | null; maxTokens?: number | null };
  };
  clock?: Clock;
  /** Events: preannotate.progress and preannotate.finished (a run status), documents.changed ({projectId}). */
  emit?: (event: 'preannotate.progress' | 'preannotate.finished' | 'documents.changed', payload: unknown) => void;
  clientFactory?: (cfg: { apiKey: string; baseURL: string }) => Anthropic;
  catalog?: ModelCatalog;
  /** Simulated runs only (tests, benchmarks, demo): the length of the service's second in real seconds. */
  timeScale?: number;
  log?: (message: string) => void;
}

export interface StartOptions {
  model?: string | undefined;
  effort?: Effort | undefined;
  maxTokens?: number | undefined;
  concurrency?: 'auto' | number | undefined;
  batch?: boolean | undefined;
  scope?: 'new' | 'all' | undefined;
  documentIds?: string[] | undefined;
  /** Benchmark baselines: the fixed pool this design replaces. Not part of the app's contract. */
  strategy?: RunOptions['strategy'] | undefined;
  attemptDeadlineMs?: number | undefined;
  headerTimeoutMs?: number | undefined;
  maxAttempts?: number | undefined;
  batchPollMs?: number | undefined;
  batchMaxRequests?: number | undefined;
}

export interface EstimateOptions extends Omit<StartOptions, 'concurrency' | 'strategy'> {
  /** Ask the API's free count_tokens endpoint for the prompt's size (default: when a key is set). */
  countTokens?: boolean | undefined;
}

export interface PreannotationService {
  models(): { id: string; label: string; isDefault: boolean; vision: string; efforts: string[]; pricesPerMTok: ResolvedModel['pricesPerMTok'] }[];
  estimate(projectId: string, opts?: EstimateOptions): Promise<CostEstimateData>;
  start(projectId: string, opts?: StartOptions): Promise<PreannotationRun>;
  pause(runId: string): Promise<PreannotationRun>;
  resume(runId: string): Promise<PreannotationRun>;
  cancel(runId: string): Promise<PreannotationRun>;
  status(runId: string): PreannotationRun;
  listRuns(projectId: string): PreannotationRun[];
  /** Every project's unfinished runs (running, paused, stopped): the project list shows them. */
  activeRuns(): PreannotationRun[];
  /** Of these documents, those whose pages a run answered without finding anything (they have no predictions). */
  foundNothing(projectId: string, documentIds: readonly string[]): Map<string, { model: string; at: string; pages: number }>;
  /** Resolves when the run stops executing (completed, paused, stopped, cancelled or closed). */
  waitForRun(runId: string): Promise<PreannotationRun>;
  /** On start: runs that were executing when Folio stopped continue; in-flight pages go back to the queue. */
  resumeInterrupted(): string[];
  /** Stop executing (quit): runs stay `running` and continue on the next start. */
  close(): Promise<void>;
  /** Settings → Test connection: the saved key and base URL against the default model (see connection.ts). */
  testConnection(): Promise<ConnectionTest>;
}

interface Active {
  executor: OnlineExecutor | BatchExecutor;
  scheduler: Scheduler | null;
  done: Promise<void>;
  startedAt: number;
  completions: number[];
}

const RECENT_WINDOW_MS = 30_000;
const MAX_FAILURES_LISTED = 50;

export function createPreannotationService(deps: PreannotationDeps): PreannotationService {
  const clock = deps.clock ?? systemClock;
  const store = new RunStore(deps.db);
  const time: PoolTime = poolTime(deps.timeScale ?? 1);
  const catalog = deps.catalog ?? loadModelCatalog({ dataDir: deps.dataDir });
  const active = new Map<string, Active>();
  const emit = deps.emit ?? (() => undefined);
  const log = deps.log ?? (() => undefined);
  const statsDir = join(deps.dataDir, 'preannotation');
  let closing = false;

  const baseUrlOf = (baseUrl: string | null) => (baseUrl ?? 'https://api.anthropic.com').replace(/\/+$/, '');
  const makeClient = (cfg: { apiKey: string; baseURL: string }): Anthropic =>
    deps.clientFactory ? deps.clientFactory(cfg) : new Anthropic({ ...cfg, maxRetries: 0, timeout: 120_000 });

  const clientFor = (): Anthropic => {
    const { apiKey, baseUrl } = deps.settings.anthropic();
    if (!apiKey) {
      throw new AppError('invalid_request', 'No Anthropic API key: add one in Settings → Claude, or set ANTHROPIC_API_KEY, then start pre-annotation again.', {
        details: { field: 'anthropicApiKey' },
      });
    }
    return makeClient({ apiKey, baseURL: baseUrlOf(baseUrl) });
  };

  const promptOf = (projectId: string): RunPrompt => {
    const p = deps.projects.get(projectId);
    const kinds = questionKinds(p.questions);
    return { labels: p.labels.map((l) => l.name), questions: [...kinds.keys()], questionKinds: Object.fromEntries(kinds) };
  };

  // ----- throttled events -----
  const pendingEmit = new Map<string, NodeJS.Timeout>();
  const lastEmit = new Map<string, number>();
  const progress = (runId: string, projectId: string, force = false) => {
    if (!deps.emit) return; // nobody listens: no status to compute
    const fire = () => {
      pendingEmit.delete(runId);
      lastEmit.set(runId, Date.now());
      try {
        emit('preannotate.progress', status(runId));
        emit('documents.changed', { projectId });
      } catch (err) {
        log(`pre-annotation: progress event failed: ${(err as Error).message}`);
      }
    };
    if (force) {
      clearTimeout(pendingEmit.get(runId));
      fire();
      return;
    }
    if (pendingEmit.has(runId)) return;
    const since = Date.now() - (lastEmit.get(runId) ?? 0);
    pendingEmit.set(runId, setTimeout(fire, Math.max(0, 250 - since)));
  };

  // ----- page selection and estimates -----
  // A page a run of this project already answered: a "new" page so is one the model found nothing on
  // (else its document would be pre_annotated). "New documents" does not send it again; "all" does.
  const lookedAt = `SELECT 1 FROM preannotation_runs r JOIN preannotation_tasks t ON t.run_id = r.id AND t.page_id = p.id WHERE r.project_id = pd.project_id AND t.state = 'done'`;
  const selectPages = (projectId: string, scope: 'new' | 'all', documentIds?: string[]) => {
    const rows = deps.db
      .prepare(
        `SELECT p.id AS pageId, p.document_id AS documentId, p.width, p.height, p.page_number AS pageNumber, d.page_count AS pageCount, d.source_name AS sourceName
         FROM project_documents pd JOIN pages p ON p.document_id = pd.document_id JOIN documents d ON d.id = pd.document_id
         WHERE pd.project_id = ? AND ${scope === 'new' ? `pd.status = 'new' AND NOT EXISTS (${lookedAt})` : "pd.status <> 'verified'"}
         ORDER BY pd.position, p.page_number`,
      )
      .all(projectId) as { pageId: string; documentId: string; width: number; height: number; pageNumber: number; pageCount: number; sourceName: string }[];
    if (!documentIds) return rows;
    const wanted = new Set(documentIds);
    return rows.filter((r) => wanted.has(r.documentId));
  };

  const checkProject = (projectId: string) => {
    const prompt = promptOf(projectId); // not_found for an unknown project
    if (prompt.labels.length === 0 && prompt.questions.length === 0) {
      throw new AppError('invalid_request', 'This project has no labels and no question templates: add them in the project settings so Claude knows what to look for.', {
        details: { field: 'labels' },
      });
    }
    return prompt;
  };

  const settingsDefaults = () => deps.settings.preannotation?.() ?? {};

  const resolveOptions = (opts: StartOptions) => {
    const saved = settingsDefaults();
    const model = resolveModel(catalog, opts.model ?? saved.model ?? undefined);
    const effort = opts.effort ?? saved.effort ?? catalog.defaults.effort;
    if (model.efforts.length && !model.efforts.includes(effort)) {
      throw new AppError('invalid_request', `effort: ${model.id} accepts ${model.efforts.join(', ')}; got "${effort}"`, { details: { field: 'effort' } });
    }
    const maxTokens = opts.maxTokens ?? saved.maxTokens ?? catalog.defaults.maxTokens;
    if (!Number.isInteger(maxTokens) || maxTokens < 256 || maxTokens > 128_000) {
      throw new AppError('invalid_request', `maxTokens: must be an integer from 256 to 128000, got ${maxTokens}`, { details: { field: 'maxTokens' } });
    }
    const concurrency = opts.concurrency ?? 'auto';
    if (concurrency !== 'auto' && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)) {
      throw new AppError('invalid_request', `concurrency: must be "auto" or an integer from 1 to 256, got ${String(concurrency)}`, { details: { field: 'concurrency' } });
    }
    return { model, effort: model.efforts.length ? effort : null, maxTokens, concurrency };
  };

  const estimate = async (projectId: string, opts: EstimateOptions = {}): Promise<CostEstimate> => {
    const prompt = checkProject(projectId);
    const { model, effort, maxTokens } = resolveOptions(opts);
    const pages = selectPages(projectId, opts.scope ?? 'new', opts.documentIds);
    const parts = promptParts(prompt);
    const pageImageTokens = pages.map((p) => {
      const s = resizedSize(p.width, p.height, model.tier);
      return imageTokens(s.width, s.height);
    });
    const sample = pages[0];
    const sampleText = buildUserText({
      sourceName: sample?.sourceName ?? 'page.png',
      pageNumber: 1,
      pageCount: 1,
      width: sample?.width ?? 1000,
      height: sample?.height ?? 1000,
      questions: prompt.questions.length > 0,
    });
    let prefixTokens = parts.prefixTokens;
    const pageTextTokens = estimateTextTokens(sampleText) + 8;
    let textCounting: 'count_tokens' | 'approximate' = 'approximate';
    const wantCount = opts.countTokens ?? deps.settings.anthropic().apiKey !== null;
    if (wantCount && pages.length > 0) {
      try {
        const client = clientFor();
        const counted = await client.messages.countTokens(
          {
            model: model.id,
            system: [{ type: 'text', text: parts.system }],
            messages: [{ role: 'user', content: [{ type: 'text', text: sampleText }] }],
            output_config: { format: { type: 'json_schema', schema: parts.schema }, ...(effort ? { effort: effort as 'low' } : {}) },
          },
          { maxRetries: 2, timeout: 30_000 },
        );
        // count_tokens counts everything as input: split it into the prefix and the page text.
        prefixTokens = Math.max(0, counted.input_tokens - pageTextTokens);
        textCounting = 'count_tokens';
      } catch (err) {
        log(`pre-annotation: count_tokens failed, estimating the prompt locally: ${(err as Error).message}`);
      }
    }
    const history = store.meanOutputTokens(projectId, model.id);
    const useHistory = history !== null && history.pages >= 5;
    return estimateCost({
      model: model.id,
      prices: model.pricesPerMTok,
      batch: opts.batch === true,
      pageImageTokens,
      prefixTokens,
      prefixCached: prefixTokens >= model.cacheMinTokens,
      pageTextTokens,
      outputTokensPerPage: Math.min(maxTokens, Math.round(useHistory ? history.mean : model.expectedOutputTokensPerPage)),
      outputSource: useHistory ? 'history' : 'prior',
      textCounting,
    });
  };

  // ----- status -----
  function status(runId: string): PreannotationRun {
    const run = store.run(runId);
    if (!run) throw new AppError('not_found', `No pre-annotation run with id ${runId}`);
    const counts = store.counts(runId);
    const total = counts.queued + counts.in_flight + counts.done + counts.failed + counts.cancelled;
    const sums = deps.db
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
    const tokens: TokenUsage = addUsage(
      { input: sums.input!, output: sums.output!, cacheRead: sums.cacheRead!, cacheWrite5m: sums.cacheWrite!, cacheWrite1h: 0 },
      run.overhead.tokens,
    );
    const attempts = deps.db.prepare('SELECT outcome, reason, status, COUNT(*) AS n FROM preannotation_attempts WHERE run_id = ? GROUP BY outcome, reason, status').all(runId) as {
      outcome: string;
      reason: string | null;
      status: number | null;
      n: number;
    }[];
    let totalAttempts = run.overhead.requests;
    let ok = run.overhead.requests;
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
    const pa = deps.db.prepare('SELECT COALESCE(SUM(attempts), 0) AS total, COALESCE(SUM(attempts > 0), 0) AS pages FROM preannotation_tasks WHERE run_id = ?').get(runId) as {
      total: number;
      pages: number;
    };
    const pageAttempts = { total: pa.total, retries: pa.total - pa.pages };
    const latencies = (deps.db.prepare("SELECT latency_ms AS v FROM preannotation_attempts WHERE run_id = ? AND outcome = 'ok'").all(runId) as { v: number }[]).map((r) => r.v);
    const durations = (deps.db.prepare("SELECT duration_ms AS v FROM preannotation_tasks WHERE run_id = ? AND state = 'done' AND duration_ms IS NOT NULL").all(runId) as { v: number }[]).map(
      (r) => r.v,
    );
    const predictions = deps.db.prepare('SELECT kind, COUNT(*) AS n FROM predictions WHERE run_id = ? GROUP BY kind').all(runId) as { kind: 'box' | 'qa'; n: number }[];
    const failures = deps.db
      .prepare("SELECT document_id AS documentId, page_id AS pageId, error AS message FROM preannotation_tasks WHERE run_id = ? AND state = 'failed' ORDER BY position LIMIT ?")
      .all(runId, MAX_FAILURES_LISTED) as { documentId: string; pageId: string; message: string | null }[];

    const live = active.get(runId);
    const now = time.now();
    const elapsedMs = run.elapsedMs + (live ? now - live.startedAt : 0);
    const finished = counts.done + counts.failed + counts.cancelled;
    const pagesPerSec = elapsedMs > 0 ? counts.done / (elapsedMs / 1000) : 0;
    let recent = 0;
    if (live) {
      const windowStart = Math.max(live.startedAt, now - RECENT_WINDOW_MS);
      const inWindow = live.completions.filter((t) => t >= windowStart).length;
      recent = now - windowStart > 1000 ? inWindow / ((now - windowStart) / 1000) : 0;
    }
    const remaining = counts.queued + counts.in_flight;
    const rate = recent > 0 ? recent : pagesPerSec;
    const snap = live?.scheduler?.snapshot() ?? null;
    const options = run.options;
    return {
      runId: run.id,
      projectId: run.projectId,
      state: run.state,
      mode: run.mode,
      model: run.model,
      effort: run.effort,
      maxTokens: run.maxTokens,
      concurrency: options.concurrency,
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
      requests: {
        total: totalAttempts,
        ok,
        retries: pageAttempts.retries,
        rateLimited,
        errors,
        retryRate: pageAttempts.total ? round3(pageAttempts.retries / pageAttempts.total) : 0,
        errorRate: totalAttempts ? round3(failedAttempts / totalAttempts) : 0,
      },
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

  const exportStats = (runId: string): string => {
    mkdirSync(statsDir, { recursive: true });
    const file = join(statsDir, `${runId}.json`);
    store.setRunState(runId, store.run(runId)!.state, isoNow(clock), { statsFile: file });
    const run = status(runId);
    const tasks = store.tasks(runId).map((t) => ({
      taskId: t.id,
      documentId: t.documentId,
      pageId: t.pageId,
      state: t.state,
      attempts: t.attempts,
      durationMs: t.durationMs,
      latencyMs: t.latencyMs,
      tokens: t.tokens,
      costUsd: t.costUsd,
      error: t.error,
      detail: t.detail,
    }));
    writeFileAtomic(file, JSON.stringify({ exportedAt: isoNow(clock), timeScale: time.scale, run, tasks, attempts: store.attempts(runId) }, null, 2) + '\n');
    return file;
  };

  // ----- execution -----
  const launch = (run: RunRow): void => {
    if (active.has(run.id) || closing) return;
    store.claimRun(run.id);
    let client: Anthropic;
    try {
      client = clientFor();
    } catch (err) {
      store.setRunState(run.id, 'stopped', isoNow(clock), { stopReason: { code: 'authentication', message: (err as Error).message } });
      progress(run.id, run.projectId, true);
      return;
    }
    const model = resolveModel(catalog, run.model);
    const o = run.options;
    const scheduler: Scheduler =
      o.strategy.kind === 'fixed'
        ? new FixedScheduler(time, o.strategy)
        : new AdaptiveScheduler(time, {
            ...(o.concurrency === 'auto' ? {} : { fixedConcurrency: o.concurrency }),
            latencyPriorMs: model.typicalLatencyMs,
            maxAttempts: o.maxAttempts,
            attemptDeadlineMs: o.attemptDeadlineMs,
            headerTimeoutMs: o.headerTimeoutMs,
          });
    let cachedPrompt: { at: number; value: { labels: Set<string>; templates: Set<string> } } | null = null;
    let simulatedSeen = run.simulated;
    const entry: Active = { executor: undefined as unknown as OnlineExecutor, scheduler: run.mode === 'online' ? scheduler : null, done: Promise.resolve(), startedAt: time.now(), completions: [] };
    let lastDone = store.counts(run.id).done;
    const executorDeps = {
      store,
      run,
      client,
      model,
      scheduler,
      time,
      clock,
      mediaFile: (p: string) => deps.media.absolute(p),
      currentPrompt: () => {
        if (!cachedPrompt || Date.now() - cachedPrompt.at > 2000) {
          const p = promptOf(run.projectId);
          cachedPrompt = { at: Date.now(), value: { labels: new Set(p.labels), templates: new Set(p.questions) } };
        }
        return cachedPrompt.value;
      },
      onChange: (what: 'task' | 'done') => {
        if (what === 'done' || run.mode === 'batch') {
          const done = run.mode === 'batch' ? store.counts(run.id).done : lastDone + 1;
          for (; lastDone < done; lastDone++) entry.completions.push(time.now());
          if (entry.completions.length > 5000) entry.completions.splice(0, entry.completions.length - 5000);
        }
        progress(run.id, run.projectId);
      },
      onSimulated: () => {
        if (simulatedSeen) return;
        simulatedSeen = true;
        store.markSimulated(run.id);
      },
      log,
    };
    entry.executor =
      run.mode === 'batch'
        ? new BatchExecutor(executorDeps, { pollMs: o.batchPollMs, maxRequests: o.batchMaxRequests, maxBytes: 100 * 2 ** 20, maxAttempts: o.maxAttempts })
        : new OnlineExecutor(executorDeps);
    active.set(run.id, entry);
    entry.done = entry.executor
      .execute()
      .catch((err: unknown): ExecutionEnd => {
        log(`pre-annotation: run ${run.id} failed: ${(err as Error).stack ?? String(err)}`);
        return { kind: 'stopped', code: 'internal', message: `Folio hit an internal error and stopped the run: ${(err as Error).message}` };
      })
      .then((end) => finish(run, end, entry));
  };

  const finish = (run: RunRow, end: ExecutionEnd, entry: Active): void => {
    store.addElapsed(run.id, time.now() - entry.startedAt);
    active.delete(run.id);
    const now = isoNow(clock);
    switch (end.kind) {
      case 'closed':
        return; // stays 'running': the next start resumes it
      case 'completed':
        store.setRunState(run.id, 'completed', now);
        break;
      case 'paused':
        store.setRunState(run.id, 'paused', now);
        break;
      case 'cancelled':
        store.cancelRemaining(run.id, now);
        store.setRunState(run.id, 'cancelled', now);
        break;
      case 'stopped':
        store.setRunState(run.id, 'stopped', now, { stopReason: { code: end.code, message: end.message } });
        break;
    }
    try {
      exportStats(run.id);
    } catch (err) {
      log(`pre-annotation: could not write the stats of run ${run.id}: ${(err as Error).message}`);
    }
    progress(run.id, run.projectId, true);
    if (deps.emit) emit('preannotate.finished', status(run.id));
  };

  const start = async (projectId: string, opts: StartOptions = {}): Promise<PreannotationRun> => {
    const prompt = checkProject(projectId);
    const { model, effort, maxTokens, concurrency } = resolveOptions(opts);
    const existing = store.activeRunOf(projectId);
    if (existing) {
      throw new AppError('conflict', `This project already has a pre-annotation run (${existing.state}); resume or cancel it first.`, { details: { runId: existing.id } });
    }
    clientFor(); // no key: say so before anything is written
    const scope = opts.scope ?? 'new';
    const pages = selectPages(projectId, scope, opts.documentIds);
    if (pages.length === 0) {
      throw new AppError(
        'invalid_request',
        scope === 'new'
          ? 'Every document of this project has been pre-annotated, started, or already looked at by the model (which found nothing on it); to send them again, run over all documents (scope "all", or --all on the command line).'
          : 'This project has no documents to pre-annotate.',
        { details: { field: 'scope' } },
      );
    }
    // The same estimate the user was shown (count_tokens is free; it falls back to Folio's own count).
    const est = await estimate(projectId, opts);
    const options: RunOptions = {
      concurrency,
      strategy: opts.strategy ?? { kind: 'adaptive' },
      attemptDeadlineMs: opts.attemptDeadlineMs ?? 180_000,
      headerTimeoutMs: opts.headerTimeoutMs ?? 120_000,
      maxAttempts: opts.maxAttempts ?? 10,
      scope,
      timeScale: time.scale,
      batchPollMs: opts.batchPollMs ?? 30_000,
      batchMaxRequests: opts.batchMaxRequests ?? 10_000,
    };
    const runId = newId();
    const now = isoNow(clock);
    store.createRun(
      { id: runId, projectId, mode: opts.batch ? 'batch' : 'online', model: model.id, effort, maxTokens, options, prompt, estimate: est, createdAt: now },
      pages,
      now,
    );
    launch(store.run(runId)!);
    progress(runId, projectId, true);
    return status(runId);
  };

  const mustRun = (runId: string): RunRow => {
    const run = store.run(runId);
    if (!run) throw new AppError('not_found', `No pre-annotation run with id ${runId}`);
    return run;
  };

  const stopActive = async (runId: string, end: ExecutionEnd): Promise<boolean> => {
    const a = active.get(runId);
    if (!a) return false;
    a.executor.stop(end);
    await a.done;
    return true;
  };

  const service: PreannotationService = {
    models: () =>
      Object.keys(catalog.models).map((id) => {
        const m = resolveModel(catalog, id);
        return { id, label: m.label, isDefault: id === catalog.defaultModel, vision: m.vision, efforts: m.efforts, pricesPerMTok: m.pricesPerMTok };
      }),
    estimate: async (projectId, opts) => estimate(projectId, opts),
    start,
    async pause(runId) {
      const run = mustRun(runId);
      if (run.state !== 'running') return status(runId);
      if (!(await stopActive(runId, { kind: 'paused' }))) {
        store.setRunState(runId, 'paused', isoNow(clock));
        progress(runId, run.projectId, true);
      }
      return status(runId);
    },
    async resume(runId) {
      const run = mustRun(runId);
      if (run.state === 'completed' || run.state === 'cancelled') {
        throw new AppError('conflict', `This run is ${run.state}; start a new one instead.`, { details: { runId } });
      }
      if (active.has(runId)) return status(runId);
      if (run.mode === 'online') store.requeueInFlight(runId);
      // Stopped because the first pages all failed alike: once the cause is fixed, try them again.
      if (run.state === 'stopped' && run.stopReason?.code === 'repeated_failure') store.requeueFailed(runId);
      store.setRunState(runId, 'running', isoNow(clock), { stopReason: null });
      launch(store.run(runId)!);
      progress(runId, run.projectId, true);
      return status(runId);
    },
    async cancel(runId) {
      const run = mustRun(runId);
      if (run.state === 'completed' || run.state === 'cancelled') return status(runId);
      if (!(await stopActive(runId, { kind: 'cancelled' }))) {
        if (run.mode === 'batch') {
          try {
            const client = clientFor();
            for (const b of store.batches(runId).filter((x) => x.state === 'submitted' && x.remoteId)) await client.messages.batches.cancel(b.remoteId!, {}, { maxRetries: 2 });
          } catch (err) {
            log(`pre-annotation: could not cancel the batches of run ${runId}: ${(err as Error).message}`);
          }
        }
        store.cancelRemaining(runId, isoNow(clock));
        store.setRunState(runId, 'cancelled', isoNow(clock));
        exportStats(runId);
        progress(runId, run.projectId, true);
        if (deps.emit) emit('preannotate.finished', status(runId));
      }
      return status(runId);
    },
    status,
    listRuns: (projectId) => store.runsOf(projectId).map((r) => status(r.id)),
    activeRuns: () => store.unfinishedRuns().map((r) => status(r.id)),
    foundNothing: (projectId, documentIds) => store.foundNothing(projectId, documentIds),
    async waitForRun(runId) {
      mustRun(runId);
      await active.get(runId)?.done;
      return status(runId);
    },
    resumeInterrupted() {
      const resumed: string[] = [];
      for (const run of store.unfinishedRuns()) {
        if (active.has(run.id)) continue;
        // Another Folio (the app, a CLI) is executing it right now: its pages are not lost, and
        // sending them again would pay for every page twice.
        if (store.executedElsewhere(run.id)) continue;
        // In-flight pages of any unfinished run lost their requests with the process.
        const requeued = run.mode === 'online' ? store.requeueInFlight(run.id) : 0;
        if (run.state !== 'running') continue;
        if (requeued) log(`pre-annotation: run ${run.id}: ${requeued} page(s) that were in flight went back to the queue`);
        launch(run);
        resumed.push(run.id);
      }
      return resumed;
    },
    async testConnection() {
      const { apiKey, baseUrl } = deps.settings.anthropic();
      const saved = settingsDefaults().model ?? undefined;
      let model: ResolvedModel;
      try {
        model = resolveModel(catalog, saved);
      } catch (err) {
        return { service: 'anthropic', ok: false, problem: 'not_found', message: (err as Error).message, url: baseUrlOf(baseUrl), elapsedMs: 0 };
      }
      return checkAnthropicConnection({ apiKey, baseUrl: baseUrlOf(baseUrl), model: { id: model.id, label: model.label } }, makeClient);
    },
    async close() {
      closing = true;
      await Promise.all([...active.keys()].map((id) => stopActive(id, { kind: 'closed' })));
      for (const t of pendingEmit.values()) clearTimeout(t);
      pendingEmit.clear();
    },
  };
  return service;
}

const round3 = (v: number): number => Math.round(v * 1000) / 1000;
const round6 = (v: number): number => Math.round(v * 1e6) / 1e6;
