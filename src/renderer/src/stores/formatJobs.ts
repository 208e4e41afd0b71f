import { create } from 'zustand';
import type { AnnotationsImportJob, ExportJob } from '../../../shared/domain/formats';

/**
 * Export and annotation-import jobs this window has started or heard of, kept live by the
 * `export.*` and `annotationsImport.*` events (and by `*.get` answers, which can cross them).
 */
type Job = ExportJob | AnnotationsImportJob;

const finished = (job: Job) => job.state === 'completed' || job.state === 'failed' || job.state === 'cancelled';
export const isJobFinished = finished;

interface FormatJobsState {
  exports: Record<string, ExportJob>;
  imports: Record<string, AnnotationsImportJob>;
  applyExport(job: ExportJob): void;
  applyImport(job: AnnotationsImportJob): void;
}

/** A finished job never goes back to running; progress never goes backwards within a phase. */
function newer<T extends Job>(previous: T | undefined, job: T): boolean {
  if (!previous) return true;
  if (finished(previous) && !finished(job)) return false;
  const samePhase = !('phase' in job) || (previous as AnnotationsImportJob).phase === job.phase;
  return !(samePhase && !finished(job) && job.done < previous.done);
}

export const useFormatJobs = create<FormatJobsState>((set, get) => ({
  exports: {},
  imports: {},
  applyExport(job) {
    if (newer(get().exports[job.jobId], job)) set({ exports: { ...get().exports, [job.jobId]: job } });
  },
  applyImport(job) {
    if (newer(get().imports[job.jobId], job)) set({ imports: { ...get().imports, [job.jobId]: job } });
  },
}));
