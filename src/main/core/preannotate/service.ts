import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { AppError } from '../../../shared/contract/errors';
import type { EventSink } from '../../../shared/contract/methods';
import type { Db } from '../db/open';
import { writeFileAtomic } from '../settings/fileStores';
import { type Clock, isoNow, systemClock } from '../util/clock';
import { newId } from '../util/ids';
import { BatchExecutor } from './batch';
import { checkAnthropicConnection } from './connection';
import { loadModelCatalog, resolveModel, type Effort, type ModelCatalog, type ResolvedModel } from './catalog';
import type { ConnectionTest } from '../../../shared/domain/connection';
import type { CostEstimateData, PreannotationRun } from '../../../shared/domain/preannotation';
import type { PageWords } from '../../../shared/domain/ocr';
import { estimateCost, type CostEstimate } from './cost';
import { type ExecutionEnd, type ExecutorDeps, OnlineExecutor } from './executor';
import { imageTokens, resizedSize } from './imageSizing';
import { groundingWords, wordsBlock } from './grounding';
import { buildUserText, estimateTextTokens, questionKinds } from './prompt';
import { promptParts } from './request';
import { AdaptiveScheduler, FixedScheduler, type Scheduler } from './scheduler';
import { type RunOptions, type RunPrompt, type RunRow, RunStore } from './store';
import { ProgressEvents } from './progressEvents';
import { type LiveRun, readRunStatus } from './runStatus';
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
  /** Sends preannotate.progress and preannotate.finished (a run status), documents.changed ({projectId}). */
  emit?: EventSink;
  clientFactory?: (cfg: { apiKey: string; baseURL: string }) => Anthropic;
  catalog?: ModelCatalog;
  /** The words read on a page, if any: such pages are pre-annotated grounded on them (absent: never). */
  pageWords?: (pageId: string) => PageWords | null;
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

/** A run executing in this process. */
interface Active extends LiveRun {
  executor: OnlineExecutor | BatchExecutor;
  done: Promise<void>;
}

/** Completion times of a run's pages in this process, for its recent throughput. */
class CompletionLog {
  readonly times: number[] = [];

  constructor(
    private readonly time: PoolTime,
    /** Pages done when the run started executing here. */
    private done: number,
  ) {}

  /** Pages done by now (counted by the caller); each new one completed now. */
  record(doneNow: number): void {
    for (; this.done < doneNow; this.done++) this.times.push(this.time.now());
    if (this.times.length > 5000) this.times.splice(0, this.times.length - 5000);
  }

  /** One more page done. */
  recordOne(): void {
    this.record(this.done + 1);
  }
}

// A page a run of this project already answered: a "new" page so is one the model found nothing on
// (else its document would be pre_annotated). "New documents" does not send it again; "all" does.
const LOOKED_AT = `SELECT 1 FROM preannotation_runs r JOIN preannotation_tasks t ON t.run_id = r.id AND t.page_id = p.id WHERE r.project_id = pd.project_id AND t.state = 'done'`;

const baseUrlOf = (baseUrl: string | null) => (baseUrl ?? 'https://api.anthropic.com').replace(/\/+$/, '');

export function createPreannotationService(deps: PreannotationDeps): PreannotationService {
  return new Preannotation(deps);
}

/** Pre-annotation runs: their options, their execution in this process, their status and events. */
class Preannotation implements PreannotationService {
  private readonly clock: Clock;
  private readonly store: RunStore;
  private readonly time: PoolTime;
  private readonly catalog: ModelCatalog;
  private readonly active = new Map<string, Active>();
  private readonly events: ProgressEvents;
  private readonly log: (message: string) => void;
  private readonly statsDir: string;
  private closing = false;

  constructor(private readonly deps: PreannotationDeps) {
    this.clock = deps.clock ?? systemClock;
    this.store = new RunStore(deps.db);
    this.time = poolTime(deps.timeScale ?? 1);
    this.catalog = deps.catalog ?? loadModelCatalog({ dataDir: deps.dataDir });
    this.log = deps.log ?? (() => undefined);
    this.events = new ProgressEvents(deps.emit, (runId) => this.status(runId), this.log);
    this.statsDir = join(deps.dataDir, 'preannotation');
  }

  models(): ReturnType<PreannotationService['models']> {
    return Object.keys(this.catalog.models).map((id) => {
      const m = resolveModel(this.catalog, id);
      return { id, label: m.label, isDefault: id === this.catalog.defaultModel, vision: m.vision, efforts: m.efforts, pricesPerMTok: m.pricesPerMTok };
    });
  }

