import type { JobState } from '../../../../shared/domain/model';
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
}

/** Background work the user can see; state survives restarts. */
export class JobsRepo {
  constructor(private readonly db: Db) {}

  create(job: { id: string; kind: string; projectId: string | null; params: unknown }, now: string): void {
    this.db
      .prepare("INSERT INTO jobs (id, kind, project_id, state, params, created_at, started_at) VALUES (?, ?, ?, 'running', ?, ?, ?)")
      .run(job.id, job.kind, job.projectId, JSON.stringify(job.params), now, now);
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

  /** A job that was running when the process died did not finish: say so instead of showing it running forever. */
  failInterrupted(kind: string, now: string): number {
    return this.db
      .prepare("UPDATE jobs SET state = 'failed', error = 'interrupted: Folio stopped while this job ran', finished_at = ? WHERE kind = ? AND state IN ('queued', 'running')")
      .run(now, kind).changes;
  }
}
