import type {
  BoxScores,
  EvaluationAgainst,
  EvaluationDataset,
  EvaluationDocument,
  EvaluationJob,
  EvaluationJobDetail,
  EvaluationMetrics,
  EvaluationModel,
  EvaluationSchedule,
  EvaluationWandb,
} from '../../../shared/domain/evaluation';
import type { Db } from '../db/open';
import { JobsRepo } from '../db/repos/jobs';
import { artifactVersionUrl } from '../wandb/client';
import type { JobRow as BaseJobRow } from '../db/repos/jobs';

/**
 * Evaluation's rows in SQLite: jobs (the shared `jobs` table, kind 'evaluation'), the models a
 * project has predictions of, the project's latest committed dataset version (read from the sync
 * engine's batches, never written), and the weekly schedules.
 *
 * A job row: `params` = what was asked {model, modelVersion, against, trigger}; `progress` = the
 * phase; `result` = everything measured {dataset, coverage, metrics, perLabel, documents, wandb};
 * `error` = the readable reason of a failure.
 */

export const EVALUATION_JOB_KIND = 'evaluation';

export interface JobParams {
  model: string;
  modelVersion: string | null;
  against: EvaluationAgainst;
  trigger: EvaluationJob['trigger'];
}

export interface JobResult {
  modelVersion: string | null;
  dataset: EvaluationDataset | null;
  coverage: EvaluationJob['coverage'];
  metrics: EvaluationMetrics | null;
  perLabel: Record<string, BoxScores> | null;
  documents: EvaluationDocument[];
  wandb: EvaluationWandb | null;
}

/** A row of the shared jobs table (db/repos/jobs.ts) as evaluation jobs have it: always in a project. */
export type JobRow = Omit<BaseJobRow, 'project_id' | 'state'> & { project_id: string; state: EvaluationJob['state'] };

const parse = <T>(text: string | null, fallback: T): T => {
  if (!text) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};

/** A job's view from its row: what was asked (params), the phase (progress), what was measured (result). */
export function detailOf(r: JobRow): EvaluationJobDetail {
  const params = parse<JobParams>(r.params, { model: '?', modelVersion: null, against: 'gold-or-verified', trigger: 'manual' });
  const result = parse<Partial<JobResult>>(r.result, {});
  const stored = parse<Partial<NonNullable<EvaluationJob['progress']>>>(r.progress, {});
  const progress = stored.phase !== undefined && stored.done !== undefined && stored.total !== undefined ? { phase: stored.phase, done: stored.done, total: stored.total } : null;
  return {
    jobId: r.id,
    projectId: r.project_id,
    state: r.state,
    trigger: params.trigger,
    model: params.model,
    modelVersion: result.modelVersion ?? params.modelVersion,
    against: params.against,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    progress,
    dataset: result.dataset ?? null,
    coverage: result.coverage ?? null,
    metrics: result.metrics ?? null,
    perLabel: result.perLabel ?? null,
    wandb: result.wandb ?? null,
    error: r.error,
    documents: result.documents ?? [],
  };
}

/** The job without its per-document rows (lists and events). */
export function summaryOf(d: EvaluationJobDetail): EvaluationJob {
  const { documents: _rows, ...job } = d;
  return job;
}

interface ScheduleRow {
  project_id: string;
  enabled: number;
  weekday: number;
  time: string;
  models: string;
  against: EvaluationAgainst;
  last_run_at: string | null;
  changed_at: string;
}

export type StoredSchedule = Omit<EvaluationSchedule, 'nextRunAt'> & { changedAt: string };

export class EvaluationStore {
  private readonly jobs: JobsRepo;

  constructor(private readonly db: Db) {
    this.jobs = new JobsRepo(db);
  }

  // ---- jobs -------------------------------------------------------------------------------

  /** A queued job owned by this process (the app and the CLI share the database: see jobs/owner.ts). */
  createJob(id: string, projectId: string, params: JobParams, now: string): void {
    this.jobs.create({ id, kind: EVALUATION_JOB_KIND, projectId, params, state: 'queued' }, now);
  }

  running(id: string, now: string): void {
    this.jobs.markRunning(id, now);
  }

  /** Partial results (metrics before W&B logging) so a crash while logging keeps them. */
  saveResult(id: string, result: JobResult): void {
    this.jobs.saveResult(id, result);
  }

  /** Without a result, the partial one saveResult stored stays. */
  finish(id: string, state: 'completed' | 'failed', result: JobResult | null, error: string | null, now: string): void {
    this.jobs.finish(id, { state, result: result ?? undefined, error }, now);
  }

  get(id: string): EvaluationJobDetail | null {
    const r = this.db.prepare('SELECT * FROM jobs WHERE id = ? AND kind = ?').get(id, EVALUATION_JOB_KIND) as JobRow | undefined;
    return r ? detailOf(r) : null;
  }

  /** Newest first, without the per-document rows (SQLite drops them before they are parsed: a job may hold thousands). */
  list(projectId: string, limit = 200): EvaluationJob[] {
    const rows = this.db
      .prepare(
        `SELECT id, project_id, state, params, progress, json_remove(result, '$.documents') AS result, error, created_at, started_at, finished_at
         FROM jobs WHERE project_id = ? AND kind = ? ORDER BY created_at DESC, rowid DESC LIMIT ?`,
      )
      .all(projectId, EVALUATION_JOB_KIND, limit) as JobRow[];
    return rows.map((r) => summaryOf(detailOf(r)));
  }

