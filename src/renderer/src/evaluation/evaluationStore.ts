import { create } from 'zustand';
import type { EvaluationJob, EvaluationModel, EvaluationSchedule } from '../../../shared/domain/evaluation';
import { api, events } from '../lib/api';
import { errorMessage } from '../lib/errors';

/**
 * One project's evaluations: its jobs (kept live from evaluation.progress / finished), the models
 * with predictions to evaluate, and the weekly schedule.
 */
interface EvaluationsState {
  projectId: string | null;
  jobs: EvaluationJob[] | null;
  models: EvaluationModel[] | null;
  schedule: EvaluationSchedule | null;
  error: string | null;
  load(projectId: string): Promise<void>;
  /** Put a job the service reported in its place (newest first). */
  upsert(job: EvaluationJob): void;
  /**
   * A job just started: list it unless its events got here first (a small evaluation can finish
   * before the start call's answer arrives, and the answer must not put it back to "queued").
   */
  added(job: EvaluationJob): void;
}

export const useEvaluations = create<EvaluationsState>((set, get) => ({
  projectId: null,
  jobs: null,
  models: null,
  schedule: null,
  error: null,
  async load(projectId) {
    if (get().projectId !== projectId) set({ projectId, jobs: null, models: null, schedule: null, error: null });
    try {
      const [jobs, models, schedule] = await Promise.all([
        api()['evaluation.list']({ projectId }),
        api()['evaluation.models']({ projectId }),
        api()['evaluation.schedule.get']({ projectId }),
      ]);
      if (get().projectId === projectId) set({ jobs, models, schedule, error: null });
    } catch (err) {
      if (get().projectId === projectId) set({ error: errorMessage(err) });
    }
  },
  added(job) {
    if (!get().jobs?.some((j) => j.jobId === job.jobId)) get().upsert(job);
  },
  upsert(job) {
    if (job.projectId !== get().projectId) return;
    const jobs = get().jobs ?? [];
    const i = jobs.findIndex((j) => j.jobId === job.jobId);
    set({ jobs: i >= 0 ? jobs.map((j) => (j.jobId === job.jobId ? job : j)) : [job, ...jobs] });
  },
}));

let connected = false;
/** Follow evaluation events once for the whole app. */
export function followEvaluations(): void {
  if (connected) return;
  connected = true;
  events().on('evaluation.progress', (job) => useEvaluations.getState().upsert(job));
  events().on('evaluation.finished', (job) => useEvaluations.getState().upsert(job));
}
