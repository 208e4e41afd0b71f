import { create } from 'zustand';
import type { ImportJob } from '../../../shared/domain/model';

const terminal = new Set(['completed', 'failed', 'cancelled']);

export function isFinished(job: ImportJob): boolean {
  return terminal.has(job.state);
}

interface ImportsState {
  /** Every import job this window has heard of, by id, from events and `import.get`. */
  jobs: Record<string, ImportJob>;
  apply(job: ImportJob): void;
}

export const useImports = create<ImportsState>((set, get) => ({
  jobs: {},
  apply(job) {
    const previous = get().jobs[job.jobId];
    // Events and polled snapshots can cross: a finished job never goes back to running,
    // and progress never goes backwards.
    if (previous) {
      if (isFinished(previous) && !isFinished(job)) return;
      if (!isFinished(job) && job.done < previous.done) return;
    }
    set({ jobs: { ...get().jobs, [job.jobId]: job } });
  },
}));
