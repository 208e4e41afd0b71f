import type Anthropic from '@anthropic-ai/sdk';
import type { PageWords } from '../../../shared/domain/ocr';
import type { Message } from '@anthropic-ai/sdk/resources/messages/messages';
import { type Clock, isoNow } from '../util/clock';
import type { ResolvedModel, VisionTier } from './catalog';
import { classifyError, type AttemptOutcome } from './classify';
import { costUsd, itpmTokens, usageFromApi, type TokenUsage } from './cost';
import { type GroundingWords, groundingWords } from './grounding';
import { downsizedTier, STANDARD_TIER } from './imageSizing';
import { ModelOutputError, parseModelOutput } from './parse';
import { prepareImage, type PreparedImage } from './prepare';
import { expectedInputTokens, pageRequestBody, promptParts, warmupBody, type PromptParts, type RequestSettings } from './request';
import type { Permit, Scheduler } from './scheduler';
import type { AttemptRecord, PageWork, RunRow, RunStore } from './store';
import type { PoolTime } from './timing';

/** How an execution ended (the run's state follows from it). */
export type ExecutionEnd =
  | { kind: 'completed' }
  | { kind: 'paused' }
  | { kind: 'cancelled' }
  | { kind: 'closed' }
  | { kind: 'stopped'; code: string; message: string };

export interface ExecutorDeps {
  store: RunStore;
  run: RunRow;
  client: Anthropic;
  model: ResolvedModel;
  scheduler: Scheduler;
  time: PoolTime;
  clock: Clock;
  /** Absolute path of a media path. */
  mediaFile(mediaPath: string): string;
  /** The project's current label names and question templates (checked at ingest). */
  currentPrompt(): { labels: Set<string>; templates: Set<string> };
  /** A page's words, when they have been read: the page then goes grounded (absent: never). */
  pageWords?(pageId: string): PageWords | null;
  /** Something changed; 'done' = a page was ingested. */
  onChange(what: 'task' | 'done'): void;
  /** The server identified itself as Folio's Claude simulator (header x-folio-simulator). */
  onSimulated?(): void;
  log?: (message: string) => void;
}

interface QueueItem {
  work: PageWork;
  notBefore: number;
  /** Transient failures so far in this process (drives the backoff). */
  transient: number;
  firstSentMs: number | null;
}

/** Pages that fail with the same permanent error this many times, before any succeeds, stop the run. */
const SAME_ERROR_STOP = 5;

class Wakeup {
  private resolve: (() => void) | null = null;
  private promise: Promise<void> | null = null;
  wait(time: PoolTime, ms: number): Promise<void> {
    this.promise ??= new Promise<void>((r) => (this.resolve = r));
    const p = this.promise;
    if (!Number.isFinite(ms)) return p;
    return Promise.race([p, time.sleep(Math.max(0, ms))]);
  }
  fire(): void {
    const r = this.resolve;
    this.promise = null;
    this.resolve = null;
    r?.();
  }
}

/**
 * Runs one online run: a dispatcher takes queued pages in order, waits for the scheduler's leave
 * and starts each page's attempt without waiting for it; answers are ingested as they come.
 * Page images are prepared a few pages ahead, off the dispatch path.
 */