  async estimate(projectId: string, opts: EstimateOptions = {}): Promise<CostEstimate> {
    const prompt = this.checkProject(projectId);
    const { model, effort, maxTokens } = this.resolveOptions(opts);
    const pages = this.selectPages(projectId, opts.scope ?? 'new', opts.documentIds);
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
    const lineTokens = estimateTextTokens(sampleText) + 8;
    const pageTextTokens = lineTokens + this.meanWordsTokens(pages);
    let textCounting: 'count_tokens' | 'approximate' = 'approximate';
    const wantCount = opts.countTokens ?? this.deps.settings.anthropic().apiKey !== null;
    if (wantCount && pages.length > 0) {
      try {
        const client = this.clientFor();
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
        prefixTokens = Math.max(0, counted.input_tokens - lineTokens);
        textCounting = 'count_tokens';
      } catch (err) {
        this.log(`pre-annotation: count_tokens failed, estimating the prompt locally: ${(err as Error).message}`);
      }
    }
    const history = this.store.meanOutputTokens(projectId, model.id);
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
  }

  async start(projectId: string, opts: StartOptions = {}): Promise<PreannotationRun> {
    const prompt = this.checkProject(projectId);
    const { model, effort, maxTokens, concurrency } = this.resolveOptions(opts);
    const existing = this.store.activeRunOf(projectId);
    if (existing) {
      throw new AppError('conflict', `This project already has a pre-annotation run (${existing.state}); resume or cancel it first.`, { details: { runId: existing.id } });
    }
    this.clientFor(); // no key: say so before anything is written
    const scope = opts.scope ?? 'new';
    const pages = this.selectPages(projectId, scope, opts.documentIds);
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
    const est = await this.estimate(projectId, opts);
    const options: RunOptions = {
      concurrency,
      strategy: opts.strategy ?? { kind: 'adaptive' },
      attemptDeadlineMs: opts.attemptDeadlineMs ?? 180_000,
      headerTimeoutMs: opts.headerTimeoutMs ?? 120_000,
      maxAttempts: opts.maxAttempts ?? 10,
      scope,
      timeScale: this.time.scale,
      batchPollMs: opts.batchPollMs ?? 30_000,
      batchMaxRequests: opts.batchMaxRequests ?? 10_000,
    };
    const runId = newId();
    const now = isoNow(this.clock);
    this.store.createRun(
      { id: runId, projectId, mode: opts.batch ? 'batch' : 'online', model: model.id, effort, maxTokens, options, prompt, estimate: est, createdAt: now },
      pages,
      now,
    );
    this.launch(this.store.run(runId)!);
    this.events.progress(runId, projectId, true);
    return this.status(runId);
  }

  async pause(runId: string): Promise<PreannotationRun> {
    const run = this.mustRun(runId);
    if (run.state !== 'running') return this.status(runId);
    if (!(await this.stopActive(runId, { kind: 'paused' }))) {
      this.store.setRunState(runId, 'paused', isoNow(this.clock));
      this.events.progress(runId, run.projectId, true);
    }
    return this.status(runId);
  }

  async resume(runId: string): Promise<PreannotationRun> {
    const run = this.mustRun(runId);
    if (run.state === 'completed' || run.state === 'cancelled') {
      throw new AppError('conflict', `This run is ${run.state}; start a new one instead.`, { details: { runId } });
    }
    if (this.active.has(runId)) return this.status(runId);
    if (run.mode === 'online') this.store.requeueInFlight(runId);
    // Stopped because the first pages all failed alike: once the cause is fixed, try them again.
    if (run.state === 'stopped' && run.stopReason?.code === 'repeated_failure') this.store.requeueFailed(runId);
    this.store.setRunState(runId, 'running', isoNow(this.clock), { stopReason: null });
    this.launch(this.store.run(runId)!);
    this.events.progress(runId, run.projectId, true);
    return this.status(runId);
  }

  async cancel(runId: string): Promise<PreannotationRun> {
    const run = this.mustRun(runId);
    if (run.state === 'completed' || run.state === 'cancelled') return this.status(runId);
    if (!(await this.stopActive(runId, { kind: 'cancelled' }))) await this.cancelIdle(run);
    return this.status(runId);
  }

  status(runId: string): PreannotationRun {
    return readRunStatus(this.deps.db, this.store, runId, this.active.get(runId), this.time.now());
  }

