import type { BatchCreateParams } from '@anthropic-ai/sdk/resources/messages/batches';
import type { Message } from '@anthropic-ai/sdk/resources/messages/messages';
import { isoNow } from '../util/clock';
import { classifyError } from './classify';
import { costUsd, usageFromApi } from './cost';
import type { ExecutionEnd, ExecutorDeps } from './executor';
import { type GroundingWords, groundingWords } from './grounding';
import { downsizedTier, resizedSize } from './imageSizing';
import { ModelOutputError, parseModelOutput } from './parse';
import { prepareImage, type PreparedImage } from './prepare';
import { pageRequestBody, promptParts, type PromptParts, type RequestSettings } from './request';
import type { BatchRow, PageWork } from './store';

export interface BatchOptions {
  /** Simulated ms between two looks at a running batch. */
  pollMs: number;
  /** Requests per batch (the API allows 100,000 and 256 MB). */
  maxRequests: number;
  /** Bytes of JSON per batch. */
  maxBytes: number;
  /** Attempts per page across batches before it fails. */
  maxAttempts: number;
}

/**
 * Batch mode (Message Batches API, half price): pages go out in batches, which are polled until
 * they end; results are matched back by custom_id (the task id) and ingested exactly once.
 *
 * Crash safety. A batch row is written (state `creating`, its pages assigned) before the create
 * call and gets the batch id right after. A restart finds:
 *  - `submitted` batches: polled and ingested as usual. Ingesting is idempotent per page (the
 *    task must still be pending), so results read twice are taken in once.
 *  - `creating` batches (the process died during the create call): the API's batch list is
 *    searched for one created at that time with that many requests; if exactly one is found it is
 *    adopted, otherwise the pages go back to the queue and are sent again.
 */
export class BatchExecutor {
  private readonly abort = new AbortController();
  private stopRequest: ExecutionEnd | null = null;
  private readonly parts: PromptParts;
  private readonly settings: RequestSettings;
  private wakeTimer: AbortController | null = null;

  constructor(
    private readonly d: ExecutorDeps,
    private readonly opts: BatchOptions,
  ) {
    this.parts = promptParts(d.run.prompt);
    this.settings = { model: d.run.model, maxTokens: d.run.maxTokens, effort: d.run.effort };
  }

  stop(end: ExecutionEnd): void {
    if (this.stopRequest) return;
    this.stopRequest = end;
    this.abort.abort(new Error(end.kind));
    this.wakeTimer?.abort();
  }

  get stopping(): boolean {
    return this.stopRequest !== null;
  }

  /**
   * A page's words, read when it is sent and again when its result is ingested (perhaps after a
   * restart): words are tied to the page image and a reading is deterministic, so both agree.
   */
  private wordsOf(w: PageWork): GroundingWords | null {
    return groundingWords(this.d.pageWords?.(w.pageId));
  }

  async execute(): Promise<ExecutionEnd> {
    const { store, run } = this.d;
    try {
      for (const b of store.batches(run.id).filter((x) => x.state === 'creating')) await this.recoverCreating(b);
      for (;;) {
        if (this.stopRequest) break;
        await this.submitQueued();
        if (this.stopRequest) break;
        const open = store.batches(run.id).filter((b) => b.state === 'submitted');
        for (const b of open) {
          if (this.stopRequest) break;
          await this.poll(b);
        }
        const counts = store.counts(run.id);
        const stillOpen = store.batches(run.id).some((b) => b.state === 'submitted' || b.state === 'creating');
        if (!stillOpen && counts.queued === 0 && counts.in_flight === 0) break;
        if (!stillOpen && counts.queued > 0) continue;
        this.wakeTimer = new AbortController();
        await this.d.time.sleep(this.opts.pollMs, this.wakeTimer.signal).catch(() => undefined);
      }
    } catch (err) {
      if (!this.stopRequest) throw err;
    }
    if (this.stopRequest?.kind === 'cancelled') await this.cancelRemote();
    return this.stopRequest ?? { kind: 'completed' };
  }