export class OnlineExecutor {
  /** Aborts requests in flight (cancel, close). */
  private readonly abort = new AbortController();
  /** Aborts waiting for the next dispatch (every stop, pause included). */
  private readonly dispatchAbort = new AbortController();
  private stopRequest: ExecutionEnd | null = null;
  private readonly queue: QueueItem[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly prepared = new Map<string, { tier: VisionTier; promise: Promise<PreparedImage> }>();
  /** Each page's words, read once: its requests and the parsing of their answers use the same list. */
  private readonly words = new Map<string, GroundingWords | null>();
  private readonly wake = new Wakeup();
  private readonly parts: PromptParts;
  private readonly settings: RequestSettings;
  private prefixCached = false;
  private succeeded = 0;
  private sameError: { message: string; count: number } | null = null;
  private downsizeTier: VisionTier | null = null;

  constructor(private readonly d: ExecutorDeps) {
    this.parts = promptParts(d.run.prompt);
    this.settings = { model: d.run.model, maxTokens: d.run.maxTokens, effort: d.run.effort };
  }

  /**
   * Stop dispatching. A pause, or a stop the API asked for, lets requests in flight finish (they
   * may already be billed, and their answers are ingested); cancel and close abort them.
   */
  stop(end: ExecutionEnd): void {
    if (this.stopRequest) return;
    this.stopRequest = end;
    this.dispatchAbort.abort(new Error(end.kind));
    if (end.kind === 'cancelled' || end.kind === 'closed') this.abort.abort(new Error(end.kind));
    this.wake.fire();
  }

  get stopping(): boolean {
    return this.stopRequest !== null;
  }

  async execute(): Promise<ExecutionEnd> {
    const { store, run } = this.d;
    for (const work of store.queuedWork(run.id)) this.queue.push({ work, notBefore: 0, transient: 0, firstSentMs: null });
    const downsized = new Set(store.tasks(run.id).filter((t) => t.downsized).map((t) => t.id));
    for (const item of this.queue) if (downsized.has(item.work.taskId)) this.prepareFor(item.work, downsizedTier(item.work));

    if (this.d.scheduler.kind === 'adaptive' && this.queue.length > 0) await this.warmUp();

    while (!this.stopRequest) {
      const next = this.nextReady();
      if (!next) {
        if (this.queue.length === 0 && this.inFlight.size === 0) break;
        const earliest = this.queue.length ? Math.min(...this.queue.map((q) => q.notBefore)) - this.d.time.now() : Infinity;
        await this.wake.wait(this.d.time, earliest);
        continue;
      }
      this.prefetch(next);
      let image: PreparedImage;
      try {
        image = await this.imageFor(next.work);
      } catch (err) {
        this.queue.splice(this.queue.indexOf(next), 1);
        this.failPage(next, `the page image could not be prepared: ${(err as Error).message}`, null);
        continue;
      }
      let permit: Permit;
      try {
        permit = await this.d.scheduler.acquire(expectedInputTokens(this.parts, next.work, image, this.prefixCached, this.wordsFor(next.work)), this.dispatchAbort.signal);
      } catch {
        break; // stopped while waiting
      }
      if (this.stopRequest) {
        this.d.scheduler.release(permit);
        break;
      }
      this.queue.splice(this.queue.indexOf(next), 1);
      const p = this.runPage(next, image, permit).catch((err: unknown) => {
        this.d.log?.(`pre-annotation: page ${next.work.pageId} crashed the worker: ${(err as Error).stack ?? String(err)}`);
        this.failPage(next, `internal error: ${(err as Error).message}`, null);
      });
      this.inFlight.add(p);
      void p.finally(() => {
        this.inFlight.delete(p);
        this.wake.fire();
      });
    }
    await Promise.allSettled([...this.inFlight]);
    if (this.stopRequest) return this.stopRequest;
    return { kind: 'completed' };
  }

  private nextReady(): QueueItem | null {
    const now = this.d.time.now();
    for (const q of this.queue) if (q.notBefore <= now) return q;
    return null;
  }

  private prefetch(current: QueueItem): void {
    const ahead = Math.max(2, this.d.scheduler.snapshot().concurrency);
    let i = this.queue.indexOf(current);
    for (let n = 0; n <= ahead && i < this.queue.length; i++, n++) void this.imageFor(this.queue[i]!.work).catch(() => undefined);
  }

  private tierFor(): VisionTier {
    return this.downsizeTier ?? this.d.model.tier;
  }

  private prepareFor(work: PageWork, tier: VisionTier): Promise<PreparedImage> {
    const promise = prepareImage(this.d.mediaFile(work.level0), { width: work.width, height: work.height }, tier);
    this.prepared.set(work.taskId, { tier, promise });
    return promise;
  }

  private imageFor(work: PageWork): Promise<PreparedImage> {
    return this.prepared.get(work.taskId)?.promise ?? this.prepareFor(work, this.tierFor());
  }

  private wordsFor(work: PageWork): GroundingWords | null {
    if (!this.words.has(work.taskId)) this.words.set(work.taskId, groundingWords(this.d.pageWords?.(work.pageId)));
    return this.words.get(work.taskId)!;
  }

  /** Warms the prefix of the mode the first page goes in (the other mode's pages write their own). */
  private async warmUp(): Promise<void> {
    const grounded = this.wordsFor(this.queue[0]!.work) !== null;
    const prefix = grounded ? this.parts.grounded : this.parts;
    if (prefix.prefixTokens < this.d.model.cacheMinTokens) return;
    let permit: Permit;
    try {
      permit = await this.d.scheduler.acquire(prefix.prefixTokens + 16, this.dispatchAbort.signal);
    } catch {
      return;
    }
    const sent = this.d.time.now();
    const deadline = new AbortController();
    const timer = this.d.time.sleep(this.d.scheduler.attemptDeadlineMs, deadline.signal).then(
      () => deadline.abort(new Error('deadline')),
      () => undefined,
    );
    try {
      const { data, response } = await this.d.client.messages
        .create(warmupBody(this.parts, this.settings, grounded), { signal: AbortSignal.any([this.abort.signal, deadline.signal]), maxRetries: 0, timeout: this.wallMs(this.d.scheduler.headerTimeoutMs) })
        .withResponse();
      const tokens = usageFromApi(data.usage);
      this.d.store.addOverhead(this.d.run.id, tokens, costUsd(tokens, this.d.model.pricesPerMTok));
      this.prefixCached = tokens.cacheWrite5m + tokens.cacheWrite1h + tokens.cacheRead > 0;
      this.d.scheduler.succeeded(permit, { headers: response.headers, latencyMs: this.d.time.now() - sent, actualInputTokens: 0, estimatedInputTokens: 0 });
    } catch (err) {
      const outcome = classifyError(err, { aborted: this.abort.signal.aborted, deadlineHit: deadline.signal.aborted, untilWall: this.d.time.untilWall });
      this.d.scheduler.failed(permit, outcome, (err as { headers?: Headers }).headers ?? null);
      if (outcome.kind === 'stop_run') this.stop({ kind: 'stopped', code: outcome.code, message: outcome.message });
      else this.d.log?.(`pre-annotation: cache warm-up failed (${outcome.message}); pages go out without it`);
    } finally {
      deadline.abort();
      await timer;
    }
  }

  private wallMs(ms: number): number {
    return Math.max(1, Math.round(ms * this.d.time.scale));
  }

  /** One page: attempts until it is ingested, fails, or must wait in the queue for a retry. */
  private async runPage(item: QueueItem, image: PreparedImage, permit: Permit): Promise<void> {
    const { store, run, scheduler, time } = this.d;
    const currentImage = image;
    for (;;) {
      const task = store.task(item.work.taskId);
      if (!task || (task.state !== 'queued' && task.state !== 'in_flight')) {
        scheduler.release(permit);
        return;
      }
      const n = task.attempts + 1;
      store.markInFlight(task.id, time.now());
      this.d.onChange('task');
      const sentAt = time.now();
      item.firstSentMs ??= sentAt;
      const expected = expectedInputTokens(this.parts, item.work, currentImage, this.prefixCached, this.wordsFor(item.work));
      const result = await this.attempt(item.work, currentImage);
      const latencyMs = time.now() - sentAt;
      const base: AttemptRecord = { n, sentMs: sentAt, latencyMs, status: result.status, outcome: 'ok', reason: null, requestId: result.requestId, message: null };

      if (result.ok) {
        const ingested = store.ingest({
          taskId: task.id,
          run,
          work: item.work,
          parsed: result.parsed,
          attempt: base,
          billed: result.billed!,
          latencyMs,
          durationMs: time.now() - item.firstSentMs,
          detail: {
            sent: { width: currentImage.sentWidth, height: currentImage.sentHeight, asIs: currentImage.asIs },
            boxes: result.parsed.boxes.length,
            qa: result.parsed.qa.length,
            dropped: result.parsed.dropped,
          },
          now: isoNow(this.d.clock),
        });
        scheduler.succeeded(permit, { headers: result.headers, latencyMs, actualInputTokens: itpmTokens(result.billed!.tokens), estimatedInputTokens: expected });
        if (ingested) {
          this.succeeded++;
          this.sameError = null;
        }
        this.prepared.delete(task.id);
        this.words.delete(task.id);
        this.d.onChange(ingested ? 'done' : 'task');
        return;
      }

      const outcome = result.outcome;
      store.recordAttempt(task.id, run.id, { ...base, outcome: outcome.kind, reason: reasonOf(outcome), message: outcome.message }, result.billed ?? undefined);
      const holding = scheduler.holdDuringBackoff && outcome.kind === 'retry';
      if (!holding) {
        if (outcome.kind === 'aborted') scheduler.release(permit);
        else scheduler.failed(permit, outcome, result.headers);
      }

      switch (outcome.kind) {
        case 'retry': {
          item.transient++;
          const delay = scheduler.retryDelay(outcome, item.transient);
          if (delay === null) {
            if (holding) scheduler.failed(permit, outcome, result.headers);
            this.failPage(item, `gave up after ${n} attempts: ${outcome.message}`, outcome.status);
            return;
          }
          if (holding) {
            try {
              await time.sleep(delay, this.abort.signal);
            } catch {
              scheduler.release(permit);
              this.requeueAfterAbort(item);
              return;
            }
            if (this.stopRequest) {
              scheduler.release(permit);
              this.requeueAfterAbort(item);
              return;
            }
            continue;
          }
          this.requeue(item, delay);
          return;
        }
        case 'downsize': {
          if (task.downsized) {
            this.failPage(item, `the image was refused even after downsizing: ${outcome.message}`, outcome.status);
            return;
          }
          const tier = downsizedTier(item.work, outcome.maxSide);
          // When the standard tier is what fits, the model's tier in the table was wrong: every
          // later page goes out at that size too.
          if (tier.maxTokens === STANDARD_TIER.maxTokens) {
            this.downsizeTier = tier;
            for (const [id, entry] of this.prepared) if (entry.tier !== tier && id !== task.id) this.prepared.delete(id);
          }
          store.requeue(task.id, { downsized: true });
          this.prepareFor(item.work, tier).catch(() => undefined);
          this.requeue(item, 0, false);
          return;
        }
        case 'output': {
          if (task.outputRetries >= 1) {
            this.failPage(item, `the answer was ${outcome.problem} twice: ${outcome.message}`, 200);
            return;
          }
          store.requeue(task.id, { outputRetry: true });
          this.requeue(item, 0, false);
          return;
        }
        case 'stop_run':
          store.requeue(task.id);
          this.queue.unshift({ ...item, notBefore: 0 });
          this.stop({ kind: 'stopped', code: outcome.code, message: outcome.message });
          return;
        case 'aborted':
          this.requeueAfterAbort(item);
          return;
        case 'fail_page':
          this.failPage(item, outcome.message, outcome.status);
          if (this.succeeded === 0) {
            const key = outcome.message.replace(/\[req_[^\]]*\]/g, '');
            this.sameError = this.sameError?.message === key ? { message: key, count: this.sameError.count + 1 } : { message: key, count: 1 };
            if (this.sameError.count >= SAME_ERROR_STOP) {
              this.stop({ kind: 'stopped', code: 'repeated_failure', message: `The first ${SAME_ERROR_STOP} pages all failed the same way, so the run stopped: ${outcome.message}` });
            }
          }
          return;
      }
    }
  }

