import { randomUUID } from 'node:crypto';
import type { Db } from '../db/open';
import { DEFAULT_WANDB_ARTIFACT } from '../settings/types';
import { type Clock, isoNow, systemClock } from '../util/clock';
import { lastDailyAt, nextDailyAt, SyncConfigStore, type SyncConfig, type SyncConfigPatch } from './config';
import { cachedStatement } from '../db/statementCache';
import { classify, runSyncJob, type JobProgress, type JobReport, type SyncJobResult } from './job';
import { ManifestCache } from './manifestCache';
import type { SyncJob, SyncStatusView } from '../../../shared/domain/sync';
import type { SyncRunSummary, SyncService, SyncTrigger } from './service';
import { SyncStore, type DeadItem, type JobRowView, type SyncWrites } from './store';
import { WandbClient } from '../wandb/client';
import { probePolicy, WandbError, type Policies, type RetryPolicy } from '../wandb/http';

/**
 * The sync engine: decides when to build (interval, daily time, "Sync now", app start, coming
 * back online), knows whether W&B is reachable (by asking it, not by trusting the OS flag), runs
 * one dataset-build job at a time, and says in one calm sentence why nothing is syncing. It never
 * touches verify or editing: those write the outbox in their own transaction and return. In the
 * app it runs in a background process with its own read-only connection (process/entry.ts) and its
 * writes are applied by the app (`writes`, see store.ts); the CLI, the crash test's child and the
 * engine tests run it in-process, writing on its connection.
 */

export interface SyncCredentials {
  apiKey: string | null;
  baseUrl: string;
  entity: string | null;
  project: string;
}

export interface SyncEngineOptions {
  db: Db;
  dataDir: string;
  credentials: () => SyncCredentials;
  folioVersion: string;
  collection?: string;
  clock?: Clock;
  policies?: Partial<Policies>;
  fetch?: typeof fetch;
  /** How often timers are checked (default 15 s). */
  tickMs?: number;
  /** How often W&B is probed while offline (default 30 s). */
  offlineProbeMs?: number;
  probeTimeoutMs?: number;
  uploadConcurrency?: number;
  onChange?: (status: SyncStatusView) => void;
  /**
   * Checkpoint the WAL (PASSIVE) between batches and on the timer. The sync process does, because
   * the app's verify connection has auto-checkpoint turned off while the sync process runs.
   */
  walCheckpoints?: boolean;
  /** Where the engine's writes go (default: SyncWriter on `db`). The sync process sends them to the app. */
  writes?: SyncWrites;
}

type ProbeResult = 'online' | 'offline' | 'auth' | 'config';

export class SyncEngine implements SyncService {
  readonly store: SyncStore;
  readonly config: SyncConfigStore;
  private readonly manifests: ManifestCache;
  private readonly clock: Clock;
  private readonly collection: string;
  private timer: NodeJS.Timeout | null = null;
  private draining: Promise<SyncJob[]> | null = null;
  /** A try for the lease in progress (holdLease). */
  private leasing: Promise<boolean> | null = null;
  private queuedTrigger: SyncTrigger | null = null;
  private queuedUpTo: number | undefined;
  private abort = new AbortController();
  /** stop() was called: nothing runs any more (until start()). */
  private closed = false;
  /** This engine holds the data folder's sync lease (and has recovered what was left in flight). */
  private leaseHeld = false;
  /** Another live Folio process holds the lease: this engine waits and builds nothing. */
  private otherProcess: { pid: number; since: string } | null = null;
  private online: boolean | null = null;
  /** The settings (fingerprint) `online` and `lastCheckedAt` were found with: another W&B address or key has not been checked. */
  private checkedFor: string | null = null;
  private osOnline: boolean | null = null;
  private attention: { message: string; fingerprint: string } | null = null;
  private viewerEntity: { fingerprint: string; entity: string } | null = null;
  private current: { jobId: string; progress: JobProgress | null } | null = null;
  private lastProbeAt = 0;
  private lastCheckedAt: string | null = null;
  private lastIntervalAt = 0;
  private lastDailyRun = 0;
  private lastEmit = 0;
  /** A throttled status event still owed to listeners (the last verify of a burst must show). */
  private trailingEmit: NodeJS.Timeout | null = null;

