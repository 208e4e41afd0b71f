import type { AppApi, AppEvents } from '../../../shared/contract';
import type { PickedFiles } from '../lib/pickedFiles';

/** How far an upload of dropped or chosen files has got. */
export interface UploadProgress {
  totalFiles: number;
  sentFiles: number;
  totalBytes: number;
  sentBytes: number;
  /** The file being sent, by its path as dropped. */
  currentPath: string | null;
}

/**
 * How files the user drops on the window (or chooses in a file input) reach an import:
 * - `paths` (desktop app): each dropped File knows its place on disk; those paths go to `import.start`.
 * - `upload` (browser): the page cannot see the disk, so the files are sent to the host first.
 */
export type FileImport =
  | { kind: 'paths'; pathOf(file: File): string }
  | { kind: 'upload'; upload(projectId: string, picked: PickedFiles, onProgress: (p: UploadProgress) => void, signal: AbortSignal): Promise<{ jobId: string }> };

/** Everything the UI needs from whatever hosts it (Electron or the browser host). */
export interface Platform {
  kind: 'electron' | 'web';
  api: AppApi;
  events: AppEvents;
  /** A media path from the contract (page image, thumbnail) as a URL this host serves. */
  mediaUrl(path: string): string;
  fileImport: FileImport;
}
