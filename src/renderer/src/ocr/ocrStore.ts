import { create } from 'zustand';
import type { LocalOcrOptions, OcrJob, OcrStatus } from '../../../shared/domain/ocr';
import { api } from '../lib/api';
import { errorMessage } from '../lib/errors';

/**
 * Each project's page OCR as the document list, the project settings and the pre-annotate dialog
 * show it: `ocr.status` once, then kept live by `ocr.progress` / `ocr.finished` events.
 */

export type OcrControl = 'start' | 'pause' | 'resume' | 'stop';

export const isOcrJobActive = (job: OcrJob | null | undefined): boolean => !!job && (job.state === 'running' || job.state === 'queued');

const finished = (job: OcrJob) => !isOcrJobActive(job);

interface OcrState {
  byProject: Record<string, OcrStatus>;
  errors: Record<string, string>;
  load(projectId: string): Promise<void>;
  /** From events and from the answers of start/predict. */
  applyJob(job: OcrJob): void;
  control(action: OcrControl, projectId: string): Promise<void>;
  predict(projectId: string, options: LocalOcrOptions): Promise<OcrJob>;
  setOnImport(projectId: string, onImport: boolean): Promise<void>;
}

export const useOcr = create<OcrState>((set, get) => {
  const put = (status: OcrStatus) => {
    const errors = { ...get().errors };
    delete errors[status.projectId];
    set({ byProject: { ...get().byProject, [status.projectId]: status }, errors });
  };
  return {
    byProject: {},
    errors: {},

    async load(projectId) {
      try {
        put(await api()['ocr.status']({ projectId }));
      } catch (err) {
        set({ errors: { ...get().errors, [projectId]: errorMessage(err) } });
      }
    },

    applyJob(job) {
      const status = get().byProject[job.projectId];
      if (!status) {
        void get().load(job.projectId);
        return;
      }
      const previous = status.job;
      // Events and answers can cross: an older run, or a finished run going back to running, is stale.
      if (previous && previous.jobId !== job.jobId && previous.startedAt > job.startedAt) return;
      if (previous?.jobId === job.jobId && finished(previous) && !finished(job)) return;
      // A run going means the project is not paused (a resume's answer may come after its first events).
      const paused = isOcrJobActive(job) ? false : job.paused || status.paused;
      set({ byProject: { ...get().byProject, [job.projectId]: { ...status, job, paused } } });
      // The page counts and the paused flag live in the status: read them again once a run ends.
      if (finished(job)) void get().load(job.projectId);
    },

    async control(action, projectId) {
      const client = api();
      if (action === 'start') {
        get().applyJob(await client['ocr.start']({ projectId }));
        return;
      }
      const call = { pause: 'ocr.pause', resume: 'ocr.resume', stop: 'ocr.stop' } as const;
      put(await client[call[action]]({ projectId }));
    },

    async predict(projectId, options) {
      const job = await api()['ocr.predict']({ projectId, options });
      get().applyJob(job);
      return job;
    },

    async setOnImport(projectId, onImport) {
      put(await api()['ocr.settings.update']({ projectId, onImport }));
    },
  };
});