  constructor(private readonly opts: SyncEngineOptions) {
    this.store = new SyncStore(opts.db, opts.writes);
    this.config = new SyncConfigStore(opts.db, (entries) => this.store.write.saveConfig(entries));
    this.manifests = new ManifestCache(opts.dataDir);
    this.clock = opts.clock ?? systemClock;
    this.collection = opts.collection ?? DEFAULT_WANDB_ARTIFACT;
  }

  private now(): string {
    return isoNow(this.clock);
  }

  private fingerprint(c: SyncCredentials): string {
    return `${c.baseUrl}\n${c.apiKey ?? ''}\n${c.entity ?? ''}\n${c.project}`;
  }

  /** Recover what a crash interrupted, start the timers, and build once for the app start. */
  async start(): Promise<void> {
    if (this.timer) return;
    this.closed = false;
    if (this.abort.signal.aborted) this.abort = new AbortController();
    await this.holdLease();
    if (this.timer || this.closed) return;
    const now = this.clock.now().getTime();
    this.lastIntervalAt = now;
    this.lastDailyRun = now;
    this.timer = setInterval(() => this.tick(), this.opts.tickMs ?? 15_000);
    this.timer.unref?.();
    void this.trigger('start');
  }

  /**
   * Before building: hold the data folder's sync lease, so one engine builds at a time (the app's
   * sync process, or a `folio sync --now` beside it). On taking it, rows and jobs a dead process
   * left in flight go back to waiting — never those of a live one. False while another holds it.
   */
  private holdLease(): Promise<boolean> {
    if (this.leaseHeld) return Promise.resolve(true);
    // One try at a time: two would both recover, and the second would put the first's batch back.
    this.leasing ??= (async () => {
      const lease = await this.store.takeLease(this.now());
      if (!lease.held) {
        this.otherProcess = { pid: lease.pid, since: lease.since };
        return false;
      }
      this.otherProcess = null;
      await this.store.recoverAtStart(this.now());
      this.leaseHeld = true;
      return true;
    })().finally(() => (this.leasing = null));
    return this.leasing;
  }

  /** Stop timers and the running job (its batch resumes next start); resolves when nothing runs. */
  async stop(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.draining?.catch(() => undefined);
    await this.leasing?.catch(() => undefined);
    if (this.leaseHeld) {
      this.leaseHeld = false;
      try {
        await this.store.releaseLease();
      } catch {
        /* the connection is closing: the lease is free once this process is gone */
      }
    }
    this.emit(true);
  }

  /** Resolves when no build is running. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining.catch(() => undefined);
  }

  /** The OS's network flag: a hint that makes Folio check now, never the verdict. */
  setOsOnline(online: boolean): void {
    const was = this.osOnline;
    this.osOnline = online;
    if (online && was === false) {
      this.lastProbeAt = 0;
      void this.trigger('online');
    } else if (!online) {
      this.online = false;
      this.checkedFor = this.fingerprint(this.opts.credentials());
      this.emit(true);
    }
  }

  /** Call after verify (or anything that writes the outbox): refreshes the counts listeners see. */
  notifyOutboxChanged(): void {
    this.emit(false);
  }

  /** W&B settings changed (key, host, project): the status line may say something else now. */
  settingsChanged(): void {
    this.emit(true);
  }

  /** PASSIVE: copies what it can without waiting for (or blocking) any reader or writer. */
  private checkpoint(): void {
    if (!this.opts.walCheckpoints) return;
    try {
      this.store.checkpoint();
    } catch {
      /* a busy or read-only database: the next one will do */
    }
  }

