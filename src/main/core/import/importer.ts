import { availableParallelism } from 'node:os';
import { basename } from 'node:path';
import { stat } from 'node:fs/promises';
import { AppError } from '../../../shared/contract/errors';
import type { EventSink } from '../../../shared/contract/methods';
import type { ImportFailure, ImportJob } from '../../../shared/domain/model';
import type { DocumentsRepo } from '../db/repos/documents';
import type { JobsRepo } from '../db/repos/jobs';
import type { ProjectsRepo } from '../db/repos/projects';
import type { MediaStore } from '../media/mediaStore';
import { type Clock, isoNow } from '../util/clock';
import { newId } from '../util/ids';
import { sha256File } from '../media/hash';
import { fileSizeProblem } from '../media/limits';
import { PdfRenderers, type WorkerEntry } from './pdf';
import { rasterizeFile } from './rasterize';
import { scanPaths } from './scan';
import { sniffFile } from '../media/sniff';
import { JobFamily, remainingMs } from '../jobs/jobFamily';

export interface ImportDeps {
  documents: DocumentsRepo;
  projects: ProjectsRepo;
  jobs: JobsRepo;
  media: MediaStore;
  clock: Clock;
  emit: EventSink;
  /** Files processed at once (default: one per core); image work runs on libvips' threads. */
  concurrency?: number;
  /** How PDF worker threads start (default: the TypeScript entry through tsx; Electron: its bundled file). */
  pdfWorker?: WorkerEntry | undefined;
  /** After an import ends (whatever its state): the project's pages may be read next. */
  onFinished?: (job: ImportJob) => void;
}

/** How an import names what it was given, when the paths are not what the user chose (uploads). */
export interface ImportOptions {
  /** The name shown for a path in progress and failures (default: the path). */
  shownAs?: (path: string) => string;
  /** What a new document records as where it came from (default: the path). */
  recordedAs?: (path: string) => string;
  /** Files left out before the import saw them (not documents), counted as skipped. */
  skipped?: number;
  /** Files refused before the import saw them (too large to upload), listed with the other failures. */
  failed?: ImportFailure[];
}

type Outcome = { kind: 'imported'; pages: number } | { kind: 'duplicate' } | { kind: 'failed'; reason: string };

const snapshot = (job: ImportJob): ImportJob => ({ ...job, failed: [...job.failed] });

const newImportJob = (jobId: string, projectId: string, state: ImportJob['state']): ImportJob => ({
  jobId,
  projectId,
  state,
  done: 0,
  total: 0,
  currentFile: null,
  etaMs: null,
  imported: 0,
  pages: 0,
  duplicates: 0,
  skipped: 0,
  failed: [],
  error: null,
});

/**
 * Imports files and folders into a project as a background job: progress events with an ETA,
 * cancellation, per-file failures with reasons. Each file is all-or-nothing: its pages are written
 * to a staging folder, moved into place, then recorded in one transaction.
 */
export class ImportService extends JobFamily<ImportJob> {
  /** PDF rendering runs JavaScript for seconds a page: on worker threads, off the thread that serves the UI. */
  readonly pdf: PdfRenderers;

  constructor(private readonly deps: ImportDeps) {
    super({
      kind: 'import',
      noun: 'import job',
      jobs: deps.jobs,
      clock: deps.clock,
      snapshot,
      initial: (row) => newImportJob(row.id, row.project_id ?? '', row.state),
      emitProgress: (s) => deps.emit('import.progress', s),
      beforePublish: (job, elapsedMs) => {
        job.etaMs = remainingMs(job.done, job.total, elapsedMs);
      },
      settle: (job) => {
        job.currentFile = null;
        job.etaMs = 0;
      },
    });
    this.pdf = new PdfRenderers(deps.pdfWorker);
  }

  /** Start an import in the background; follow it with events or `get`. */
  start(projectId: string, paths: string[], opts: ImportOptions = {}): string {
    this.deps.projects.get(projectId); // not_found now, not later in the background
    return this.launch({
      job: newImportJob(newId(), projectId, 'running'),
      projectId,
      params: { paths: opts.shownAs ? paths.map(opts.shownAs) : paths },
      body: (job, signal, publish) => this.execute(job, paths, opts, signal, publish),
      finished: (result) => {
        this.deps.emit('import.finished', result);
        this.deps.onFinished?.(result);
        this.deps.emit('documents.changed', { projectId });
        this.deps.emit('projects.changed', { projectId });
      },
    });
  }

  /** Resolves with the job's end state once a running import has finished. */
  async finished(jobId: string): Promise<ImportJob> {
    return this.wait(jobId);
  }

  /** Run an import to the end (CLI, demo project); `onProgress` sees the same updates as events. */
  async run(projectId: string, paths: string[], onProgress?: (job: ImportJob) => void): Promise<ImportJob> {
    const jobId = this.start(projectId, paths);
    return this.wait(jobId, onProgress);
  }

  /** Cancel every import, wait for them, and end the PDF worker threads (shutdown). */
  async close(): Promise<void> {
    this.cancelAll();
    await this.idle();
    await this.pdf.close();
  }

