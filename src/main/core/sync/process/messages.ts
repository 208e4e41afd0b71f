import type { AppErrorData } from '../../../../shared/contract/errors';
import type { SyncStatusView } from '../../../../shared/domain/sync';
import type { SyncCredentials } from '../engine';
import type { SyncWriteOp } from '../store';

/**
 * What crosses between the app (SyncProcessHost) and the sync process. Only plain data: structured
 * clone cannot carry functions (a retry policy's predicate, a clock), so those are described here
 * and rebuilt in the sync process.
 */

/** SyncService methods the host forwards as calls (the rest are one-way notifications). */
export const SYNC_CALLS = ['start', 'stop', 'idle', 'status', 'syncNow', 'trigger', 'jobs', 'deadItems', 'retryDead', 'discardDead', 'getConfig', 'updateConfig'] as const;
export type SyncCall = (typeof SYNC_CALLS)[number];

/** The first message the sync process receives: everything it needs to open its engine. */
export interface SyncProcessInit {
  dbFile: string;
  dataDir: string;
  nativeBinding: string | null;
  folioVersion: string;
  credentials: SyncCredentials;
  osOnline: boolean | null;
  /** 'background': the sync process takes the CPU only when nothing else wants it (see priority.ts). */
  priority: 'background' | 'normal';
  /** Keep a histogram of the sync process's own event-loop delay (benchmarks; it costs a 1 ms timer). */
  measureEventLoop: boolean;
  engine: SyncProcessEngineOptions;
}

/** The sync process's event-loop delay since the last reading, in ms. */
export interface EventLoopDelay {
  maxMs: number;
  p99Ms: number;
}

/** Engine options that can cross a process boundary. */
export interface SyncProcessEngineOptions {
  tickMs?: number;
  offlineProbeMs?: number;
  probeTimeoutMs?: number;
  uploadConcurrency?: number;
  /** Use fastPolicies(baseDelayMs, maxDelayMs, timeoutMs) instead of the SDK's waits (tests, benchmarks). */
  fastRetries?: { baseDelayMs: number; maxDelayMs: number; timeoutMs: number };
}

export type ToSyncProcess =
  | { type: 'init'; init: SyncProcessInit }
  | { type: 'call'; id: number; method: SyncCall; args: unknown[] }
  /** Read (and restart) the event-loop histogram kept when init asked for it; answered as a result (null without one). */
  | { type: 'eventLoopDelay'; id: number }
  | { type: 'credentials'; credentials: SyncCredentials }
  | { type: 'osOnline'; online: boolean }
  | { type: 'outboxChanged' }
  /** The answer to a write: committed on the app's connection (with SyncWriter's result), or why not. */
  | { type: 'written'; id: number; ok: true; value: unknown }
  | { type: 'written'; id: number; ok: false; error: AppErrorData };

/** What lowering the sync process's priority did: the scheduling now in effect for all its threads, or why not. */
export interface PriorityReport {
  /** 'idle' (Linux SCHED_IDLE), 'nice 19', or null when unchanged. */
  applied: string | null;
  note: string;
}

export type FromSyncProcess =
  | { type: 'ready'; pid: number; priority: PriorityReport }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: AppErrorData }
  | { type: 'status'; status: SyncStatusView }
  /**
   * A SyncWriter call for the app to apply on its connection (the sync process never writes:
   * see store.ts); answered by a 'written' with the same id once committed.
   */
  | { type: 'write'; id: number; op: SyncWriteOp; args: unknown[] }
  /** Sent just before the process exits on an uncaught error, so the host can say why. */
  | { type: 'fatal'; message: string };
