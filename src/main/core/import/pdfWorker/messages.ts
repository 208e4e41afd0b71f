import type { AppErrorData } from '../../../../shared/contract/errors';

/** One request at a time: the host waits for each answer before it sends the next. */
export type ToPdfWorker = { id: number; kind: 'open'; path: string } | { id: number; kind: 'render'; page: number } | { id: number; kind: 'close' };

export type FromPdfWorker =
  | { id: number; ok: true; kind: 'opened'; pages: number }
  | { id: number; ok: true; kind: 'page'; png: Uint8Array; width: number; height: number }
  | { id: number; ok: true; kind: 'closed' }
  | { id: number; ok: false; error: AppErrorData };
