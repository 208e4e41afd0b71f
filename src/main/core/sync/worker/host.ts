import { Worker } from 'node:worker_threads';
import { AppError } from '../../../../shared/contract/errors';
import type { Db } from '../../db/open';
import { cachedStatement } from '../../db/statementCache';
import type { SyncConfig } from '../config';
import type { SyncCredentials, SyncJobView, SyncRunSummary, SyncStatus, SyncTrigger } from '../engine';
import type { SyncService } from '../service';
import type { DeadItem } from '../store';
import type { FromWorker, SyncCall, SyncWorkerData, SyncWorkerEngineOptions, ToWorker, WorkerPriority } from './messages';

export interface SyncWorkerHostOptions {
  dataDir: string;
  dbFile: string;
  nativeBinding?: string | undefined;
  folioVersion: string;
  /** Read on the main thread (settings, safeStorage) and sent to the worker at start and on settingsChanged(). */
  credentials: () => SyncCredentials;
  onChange?: (status: SyncStatus) => void;
  /**
   * The connection verify writes through. While the engine runs, its automatic WAL checkpoint is
   * off (the worker checkpoints between batches), so a verify never pays for one in its commit.
   */
  mainDb?: Db;
  /** The worker's script: the bundled out/main/syncWorker.js in Electron; by default the TypeScript entry through tsx. */
  workerFile?: string | URL;
  /** Nice value for the worker thread where the OS allows it (Linux); null leaves it. Default 10. */
  nice?: number | null;
  engine?: SyncWorkerEngineOptions;
}

/** SQLite's default auto-checkpoint threshold (pages), restored when the worker stops. */
const DEFAULT_AUTOCHECKPOINT = 1000;

/**
 * The app's sync service: a thin proxy on the main thread for the sync engine running in a worker
 * thread (worker/entry.ts) with its own database connection. Calls become messages; the engine's
 * status events come back and are forwarded to `onChange`. The worker is spawned on first use.
 *
 * If the worker dies (an uncaught error, out of memory), every waiting call fails, the status says
 * so, and it stays down until start(), syncNow() or restart() — a crash loop must not spin.
 * Verified work is in the database either way and waits.
 */
export class SyncWorkerHost implements SyncService {
  private worker: Worker | null = null;
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private nextId = 1;
  /** start() was asked and stop() was not: a restart starts the engine again. */
  private running = false;
  private crash: string | null = null;
  private lastStatus: SyncStatus | null = null;
  private osOnline: boolean | null = null;
  /** What the last worker reported when it came up: Node's thread id, the OS's (Linux), its priority. */
  info: { threadId: number; osThreadId: number | null; priority: WorkerPriority } | null = null;

  constructor(private readonly opts: SyncWorkerHostOptions) {}

  /** The worker thread, while one runs (diagnostics and tests). */
  get thread(): Worker | null {
    return this.worker;
  }

  private spawn(): Worker {
    const data: SyncWorkerData = {
      dbFile: this.opts.dbFile,
      dataDir: this.opts.dataDir,
      nativeBinding: this.opts.nativeBinding ?? null,
      folioVersion: this.opts.folioVersion,
      credentials: this.opts.credentials(),
      osOnline: this.osOnline,
      // The lowest priority: sync is background work; on an idle machine it still gets every cycle.
      nice: this.opts.nice === undefined ? 19 : this.opts.nice,
      engine: this.opts.engine ?? {},
    };
    const w = new Worker(this.opts.workerFile ?? new URL('./tsxEntry.mjs', import.meta.url), { workerData: data });
    w.on('message', (m: FromWorker) => this.onMessage(m));
    // 'error' (an uncaught exception; 'exit' follows) says why; 'exit' alone covers the rest.
    w.on('error', (err) => this.onCrash(w, err.message));
    w.on('exit', (code) => this.onCrash(w, `exit code ${code}`));
    this.worker = w;
    return w;
  }

  private onMessage(m: FromWorker): void {
    if (m.type === 'ready') {
      this.info = { threadId: m.threadId, osThreadId: m.osThreadId, priority: m.priority };
    } else if (m.type === 'status') {
      this.lastStatus = m.status;
      this.emit(m.status);
    } else {
      const call = this.calls.get(m.id);
      if (!call) return;
      this.calls.delete(m.id);
      if (m.ok) call.resolve(m.value);
      else call.reject(AppError.fromData(m.error));
    }
  }

