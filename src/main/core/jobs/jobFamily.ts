import { AppError } from '../../../shared/contract/errors';
import type { JobState } from '../../../shared/domain/model';
import type { JobRow, JobsRepo } from '../db/repos/jobs';
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

export interface JobFamilyOptions<J extends FamilyJob> {
  kind: string;
  /** How a missing job is named: "No <noun> <id>". */
  noun: string;
  jobs: JobsRepo;
  clock: Clock;
  /** A copy of a live job that is safe to hand out (its lists copied). */
  snapshot: (job: J) => J;
  /** A job's view with nothing saved yet, from its row. */
  initial: (row: JobRow) => J;
  /** Fields the row has the last word on, beside state and error. */
  fromRow?: (row: JobRow) => Partial<J>;
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
}

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
 * import, pull): its durable row in `jobs`, the running job in this process, throttled progress,
 * the end state, and the reads of either. A service supplies its job's body and view; everything
 * a job goes through is here.
 */
export abstract class JobFamily<J extends FamilyJob> {
  private readonly active = new RunningJobs<J>();

  protected constructor(private readonly opts: JobFamilyOptions<J>) {}

  /** Record the job as running and start its body in the background. */
  protected launch(launch: JobLaunch<J>): string {
    const { job } = launch;
    this.opts.jobs.create({ id: job.jobId, kind: this.opts.kind, projectId: launch.projectId, params: launch.params }, launch.createdAt ?? isoNow(this.opts.clock));
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
    const { opts } = this;
    const { job } = launch;
    const startedAt = Date.now();
    let lastPublished = 0;
    const publish = (force = false) => {
      const now = Date.now();
      if (!force && now - lastPublished < PROGRESS_INTERVAL_MS) return;
      lastPublished = now;
      opts.beforePublish?.(job, now - startedAt);
      const s = opts.snapshot(job);
      opts.jobs.saveProgress(job.jobId, s);
      opts.emitProgress(s);
      this.active.notify(s);
    };

    try {
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
      opts.jobs.finish(job.jobId, { state: job.state as 'completed' | 'failed' | 'cancelled', result, error: job.error, progress: result }, now);
      publish(true);
    } catch (err) {
      // The job must not stay "running" in its row: it ends failed, saying why.
      if (!opts.unsaved) throw err;
      job.state = 'failed';
      opts.unsaved(job, err);
      result = opts.snapshot(job);
      opts.jobs.finish(job.jobId, { state: 'failed', result, error: job.error, progress: result }, isoNow(opts.clock));
      opts.emitProgress(result);
      this.active.notify(result);
    }
    launch.finished(result);
    return result;
  }
}