  /** Timer work: WAL checkpoint, offline probes, the interval and the daily time. */
  tick(): void {
    if (this.closed || !this.timer || this.draining) return;
    this.checkpoint();
    // The other Folio that was syncing has stopped: take over, and build what waits.
    if (this.otherProcess) {
      this.holdLease().then(
        (held) => (held ? void this.trigger('start') : this.emit(true)),
        () => this.emit(true),
      );
      return;
    }
    const creds = this.opts.credentials();
    if (!creds.apiKey) return;
    if (this.attention && this.attention.fingerprint === this.fingerprint(creds)) return;
    const cfg = this.config.get();
    const now = this.clock.now();
    const t = now.getTime();
    if (this.online === false && t - this.lastProbeAt >= (this.opts.offlineProbeMs ?? 30_000)) {
      void this.trigger('online');
      return;
    }
    if (cfg.dailyTime && lastDailyAt(cfg.dailyTime, now).getTime() > this.lastDailyRun) {
      this.lastDailyRun = t;
      this.lastIntervalAt = t;
      void this.trigger('daily');
      return;
    }
    if (t - this.lastIntervalAt >= cfg.intervalMinutes * 60_000) {
      this.lastIntervalAt = t;
      void this.trigger('interval');
    }
  }

  /**
   * "Sync now": send everything waiting (ignoring backoff and thresholds); resolves with the jobs
   * run. `upTo`: the outbox watermark when the user asked (the process host reads it in the app
   * at the click); by default, when the build starts.
   */
  async syncNow(upTo?: number): Promise<SyncRunSummary> {
    this.attention = null;
    this.lastProbeAt = 0;
    const jobs = await this.trigger('now', upTo);
    return { jobs, status: this.statusNow() };
  }

  /** Start a build for `reason` unless one runs (then it is queued to follow). */
  trigger(reason: SyncTrigger, upTo?: number): Promise<SyncJob[]> {
    if (this.closed) return Promise.resolve([]);
    if (this.draining) {
      if (reason === 'now' || reason === 'daily' || !this.queuedTrigger) {
        this.queuedTrigger = reason;
        this.queuedUpTo = upTo;
      }
      const after = this.draining.then(() => this.draining ?? Promise.resolve([] as SyncJob[]));
      return after;
    }
    const run = this.drain(reason, upTo).finally(() => {
      this.draining = null;
      this.current = null;
      this.emit(true);
      const next = this.queuedTrigger;
      const nextUpTo = this.queuedUpTo;
      this.queuedTrigger = null;
      this.queuedUpTo = undefined;
      if (next && !this.closed) void this.trigger(next, nextUpTo);
    });
    this.draining = run;
    return run;
  }

  private probePolicy(): RetryPolicy {
    return probePolicy(this.opts.probeTimeoutMs ?? 10_000);
  }

