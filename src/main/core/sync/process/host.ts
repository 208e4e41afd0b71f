import { AppError, toAppErrorData } from '../../../../shared/contract/errors';
import type { Db } from '../../db/open';
import { cachedStatement } from '../../db/statementCache';
import type { SyncConfig } from '../config';
import type { SyncJob, SyncStatusView } from '../../../../shared/domain/sync';
import type { SyncCredentials } from '../engine';
import type { SyncRunSummary, SyncService, SyncTrigger } from '../service';
import { applySyncWrite, SyncWriter, type DeadItem } from '../store';
import { forkSyncProcess, type SyncProcessHandle, type SyncProcessLauncher } from './launch';
import type { EventLoopDelay, FromSyncProcess, PriorityReport, SyncCall, SyncProcessEngineOptions, SyncProcessInit, ToSyncProcess } from './messages';

export interface SyncProcessHostOptions {
  dataDir: string;
  dbFile: string;
  nativeBinding?: string | undefined;
  folioVersion: string;
  /** Read in the app (settings, safeStorage) and sent to the sync process at start and on settingsChanged(). */
  credentials: () => SyncCredentials;
  onChange?: (status: SyncStatusView) => void;
  /**
   * The connection verify writes through. The sync process's writes are applied on it, here, at the
   * app's priority (store.ts says why). While the engine runs, its automatic WAL checkpoint is off
   * (the sync process checkpoints between batches), so a verify never pays for one in its commit.
   */
  mainDb: Db;
  /** How the process is started: Electron's utilityProcess in the app; by default child_process.fork of the TypeScript entry. */
  launch?: SyncProcessLauncher;
  /** 'background' (default): the sync process only takes CPU the app does not want (priority.ts). */
  priority?: 'background' | 'normal';
  /** Have the sync process measure its own event-loop delay (eventLoopDelay()); benchmarks. */
  measureEventLoop?: boolean;
  engine?: SyncProcessEngineOptions;
}
/** SQLite's default auto-checkpoint threshold (pages), restored when the sync process stops. */
const DEFAULT_AUTOCHECKPOINT = 1000;

/**
 * The app's sync service: a thin proxy for the sync engine running in its own background-priority
 * process (entry.ts) with its own database connection. Calls become messages; the engine's status
 * events come back and are forwarded to `onChange`. The process is started on first use.
 *
 * A process, not a worker thread: a thread shares the app's V8 and libuv helper threads, which
 * collect its garbage and read its files at the app's priority, on the cores verify needs
 * (docs/BENCHMARKS.md, sync). A process can be made background work as a whole. Its writes come
 * back here as messages and are applied on the app's connection (applyWrite): a background process
 * the scheduler starves must never hold SQLite's write lock.
 *
 * If the process dies (an uncaught error, out of memory, killed), every waiting call fails, the
 * status says so, and it stays down until start(), syncNow() or restart() — a crash loop must not
 * spin. Verified work is in the database either way and waits.
 */
export class SyncProcessHost implements SyncService {
  private child: SyncProcessHandle | null = null;
  /** Why the current process said it failed, if it did before exiting. */
  private fatal: string | null = null;
  private readonly calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private nextId = 1;
  /** start() was asked and stop() was not: a restart starts the engine again. */
  private running = false;
  private crash: string | null = null;
  private lastStatus: SyncStatusView | null = null;
  private osOnline: boolean | null = null;
  private readonly writer: SyncWriter;
  /** What the last sync process reported when it came up: its pid and the priority it runs at. */
  info: { pid: number; priority: PriorityReport } | null = null;

  constructor(private readonly opts: SyncProcessHostOptions) {
    this.writer = new SyncWriter(opts.mainDb);
  }

  /** The sync process, while one runs (diagnostics and tests). */
  get process(): SyncProcessHandle | null {
    return this.child;
  }

  private spawn(): SyncProcessHandle {
    const init: SyncProcessInit = {
      dbFile: this.opts.dbFile,
      dataDir: this.opts.dataDir,
      nativeBinding: this.opts.nativeBinding ?? null,
      folioVersion: this.opts.folioVersion,
      credentials: this.opts.credentials(),
      osOnline: this.osOnline,
      // Sync is background work: on an idle machine it still gets every cycle.
      priority: this.opts.priority ?? 'background',
      measureEventLoop: this.opts.measureEventLoop ?? false,
      engine: this.opts.engine ?? {},
    };
    const child = (this.opts.launch ?? forkSyncProcess)();
    this.fatal = null;
    child.onMessage((m) => this.onMessage(m, child));
    child.onExit((reason) => this.onCrash(child, this.fatal ? `${this.fatal}; ${reason}` : reason));
    child.post({ type: 'init', init });
    this.child = child;
    return child;
  }

