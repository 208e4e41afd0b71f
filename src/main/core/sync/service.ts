import type { SyncJob, SyncStatusView } from '../../../shared/domain/sync';
import type { SyncConfig } from './config';
import type { DeadItem } from './store';

/** What starts a build: app start, the interval, the daily time, "Sync now", coming back online. */
export type SyncTrigger = 'start' | 'interval' | 'daily' | 'now' | 'online';

/** What "Sync now" answers: the jobs it ran and the status after them. */
export interface SyncRunSummary {
  jobs: SyncJob[];
  status: SyncStatusView;
}

/**
 * What the app asks of sync. Two implementations: SyncEngine (the engine itself, in-process: the
 * CLI, tests, and inside the sync process) and SyncProcessHost (the app: the same engine in a
 * background process, so that nothing sync does — hashing, uploads, manifests, its reads, their
 * garbage collection — runs on the event loop or the CPU time that verify and editing use; only its
 * short write transactions run in the app, so that it never holds the write lock while starved:
 * store.ts). Every answer is a promise because the host's come from another process.
 */
export interface SyncService {
  /** Recover what a crash interrupted, start the timers, build once for the app start. */
  start(): Promise<void>;
  /** Stop timers and the running job (its batch resumes next start); resolves when nothing runs. */
  stop(): Promise<void>;
  /** Resolves when no build is running. */
  idle(): Promise<void>;
  status(): Promise<SyncStatusView>;
  /** "Sync now": send everything waiting (ignoring backoff and thresholds); resolves with the jobs run. */
  syncNow(): Promise<SyncRunSummary>;
  /** Start a build for `reason` unless one runs (then it follows). */
  trigger(reason: SyncTrigger): Promise<SyncJob[]>;
  jobs(limit?: number): Promise<SyncJob[]>;
  deadItems(limit?: number, offset?: number): Promise<DeadItem[]>;
  retryDead(ids?: string[]): Promise<{ retried: number }>;
  discardDead(ids?: string[]): Promise<{ discarded: number }>;
  getConfig(): Promise<SyncConfig>;
  updateConfig(patch: unknown): Promise<SyncConfig>;
  /** The OS's network flag: a hint that makes sync check now, never the verdict. */
  setOsOnline(online: boolean): void;
  /** After verify (or anything that writes the outbox): refresh the counts listeners see. Never blocks. */
  notifyOutboxChanged(): void;
  /** After the W&B settings (key, host, entity, project) changed. */
  settingsChanged(): void;
}
