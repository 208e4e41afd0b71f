import { AppError } from '../../../shared/contract/errors';
import type { JobState } from '../../../shared/domain/model';
import type { JobEnd, JobRow, JobsRepo } from '../db/repos/jobs';
import { type Clock, isoNow } from '../util/clock';
import { RunningJobs } from './runningJobs';

/** What every background job's view has: the rest is the service's own. */
export interface FamilyJob {
  jobId: string;
  state: JobState;
  error: string | null;
}

/** Progress is saved and sent at most this often, except when forced (phase changes, the end). */
const PROGRESS_INTERVAL_MS = 100;

/** How a saved row becomes a job's view. */
type RowView<J> =
  | {
      /** A job's view with nothing saved yet, from its row; the saved snapshot goes over it. */
      initial: (row: JobRow) => J;
      /** Fields the row has the last word on, beside state and error. */
      fromRow?: (row: JobRow) => Partial<J>;
      view?: never;
    }
  | {
      /** The whole view of a row, for a family whose rows do not hold its snapshots. */
      view: (row: JobRow) => J;
      initial?: never;
      fromRow?: never;
    };

export type JobFamilyOptions<J extends FamilyJob> = RowView<J> & {
  kind: string;
  /** How a missing job is named: "No <noun> <id>". */
  noun: string;
  jobs: JobsRepo;
  clock: Clock;
  /** A copy of a live job that is safe to hand out (its lists copied). */
  snapshot: (job: J) => J;
  /**
   * Jobs wait in line (`queued`) and run one at a time, in the order they were launched;
   * `started` readies a job's fields when its turn comes. Without it a job runs at once.
   */
  serial?: { started?: (job: J, now: string) => void };
  /** What a progress save writes to the row (default: the snapshot). */
  savedProgress?: (job: J) => unknown;
  /** What the row keeps of an ended job (default: the snapshot, as result and as progress). */
  savedEnd?: (job: J) => Pick<JobEnd, 'result' | 'progress'>;
  /** Sends a progress snapshot out (the service's progress event). */
  emitProgress: (snapshot: J) => void;
  /** Updates derived figures (an ETA) just before a snapshot is published. */
  beforePublish?: (job: J, elapsedMs: number) => void;
  /** Readies an ending job's fields before its result is saved; `now` is its finish time. */
  settle?: (job: J, now: string) => void;
  /**
   * The result could not be saved: say why on the job (already marked failed), which is then
   * saved as failed. Without it the error is thrown to whoever waits for the job.
   */
  unsaved?: (job: J, err: unknown) => void;
};

export interface JobLaunch<J extends FamilyJob> {
  job: J;
  projectId: string | null;
  params: unknown;
  /** When the row says the job was created (default: now). */
  createdAt?: string;
  /** The job's own work. Returning means completed; throwing means cancelled if the job was cancelled, else failed. */
  body: (job: J, signal: AbortSignal, publish: (force?: boolean) => void) => Promise<void>;
  /** Why the job failed, from what `body` threw (default: the error's message). */
  failureMessage?: (err: unknown) => string;
  /** After the result is saved: the service's "finished" events. */
  finished: (result: J) => void;
}