  private async recoverCreating(b: BatchRow): Promise<void> {
    const { store, client, clock } = this.d;
    const known = new Set(store.batches(this.d.run.id).map((x) => x.remoteId).filter((x): x is string => x !== null));
    const since = Date.parse(b.createdAt) - 120_000;
    const matches: string[] = [];
    try {
      for await (const remote of client.messages.batches.list({ limit: 100 }, { signal: this.abort.signal, maxRetries: 2 })) {
        if (Date.parse(remote.created_at) < since) break;
        const c = remote.request_counts;
        const total = c.processing + c.succeeded + c.errored + c.canceled + c.expired;
        if (!known.has(remote.id) && total === b.requestCount) matches.push(remote.id);
      }
    } catch (err) {
      this.d.log?.(`pre-annotation: could not list batches to recover ${b.id}: ${(err as Error).message}`);
    }
    if (matches.length === 1) {
      store.batchSubmitted(b.id, matches[0]!, isoNow(clock));
      this.d.log?.(`pre-annotation: adopted batch ${matches[0]} created before a restart`);
    } else {
      store.abandonBatch(b.id, matches.length ? `ambiguous: ${matches.length} batches could be this one` : 'never reached the API', isoNow(clock));
    }
  }

  private async submitQueued(): Promise<void> {
    const { store, run, clock, model } = this.d;
    const work = store.queuedWork(run.id, { unbatchedOnly: true });
    if (work.length === 0) return;
    const downsized = new Set(store.tasks(run.id).filter((t) => t.downsized).map((t) => t.id));
    let chunk: { work: PageWork; body: BatchCreateParams.Request; sent: { width: number; height: number; asIs: boolean } }[] = [];
    let bytes = 0;
    const flush = async () => {
      if (chunk.length === 0 || this.stopRequest) return;
      const items = chunk;
      chunk = [];
      bytes = 0;
      const batchId = store.createBatch(run.id, items.map((i) => ({ taskId: i.work.taskId, sent: i.sent })), isoNow(clock));
      this.d.onChange('task');
      try {
        const { data: created, response } = await this.d.client.messages.batches
          .create({ requests: items.map((i) => i.body) }, { signal: this.abort.signal, maxRetries: 4 })
          .withResponse();
        if (response.headers.get('x-folio-simulator')) this.d.onSimulated?.();
        store.batchSubmitted(batchId, created.id, isoNow(clock));
      } catch (err) {
        const outcome = classifyError(err, { aborted: this.abort.signal.aborted, deadlineHit: false, untilWall: this.d.time.untilWall });
        store.abandonBatch(batchId, outcome.message, isoNow(clock));
        if (outcome.kind === 'stop_run') this.stop({ kind: 'stopped', code: outcome.code, message: outcome.message });
        else if (outcome.kind === 'fail_page' || outcome.kind === 'downsize') {
          for (const i of items) store.failTask(i.work.taskId, `the batch was refused: ${outcome.message}`, isoNow(clock), null);
        } else if (outcome.kind !== 'aborted') {
          await this.d.time.sleep(outcome.kind === 'retry' && outcome.retryAfterMs ? outcome.retryAfterMs : 5_000, this.abort.signal).catch(() => undefined);
        }
      }
      this.d.onChange('task');
    };
    for (const w of work) {
      if (this.stopRequest) return;
      let image: PreparedImage;
      try {
        image = await prepareImage(this.d.mediaFile(w.level0), { width: w.width, height: w.height }, downsized.has(w.taskId) ? downsizedTier(w) : model.tier);
      } catch (err) {
        store.failTask(w.taskId, `the page image could not be prepared: ${(err as Error).message}`, isoNow(clock), null);
        continue;
      }
      const body: BatchCreateParams.Request = { custom_id: w.taskId, params: pageRequestBody(this.parts, this.settings, w, image, this.wordsOf(w)) };
      const size = image.base64.length + 4096;
      if (chunk.length && (chunk.length >= this.opts.maxRequests || bytes + size > this.opts.maxBytes)) await flush();
      chunk.push({ work: w, body, sent: { width: image.sentWidth, height: image.sentHeight, asIs: image.asIs } });
      bytes += size;
    }
    await flush();
  }

  private async poll(b: BatchRow): Promise<void> {
    const { client } = this.d;
    let status;
    try {
      status = await client.messages.batches.retrieve(b.remoteId!, {}, { signal: this.abort.signal, maxRetries: 4 });
    } catch (err) {
      const outcome = classifyError(err, { aborted: this.abort.signal.aborted, deadlineHit: false, untilWall: this.d.time.untilWall });
      if (outcome.kind === 'stop_run') this.stop({ kind: 'stopped', code: outcome.code, message: outcome.message });
      else if (outcome.kind === 'fail_page' && (err as { status?: number }).status === 404) this.d.store.abandonBatch(b.id, `the API no longer has batch ${b.remoteId}`, isoNow(this.d.clock));
      return;
    }
    if (status.processing_status !== 'ended') return;
    await this.ingest(b, status.ended_at);
  }

