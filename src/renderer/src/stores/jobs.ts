import { useEffect } from 'react';
import { create } from 'zustand';
import type { AnnotationsImportJob, ExportJob } from '../../../shared/domain/formats';
import type { ImportJob, JobState } from '../../../shared/domain/model';
import { api } from '../lib/api';

/** The core's background jobs the renderer follows, by the contract name their methods and events start with. */
export interface JobsByKind {
  import: ImportJob;
  export: ExportJob;
  annotationsImport: AnnotationsImportJob;
}
export type JobKind = keyof JobsByKind;

const terminal: ReadonlySet<JobState> = new Set(['completed', 'failed', 'cancelled']);

export function isJobFinished(job: { state: JobState }): boolean {
  return terminal.has(job.state);
}

type Job = JobsByKind[JobKind];

/**
 * Events and `*.get` answers can cross: a finished job never goes back to running, and progress
 * never goes backwards within a phase (an annotation import counts bytes, then documents).
 */
function isNewer(previous: Job | undefined, job: Job): boolean {
  if (!previous) return true;
  if (isJobFinished(previous) && !isJobFinished(job)) return false;
  const samePhase = !('phase' in job) || !('phase' in previous) || previous.phase === job.phase;
  return !(samePhase && !isJobFinished(job) && job.done < previous.done);
}

interface JobsState {
  /** Every job this window has heard of, by kind and id, from events and `*.get` answers. */
  jobs: { [K in JobKind]: Record<string, JobsByKind[K]> };
  apply<K extends JobKind>(kind: K, job: JobsByKind[K]): void;
}

export const useJobs = create<JobsState>((set, get) => ({
  jobs: { import: {}, export: {}, annotationsImport: {} },
  apply(kind, job) {
    const { jobs } = get();
    if (isNewer(jobs[kind][job.jobId], job)) set({ jobs: { ...jobs, [kind]: { ...jobs[kind], [job.jobId]: job } } });
  },
}));

const jobMethods: { [K in JobKind]: { get(jobId: string): Promise<JobsByKind[K]>; cancel(jobId: string): Promise<unknown> } } = {
  import: { get: (jobId) => api()['import.get']({ jobId }), cancel: (jobId) => api()['import.cancel']({ jobId }) },
  export: { get: (jobId) => api()['export.get']({ jobId }), cancel: (jobId) => api()['export.cancel']({ jobId }) },
  annotationsImport: {
    get: (jobId) => api()['annotationsImport.get']({ jobId }),
    cancel: (jobId) => api()['annotationsImport.cancel']({ jobId }),
  },
};

/** Ask the core where a job is now and keep the answer (unless an event already brought a newer one). */
export async function refreshJob<K extends JobKind>(kind: K, jobId: string): Promise<void> {
  const job = await jobMethods[kind].get(jobId);
  useJobs.getState().apply(kind, job);
}

/** Ask the core to cancel a job; its events then bring the cancelled state. */
export async function cancelJob(kind: JobKind, jobId: string): Promise<void> {
  await jobMethods[kind].cancel(jobId);
}

/** The job of this kind and id, as this window knows it (undefined before its first event or answer). */
export function useJob<K extends JobKind>(kind: K, jobId: string | null): JobsByKind[K] | undefined {
  return useJobs((s) => (jobId ? (s.jobs[kind][jobId] as JobsByKind[K] | undefined) : undefined));
}

const POLL_EVERY_MS = 1500;

/** Events carry the progress; a slow poll covers any event missed while the connection blinked. */
export function usePollWhileRunning(kind: JobKind, jobId: string | null, finished: boolean): void {
  useEffect(() => {
    if (!jobId || finished) return;
    let stopped = false;
    const poll = async () => {
      try {
        const latest = await jobMethods[kind].get(jobId);
        if (!stopped) useJobs.getState().apply(kind, latest);
      } catch {
        // the next event or poll catches up
      }
    };
    void poll();
    const timer = setInterval(() => void poll(), POLL_EVERY_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [kind, jobId, finished]);
}