  /**
   * At start: a job that was queued or running when its Folio stopped will not finish. Jobs of a
   * Folio still running (the app while the CLI starts, or the other way round) are left alone.
   */
  failInterrupted(now: string): number {
    return this.jobs.failInterrupted(EVALUATION_JOB_KIND, now, { error: 'interrupted: Folio stopped while this evaluation ran; start it again', clearProgress: true });
  }

  // ---- what can be evaluated --------------------------------------------------------------

  models(projectId: string): EvaluationModel[] {
    const rows = this.db
      .prepare(
        `SELECT model, COUNT(*) AS predictions, SUM(kind = 'box') AS boxes, SUM(kind = 'qa') AS answers, COUNT(DISTINCT document_id) AS documents,
                SUM(run_id IS NOT NULL) AS fromRuns, SUM(run_id IS NULL) AS imported, MAX(created_at) AS last
         FROM predictions WHERE project_id = ? GROUP BY model ORDER BY last DESC, model`,
      )
      .all(projectId) as { model: string; predictions: number; boxes: number; answers: number; documents: number; fromRuns: number; imported: number; last: string }[];
    return rows.map((r) => ({
      model: r.model,
      predictions: r.predictions,
      boxes: r.boxes,
      answers: r.answers,
      documents: r.documents,
      source: r.fromRuns && r.imported ? 'both' : r.fromRuns ? 'preannotation' : 'import',
      lastPredictionAt: r.last,
    }));
  }

  /**
   * Documents the model has looked at without predicting anything: pages a pre-annotation run of
   * this model finished. They count (every reference box there is missed); documents the model
   * never saw do not.
   */
  documentsSeenEmpty(projectId: string, model: string): Set<string> {
    const rows = this.db
      .prepare(
        `SELECT DISTINCT t.document_id AS id FROM preannotation_tasks t JOIN preannotation_runs r ON r.id = t.run_id
         WHERE r.project_id = ? AND r.model = ? AND t.state = 'done'`,
      )
      .all(projectId, model) as { id: string }[];
    return new Set(rows.map((r) => r.id));
  }

  /** Ids and creation times of the predictions evaluated (for the derived version label). */
  predictionStamps(projectId: string, model: string, ids: readonly string[]): { newest: string | null } {
    if (!ids.length) return { newest: null };
    const row = this.db.prepare('SELECT MAX(created_at) AS newest FROM predictions WHERE project_id = ? AND model = ? AND id IN (SELECT value FROM json_each(?))').get(projectId, model, JSON.stringify(ids)) as {
      newest: string | null;
    };
    return row;
  }

  /**
   * The project's latest committed dataset version, from the sync engine's batches. A batch's
   * target is "<baseUrl> <entity>/<project>/<collection>".
   */
  latestDataset(projectId: string): EvaluationDataset | null {
    const r = this.db
      .prepare(
        "SELECT artifact_id, version_index, target FROM sync_batches WHERE project_id = ? AND state = 'committed' AND artifact_id IS NOT NULL AND version_index IS NOT NULL ORDER BY committed_at DESC, version_index DESC LIMIT 1",
      )
      .get(projectId) as { artifact_id: string; version_index: number; target: string | null } | undefined;
    if (!r || !r.target) return null;
    const m = /^(\S+) ([^/]+)\/([^/]+)\/(.+)$/.exec(r.target);
    if (!m) return null;
    const [, baseUrl, entity, project, collection] = m as unknown as [string, string, string, string, string];
    return {
      artifactId: r.artifact_id,
      version: `v${r.version_index}`,
      versionIndex: r.version_index,
      entity,
      project,
      collection,
      baseUrl,
      url: artifactVersionUrl(baseUrl, entity, project, 'dataset', collection, r.version_index),
    };
  }

  // ---- schedules --------------------------------------------------------------------------

  schedule(projectId: string, now: string): StoredSchedule {
    const r = this.db.prepare('SELECT * FROM evaluation_schedules WHERE project_id = ?').get(projectId) as ScheduleRow | undefined;
    if (!r) return { projectId, enabled: false, weekday: 1, time: '03:00', models: [], against: 'gold-or-verified', lastRunAt: null, changedAt: now };
    return {
      projectId,
      enabled: r.enabled === 1,
      weekday: r.weekday,
      time: r.time,
      models: parse<string[]>(r.models, []),
      against: r.against,
      lastRunAt: r.last_run_at,
      changedAt: r.changed_at,
    };
  }

  saveSchedule(s: StoredSchedule): void {
    this.db
      .prepare(
        `INSERT INTO evaluation_schedules (project_id, enabled, weekday, time, models, against, last_run_at, changed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(project_id) DO UPDATE SET enabled = excluded.enabled, weekday = excluded.weekday, time = excluded.time, models = excluded.models,
           against = excluded.against, last_run_at = excluded.last_run_at, changed_at = excluded.changed_at`,
      )
      .run(s.projectId, s.enabled ? 1 : 0, s.weekday, s.time, JSON.stringify(s.models), s.against, s.lastRunAt, s.changedAt);
  }

  enabledSchedules(): StoredSchedule[] {
    const ids = this.db.prepare('SELECT project_id FROM evaluation_schedules WHERE enabled = 1 ORDER BY project_id').all() as { project_id: string }[];
    return ids.map((r) => this.schedule(r.project_id, ''));
  }

  markScheduleRun(projectId: string, slot: string): void {
    this.db.prepare('UPDATE evaluation_schedules SET last_run_at = ? WHERE project_id = ?').run(slot, projectId);
  }
}
