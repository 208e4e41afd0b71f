import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createWorker, PSM, type Worker } from 'tesseract.js';
import { AppError } from '../../../shared/contract/errors';

/** English, LSTM "best" weights quantised to integers: shipped by @tesseract.js-data/eng, nothing is fetched. */
export const defaultLangPath = (): string => join(dirname(createRequire(import.meta.url).resolve('@tesseract.js-data/eng/package.json')), '4.0.0_best_int');

/** One word, one line or one block for a drawn region; `page` and `sparse` find the text on a whole page. */
export type SegmentationMode = 'word' | 'line' | 'block' | 'page' | 'sparse';

const PSM_OF: Record<SegmentationMode, PSM> = { word: PSM.SINGLE_WORD, line: PSM.SINGLE_LINE, block: PSM.SINGLE_BLOCK, page: PSM.AUTO, sparse: PSM.SPARSE_TEXT };

export interface Recognition {
  text: string;
  /** Tesseract's mean word confidence, 0–100. */
  confidence: number;
  /** Words with their boxes, as tesseract's TSV (asked for with `words`). */
  tsv?: string;
}

export interface TesseractOptions {
  langPath?: string;
  /** A recognition still running after this long is abandoned and the worker replaced. */
  timeoutMs?: number;
  /** Starting the worker (loading the wasm core and the language data) may take this long. */
  startTimeoutMs?: number;
}

/**
 * One long-lived tesseract.js worker: created on first use, reused, terminated by close().
 * Recognition runs in tesseract's own worker thread; this side only queues requests one at a time
 * (the page segmentation mode is a worker-wide parameter, so two requests must not interleave). A
 * worker that fails or hangs is thrown away and the next request starts a fresh one.
 */
export class TesseractReader {
  private worker: Promise<Worker> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private mode: SegmentationMode | null = null;
  private closed = false;
  /** Rejects the recognition in progress when the worker thread dies under it. */
  private onDeath: ((err: Error) => void) | null = null;
  private readonly langPath: string;
  private readonly timeoutMs: number;
  private readonly startTimeoutMs: number;

  constructor(opts: TesseractOptions = {}) {
    this.langPath = opts.langPath ?? defaultLangPath();
    this.timeoutMs = opts.timeoutMs ?? 60_000;
    this.startTimeoutMs = opts.startTimeoutMs ?? 60_000;
  }

  /** Whether a worker is running (tests check it is created lazily and closed). */
  get running(): boolean {
    return this.worker !== null;
  }

  recognise(png: Buffer, mode: SegmentationMode, opts: { words?: boolean } = {}): Promise<Recognition> {
    const run = this.queue.then(() => this.run(png, mode, opts.words ?? false));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Lets the worker go once what is queued is read (the next request starts a fresh one). */
  async release(): Promise<void> {
    await this.queue;
    await this.discard();
  }

  /** Stops the worker now: a recognition in progress and those waiting fail as cancelled. */
  async close(): Promise<void> {
    this.closed = true;
    this.onDeath?.(new AppError('cancelled', 'Folio is closing: the text was not read'));
    await this.discard();
    await this.queue;
  }

  private async run(png: Buffer, mode: SegmentationMode, words: boolean): Promise<Recognition> {
    if (this.closed) throw new AppError('cancelled', 'Folio is closing: the text was not read');
    const worker = await this.start();
    if (this.closed) throw new AppError('cancelled', 'Folio is closing: the text was not read');
    try {
      return await this.withTimeout(async () => {
        if (this.mode !== mode) {
          await worker.setParameters({ tessedit_pageseg_mode: PSM_OF[mode] });
          this.mode = mode;
        }
        // Words come as TSV, a string: tesseract's block tree (symbols, choices) would be a large
        // object to copy from its thread onto this one for every page.
        const { data } = await worker.recognize(png, {}, words ? { text: true, tsv: true } : { text: true });
        return { text: data.text, confidence: data.confidence, ...(words && data.tsv !== null ? { tsv: data.tsv } : {}) };
      }, `reading took longer than ${this.timeoutMs / 1000} s`);
    } catch (err) {
      await this.discard();
      if (err instanceof AppError) throw err;
      throw new AppError('internal', `The text reader failed: ${message(err)}`, { retryable: true, cause: err });
    }
  }

  private start(): Promise<Worker> {
    this.worker ??= this.create().catch(async (err: unknown) => {
      this.worker = null;
      throw err instanceof AppError ? err : new AppError('unavailable', `The text reader could not start: ${message(err)}`, { retryable: true, cause: err });
    });
    return this.worker;
  }

  private async create(): Promise<Worker> {
    const data = join(this.langPath, 'eng.traineddata.gz');
    try {
      await access(data);
    } catch {
      throw new AppError('unavailable', `The text reader's English data is missing (${data}): reinstall Folio's dependencies (npm install)`);
    }
    let startFailure: ((err: unknown) => void) | null = null;
    const failed = new Promise<never>((_, reject) => (startFailure = reject));
    const starting = createWorker('eng', 1, {
      langPath: this.langPath,
      cacheMethod: 'none',
      gzip: true,
      // Without a handler tesseract.js throws a failed job's error inside its message listener,
      // where nothing can catch it and it would take the whole process down.
      errorHandler: (err: unknown) => startFailure?.(err),
    });
    let worker: Worker;
    try {
      worker = await this.withTimeout(() => Promise.race([starting, failed]), `starting took longer than ${this.startTimeoutMs / 1000} s`, this.startTimeoutMs);
    } catch (err) {
      // A start that gives up must not leave a thread behind when it finishes after all.
      void starting.then((late) => late.terminate(), () => undefined);
      throw err;
    } finally {
      startFailure = null;
    }
    // tesseract.js listens for messages but not for the thread's own errors: unheard, one would
    // crash the process; heard, it fails the request in progress and the worker is replaced.
    const thread = (worker as unknown as { worker: NodeJS.EventEmitter }).worker;
    const died = (err: unknown) => {
      if (retired.has(worker)) return;
      retired.add(worker);
      this.worker = null;
      this.onDeath?.(err instanceof Error ? err : new Error(String(err)));
    };
    thread.on('error', died);
    thread.on('exit', (code: number) => died(new Error(`its worker thread stopped (exit code ${code})`)));
    // Scans rarely say their resolution (a cropped PNG says 72 dpi or nothing); tesseract warns on
    // every image without this and guesses anyway.
    await worker.setParameters({ user_defined_dpi: '300' });
    this.mode = null;
    return worker;
  }

  private withTimeout<T>(work: () => Promise<T>, what: string, ms = this.timeoutMs): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new AppError('internal', `The text reader failed: ${what}`, { retryable: true })), ms);
      this.onDeath = (err) => reject(err instanceof AppError ? err : new AppError('internal', `The text reader failed: ${err.message}`, { retryable: true, cause: err }));
      work().then(resolve, reject).finally(() => {
        clearTimeout(timer);
        this.onDeath = null;
      });
    });
  }

  private async discard(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.mode = null;
    if (!worker) return;
    try {
      const w = await worker;
      retired.add(w);
      await w.terminate();
    } catch {
      // It never started, or is gone already.
    }
  }
}

/** Workers terminated on purpose (or already dead): their thread's exit is no news. */
const retired = new WeakSet<Worker>();

const message = (err: unknown): string => (err instanceof Error ? err.message : typeof err === 'string' ? err : JSON.stringify(err)).replace(/^Error: /, '');
