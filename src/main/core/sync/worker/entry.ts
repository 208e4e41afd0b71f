/**
 * The sync worker thread: the sync engine with its own SQLite connection, driven by messages from
 * SyncWorkerHost on the main thread. Everything sync does — hashing page images, building tables
 * and manifests, uploads, its bookkeeping transactions, WAL checkpoints — happens here, so none of
 * it can stall the main thread's event loop, and its garbage is collected in this thread's heap.
 */
import { readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { parentPort, threadId, workerData } from 'node:worker_threads';
import { toAppErrorData } from '../../../../shared/contract/errors';
import { openDatabase } from '../../db/open';
import { SyncEngine, type SyncCredentials } from '../engine';
import { fastPolicies } from '../wandb/http';
import { SYNC_CALLS, type FromWorker, type SyncWorkerData, type ToWorker, type WorkerPriority } from './messages';

/**
 * Lower this thread's CPU priority so that, on a busy machine, the main thread (verify, editing)
 * wins. Linux keeps a nice value per thread and setpriority() accepts a thread id, which Node does
 * not expose but /proc/thread-self names. Elsewhere Node can only change a whole process's
 * priority (which would slow the app itself down), so the worker keeps the normal priority.
 */
function lowerThreadPriority(tid: number | null, nice: number | null): WorkerPriority {
  if (nice === null) return { nice: null, note: 'not requested' };
  if (tid === null) return { nice: null, note: `not available on ${process.platform} (only whole processes have a priority there)` };
  try {
    setPriority(tid, nice);
    return { nice: getPriority(tid), note: `thread ${tid}` };
  } catch (err) {
    return { nice: null, note: `could not be lowered: ${(err as Error).message}` };
  }
}

const port = parentPort;
if (!port) throw new Error('the sync worker must run in a worker thread');
const data = workerData as SyncWorkerData;
const send = (m: FromWorker) => port.postMessage(m);

/** This thread's id in the OS (Linux), for its priority and for per-thread CPU figures. */
function osThreadId(): number | null {
  if (process.platform !== 'linux') return null;
  try {
    return Number(readlinkSync('/proc/thread-self').split('/').pop());
  } catch {
    return null;
  }
}

const tid = osThreadId();
const priority = lowerThreadPriority(tid, data.nice);
// NORMAL: the engine's bookkeeping survives a crash of the app; the one write the exactly-once
// protocol needs on disk before a request (the commit marker) is made durable explicitly.
const db = openDatabase(data.dbFile, { nativeBinding: data.nativeBinding ?? undefined, synchronous: 'NORMAL', skipMigrations: true });
let credentials: SyncCredentials = data.credentials;
const e = data.engine;
const engine = new SyncEngine({
  db,
  dataDir: data.dataDir,
  folioVersion: data.folioVersion,
  credentials: () => credentials,
  walCheckpoints: true,
  onChange: (status) => send({ type: 'status', status }),
  ...(e.tickMs !== undefined ? { tickMs: e.tickMs } : {}),
  ...(e.offlineProbeMs !== undefined ? { offlineProbeMs: e.offlineProbeMs } : {}),
  ...(e.probeTimeoutMs !== undefined ? { probeTimeoutMs: e.probeTimeoutMs } : {}),
  ...(e.uploadConcurrency !== undefined ? { uploadConcurrency: e.uploadConcurrency } : {}),
  ...(e.fastRetries ? { policies: fastPolicies(e.fastRetries.baseDelayMs, e.fastRetries.maxDelayMs, e.fastRetries.timeoutMs) } : {}),
});
if (data.osOnline !== null) engine.setOsOnline(data.osOnline);

async function call(id: number, method: (typeof SYNC_CALLS)[number], args: unknown[]): Promise<void> {
  try {
    const fn = engine[method] as (...a: unknown[]) => Promise<unknown>;
    const value = await fn.apply(engine, args);
    // After stop, this thread's work is over: close the connection before the host ends the thread.
    if (method === 'stop') db.close();
    send({ type: 'result', id, ok: true, value: value ?? null });
  } catch (err) {
    send({ type: 'result', id, ok: false, error: toAppErrorData(err) });
  }
}

port.on('message', (m: ToWorker) => {
  switch (m.type) {
    case 'call':
      if (!(SYNC_CALLS as readonly string[]).includes(m.method)) throw new Error(`the sync worker has no method ${String(m.method)}`);
      void call(m.id, m.method, m.args);
      return;
    case 'credentials':
      credentials = m.credentials;
      engine.settingsChanged();
      return;
    case 'osOnline':
      engine.setOsOnline(m.online);
      return;
    case 'outboxChanged':
      engine.notifyOutboxChanged();
      return;
    default:
      // A message this version does not know is a bug in the host: fail loudly (the host reports it).
      throw new Error(`the sync worker received an unknown message ${JSON.stringify(m)}`);
  }
});
send({ type: 'ready', threadId, osThreadId: tid, priority });
