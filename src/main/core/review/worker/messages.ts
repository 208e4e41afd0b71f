import type { AppErrorData } from '../../../../shared/contract/errors';
import type { ProjectAnalysis } from '../analysis';

/** `workerData` of the review worker. */
export interface ReviewWorkerData {
  dbFile: string;
  nativeBinding: string | null;
}

export interface ToReviewWorker {
  id: number;
  project: { id: string; name: string };
  model: boolean;
}

export type FromReviewWorker = { id: number; ok: true; analysis: ProjectAnalysis } | { id: number; ok: false; error: AppErrorData };
