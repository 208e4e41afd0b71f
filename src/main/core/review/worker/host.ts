import { Worker } from 'node:worker_threads';
import { AppError } from '../../../../shared/contract/errors';
import type { ProjectAnalysis } from '../analysis';
import type { FromReviewWorker, ReviewWorkerData, ToReviewWorker } from './messages';
import { sourceEntry } from '../../util/sourceEntry';

/** The worker's entry when Folio runs from its TypeScript sources (through util/tsxEntry.mjs). */
const SOURCE = sourceEntry(new URL('./entry.ts', import.meta.url));

/**
 * Project analyses on the review worker thread (entry.ts), started on first use. A worker that
 * dies fails the analyses it was running; the next one starts a new worker.
 */
export class ReviewWorkerHost {
  private worker: Worker | null = null;
  private readonly waiting = new Map<number, { resolve: (a: ProjectAnalysis) => void; reject: (e: unknown) => void }>();
  private nextId = 1;
  /** Analyses answered by a worker thread (diagnostics and tests). */
  answered = 0;

  /** The worker thread, while one runs (tests). */
  get thread(): Worker | null {
    return this.worker;
  }

  /** `workerFile`: the bundled out/main/reviewWorker.js in Electron; by default the TypeScript entry through tsx. */
  constructor(private readonly opts: { dbFile: string; nativeBinding?: string | undefined; workerFile?: string | undefined }) {}

  analyse(project: { id: string; name: string }, model: boolean): Promise<ProjectAnalysis> {
    const worker = this.worker ?? this.spawn();
    const id = this.nextId++;
    // Keep the process alive while an answer is due (and only then: an idle worker must not keep a CLI or test running).
    worker.ref();
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ id, project, model } satisfies ToReviewWorker);
    });
  }

  private spawn(): Worker {
    const data: ReviewWorkerData = { dbFile: this.opts.dbFile, nativeBinding: this.opts.nativeBinding ?? null };
    const w = this.opts.workerFile ? new Worker(this.opts.workerFile, { workerData: data }) : new Worker(SOURCE.script, { workerData: data, argv: SOURCE.args });
    w.on('message', (m: FromReviewWorker) => {
      const call = this.waiting.get(m.id);
      if (!call) return;
      this.waiting.delete(m.id);
      if (!this.waiting.size) w.unref();
      this.answered++;
      if (m.ok) call.resolve(m.analysis);
      else call.reject(AppError.fromData(m.error));
    });
    const down = (reason: string) => {
      if (this.worker !== w) return;
      this.worker = null;
      const error = new AppError('unavailable', `The review analysis stopped unexpectedly (${reason}); open the page again.`, { retryable: true });
      for (const call of this.waiting.values()) call.reject(error);
      this.waiting.clear();
    };
    w.on('error', (err) => down(err.message));
    w.on('exit', (code) => down(`exit code ${code}`));
    this.worker = w;
    return w;
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    for (const call of this.waiting.values()) call.reject(new AppError('cancelled', 'Folio is closing'));
    this.waiting.clear();
    if (w) await w.terminate();
  }
}