  private requeue(item: QueueItem, delayMs: number, persist = true): void {
    if (persist) this.d.store.requeue(item.work.taskId);
    if (this.stopRequest && this.stopRequest.kind !== 'paused') return;
    this.queue.push({ ...item, notBefore: this.d.time.now() + delayMs });
    this.queue.sort((a, b) => a.notBefore - b.notBefore);
    this.d.onChange('task');
    this.wake.fire();
  }

  private requeueAfterAbort(item: QueueItem): void {
    this.d.store.requeue(item.work.taskId);
    this.d.onChange('task');
  }

  private failPage(item: QueueItem, message: string, _status: number | null): void {
    this.d.store.failTask(item.work.taskId, message, isoNow(this.d.clock), item.firstSentMs === null ? null : this.d.time.now() - item.firstSentMs);
    this.prepared.delete(item.work.taskId);
    this.words.delete(item.work.taskId);
    this.d.log?.(`pre-annotation: page ${item.work.sourceName} p${item.work.pageNumber} failed: ${message}`);
    this.d.onChange('task');
  }

  private async attempt(
    work: PageWork,
    image: PreparedImage,
  ): Promise<
    | { ok: true; parsed: ReturnType<typeof parseModelOutput>; billed: { tokens: TokenUsage; costUsd: number }; headers: Headers; status: number; requestId: string | null }
    | { ok: false; outcome: AttemptOutcome; billed: { tokens: TokenUsage; costUsd: number } | null; headers: Headers | null; status: number | null; requestId: string | null }
  > {
    const { time, scheduler } = this.d;
    const deadline = new AbortController();
    const timer = time.sleep(scheduler.attemptDeadlineMs, deadline.signal).then(
      () => deadline.abort(new Error('deadline')),
      () => undefined,
    );
    let headers: Headers | null = null;
    let requestId: string | null = null;
    let billed: { tokens: TokenUsage; costUsd: number } | null = null;
    try {
      const words = this.wordsFor(work);
      const body = pageRequestBody(this.parts, this.settings, work, image, words);
      const { data, response } = await this.d.client.messages
        .create(body, { signal: AbortSignal.any([this.abort.signal, deadline.signal]), maxRetries: 0, timeout: this.wallMs(scheduler.headerTimeoutMs) })
        .withResponse();
      headers = response.headers;
      requestId = response.headers.get('request-id');
      if (response.headers.get('x-folio-simulator')) this.d.onSimulated?.();
      const message = data as Message;
      const tokens = usageFromApi(message.usage);
      billed = { tokens, costUsd: costUsd(tokens, this.d.model.pricesPerMTok) };
      if (tokens.cacheRead > 0) this.prefixCached = true;
      const current = this.d.currentPrompt();
      const parsed = parseModelOutput(message, {
        sentWidth: image.sentWidth,
        sentHeight: image.sentHeight,
        origWidth: image.origWidth,
        origHeight: image.origHeight,
        labels: current.labels.size ? current.labels : this.parts.labels,
        templates: current.templates,
        words,
      });
      return { ok: true, parsed, billed, headers, status: response.status, requestId };
    } catch (err) {
      const apiErr = err as { headers?: Headers; status?: number; requestID?: string };
      const outcome = classifyError(err, { aborted: this.abort.signal.aborted && !deadline.signal.aborted, deadlineHit: deadline.signal.aborted, untilWall: time.untilWall });
      const h = headers ?? (apiErr.headers instanceof Headers ? apiErr.headers : null);
      return {
        ok: false,
        outcome,
        billed: err instanceof ModelOutputError ? billed : null,
        headers: h,
        status: err instanceof ModelOutputError ? 200 : typeof apiErr.status === 'number' ? apiErr.status : null,
        requestId: requestId ?? apiErr.requestID ?? null,
      };
    } finally {
      deadline.abort();
      await timer;
    }
  }
}

export const reasonOf = (o: AttemptOutcome): string | null => {
  switch (o.kind) {
    case 'retry':
      return o.reason;
    case 'output':
      return o.problem;
    case 'stop_run':
      return o.code;
    case 'downsize':
      return 'image_size';
    default:
      return null;
  }
};
