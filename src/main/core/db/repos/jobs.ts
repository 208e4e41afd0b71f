import type { JobState } from '../../../../shared/domain/model';
import { currentOwner, ownerAlive, type JobOwner } from '../../jobs/owner';
import type { Db } from '../open';

export interface JobRow {
  id: string;
  kind: string;
  project_id: string | null;
  state: JobState;
  params: string;
  progress: string;
  result: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** The process that created the job (jobs/owner.ts); null for rows from before migration 007. */
  owner_pid: number | null;
  owner_start: string | null;
}

/** How a job ends (JobsRepo.finish). */
export interface JobEnd {
  state: Extract<JobState, 'completed' | 'failed' | 'cancelled'>;
  result?: unknown;
  error: string | null;
  progress?: unknown;
}

const INTERRUPTED = 'interrupted: Folio stopped while this job ran';

/** Background work the user can see; state survives restarts. */
export class JobsRepo {
  constructor(private readonly db: Db) {}

  /**
   * A new job: `running` from now (default), or `queued` for a job that starts later. It is owned
   * by this process unless `owner` says otherwise (null: no process owns it, see failOpen).
   */
  create(job: { id: string; kind: string; projectId: string | null; params: unknown; state?: 'queued' | 'running'; owner?: JobOwner | null }, now: string): void {
    const owner = job.owner === undefined ? currentOwner() : job.owner;
    const state = job.state ?? 'running';
    this.db
      .prepare('INSERT INTO jobs (id, kind, project_id, state, params, created_at, started_at, owner_pid, owner_start) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(job.id, job.kind, job.projectId, state, JSON.stringify(job.params), now, state === 'running' ? now : null, owner?.pid ?? null, owner?.start ?? null);
  }

  /** A queued job starts; one that already left the queue (failed meanwhile) stays as it is. */
  markRunning(id: string, now: string): void {
    this.db.prepare("UPDATE jobs SET state = 'running', started_at = ? WHERE id = ? AND state = 'queued'").run(now, id);
  }

  saveProgress(id: string, progress: unknown): void {
    this.db.prepare('UPDATE jobs SET progress = ? WHERE id = ?').run(JSON.stringify(progress), id);
  }

  /** A result saved before the job ends (e.g. metrics before a slow upload), so a crash keeps it. */
  saveResult(id: string, result: unknown): void {
    this.db.prepare('UPDATE jobs SET result = ? WHERE id = ?').run(JSON.stringify(result), id);
  }

  /**
   * The job ends. `result` undefined keeps the one saveResult stored. `progress` is the last one
   * to show (jobs whose view is their progress pass their final snapshot); without it progress is
   * cleared. A job that ends without having started gets `now` as its start too.
   */
  finish(id: string, end: JobEnd, now: string): void {
    const result = end.result === undefined ? null : JSON.stringify(end.result);
    const progress = end.progress === undefined ? '{}' : JSON.stringify(end.progress);
    this.db
      .prepare('UPDATE jobs SET state = ?, progress = ?, result = COALESCE(?, result), error = ?, finished_at = ?, started_at = COALESCE(started_at, ?) WHERE id = ?')
      .run(end.state, progress, result, end.error, now, now, id);
  }

  get(id: string): JobRow | undefined {
    return this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
  }

  /** The newest job of a kind in a project. */
  latest(kind: string, projectId: string): JobRow | undefined {
    return this.db.prepare('SELECT * FROM jobs WHERE kind = ? AND project_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1').get(kind, projectId) as JobRow | undefined;
  }

  /**
   * At start: a job of `kind` left queued or running did not finish if the process that owned it
   * is gone — say so instead of showing it running forever. Jobs of a process still alive (the app
   * while a CLI starts, or the other way round) are left alone; jobs with no recorded owner (rows
   * from before owners were recorded) are failed as before. Returns how many were failed.
   */
  failInterrupted(kind: string, now: string, opts: { error?: string; clearProgress?: boolean } = {}): number {
    const open = this.db.prepare("SELECT id, owner_pid, owner_start FROM jobs WHERE kind = ? AND state IN ('queued', 'running')").all(kind) as Pick<JobRow, 'id' | 'owner_pid' | 'owner_start'>[];
    const fail = this.db.prepare(
      `UPDATE jobs SET state = 'failed', error = ?, finished_at = ?${opts.clearProgress ? ", progress = '{}'" : ''} WHERE id = ? AND state IN ('queued', 'running')`,
    );
    let n = 0;
    for (const r of open) {
      if (ownerAlive({ pid: r.owner_pid, start: r.owner_start })) continue;
      n += fail.run(opts.error ?? INTERRUPTED, now, r.id).changes;
    }
    return n;
  }

  /**
   * Every queued or running job of `kind` fails, whoever created it: for kinds whose jobs no
   * process owns (sync's, which its lease governs). Returns how many were failed.
   */
  failOpen(kind: string, error: string, now: string): number {
    return this.db.prepare("UPDATE jobs SET state = 'failed', error = ?, finished_at = ? WHERE kind = ? AND state IN ('queued', 'running')").run(error, now, kind).changes;
  }
}
