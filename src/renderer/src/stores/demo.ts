import { create } from 'zustand';
import type { Project } from '../../../shared/domain/model';
import { api } from '../lib/api';
import { errorMessage } from '../lib/errors';
import { useJobs } from './jobs';
import { useProjects } from './projects';

interface DemoState {
  running: boolean;
  error: string | null;
  /** Import jobs that existed before the demo started; the demo's own job is the new one. */
  knownJobs: string[];
  open(): Promise<Project | null>;
}

/** "Open the demo project": the core generates synthetic documents and imports them (seconds). */
export const useDemo = create<DemoState>((set, get) => ({
  running: false,
  error: null,
  knownJobs: [],
  async open() {
    if (get().running) return null;
    set({ running: true, error: null, knownJobs: Object.keys(useJobs.getState().jobs.import) });
    try {
      const project = await api()['projects.openDemo']({});
      useProjects.getState().put(project);
      set({ running: false });
      return project;
    } catch (err) {
      set({ running: false, error: errorMessage(err) });
      return null;
    }
  },
}));

/** The import job the running demo started, once its first progress event arrived. */
export function useDemoJob() {
  const knownJobs = useDemo((s) => s.knownJobs);
  const running = useDemo((s) => s.running);
  return useJobs((s) => {
    if (!running) return null;
    const fresh = Object.values(s.jobs.import).filter((j) => !knownJobs.includes(j.jobId));
    return fresh[fresh.length - 1] ?? null;
  });
}