/** Milliseconds left at the pace so far; 0 when all is done, null before anything is. */
export function remainingMs(done: number, total: number, elapsedMs: number): number | null {
  if (done > 0 && total > done) return Math.round((elapsedMs / done) * (total - done));
  return done >= total ? 0 : null;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * The base of a service that runs one kind of background job (file import, export, annotation
 * import, pull, evaluation): its durable row in `jobs`, the running job in this process, throttled progress,
 * the end state, and the reads of either. A service supplies its job's body and view; everything
 * a job goes through is here.
 */
export abstract class JobFamily<J extends FamilyJob> {
  private readonly active = new RunningJobs<J>();
  /** Settles when the last serial job launched has ended. */
  private line: Promise<void> = Promise.resolve();

  protected constructor(private readonly opts: JobFamilyOptions<J>) {}

  /** Record the job as running and start its body in the background. */
  protected launch(launch: JobLaunch<J>): string {
    const { job } = launch;
    const state = this.opts.serial ? 'queued' : 'running';
    this.opts.jobs.create({ id: job.jobId, kind: this.opts.kind, projectId: launch.projectId, params: launch.params, state }, launch.createdAt ?? isoNow(this.opts.clock));
    this.active.launch(job, (_job, signal) => this.runJob(launch, signal));
    return job.jobId;
  }

  /** Resolves with a running job's end state; `onProgress` sees its progress meanwhile. */
  protected wait(jobId: string, onProgress?: (job: J) => void): Promise<J> {
    return this.active.wait(jobId, onProgress);
  }

  /** The running job itself (mutable: for checks, never to hand out). */
  protected live(jobId: string): J | undefined {
    return this.active.live(jobId);
  }

  /** A job as it is now: the running one, else what its row saved. */
  get(jobId: string): J {
    const live = this.active.live(jobId);
    if (live) return this.opts.snapshot(live);
    const row = this.opts.jobs.get(jobId);
    if (!row || row.kind !== this.opts.kind) throw new AppError('not_found', `No ${this.opts.noun} ${jobId}`);
    return this.fromRow(row);
  }

  /** The view of a job's row (the live job instead while it runs). */
  protected fromRow(row: JobRow): J {
    const live = this.active.live(row.id);
    if (live) return this.opts.snapshot(live);
    if (this.opts.view) return this.opts.view(row);
    const saved = JSON.parse(row.result ?? row.progress) as Partial<J>;
    return { ...this.opts.initial(row), ...saved, state: row.state, error: row.error, ...this.opts.fromRow?.(row) };
  }

  cancel(jobId: string): boolean {
    return this.active.cancel(jobId);
  }

  /** Wait for every running job (shutdown, tests). */
  idle(): Promise<void> {
    return this.active.idle();
  }

  cancelAll(): void {
    this.active.cancelAll();
  }

  private async runJob(launch: JobLaunch<J>, signal: AbortSignal): Promise<J> {
    if (!this.opts.serial) return this.runBody(launch, signal);
    const turn = this.line;
    let release!: () => void;
    this.line = new Promise((resolve) => (release = resolve));
    try {
      await turn;
      const now = isoNow(this.opts.clock);
      this.opts.jobs.markRunning(launch.job.jobId, now);
      launch.job.state = 'running';
      this.opts.serial.started?.(launch.job, now);
      return await this.runBody(launch, signal);
    } finally {
      release();
    }
  }

  private async runBody(launch: JobLaunch<J>, signal: AbortSignal): Promise<J> {
    const { opts } = this;
    const { job } = launch;
    const startedAt = Date.now();
    const savedProgress = opts.savedProgress ?? opts.snapshot;
    const savedEnd = opts.savedEnd ?? ((j: J) => {
      const s = opts.snapshot(j);
      return { result: s, progress: s };
    });
    let lastPublished = 0;
    const publish = (force = false) => {
      const now = Date.now();
      if (!force && now - lastPublished < PROGRESS_INTERVAL_MS) return;
      lastPublished = now;
      opts.beforePublish?.(job, now - startedAt);
      const s = opts.snapshot(job);
      opts.jobs.saveProgress(job.jobId, savedProgress(job));
      opts.emitProgress(s);
      this.active.notify(s);
    };

    try {
      // A serial job cancelled while it waited in line never runs.
      signal.throwIfAborted();
      await launch.body(job, signal, publish);
      job.state = 'completed';
    } catch (err) {
      if (signal.aborted) {
        job.state = 'cancelled';
      } else {
        job.state = 'failed';
        job.error = (launch.failureMessage ?? messageOf)(err);
      }
    }
    const now = isoNow(opts.clock);
    opts.settle?.(job, now);
    let result = opts.snapshot(job);
    try {
      opts.jobs.finish(job.jobId, { state: job.state as JobEnd['state'], error: job.error, ...savedEnd(job) }, now);
      publish(true);
    } catch (err) {
      // The job must not stay "running" in its row: it ends failed, saying why.
      if (!opts.unsaved) throw err;
      job.state = 'failed';
      opts.unsaved(job, err);
      result = opts.snapshot(job);
      opts.jobs.finish(job.jobId, { state: 'failed', error: job.error, ...savedEnd(job) }, isoNow(opts.clock));
      opts.emitProgress(result);
      this.active.notify(result);
    }
    launch.finished(result);
    return result;
  }
}