  private onMessage(m: FromSyncProcess, child: SyncProcessHandle): void {
    if (m.type === 'write') {
      this.applyWrite(m, child);
    } else if (m.type === 'ready') {
      this.info = { pid: m.pid, priority: m.priority };
    } else if (m.type === 'fatal') {
      this.fatal = m.message;
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

  /**
   * One write of the sync process, applied now on the app's connection (one short transaction,
   * at the app's priority) and answered once committed. If the process died meanwhile, the write
   * stands or not as a whole and its recovery at next start is the same as after any crash.
   */
  private applyWrite(m: Extract<FromSyncProcess, { type: 'write' }>, child: SyncProcessHandle): void {
    let answer: ToSyncProcess;
    try {
      if (!this.opts.mainDb.open) throw new AppError('unavailable', 'the app closed its database', { retryable: true });
      answer = { type: 'written', id: m.id, ok: true, value: applySyncWrite(this.writer, m.op, m.args) ?? null };
    } catch (err) {
      answer = { type: 'written', id: m.id, ok: false, error: toAppErrorData(err) };
    }
    child.post(answer);
  }

  private onCrash(child: SyncProcessHandle, reason: string): void {
    if (this.child !== child) return; // stopped on purpose, or already reported
    this.child = null;
    this.crash = `The sync process stopped unexpectedly (${reason}).`;
    this.restoreAutoCheckpoint();
    const error = new AppError('unavailable', this.crashMessage(), { retryable: true });
    for (const call of this.calls.values()) call.reject(error);
    this.calls.clear();
    this.emit(this.crashStatus());
  }

  private crashMessage(): string {
    return `${this.crash} Verified work is kept and waits; press Sync now to restart sync.`;
  }

  private crashStatus(): SyncStatusView {
    const base: SyncStatusView = this.lastStatus ?? {
      state: 'needs_attention',
      message: '',
      online: null,
      outbox: { pending: 0, inFlight: 0, dead: 0, done: 0, waitingDocuments: 0 },
      currentJob: null,
      lastJob: null,
      lastSuccessAt: null,
      nextCheckAt: null,
      nextDailyAt: null,
      lastCheckedAt: null,
    };
    return { ...base, state: 'needs_attention', message: this.crashMessage(), currentJob: null, nextCheckAt: null };
  }

  private emit(status: SyncStatusView): void {
    try {
      this.opts.onChange?.(status);
    } catch {
      /* a listener's failure is not sync's */
    }
  }

  private restoreAutoCheckpoint(): void {
    try {
      if (this.opts.mainDb.open) this.opts.mainDb.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT}`);
    } catch {
      /* the connection is closing */
    }
  }

  private call<T>(method: SyncCall, ...args: unknown[]): Promise<T> {
    return this.request<T>((id) => ({ type: 'call', id, method, args }));
  }

  /** Send a message that is answered by a result with its id. */
  private request<T>(message: (id: number) => ToSyncProcess): Promise<T> {
    if (this.crash) return Promise.reject(new AppError('unavailable', this.crashMessage(), { retryable: true }));
    const child = this.child ?? this.spawn();
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.calls.set(id, { resolve: resolve as (v: unknown) => void, reject });
      // If it cannot be sent, the process is gone and its exit rejects this call.
      child.post(message(id));
    });
  }

  /** The sync process's longest and p99 event-loop delay since the last reading (null unless measureEventLoop). */
  eventLoopDelay(): Promise<EventLoopDelay | null> {
    return this.request((id) => ({ type: 'eventLoopDelay', id }));
  }

  private post(m: ToSyncProcess): void {
    this.child?.post(m);
  }

  /** A new sync process after a crash (the engine starts again if it was running). */
  async restart(): Promise<void> {
    this.crash = null;
    if (this.running) await this.start();
    else this.emit(await this.status());
  }

  async start(): Promise<void> {
    if (this.crash) this.crash = null;
    this.running = true;
    this.opts.mainDb.pragma('wal_autocheckpoint = 0');
    await this.call('start');
  }

  /** Stop the engine (its running job resumes next start), close its connection and end the process. */
  async stop(): Promise<void> {
    this.running = false;
    const child = this.child;
    if (!child) return;
    try {
      await this.call('stop');
    } catch {
      /* it died meanwhile: nothing left to stop */
    }
    this.child = null;
    this.restoreAutoCheckpoint();
    const exited = new Promise<void>((resolve) => child.onExit(() => resolve()));
    child.kill();
    await exited;
    for (const call of this.calls.values()) call.reject(new AppError('cancelled', 'sync stopped'));
    this.calls.clear();
  }

  async idle(): Promise<void> {
    if (this.child) await this.call('idle');
  }

  async status(): Promise<SyncStatusView> {
    if (this.crash) return this.crashStatus();
    return this.call<SyncStatusView>('status');
  }

  async syncNow(): Promise<SyncRunSummary> {
    // What is waiting at the click (read here, on verify's connection): the sync process may get to the
    // message after a few more verifies, and those belong to the next build.
    const upTo = this.opts.mainDb.open ? (cachedStatement(this.opts.mainDb, 'SELECT COALESCE(MAX(rowid), 0) AS top FROM outbox').get() as { top: number }).top : undefined;
    if (this.crash) await this.restart();
    return this.call<SyncRunSummary>('syncNow', upTo);
  }

  trigger(reason: SyncTrigger): Promise<SyncJob[]> {
    return this.call('trigger', reason);
  }

  jobs(limit?: number): Promise<SyncJob[]> {
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

  /** A message, not a call: verify never waits for the sync process. */
  notifyOutboxChanged(): void {
    this.post({ type: 'outboxChanged' });
  }

  settingsChanged(): void {
    if (this.child) this.post({ type: 'credentials', credentials: this.opts.credentials() });
  }
}
