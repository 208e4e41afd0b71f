import type { AppErrorData } from '../../../../shared/contract/errors';
import type { SyncCredentials, SyncStatus } from '../engine';

/**
 * What crosses between the app's main thread (SyncWorkerHost) and the sync worker thread. Only
 * plain data: structured clone cannot carry functions (a retry policy's predicate, a clock), so
 * those are described here and rebuilt in the worker.
 */

/** SyncService methods the host forwards as calls (the rest are one-way notifications). */
export const SYNC_CALLS = ['start', 'stop', 'idle', 'status', 'syncNow', 'trigger', 'jobs', 'deadItems', 'retryDead', 'discardDead', 'getConfig', 'updateConfig'] as const;
export type SyncCall = (typeof SYNC_CALLS)[number];

/** `workerData` of the sync worker. */
export interface SyncWorkerData {
  dbFile: string;
  dataDir: string;
  nativeBinding: string | null;
  folioVersion: string;
  credentials: SyncCredentials;
  osOnline: boolean | null;
  /** Nice value for the worker's thread (Linux), or null to leave it. */
  nice: number | null;
  engine: SyncWorkerEngineOptions;
}

/** Engine options that can cross a thread boundary. */
export interface SyncWorkerEngineOptions {
  tickMs?: number;
  offlineProbeMs?: number;
  probeTimeoutMs?: number;
  uploadConcurrency?: number;
  /** Use fastPolicies(baseDelayMs, maxDelayMs, timeoutMs) instead of the SDK's waits (tests, benchmarks). */
  fastRetries?: { baseDelayMs: number; maxDelayMs: number; timeoutMs: number };
}

export type ToWorker =
  | { type: 'call'; id: number; method: SyncCall; args: unknown[] }
  | { type: 'credentials'; credentials: SyncCredentials }
  | { type: 'osOnline'; online: boolean }
  | { type: 'outboxChanged' };

/** What lowering the worker thread's priority did: the nice value now in effect, or why not. */
export interface WorkerPriority {
  nice: number | null;
  note: string;
}

export type FromWorker =
  | { type: 'ready'; threadId: number; osThreadId: number | null; priority: WorkerPriority }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: AppErrorData }
  | { type: 'status'; status: SyncStatus };
