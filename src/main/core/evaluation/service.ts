import { createHash } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { AppError } from '../../../shared/contract/errors';
import type { EventSink } from '../../../shared/contract/methods';
import {
  evaluationScheduleUpdateSchema,
  type EvaluationAgainst,
  type EvaluationJob,
  type EvaluationJobDetail,
  type EvaluationModel,
  type EvaluationSchedule,
  type EvaluationScheduleUpdate,
  type EvaluationStartRequest,
} from '../../../shared/domain/evaluation';
import { chooseReference } from '../../../shared/domain/reference';
import type { Db } from '../db/open';
import { JobsRepo } from '../db/repos/jobs';
import { JobFamily } from '../jobs/jobFamily';
import { readReviewDocuments, type ReviewDocumentInput, type ReviewVersion } from '../review';
import type { Policies } from '../wandb/http';
import { type Clock, isoNow, systemClock } from '../util/clock';
import { newId } from '../util/ids';
import { EvaluationAccumulator } from './metrics';
import { dueSlot, nextWeeklyAt } from './schedule';
import { detailOf, EVALUATION_JOB_KIND, EvaluationStore, summaryOf, type JobRow as EvaluationJobRow, type JobParams, type JobResult } from './store';
import { logEvaluationRun } from './wandbLog';

/**
 * Evaluation jobs: a model's predictions against the reference versions of a project's documents
 * (gold, verified, or gold where there is gold and else the newest verified version), measured
 * with the review engine, recorded in the `jobs` table (queued → running → completed | failed)
 * and logged to W&B as a run of job type `evaluation`. Jobs run one at a time, in the background;
 * `evaluation.progress` / `evaluation.finished` events carry their state. The weekly schedule of
 * each project is checked by a timer while the app runs.
 *
 * What is "the model's predictions": per page, its newest pre-annotation run's predictions, or
 * the predictions imported from a file under that model name (review/store.ts). A document the
 * model never saw is left out; a page a pre-annotation run of the model finished without finding
 * anything counts (everything there was missed).
 */

export interface EvaluationDeps {
  db: Db;
  projects: { get(projectId: string): { id: string; name: string } };
  settings: { wandb(): { apiKey: string | null; baseUrl: string; entity: string | null; project: string } };
  folioVersion: string;
  clock?: Clock;
  emit?: EventSink;
  /** W&B client options (tests: fast retries). */
  wandb?: { policies?: Partial<Policies>; fetch?: typeof fetch };
  /** How often the schedules are checked while the scheduler runs (default: every minute). */
  tickMs?: number;
}

const AGAINST_TEXT: Record<EvaluationAgainst, string> = {
  gold: 'a gold version',
  verified: 'a verified version',
  'gold-or-verified': 'a gold version or a verified version',
};

/** The model's version of a page it looked at and found nothing on. */
const emptyPrediction = (model: string): ReviewVersion => ({
  source: { id: `model:${model}`, kind: 'model', name: model },
  annotationId: null,
  version: null,
  verifiedAt: null,
  boxes: [],
  qa: [],
});

/** The version a document is measured against, or null when it has none of the kind asked for. */
const referenceOf = (doc: ReviewDocumentInput, against: EvaluationAgainst) => chooseReference(doc.gold ? [doc.gold] : [], doc.annotators, against);

/** A copy of a live job that is safe to hand out. */
const snapshot = (j: EvaluationJobDetail): EvaluationJobDetail => ({ ...j, progress: j.progress && { ...j.progress }, documents: [...j.documents] });

/** What the row keeps as the job's result (the rest of the view comes from its params and times). */
const resultOf = (j: EvaluationJobDetail): JobResult => ({
  modelVersion: j.modelVersion,
  dataset: j.dataset,
  coverage: j.coverage,
  metrics: j.metrics,
  perLabel: j.perLabel,
  documents: j.documents,
  wandb: j.wandb,
});