  /** Is W&B reachable with this key? Asks W&B itself (the Viewer query), so a captive portal or a dead proxy counts as offline. */
  async probe(): Promise<ProbeResult> {
    const creds = this.opts.credentials();
    this.lastProbeAt = this.clock.now().getTime();
    if (!creds.apiKey) return 'offline';
    try {
      const client = new WandbClient({ baseUrl: creds.baseUrl, apiKey: creds.apiKey, ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}), signal: this.abort.signal });
      const viewer = await client.viewer(this.probePolicy());
      this.online = true;
      if (viewer?.entity) this.viewerEntity = { fingerprint: this.fingerprint(creds), entity: viewer.entity };
      if (!viewer) return 'auth';
      return 'online';
    } catch (err) {
      if (err instanceof WandbError && (err.kind === 'auth' || err.kind === 'permission')) {
        this.online = true;
        return 'auth';
      }
      if (err instanceof WandbError && err.kind === 'config') {
        // The base URL cannot be used at all (a port fetch refuses, not http(s)): not "offline" — a
        // build runs and fails at once with the message that says which setting to fix.
        this.online = null;
        this.attention = { message: classify(err, { baseUrl: creds.baseUrl, entity: creds.entity, project: creds.project }).message, fingerprint: this.fingerprint(creds) };
        return 'config';
      }
      if (err instanceof WandbError && err.kind === 'http' && err.status !== null) {
        // W&B answered (some final error): the network is there.
        this.online = true;
        return 'online';
      }
      this.online = false;
      return 'offline';
    } finally {
      // The verdict is about these settings, as of now (not as of when the check started).
      this.checkedFor = this.fingerprint(creds);
      this.lastCheckedAt = this.now();
      this.emit(true);
    }
  }

  private async resolveEntity(client: WandbClient): Promise<string> {
    const creds = this.opts.credentials();
    if (creds.entity) return creds.entity;
    const fp = this.fingerprint(creds);
    if (this.viewerEntity?.fingerprint === fp) return this.viewerEntity.entity;
    const viewer = await client.viewer();
    if (!viewer) throw new WandbError('auth', 'W&B did not recognise the API key (viewer is null)');
    if (!viewer.entity) throw new WandbError('permission', 'W&B did not say which entity this key belongs to; set the entity in Settings → Weights & Biases');
    this.viewerEntity = { fingerprint: fp, entity: viewer.entity };
    return viewer.entity;
  }

  private shouldClaim(cfg: SyncConfig, reason: SyncTrigger, ignoreBackoff: boolean, upTo: number): boolean {
    const free = this.store.freeDue(this.now(), ignoreBackoff, upTo);
    if (free.count === 0) return false;
    if (reason === 'now' || reason === 'daily') return true;
    if (free.count >= cfg.batchSize) return true;
    return free.oldest !== null && new Date(free.oldest).getTime() <= this.clock.now().getTime() - cfg.maxWaitMinutes * 60_000;
  }

  private async drain(reason: SyncTrigger, upToAsked?: number): Promise<SyncJob[]> {
    const jobs: SyncJob[] = [];
    if (!(await this.holdLease())) {
      this.emit(true);
      return jobs;
    }
    const creds = this.opts.credentials();
    if (!creds.apiKey) {
      this.emit(true);
      return jobs;
    }
    const fp = this.fingerprint(creds);
    if (this.attention && this.attention.fingerprint !== fp) this.attention = null;
    if (this.attention && reason !== 'now') return jobs;
    const ignoreBackoff = reason === 'now';
    const cfg = this.config.get();
    // This build claims only what was verified before it started; later verifies wait for the next
    // one (otherwise "Sync now" during annotation keeps making versions of a document or two).
    const upTo = upToAsked ?? this.store.outboxWatermark();
    const hasWork = async () => (await this.store.dueOpenBatch(this.now(), ignoreBackoff)) !== null || this.shouldClaim(cfg, reason, ignoreBackoff, upTo);
    // "Sync now" and the offline re-check always ask W&B (so the status is true even with nothing to send).
    const mustProbe = reason === 'online' || reason === 'now';
    if (!mustProbe && !(await hasWork())) return jobs;
    if (mustProbe || this.online !== true || this.checkedFor !== fp || this.osOnline === false) {
      const probe = await this.probe();
      if (probe === 'offline' || !(await hasWork())) return jobs;
    }
    while (!this.closed) {
      const now = this.now();
      const batch = (await this.store.dueOpenBatch(now, ignoreBackoff)) ?? (this.shouldClaim(cfg, reason, ignoreBackoff, upTo) ? await this.store.createBatch(now, cfg.batchSize, ignoreBackoff, upTo) : null);
      if (!batch) break;
      const jobId = randomUUID();
      this.current = { jobId, progress: null };
      this.emit(true);
      const report: JobReport = await runSyncJob(
        {
          db: this.opts.db,
          store: this.store,
          manifests: this.manifests,
          dataDir: this.opts.dataDir,
          now: () => this.now(),
          folioVersion: this.opts.folioVersion,
          maxAttempts: cfg.maxAttempts,
          ...(this.opts.policies ? { policies: this.opts.policies } : {}),
          ...(this.opts.fetch ? { fetch: this.opts.fetch } : {}),
          signal: this.abort.signal,
          ...(this.opts.uploadConcurrency ? { uploadConcurrency: this.opts.uploadConcurrency } : {}),
          onProgress: (id, p) => {
            if (this.current?.jobId === id) this.current.progress = p;
            this.emit(false);
          },
          resolveEntity: (client) => this.resolveEntity(client),
        },
        batch,
        reason,
        { baseUrl: creds.baseUrl, apiKey: creds.apiKey, entity: creds.entity ?? (this.viewerEntity?.fingerprint === fp ? this.viewerEntity.entity : null), project: creds.project, collection: this.collection },
        jobId,
      );
      this.current = null;
      this.checkpoint();
      const view = this.jobView(jobId);
      if (view) jobs.push(view);
      if (report.ok) {
        this.online = true;
        this.checkedFor = fp;
        continue;
      }
      if (report.failure === 'offline' && !this.closed) {
        this.online = false;
        this.checkedFor = fp;
        this.lastCheckedAt = this.now();
      }
      if (report.failure === 'permanent') this.attention = { message: report.error ?? 'sync failed', fingerprint: fp };
      break;
    }
    return jobs;
  }

  // ---- reads and actions for the app -----------------------------------------------------------

  async status(): Promise<SyncStatusView> {
    return this.statusNow();
  }

  private statusNow(): SyncStatusView {
    const now = this.clock.now();
    const stats = this.store.outboxCounts();
    const cfg = this.config.get();
    const creds = this.opts.credentials();
    const jobs = this.store.jobs(1);
    const lastJob = jobs[0] ? this.toView(jobs[0]) : null;
    // What was found about other settings (another address or key) says nothing about these.
    const checked = this.checkedFor === this.fingerprint(creds);
    const online = checked ? this.online : null;
    const waiting = stats.pending + stats.inFlight;
    // The outbox holds versions: one document verified twice waits as two versions of one document.
    const versionsOf = (n: number, documents: number) =>
      n === documents ? `${n} verified document${n === 1 ? '' : 's'}` : `${n} verified version${n === 1 ? '' : 's'} of ${documents} document${documents === 1 ? '' : 's'}`;
    const waitingText = versionsOf(waiting, stats.waitingDocuments);
    let state: SyncStatusView['state'];
    let message: string;
    // Who else is syncing this data folder: known from the last try for the lease, or read (the CLI's status).
    const other = this.closed || this.leaseHeld ? null : (this.otherProcess ?? this.store.leaseHolder());
    let host = creds.baseUrl;
    try {
      host = new URL(creds.baseUrl).host;
    } catch {
      /* keep the raw value */
    }
    if (!creds.apiKey) {
      state = 'not_configured';
      message = `Not syncing: no W&B API key. Folio works fully offline; add a key in Settings → Weights & Biases${waiting ? ` and ${waitingText} will sync` : ''}.`;
    } else if (this.current) {
      state = 'syncing';
      const p = this.current.progress;
      message = `Syncing to W&B${p && p.phase === 'uploading' && p.filesTotal ? ` (uploading ${p.filesDone}/${p.filesTotal} files)` : ''}…`;
    } else if (other) {
      state = 'other_process';
      message = `Another Folio process (pid ${other.pid}) is syncing this data folder${waiting ? `; ${waitingText} go with its builds` : ''}. This one takes over when it stops.`;
    } else if (this.attention && this.attention.fingerprint === this.fingerprint(creds)) {
      state = 'needs_attention';
      message = this.attention.message;
    } else if (online === false || this.osOnline === false) {
      state = 'offline';
      message = `Offline: W&B at ${host} cannot be reached. ${waiting ? `${waitingText} wait and will sync when the connection returns.` : 'Nothing is waiting.'}`;
    } else if (this.closed) {
      state = 'stopped';
      message = waiting ? `${waitingText} waiting; sync resumes when Folio runs.` : 'Up to date.';
    } else {
      state = 'idle';
      message = waiting ? `${waitingText} waiting for the next build.` : stats.dead ? `Up to date, except ${stats.dead} verified version${stats.dead === 1 ? '' : 's'} that could not be sent.` : 'Up to date.';
    }
    const nextCheck = !this.timer ? null : new Date(this.lastIntervalAt + cfg.intervalMinutes * 60_000).toISOString();
    return {
      state,
      message,
      online,
      outbox: { pending: stats.pending, inFlight: stats.inFlight, dead: stats.dead, done: stats.done, waitingDocuments: stats.waitingDocuments },
      currentJob: this.current ? this.jobView(this.current.jobId) : null,
      lastJob,
      lastSuccessAt: this.store.lastSuccess(),
      nextCheckAt: nextCheck,
      nextDailyAt: cfg.dailyTime ? nextDailyAt(cfg.dailyTime, now).toISOString() : null,
      lastCheckedAt: checked ? this.lastCheckedAt : null,
    };
  }

  async jobs(limit = 50): Promise<SyncJob[]> {
    return this.store.jobs(Math.max(1, Math.min(500, limit))).map((r) => this.toView(r));
  }

  private jobView(jobId: string): SyncJob | null {
    const row = cachedStatement(this.opts.db, "SELECT id, project_id, state, params, progress, result, error, created_at, started_at, finished_at FROM jobs WHERE id = ? AND kind = 'sync'").get(jobId);
    return row ? this.toView(row as Parameters<SyncEngine['toView']>[0]) : null;
  }

  private toView(r: JobRowView): SyncJob {
    return jobView(r, r.state === 'running' && this.current?.jobId === r.id ? this.current.progress : null);
  }

  async deadItems(limit = 100, offset = 0): Promise<DeadItem[]> {
    return this.store.deadItems(limit, offset);
  }

  /** Dead items back into the queue (all when `ids` is omitted); they go with the next build. */
  async retryDead(ids?: string[]): Promise<{ retried: number }> {
    const retried = await this.store.retryDead(ids ?? null, this.now());
    this.emit(true);
    return { retried };
  }

  /** Give up on dead items: recorded as discarded, never sent, no longer counted. */
  async discardDead(ids?: string[]): Promise<{ discarded: number }> {
    const discarded = await this.store.discardDead(ids ?? null, this.now());
    this.emit(true);
    return { discarded };
  }

  async getConfig(): Promise<SyncConfig> {
    return this.config.get();
  }

  async updateConfig(patch: SyncConfigPatch | unknown): Promise<SyncConfig> {
    const cfg = await this.config.update(patch);
    this.emit(true);
    return cfg;
  }

  private emit(force: boolean): void {
    if (!this.opts.onChange) return;
    const t = Date.now();
    if (!force && t - this.lastEmit < 250) {
      // At most 4 events a second, but the newest state always goes out.
      if (!this.trailingEmit) {
        this.trailingEmit = setTimeout(() => this.emit(true), 250 - (t - this.lastEmit));
        this.trailingEmit.unref?.();
      }
      return;
    }
    if (this.trailingEmit) clearTimeout(this.trailingEmit);
    this.trailingEmit = null;
    this.lastEmit = t;
    try {
      this.opts.onChange(this.statusNow());
    } catch {
      /* a listener's failure is not the engine's */
    }
  }
}