  listRuns(projectId: string): PreannotationRun[] {
    return this.store.runsOf(projectId).map((r) => this.status(r.id));
  }

  activeRuns(): PreannotationRun[] {
    return this.store.unfinishedRuns().map((r) => this.status(r.id));
  }

  foundNothing(projectId: string, documentIds: readonly string[]): Map<string, { model: string; at: string; pages: number }> {
    return this.store.foundNothing(projectId, documentIds);
  }

  async waitForRun(runId: string): Promise<PreannotationRun> {
    this.mustRun(runId);
    await this.active.get(runId)?.done;
    return this.status(runId);
  }

  resumeInterrupted(): string[] {
    const resumed: string[] = [];
    for (const run of this.store.unfinishedRuns()) {
      if (this.active.has(run.id)) continue;
      // Another Folio (the app, a CLI) is executing it right now: its pages are not lost, and
      // sending them again would pay for every page twice.
      if (this.store.executedElsewhere(run.id)) continue;
      // In-flight pages of any unfinished run lost their requests with the process.
      const requeued = run.mode === 'online' ? this.store.requeueInFlight(run.id) : 0;
      if (run.state !== 'running') continue;
      if (requeued) this.log(`pre-annotation: run ${run.id}: ${requeued} page(s) that were in flight went back to the queue`);
      this.launch(run);
      resumed.push(run.id);
    }
    return resumed;
  }