  private onCrash(w: Worker, reason: string): void {
    if (this.worker !== w) return; // stopped on purpose, or already reported
    this.worker = null;
    this.crash = `The sync worker stopped unexpectedly (${reason}).`;
    this.restoreAutoCheckpoint();
    const error = new AppError('unavailable', this.crashMessage(), { retryable: true });
    for (const call of this.calls.values()) call.reject(error);
    this.calls.clear();
    this.emit(this.crashStatus());
  }

  private crashMessage(): string {
    return `${this.crash} Verified work is kept and waits; press Sync now to restart sync.`;
  }

  private crashStatus(): SyncStatus {
    const base: SyncStatus = this.lastStatus ?? {
      state: 'needs_attention',
      message: '',
      online: null,
      outbox: { pending: 0, inFlight: 0, dead: 0, done: 0 },
      currentJob: null,
      lastJob: null,
      lastSuccessAt: null,
      nextCheckAt: null,
      nextDailyAt: null,
      lastCheckedAt: null,
    };
    return { ...base, state: 'needs_attention', message: this.crashMessage(), currentJob: null, nextCheckAt: null };
  }

  private emit(status: SyncStatus): void {
    try {
      this.opts.onChange?.(status);
    } catch {
      /* a listener's failure is not sync's */
    }
  }

  private restoreAutoCheckpoint(): void {
    try {
      if (this.opts.mainDb?.open) this.opts.mainDb.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT}`);
    } catch {
      /* the connection is closing */
    }
  }

  private call<T>(method: SyncCall, ...args: unknown[]): Promise<T> {
    if (this.crash) return Promise.reject(new AppError('unavailable', this.crashMessage(), { retryable: true }));
    const w = this.worker ?? this.spawn();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
      w.postMessage({ type: 'call', id, method, args } satisfies ToWorker);
    });
  }

  private post(m: ToWorker): void {
    this.worker?.postMessage(m);
  }

  /** A new worker after a crash (the engine starts again if it was running). */
  async restart(): Promise<void> {
    this.crash = null;
    if (this.running) await this.start();
    else this.emit(await this.status());
  }

  async start(): Promise<void> {
    if (this.crash) this.crash = null;
    this.running = true;
    this.opts.mainDb?.pragma('wal_autocheckpoint = 0');
    await this.call('start');
  }

  /** Stop the engine (its running job resumes next start), close its connection and end the thread. */
  async stop(): Promise<void> {
    this.running = false;
    const w = this.worker;
    if (!w) return;
    try {
      await this.call('stop');
    } catch {
      /* it died meanwhile: nothing left to stop */
    }
    this.worker = null;
    this.restoreAutoCheckpoint();
    await w.terminate();
    for (const call of this.calls.values()) call.reject(new AppError('cancelled', 'sync stopped'));
    this.calls.clear();
  }

  async idle(): Promise<void> {
    if (this.worker) await this.call('idle');
  }

  async status(): Promise<SyncStatus> {
    if (this.crash) return this.crashStatus();
    return this.call<SyncStatus>('status');
  }

  async syncNow(): Promise<SyncRunSummary> {
    // What is waiting at the click (read here, on verify's connection): the worker may get to the
    // message after a few more verifies, and those belong to the next build.
    const upTo = this.opts.mainDb?.open ? (cachedStatement(this.opts.mainDb, 'SELECT COALESCE(MAX(rowid), 0) AS top FROM outbox').get() as { top: number }).top : undefined;
    if (this.crash) await this.restart();
    return this.call<SyncRunSummary>('syncNow', upTo);
  }

  trigger(reason: SyncTrigger): Promise<SyncJobView[]> {
    return this.call('trigger', reason);
  }

  jobs(limit?: number): Promise<SyncJobView[]> {
    return this.call('jobs', limit);
  }

  deadItems(limit?: number, offset?: number): Promise<DeadItem[]> {
    return this.call('deadItems', limit, offset);
  }

  retryDead(ids?: string[]): Promise<{ retried: number }> {
    return this.call('retryDead', ids);
  }

  discardDead(ids?: string[]): Promise<{ discarded: number }> {
    return this.call('discardDead', ids);
  }

  getConfig(): Promise<SyncConfig> {
    return this.call('getConfig');
  }

  updateConfig(patch: unknown): Promise<SyncConfig> {
    return this.call('updateConfig', patch);
  }

  setOsOnline(online: boolean): void {
    this.osOnline = online;
    this.post({ type: 'osOnline', online });
  }

  /** A message, not a call: verify never waits for the worker. */
  notifyOutboxChanged(): void {
    this.post({ type: 'outboxChanged' });
  }

  settingsChanged(): void {
    if (this.worker) this.post({ type: 'credentials', credentials: this.opts.credentials() });
  }
}