const queuedJob = (jobId: string, projectId: string, params: JobParams, createdAt: string): EvaluationJobDetail => ({
  jobId,
  projectId,
  state: 'queued',
  trigger: params.trigger,
  model: params.model,
  modelVersion: params.modelVersion,
  against: params.against,
  createdAt,
  startedAt: null,
  finishedAt: null,
  progress: null,
  dataset: null,
  coverage: null,
  metrics: null,
  perLabel: null,
  wandb: null,
  error: null,
  documents: [],
});

export class EvaluationService extends JobFamily<EvaluationJobDetail> {
  readonly store: EvaluationStore;
  private readonly clock: Clock;
  /** Stops W&B logging when Folio closes (the job then ends with its metrics kept). */
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly deps: EvaluationDeps) {
    const clock = deps.clock ?? systemClock;
    super({
      kind: EVALUATION_JOB_KIND,
      noun: 'evaluation job with id',
      jobs: new JobsRepo(deps.db),
      clock,
      snapshot,
      view: (row) => detailOf(row as EvaluationJobRow),
      serial: { started: (job, now) => (job.startedAt = now) },
      savedProgress: (job) => job.progress ?? {},
      // A failed job keeps the partial result saved before logging; progress is cleared.
      savedEnd: (job) => ({ result: job.state === 'completed' ? resultOf(job) : undefined }),
      // The end is told by evaluation.finished alone.
      emitProgress: (job) => {
        if (!job.finishedAt) deps.emit?.('evaluation.progress', summaryOf(job));
      },
      settle: (job, now) => {
        job.finishedAt = now;
        job.progress = null;
      },
    });
    this.store = new EvaluationStore(deps.db);
    this.clock = clock;
    this.store.failInterrupted(this.now());
  }

  private now(): string {
    return isoNow(this.clock);
  }

  models(projectId: string): EvaluationModel[] {
    this.deps.projects.get(projectId);
    return this.store.models(projectId);
  }

  list(projectId: string): EvaluationJob[] {
    this.deps.projects.get(projectId);
    return this.store.list(projectId);
  }

  /**
   * Queue an evaluation and return its job (state `queued`). A request that cannot be right —
   * an unknown project, a model without predictions in it — is refused here; what is only found
   * while measuring (nothing to compare against) ends the job as failed with the reason.
   */
  start(req: EvaluationStartRequest, trigger: JobParams['trigger'] = 'manual'): EvaluationJob {
    if (this.closed) throw new AppError('unavailable', 'Folio is closing; start the evaluation again after it restarts.');
    const project = this.deps.projects.get(req.projectId);
    const model = req.model.trim();
    const models = this.store.models(project.id);
    if (!models.some((m) => m.model === model)) {
      const known = models.map((m) => `"${m.model}" (${m.predictions})`);
      throw new AppError('not_found', `No predictions of model "${model}" in "${project.name}"${known.length ? `; models with predictions: ${known.join(', ')}` : '; pre-annotate the documents or import predictions first'}`);
    }
    const params: JobParams = { model, modelVersion: req.modelVersion?.trim() || null, against: req.against ?? 'gold-or-verified', trigger };
    const createdAt = this.now();
    const jobId = this.launch({
      job: queuedJob(newId(), project.id, params, createdAt),
      projectId: project.id,
      params,
      createdAt,
      body: (job, _signal, publish) => this.measure(job, project, params, publish),
      failureMessage: (err) => (err instanceof AppError ? err.message : `The evaluation failed: ${err instanceof Error ? err.message : String(err)}`),
      finished: (job) => this.deps.emit?.('evaluation.finished', summaryOf(job)),
    });
    const job = summaryOf(this.get(jobId));
    this.deps.emit?.('evaluation.progress', job);
    return job;
  }

  /** Start and wait for the end (the CLI, tests). */
  async run(req: EvaluationStartRequest): Promise<EvaluationJobDetail> {
    const job = this.start(req);
    return this.wait(job.jobId);
  }

  /** The job once it has ended (at once for one that already has). */
  override async wait(jobId: string): Promise<EvaluationJobDetail> {
    if (this.live(jobId)) await super.wait(jobId).catch(() => undefined);
    return this.get(jobId);
  }

  /** The job's work, on the live job: the phase as it goes, then what was measured. */
  private async measure(job: EvaluationJobDetail, project: { id: string; name: string }, params: JobParams, publish: (force?: boolean) => void): Promise<void> {
    if (this.closed) throw new AppError('unavailable', 'Folio closed before this evaluation started; start it again');
    const t0 = performance.now();
    const total = (this.deps.db.prepare('SELECT COUNT(*) AS n FROM project_documents WHERE project_id = ?').get(project.id) as { n: number }).n;
    job.progress = { phase: 'reading', done: 0, total };
    publish(true);
    const seenEmpty = this.store.documentsSeenEmpty(project.id, params.model);
    const acc = new EvaluationAccumulator();
    const coverage = { total, evaluated: 0, againstGold: 0, againstVerified: 0, noReference: 0, noPredictions: 0 };
    const predictionIds: string[] = [];
    let done = 0;
    for (const doc of readReviewDocuments(this.deps.db, project.id, { modelName: params.model })) {
      done++;
      const ref = referenceOf(doc, params.against);
      const prediction = doc.model ?? (seenEmpty.has(doc.documentId) ? emptyPrediction(params.model) : null);
      if (!ref) coverage.noReference++;
      else if (!prediction) coverage.noPredictions++;
      else {
        acc.add({ documentId: doc.documentId, sourceName: doc.sourceName, reference: ref.version, referenceKind: ref.kind, prediction });
        coverage.evaluated++;
        if (ref.kind === 'gold') coverage.againstGold++;
        else coverage.againstVerified++;
        for (const b of prediction.boxes) predictionIds.push(b.id);
        for (const q of prediction.qa) predictionIds.push(q.id);
      }
      // A large project must not hold the event loop (the app's other work shares it).
      if (done % 25 === 0) {
        job.progress = { phase: 'measuring', done, total };
        publish(true);
        await yieldToEventLoop();
      }
    }

    if (coverage.evaluated === 0) {
      const withReference = total - coverage.noReference;
      throw new AppError(
        'not_found',
        withReference === 0
          ? `Nothing to evaluate against in "${project.name}": no document has ${AGAINST_TEXT[params.against]}. Verify documents${params.against === 'verified' ? '' : ' or resolve gold versions in review'} first${params.against === 'gold' ? ', or evaluate against verified versions (--against gold-or-verified)' : ''}.`
          : `None of the ${withReference} document(s) of "${project.name}" with ${AGAINST_TEXT[params.against]} has predictions of model "${params.model}": pre-annotate them or import predictions for them first.`,
      );
    }

    const modelVersion = params.modelVersion ?? this.derivedVersion(project.id, params.model, predictionIds);
    const result: JobResult = {
      modelVersion,
      dataset: this.store.latestDataset(project.id),
      coverage,
      metrics: acc.metrics(),
      perLabel: acc.perLabel(),
      documents: acc.rows,
      wandb: null,
    };
    // Saved before logging, so a crash while logging keeps the metrics.
    this.store.saveResult(job.jobId, result);
    Object.assign(job, result);
    job.progress = { phase: 'logging', done: total, total };
    publish(true);

    job.wandb = await logEvaluationRun({
      credentials: this.deps.settings.wandb(),
      client: { ...this.deps.wandb, signal: this.abort.signal },
      folioVersion: this.deps.folioVersion,
      jobId: job.jobId,
      projectName: project.name,
      model: params.model,
      modelVersion,
      against: params.against,
      dataset: result.dataset,
      metrics: result.metrics!,
      perLabel: result.perLabel!,
      documents: result.documents,
      runtimeSeconds: (performance.now() - t0) / 1000,
      now: () => this.clock.now(),
    });
  }

  /**
   * Without a version label, the version is what was evaluated: the day of the newest prediction
   * and a fingerprint of the set ("2026-12-06.3fa2c1d9"), so the same predictions always get the
   * same version and a re-run of the model a new one.
   */
  private derivedVersion(projectId: string, model: string, ids: string[]): string {
    const { newest } = this.store.predictionStamps(projectId, model, ids);
    const fingerprint = createHash('sha256').update([...ids].sort().join('\n')).digest('hex').slice(0, 8);
    return `${(newest ?? this.now()).slice(0, 10)}.${fingerprint}`;
  }

  // ---- the weekly schedule ----------------------------------------------------------------

  schedule(projectId: string): EvaluationSchedule {
    this.deps.projects.get(projectId);
    const s = this.store.schedule(projectId, this.now());
    const now = this.clock.now();
    const due = s.enabled ? dueSlot(s, now) : null;
    const { changedAt: _changed, ...view } = s;
    return { ...view, nextRunAt: s.enabled ? (due ?? nextWeeklyAt(s.weekday, s.time, now)).toISOString() : null };
  }

  updateSchedule(patch: EvaluationScheduleUpdate): EvaluationSchedule {
    const result = evaluationScheduleUpdateSchema.safeParse(patch);
    if (!result.success) {
      const issue = result.error.issues[0]!;
      throw new AppError('invalid_request', `evaluation schedule ${issue.path.join('.') || '(update)'}: ${issue.message}`);
    }
    const parsed = result.data;
    this.deps.projects.get(parsed.projectId);
    const current = this.store.schedule(parsed.projectId, this.now());
    this.store.saveSchedule({
      ...current,
      ...(parsed.enabled !== undefined ? { enabled: parsed.enabled } : {}),
      ...(parsed.weekday !== undefined ? { weekday: parsed.weekday } : {}),
      ...(parsed.time !== undefined ? { time: parsed.time } : {}),
      ...(parsed.models !== undefined ? { models: [...new Set(parsed.models)] } : {}),
      ...(parsed.against !== undefined ? { against: parsed.against } : {}),
      // Only slots after this change run: switching it on never runs a slot already past.
      changedAt: this.now(),
    });
    return this.schedule(parsed.projectId);
  }

  /**
   * Start the evaluations of every schedule whose slot has come. The slot is recorded first, so
   * it runs once even if Folio stops half-way. Returns the jobs started (or recorded as failed).
   */
  tick(): string[] {
    if (this.closed) return [];
    const now = this.clock.now();
    const started: string[] = [];
    for (const s of this.store.enabledSchedules()) {
      const slot = dueSlot(s, now);
      if (!slot) continue;
      this.store.markScheduleRun(s.projectId, slot.toISOString());
      const models = s.models.length ? s.models : this.store.models(s.projectId).map((m) => m.model);
      for (const model of models) started.push(this.startScheduled(s.projectId, model, s.against));
    }
    return started;
  }

  /** A scheduled evaluation nobody is watching: a refusal is recorded as a failed job instead of thrown. */
  private startScheduled(projectId: string, model: string, against: EvaluationAgainst): string {
    try {
      return this.start({ projectId, model, against }, 'schedule').jobId;
    } catch (err) {
      const jobId = newId();
      this.store.createJob(jobId, projectId, { model, modelVersion: null, against, trigger: 'schedule' }, this.now());
      this.store.finish(jobId, 'failed', null, err instanceof Error ? err.message : String(err), this.now());
      const job = this.store.get(jobId);
      if (job) this.deps.emit?.('evaluation.finished', summaryOf(job));
      return jobId;
    }
  }

  /** The app checks the schedules every minute (and once now, to run a slot missed while it was closed). */
  startScheduler(): void {
    if (this.timer || this.closed) return;
    this.timer = setInterval(() => this.tick(), this.deps.tickMs ?? 60_000);
    this.timer.unref?.();
    this.tick();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.idle();
  }
}