  private async execute(job: ImportJob, paths: string[], opts: ImportOptions, signal: AbortSignal, publish: (force?: boolean) => void): Promise<void> {
    const { emit } = this.deps;
    const shown = opts.shownAs ?? ((path: string) => path);
    const scan = await scanPaths(paths, signal);
    const refused = [...(opts.failed ?? []), ...scan.failed.map((f) => ({ ...f, path: shown(f.path) }))];
    job.total = scan.files.length + refused.length;
    job.failed.push(...refused);
    job.done = refused.length;
    job.skipped = scan.skipped + (opts.skipped ?? 0);
    publish(true);

    // The same bytes twice in one import: the first one imports, the rest wait and count as duplicates.
    const inFlight = new Map<string, Promise<Outcome>>();
    let next = 0;
    const worker = async () => {
      while (next < scan.files.length && !signal.aborted) {
        const path = scan.files[next++]!;
        job.currentFile = shown(path);
        publish();
        const outcome = await this.importFile(job.projectId, path, opts.recordedAs?.(path) ?? path, inFlight, signal);
        // A file committed as the cancel came still counts: the job's figures match the database.
        if (signal.aborted && outcome.kind !== 'imported') break;
        if (outcome.kind === 'imported') {
          job.imported++;
          job.pages += outcome.pages;
        } else if (outcome.kind === 'duplicate') {
          job.duplicates++;
        } else {
          job.failed.push({ path: shown(path), reason: outcome.reason });
        }
        job.done++;
        publish();
        if (outcome.kind === 'imported') emit('documents.changed', { projectId: job.projectId });
      }
    };
    const workers = Math.max(1, Math.min(this.deps.concurrency ?? Math.max(1, Math.min(4, availableParallelism())), scan.files.length));
    await Promise.all(Array.from({ length: workers }, worker));
    // The workers stop at a cancel without throwing: the job still ends cancelled.
    signal.throwIfAborted();
  }

  private async importFile(projectId: string, path: string, recordedPath: string, inFlight: Map<string, Promise<Outcome>>, signal: AbortSignal): Promise<Outcome> {
    const { documents, media, clock } = this.deps;
    let sha: string;
    try {
      const info = await stat(path);
      if (info.size === 0) return { kind: 'failed', reason: 'the file is empty (0 bytes)' };
      const tooLarge = fileSizeProblem(info.size);
      if (tooLarge) return { kind: 'failed', reason: tooLarge };
      const type = await sniffFile(path);
      if (!type) return { kind: 'failed', reason: 'not an image or PDF (Folio reads PNG, JPEG, TIFF, WebP and PDF files)' };
      sha = await sha256File(path, signal);
      const earlier = inFlight.get(sha);
      if (earlier) {
        const first = await earlier;
        return first.kind === 'imported' ? { kind: 'duplicate' } : first;
      }
      const work = (async (): Promise<Outcome> => {
        // Received from another machine under this file's id: its pixels are unproven, so the file's own replace them.
        const received = documents.isReceived(sha);
        if (!received && documents.inProject(projectId, sha)) return { kind: 'duplicate' };
        if (!received && documents.exists(sha)) {
          // Already imported into another project: link it, the pages are there.
          documents.addToProject(projectId, { id: sha }, isoNow(clock));
          return { kind: 'imported', pages: documents.pageCount(sha) };
        }
        const staging = await media.createStaging();
        try {
          const pages = await rasterizeFile({ path, type, stagingDir: staging, mediaPrefix: media.documentDir(sha), signal, pdf: this.pdf });
          signal.throwIfAborted();
          const kind = type === 'pdf' ? 'pdf' : type === 'tiff' ? 'tiff' : 'image';
          const doc = { id: sha, kind, sourceName: basename(path), sourcePath: recordedPath, byteSize: (await stat(path)).size, pages } as const;
          if (received) {
            const had = documents.pageCount(sha);
            if (had !== pages.length) {
              throw new AppError('conflict', `a document received from another machine claims this file's id but has ${had} page(s), not ${pages.length}: it is not this file; its pages and work are kept as they are`);
            }
            await media.commitStaging(staging, sha);
            documents.replaceReceivedPages(doc);
            documents.addToProject(projectId, { id: sha }, isoNow(clock));
            return { kind: 'imported', pages: pages.length };
          }
          await media.commitStaging(staging, sha);
          const added = documents.addToProject(projectId, doc, isoNow(clock));
          return added ? { kind: 'imported', pages: pages.length } : { kind: 'duplicate' };
        } catch (err) {
          await media.discardStaging(staging);
          throw err;
        }
      })();
      inFlight.set(sha, work);
      return await work;
    } catch (err) {
      if (signal.aborted) return { kind: 'failed', reason: 'cancelled' };
      if (err instanceof AppError) return { kind: 'failed', reason: err.message };
      const code = (err as NodeJS.ErrnoException).code;
      return { kind: 'failed', reason: code ? `cannot read the file (${code})` : `unexpected error: ${(err as Error).message}` };
    }
  }
}