  async testConnection(): Promise<ConnectionTest> {
    const { apiKey, baseUrl } = this.deps.settings.anthropic();
    const saved = this.settingsDefaults().model ?? undefined;
    let model: ResolvedModel;
    try {
      model = resolveModel(this.catalog, saved);
    } catch (err) {
      return { service: 'anthropic', ok: false, problem: 'not_found', message: (err as Error).message, url: baseUrlOf(baseUrl), elapsedMs: 0 };
    }
    return checkAnthropicConnection({ apiKey, baseUrl: baseUrlOf(baseUrl), model: { id: model.id, label: model.label } }, (cfg) => this.makeClient(cfg));
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.active.keys()].map((id) => this.stopActive(id, { kind: 'closed' })));
    this.events.close();
  }

  // ----- execution -----

  private launch(run: RunRow): void {
    if (this.active.has(run.id) || this.closing) return;
    this.store.claimRun(run.id);
    let client: Anthropic;
    try {
      client = this.clientFor();
    } catch (err) {
      this.store.setRunState(run.id, 'stopped', isoNow(this.clock), { stopReason: { code: 'authentication', message: (err as Error).message } });
      this.events.progress(run.id, run.projectId, true);
      return;
    }
    const model = resolveModel(this.catalog, run.model);
    const scheduler = this.schedulerFor(run, model);
    const completions = new CompletionLog(this.time, this.store.counts(run.id).done);
    const executor = this.executorFor(run, { store: this.store, run, client, model, scheduler, time: this.time, clock: this.clock, ...this.executorHooks(run, completions) });
    const entry: Active = {
      executor,
      scheduler: run.mode === 'online' ? scheduler : null,
      startedAt: this.time.now(),
      completions: completions.times,
      done: Promise.resolve(),
    };
    this.active.set(run.id, entry);
    entry.done = executor
      .execute()
      .catch((err: unknown): ExecutionEnd => {
        this.log(`pre-annotation: run ${run.id} failed: ${(err as Error).stack ?? String(err)}`);
        return { kind: 'stopped', code: 'internal', message: `Folio hit an internal error and stopped the run: ${(err as Error).message}` };
      })
      .then((end) => this.finish(run, end, entry));
  }

  private schedulerFor(run: RunRow, model: ResolvedModel): Scheduler {
    const o = run.options;
    return o.strategy.kind === 'fixed'
      ? new FixedScheduler(this.time, o.strategy)
      : new AdaptiveScheduler(this.time, {
          ...(o.concurrency === 'auto' ? {} : { fixedConcurrency: o.concurrency }),
          latencyPriorMs: model.typicalLatencyMs,
          maxAttempts: o.maxAttempts,
          attemptDeadlineMs: o.attemptDeadlineMs,
          headerTimeoutMs: o.headerTimeoutMs,
        });
  }

  private executorFor(run: RunRow, executorDeps: ExecutorDeps): OnlineExecutor | BatchExecutor {
    const o = run.options;
    return run.mode === 'batch'
      ? new BatchExecutor(executorDeps, { pollMs: o.batchPollMs, maxRequests: o.batchMaxRequests, maxBytes: 100 * 2 ** 20, maxAttempts: o.maxAttempts })
      : new OnlineExecutor(executorDeps);
  }

  /** How an executor reads the project and reports back to the service. */
  private executorHooks(run: RunRow, completions: CompletionLog): Pick<ExecutorDeps, 'mediaFile' | 'currentPrompt' | 'pageWords' | 'onChange' | 'onSimulated' | 'log'> {
    let cachedPrompt: { at: number; value: { labels: Set<string>; templates: Set<string> } } | null = null;
    let simulatedSeen = run.simulated;
    return {
      mediaFile: (p: string) => this.deps.media.absolute(p),
      currentPrompt: () => {
        if (!cachedPrompt || Date.now() - cachedPrompt.at > 2000) {
          const p = this.promptOf(run.projectId);
          cachedPrompt = { at: Date.now(), value: { labels: new Set(p.labels), templates: new Set(p.questions) } };
        }
        return cachedPrompt.value;
      },
      onChange: (what: 'task' | 'done') => {
        // A batch ingests many pages between calls: count them instead.
        if (run.mode === 'batch') completions.record(this.store.counts(run.id).done);
        else if (what === 'done') completions.recordOne();
        this.events.progress(run.id, run.projectId);
      },
      onSimulated: () => {
        if (simulatedSeen) return;
        simulatedSeen = true;
        this.store.markSimulated(run.id);
      },
      log: this.log,
      ...(this.deps.pageWords ? { pageWords: this.deps.pageWords } : {}),
    };
  }

  private finish(run: RunRow, end: ExecutionEnd, entry: Active): void {
    this.store.addElapsed(run.id, this.time.now() - entry.startedAt);
    this.active.delete(run.id);
    const now = isoNow(this.clock);
    switch (end.kind) {
      case 'closed':
        return; // stays 'running': the next start resumes it
      case 'completed':
        this.store.setRunState(run.id, 'completed', now);
        break;
      case 'paused':
        this.store.setRunState(run.id, 'paused', now);
        break;
      case 'cancelled':
        this.store.cancelRemaining(run.id, now);
        this.store.setRunState(run.id, 'cancelled', now);
        break;
      case 'stopped':
        this.store.setRunState(run.id, 'stopped', now, { stopReason: { code: end.code, message: end.message } });
        break;
    }
    try {
      this.exportStats(run.id);
    } catch (err) {
      this.log(`pre-annotation: could not write the stats of run ${run.id}: ${(err as Error).message}`);
    }
    this.events.progress(run.id, run.projectId, true);
    this.events.finished(run.id);
  }

  /** Resolves `false` when the run does not execute here. */
  private async stopActive(runId: string, end: ExecutionEnd): Promise<boolean> {
    const a = this.active.get(runId);
    if (!a) return false;
    a.executor.stop(end);
    await a.done;
    return true;
  }

  /** Cancel a run that does not execute here (paused, stopped, or a batch waiting on the API). */
  private async cancelIdle(run: RunRow): Promise<void> {
    const runId = run.id;
    if (run.mode === 'batch') {
      try {
        const client = this.clientFor();
        for (const b of this.store.batches(runId).filter((x) => x.state === 'submitted' && x.remoteId)) await client.messages.batches.cancel(b.remoteId!, {}, { maxRetries: 2 });
      } catch (err) {
        this.log(`pre-annotation: could not cancel the batches of run ${runId}: ${(err as Error).message}`);
      }
    }
    this.store.cancelRemaining(runId, isoNow(this.clock));
    this.store.setRunState(runId, 'cancelled', isoNow(this.clock));
    this.exportStats(runId);
    this.events.progress(runId, run.projectId, true);
    this.events.finished(runId);
  }

  private exportStats(runId: string): string {
    mkdirSync(this.statsDir, { recursive: true });
    const file = join(this.statsDir, `${runId}.json`);
    this.store.setRunState(runId, this.store.run(runId)!.state, isoNow(this.clock), { statsFile: file });
    const run = this.status(runId);
    const tasks = this.store.tasks(runId).map((t) => ({
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
    writeFileAtomic(file, JSON.stringify({ exportedAt: isoNow(this.clock), timeScale: this.time.scale, run, tasks, attempts: this.store.attempts(runId) }, null, 2) + '\n');
    return file;
  }

  // ----- projects, settings and options -----

  private makeClient(cfg: { apiKey: string; baseURL: string }): Anthropic {
    return this.deps.clientFactory ? this.deps.clientFactory(cfg) : new Anthropic({ ...cfg, maxRetries: 0, timeout: 120_000 });
  }

  private clientFor(): Anthropic {
    const { apiKey, baseUrl } = this.deps.settings.anthropic();
    if (!apiKey) {
      throw new AppError('invalid_request', 'No Anthropic API key: add one in Settings → Claude, or set ANTHROPIC_API_KEY, then start pre-annotation again.', {
        details: { field: 'anthropicApiKey' },
      });
    }
    return this.makeClient({ apiKey, baseURL: baseUrlOf(baseUrl) });
  }

  private mustRun(runId: string): RunRow {
    const run = this.store.run(runId);
    if (!run) throw new AppError('not_found', `No pre-annotation run with id ${runId}`);
    return run;
  }

  private promptOf(projectId: string): RunPrompt {
    const p = this.deps.projects.get(projectId);
    const kinds = questionKinds(p.questions);
    return { labels: p.labels.map((l) => l.name), questions: [...kinds.keys()], questionKinds: Object.fromEntries(kinds) };
  }

  private checkProject(projectId: string): RunPrompt {
    const prompt = this.promptOf(projectId); // not_found for an unknown project
    if (prompt.labels.length === 0 && prompt.questions.length === 0) {
      throw new AppError('invalid_request', 'This project has no labels and no question templates: add them in the project settings so Claude knows what to look for.', {
        details: { field: 'labels' },
      });
    }
    return prompt;
  }

  /** The mean size of the words lists grounded pages add to their requests, from up to 50 pages spread over the run. */
  private meanWordsTokens(pages: { pageId: string }[]): number {
    if (!this.deps.pageWords || pages.length === 0) return 0;
    const step = Math.max(1, Math.floor(pages.length / 50));
    let sum = 0;
    let n = 0;
    for (let i = 0; i < pages.length; i += step, n++) {
      const words = groundingWords(this.deps.pageWords(pages[i]!.pageId));
      if (words) sum += estimateTextTokens(wordsBlock(words, { x: 1, y: 1 }));
    }
    return Math.round(sum / n);
  }

  private selectPages(projectId: string, scope: 'new' | 'all', documentIds?: string[]) {
    const rows = this.deps.db
      .prepare(
        `SELECT p.id AS pageId, p.document_id AS documentId, p.width, p.height, p.page_number AS pageNumber, d.page_count AS pageCount, d.source_name AS sourceName
         FROM project_documents pd JOIN pages p ON p.document_id = pd.document_id JOIN documents d ON d.id = pd.document_id
         WHERE pd.project_id = ? AND ${scope === 'new' ? `pd.status = 'new' AND NOT EXISTS (${LOOKED_AT})` : "pd.status <> 'verified'"}
         ORDER BY pd.position, p.page_number`,
      )
      .all(projectId) as { pageId: string; documentId: string; width: number; height: number; pageNumber: number; pageCount: number; sourceName: string }[];
    if (!documentIds) return rows;
    const wanted = new Set(documentIds);
    return rows.filter((r) => wanted.has(r.documentId));
  }

  private settingsDefaults() {
    return this.deps.settings.preannotation?.() ?? {};
  }

  private resolveOptions(opts: StartOptions) {
    const saved = this.settingsDefaults();
    const model = resolveModel(this.catalog, opts.model ?? saved.model ?? undefined);
    const effort = opts.effort ?? saved.effort ?? this.catalog.defaults.effort;
    if (model.efforts.length && !model.efforts.includes(effort)) {
      throw new AppError('invalid_request', `effort: ${model.id} accepts ${model.efforts.join(', ')}; got "${effort}"`, { details: { field: 'effort' } });
    }
    const maxTokens = opts.maxTokens ?? saved.maxTokens ?? this.catalog.defaults.maxTokens;
    if (!Number.isInteger(maxTokens) || maxTokens < 256 || maxTokens > 128_000) {
      throw new AppError('invalid_request', `maxTokens: must be an integer from 256 to 128000, got ${maxTokens}`, { details: { field: 'maxTokens' } });
    }
    const concurrency = opts.concurrency ?? 'auto';
    if (concurrency !== 'auto' && (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256)) {
      throw new AppError('invalid_request', `concurrency: must be "auto" or an integer from 1 to 256, got ${String(concurrency)}`, { details: { field: 'concurrency' } });
    }
    return { model, effort: model.efforts.length ? effort : null, maxTokens, concurrency };
  }
}
