import type { JobState } from '../../../../shared/domain/model';
import { currentOwner, ownerAlive } from '../../jobs/owner';
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

const INTERRUPTED = 'interrupted: Folio stopped while this job ran';

/** Background work the user can see; state survives restarts. */
export class JobsRepo {
  constructor(private readonly db: Db) {}

  /** A new job owned by this process: `running` from now (default), or `queued` for a job that starts later. */
  create(job: { id: string; kind: string; projectId: string | null; params: unknown; state?: 'queued' | 'running' }, now: string): void {
    const owner = currentOwner();
    const state = job.state ?? 'running';
    this.db
      .prepare('INSERT INTO jobs (id, kind, project_id, state, params, created_at, started_at, owner_pid, owner_start) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(job.id, job.kind, job.projectId, state, JSON.stringify(job.params), now, state === 'running' ? now : null, owner.pid, owner.start);
  }

  saveProgress(id: string, progress: unknown): void {
    this.db.prepare('UPDATE jobs SET progress = ? WHERE id = ?').run(JSON.stringify(progress), id);
  }

  finish(id: string, state: Extract<JobState, 'completed' | 'failed' | 'cancelled'>, result: unknown, error: string | null, now: string): void {
    this.db
      .prepare('UPDATE jobs SET state = ?, progress = ?, result = ?, error = ?, finished_at = ? WHERE id = ?')
      .run(state, JSON.stringify(result), JSON.stringify(result), error, now, id);
  }

  get(id: string): JobRow | undefined {
    return this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
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
}
