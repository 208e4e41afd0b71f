import { create } from 'zustand';
import { api } from '../lib/api';
import { errorMessage } from '../lib/errors';
import { plural } from '../lib/format';
import { captureDrop, filesFromDrop, filesFromInput, type DroppedItems } from '../lib/pickedFiles';
import { getPlatform } from '../platform';
import type { UploadProgress } from '../platform/types';
import { toastError } from './toasts';

/** What the user gave: a drop (taken while its event ran) or a file input's choice. */
export type ImportSource = { drop: DroppedItems } | { input: FileList };

export interface UploadState {
  projectId: string;
  /** reading: walking dropped folders; sending: files going to the host. */
  phase: 'reading' | 'sending';
  progress: UploadProgress | null;
  controller: AbortController;
}

interface FileImportState {
  /** The import dialog, when open: its project and the job it follows (null: choosing what to import). */
  dialog: { projectId: string; jobId: string | null } | null;
  /** Dropped or chosen files on their way to the host (browser only); lives on when the dialog closes. */
  upload: UploadState | null;
  /** Why the last drop or choice started no import, shown in the dialog. */
  error: string | null;
  /** What happened to the last upload when it ended without an error (it was cancelled). */
  notice: string | null;
  openDialog(projectId: string, jobId?: string | null): void;
  closeDialog(): void;
  /** Show a job in the open dialog (null: back to choosing what to import). */
  followJob(jobId: string | null): void;
  /** Import what the user dropped or chose into a project: opens the dialog and starts. */
  importFiles(projectId: string, source: ImportSource): Promise<void>;
  cancelUpload(): void;
}

const PROGRESS_EVERY_MS = 100;

/** Left out inside folders, said the way the dialog's summary says it. */
const nothingToImport = (skipped: number) =>
  skipped > 0
    ? `Nothing to import: the ${plural(skipped, 'file')} in what you dropped ${skipped === 1 ? 'is' : 'are'} not PNG, JPEG, TIFF, WebP or PDF documents (or hidden).`
    : 'Nothing to import: what you dropped holds no files.';

export const useFileImport = create<FileImportState>((set, get) => ({
  dialog: null,
  upload: null,
  error: null,
  notice: null,
  openDialog(projectId, jobId = null) {
    set({ dialog: { projectId, jobId }, error: null, notice: null });
  },
  closeDialog() {
    set({ dialog: null, error: null, notice: null });
  },
  followJob(jobId) {
    const { dialog } = get();
    if (dialog) set({ dialog: { ...dialog, jobId }, error: null, notice: null });
  },
  async importFiles(projectId, source) {
    if (get().upload) {
      set({ dialog: { projectId: get().upload!.projectId, jobId: null }, error: 'Files are still being sent for the last import: wait for them, or cancel that upload first.' });
      return;
    }
    set({ dialog: { projectId, jobId: null }, error: null, notice: null });
    const fileImport = getPlatform().fileImport;
    // The dialog may have been closed meanwhile: then problems arrive as a toast.
    const fail = (message: string) => {
      if (get().dialog) set({ error: message });
      else toastError('The import did not start', new Error(message));
    };
    const started = (jobId: string) => {
      const { dialog } = get();
      if (dialog?.projectId === projectId) set({ dialog: { projectId, jobId }, error: null });
    };

    if (fileImport.kind === 'paths') {
      const files = 'drop' in source ? source.drop.files : Array.from(source.input);
      const paths = files.map((f) => fileImport.pathOf(f)).filter((p) => p !== '');
      if (paths.length === 0) {
        fail('These files are not on this computer’s disk (dragged from a web page or another app?): save them first, then drop the saved files.');
        return;
      }
      try {
        started((await api()['import.start']({ projectId, paths })).jobId);
      } catch (err) {
        fail(errorMessage(err));
      }
      return;
    }

    const controller = new AbortController();
    set({ upload: { projectId, phase: 'reading', progress: null, controller } });
    let lastShown = 0;
    const show = (progress: UploadProgress) => {
      const now = Date.now();
      if (now - lastShown < PROGRESS_EVERY_MS && progress.sentFiles < progress.totalFiles) return;
      lastShown = now;
      const upload = get().upload;
      if (upload?.controller === controller) set({ upload: { ...upload, phase: 'sending', progress } });
    };
    try {
      const picked = 'drop' in source ? await filesFromDrop(source.drop) : filesFromInput(source.input);
      if (picked.files.length === 0) {
        set({ upload: null });
        fail(nothingToImport(picked.skipped));
        return;
      }
      const { jobId } = await fileImport.upload(projectId, picked, show, controller.signal);
      set({ upload: null });
      started(jobId);
    } catch (err) {
      set({ upload: null });
      if (!controller.signal.aborted) fail(errorMessage(err));
      else if (get().dialog) set({ notice: 'The upload was cancelled: nothing was imported, and the files sent so far were removed.' });
    }
  },
  cancelUpload() {
    get().upload?.controller.abort();
  },
}));

/** Take what a drop carries now, while its event runs, and import it. */
export function importDrop(projectId: string, data: DataTransfer): void {
  void useFileImport.getState().importFiles(projectId, { drop: captureDrop(data) });
}