/** A sync job row as the app shows it. */
export function jobView(r: JobRowView, progress: JobProgress | null = null): SyncJob {
  const params = JSON.parse(r.params) as { batchId?: string; trigger?: string; attempt?: number; documents?: number };
  const result = r.result ? (JSON.parse(r.result) as Partial<SyncJobResult>) : {};
  return {
    jobId: r.id,
    state: r.state,
    trigger: params.trigger ?? null,
    batchId: params.batchId ?? null,
    attempt: params.attempt ?? null,
    createdAt: r.created_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    // A failed or unfinished job reports the batch it was trying to send.
    documents: r.state === 'completed' ? (result.documents ?? 0) : (params.documents ?? result.documents ?? 0),
    rows: result.rows ?? 0,
    dead: result.dead ?? 0,
    outcome: result.outcome ?? null,
    runId: result.runId ?? null,
    runUrl: result.runUrl ?? null,
    artifactVersion: result.artifactVersion ?? null,
    versionIndex: result.versionIndex ?? null,
    artifactUrl: result.artifactUrl ?? null,
    newFiles: result.newFiles ?? 0,
    reusedFiles: result.reusedFiles ?? 0,
    bytesSent: result.bytesSent ?? 0,
    requests: result.requests ?? 0,
    durationMs: result.durationMs ?? null,
    progress,
    error: r.error,
  };
}