  private async ingest(b: BatchRow, endedAt: string | null): Promise<void> {
    const { store, run, client, clock, model, time } = this.d;
    const mine = new Set(store.batchTaskIds(b.id));
    const work = store.workOf([...mine]);
    const latencyMs = b.submittedAt ? ((endedAt ? Date.parse(endedAt) : Date.now()) - Date.parse(b.submittedAt)) / time.scale : 0;
    const current = this.d.currentPrompt();
    const seen = new Set<string>();
    for await (const line of await client.messages.batches.results(b.remoteId!, {}, { signal: this.abort.signal, maxRetries: 4 })) {
      const task = store.task(line.custom_id);
      if (!task || task.batchId !== b.id || !mine.has(task.id) || seen.has(task.id)) continue;
      seen.add(task.id);
      if (task.state !== 'in_flight' && task.state !== 'queued') continue;
      const w = work.get(task.id)!;
      const n = task.attempts + 1;
      const attempt = { n, sentMs: 0, latencyMs, status: null as number | null, outcome: 'ok' as const, reason: null, requestId: null, message: null };
      const r = line.result;
      if (r.type === 'succeeded') {
        const message = r.message as Message;
        const tokens = usageFromApi(message.usage);
        const billed = { tokens, costUsd: costUsd(tokens, model.pricesPerMTok, true) };
        // The size sent was recorded with the batch, before the create call.
        const sent = task.detail?.sent ?? { ...resizedSize(w.width, w.height, task.downsized ? downsizedTier(w) : model.tier), asIs: false };
        try {
          const parsed = parseModelOutput(message, {
            sentWidth: sent.width,
            sentHeight: sent.height,
            origWidth: w.width,
            origHeight: w.height,
            labels: current.labels.size ? current.labels : this.parts.labels,
            templates: current.templates,
            words: this.wordsOf(w),
          });
          store.ingest({
            taskId: task.id,
            run,
            work: w,
            parsed,
            attempt: { ...attempt, status: 200 },
            billed,
            latencyMs,
            durationMs: latencyMs,
            detail: { sent, boxes: parsed.boxes.length, qa: parsed.qa.length, dropped: parsed.dropped },
            now: isoNow(clock),
          });
        } catch (err) {
          if (!(err instanceof ModelOutputError)) throw err;
          store.recordAttempt(task.id, run.id, { ...attempt, status: 200, outcome: err.problem === 'refusal' ? 'fail_page' : 'output', reason: err.problem, message: err.message }, billed);
          if (err.problem !== 'refusal' && task.outputRetries < 1) store.requeue(task.id, { outputRetry: true, batchId: null });
          else store.failTask(task.id, err.problem === 'refusal' ? err.message : `the answer was ${err.problem} twice: ${err.message}`, isoNow(clock), latencyMs);
        }
      } else if (r.type === 'errored') {
        const e = r.error.error;
        store.recordAttempt(task.id, run.id, { ...attempt, outcome: e.type === 'invalid_request_error' ? 'fail_page' : 'retry', reason: e.type, message: e.message });
        if (e.type === 'invalid_request_error' || n >= this.opts.maxAttempts) store.failTask(task.id, `${e.type}: ${e.message}`, isoNow(clock), latencyMs);
        else store.requeue(task.id, { batchId: null });
      } else {
        // canceled or expired: not billed; send again unless the run is being cancelled.
        store.recordAttempt(task.id, run.id, { ...attempt, outcome: 'retry', reason: r.type, message: `batch request ${r.type}` });
        if (n >= this.opts.maxAttempts) store.failTask(task.id, `batch request ${r.type} ${n} times`, isoNow(clock), latencyMs);
        else store.requeue(task.id, { batchId: null });
      }
      this.d.onChange('task');
    }
    // A page the results did not mention goes out again in the next batch.
    for (const id of mine) {
      const t = store.task(id);
      if (t && t.batchId === b.id && (t.state === 'in_flight' || t.state === 'queued')) store.requeue(id, { batchId: null });
    }
    store.batchIngested(b.id, isoNow(clock));
    this.d.onChange('task');
  }

  private async cancelRemote(): Promise<void> {
    for (const b of this.d.store.batches(this.d.run.id).filter((x) => x.state === 'submitted' && x.remoteId)) {
      try {
        await this.d.client.messages.batches.cancel(b.remoteId!, {}, { maxRetries: 2 });
      } catch (err) {
        this.d.log?.(`pre-annotation: cancelling batch ${b.remoteId} failed: ${(err as Error).message}`);
      }
    }
  }
}
