import { Worker } from 'node:worker_threads';
import { AppError } from '../../../shared/contract/errors';
import { sourceEntry } from '../util/sourceEntry';
import { importLimits } from '../media/limits';
import type { FromPdfWorker, ToPdfWorker } from './pdfWorker/messages';

/** How a PDF worker thread starts: a script and its arguments (see util/sourceEntry.ts). */
export interface WorkerEntry {
  script: string;
  args: string[];
}

/** The worker's entry when Folio runs from its TypeScript sources (through util/tsxEntry.mjs). */
const SOURCE: WorkerEntry = sourceEntry(new URL('./pdfWorker/entry.ts', import.meta.url));

/** A worker left idle this long ends: pdf.js holds tens of megabytes a thread. */
const IDLE_MS = 30_000;

type Answer<K extends string> = Extract<FromPdfWorker, { ok: true; kind: K }>;
/** A request before the worker numbers it. */
type Request = ToPdfWorker extends infer T ? (T extends ToPdfWorker ? Omit<T, 'id'> : never) : never;

/** One PDF worker thread, asked one thing at a time. */
class PdfWorker {
  private readonly worker: Worker;
  private pending: { resolve: (m: FromPdfWorker) => void; reject: (e: unknown) => void } | null = null;
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | null = null;
  /** Set once the thread has ended or was told to: it answers nothing more. */
  down: AppError | null = null;

  constructor(entry: WorkerEntry, onEnd: () => void) {
    this.worker = new Worker(entry.script, { argv: entry.args, resourceLimits: { maxOldGenerationSizeMb: importLimits.pdfWorkerHeapMb } });
    this.worker.on('message', (m: FromPdfWorker) => {
      const call = this.pending;
      this.pending = null;
      call?.resolve(m);
    });
    const end = (error: AppError) => {
      if (!this.down) this.down = error;
      this.pending?.reject(this.down);
      this.pending = null;
      onEnd();
    };
    this.worker.on('error', (err: Error & { code?: string }) =>
      end(
        err.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new AppError('too_large', `rendering the PDF needs more than ${importLimits.pdfWorkerHeapMb.toLocaleString('en-US')} MB of memory, over Folio's limit`, { cause: err })
          : new AppError('corrupt_file', `the PDF renderer stopped unexpectedly while reading this PDF (${err.message})`, { cause: err }),
      ),
    );
    this.worker.on('exit', (code) => end(new AppError('corrupt_file', `the PDF renderer stopped unexpectedly while reading this PDF (exit code ${code})`)));
  }

  async ask<K extends 'opened' | 'page' | 'closed'>(kind: K, request: Request, signal: AbortSignal): Promise<Answer<K>> {
    if (this.down) throw this.down;
    signal.throwIfAborted();
    this.worker.ref();
    const answer = await new Promise<FromPdfWorker>((resolve, reject) => {
      this.pending = { resolve, reject };
      this.worker.postMessage({ ...request, id: this.nextId++ } as ToPdfWorker);
    }).finally(() => this.worker.unref());
    if (!answer.ok) throw AppError.fromData(answer.error);
    if (answer.kind !== kind) throw new AppError('internal', `the PDF worker answered ${answer.kind} to ${request.kind}`);
    return answer as Answer<K>;
  }

  /** Park the thread; it ends by itself if nobody needs it within `IDLE_MS`. */
  park(): void {
    this.worker.unref();
    this.idleTimer = setTimeout(() => void this.terminate(), IDLE_MS);
    this.idleTimer.unref();
  }

  unpark(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }

  async terminate(reason?: unknown): Promise<void> {
    this.unpark();
    if (!this.down) this.down = new AppError('cancelled', 'the PDF worker was stopped', { cause: reason });
    this.pending?.reject(reason ?? this.down);
    this.pending = null;
    await this.worker.terminate();
  }
}

/**
 * PDF rendering on worker threads, one per PDF being imported, reused for the next PDF. Cancelling
 * terminates the thread mid-page; a thread that crashes or runs out of memory fails only the PDF
 * it was rendering.
 */
export class PdfRenderers {
  private readonly idle: PdfWorker[] = [];
  private readonly live = new Set<PdfWorker>();

  /** `entry`: Electron's bundled out/main/pdfWorker.js; by default the TypeScript entry through tsx. */
  constructor(private readonly entry: WorkerEntry = SOURCE) {}

  /** Worker threads now running, busy or idle (diagnostics and tests). */
  get threads(): number {
    return this.live.size;
  }

  /**
   * Render each page of the PDF at `path` to PNG and hand it to `onPage` before the next is
   * rendered (one page in memory at a time). Resolves with the page count.
   */
  async render(path: string, signal: AbortSignal, onPage: (pageNumber: number, png: Buffer, width: number, height: number) => Promise<void>): Promise<number> {
    signal.throwIfAborted();
    // An idle thread whose time ran out is ending: it answers nothing more.
    let worker = this.idle.pop();
    while (worker?.down) worker = this.idle.pop();
    worker ??= this.spawn();
    worker.unpark();
    const stop = () => void worker.terminate(signal.reason);
    signal.addEventListener('abort', stop, { once: true });
    try {
      const { pages } = await worker.ask('opened', { kind: 'open', path }, signal);
      for (let n = 1; n <= pages; n++) {
        const page = await worker.ask('page', { kind: 'render', page: n }, signal);
        await onPage(n, Buffer.from(page.png.buffer, page.png.byteOffset, page.png.byteLength), page.width, page.height);
      }
      await worker.ask('closed', { kind: 'close' }, signal);
      return pages;
    } catch (err) {
      signal.throwIfAborted();
      throw err;
    } finally {
      signal.removeEventListener('abort', stop);
      // A PDF the worker refused (damaged, locked) leaves it well; a crash or a cancel ended it.
      // The thread ends as soon as native code it is in returns; the import need not wait for that.
      if (worker.down) void worker.terminate();
      else {
        this.idle.push(worker);
        worker.park();
      }
    }
  }

  /** End every thread (shutdown). */
  async close(): Promise<void> {
    this.idle.length = 0;
    await Promise.all([...this.live].map((w) => w.terminate()));
  }

  private spawn(): PdfWorker {
    const worker: PdfWorker = new PdfWorker(this.entry, () => {
      this.live.delete(worker);
      const at = this.idle.indexOf(worker);
      if (at >= 0) this.idle.splice(at, 1);
    });
    this.live.add(worker);
    return worker;
  }
}
