/**
 * The sync process: the sync engine with its own SQLite connection, driven by messages from
 * SyncProcessHost in the app. Everything sync does — hashing page images, building tables and
 * manifests, uploads, its reads, WAL checkpoints, and the garbage collection all that causes —
 * happens in this process, at background priority (priority.ts), so none of it competes with
 * verify and editing for a CPU or stalls the app's event loop. Its writes are the exception: the
 * scheduler may starve this process at any instant, so it must never hold SQLite's write lock.
 * Its connection is query_only, and each write is sent to the app, which applies it (store.ts).
 *
 * It runs under Node's child_process.fork (messages through process.send) or as an Electron
 * utility process (messages through process.parentPort); the first message is the init.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { openDatabase, type Db } from '../../db/open';
import { SyncEngine, type SyncCredentials } from '../engine';
import { remoteWrites, type SyncWriteOp } from '../store';
import { AppError, toAppErrorData } from '../../../../shared/contract/errors';
import { fastPolicies } from '../../wandb/http';
import { SYNC_CALLS, type EventLoopDelay, type FromSyncProcess, type SyncProcessInit, type ToSyncProcess } from './messages';
import { lowerToBackground } from './priority';

/** Electron's utility-process port (not typed here: this folder never imports electron). */
interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}
const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

function send(m: FromSyncProcess): void {
  if (parentPort) parentPort.postMessage(m);
  else process.send?.(m);
}
function onParentMessage(listener: (m: ToSyncProcess) => void): void {
  if (parentPort) parentPort.on('message', (e) => listener(e.data as ToSyncProcess));
  else process.on('message', (m) => listener(m as ToSyncProcess));
}
if (!parentPort && !process.send) throw new Error('the sync process must be started by SyncProcessHost (it talks over IPC)');

// The app went away (killed, crashed) without stopping sync: end too, instead of syncing on as an
// orphan beside the next app's sync process. Whatever a build was doing is recovered at next start
// (the engine is built to survive SIGKILL at any instant). A utility process is ended by Electron.
process.on('disconnect', () => process.exit(0));

// An uncaught error (a bug): tell the host why before the process ends, so the status can say it.
process.on('uncaughtException', (err) => {
  send({ type: 'fatal', message: err.message });
  // Let the message leave (process.send is asynchronous) before exiting.
  setTimeout(() => process.exit(70), 50);
});

let engine: SyncEngine | null = null;
let db: Db | null = null;
let credentials: SyncCredentials | null = null;
let loopDelay: IntervalHistogram | null = null;
/** Writes sent to the app and not answered yet, by id. */
const writes = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
let nextWriteId = 1;

function sendWrite(op: SyncWriteOp, args: unknown[]): Promise<unknown> {
  const id = nextWriteId++;
  return new Promise((resolve, reject) => {
    writes.set(id, { resolve, reject });
    send({ type: 'write', id, op, args });
  });
}

function readLoopDelay(): EventLoopDelay | null {
  if (!loopDelay) return null;
  const reading = { maxMs: loopDelay.max / 1e6, p99Ms: loopDelay.percentile(99) / 1e6 };
  loopDelay.reset();
  return reading;
}

function open(init: SyncProcessInit): SyncEngine {
  const priority = init.priority === 'background' ? lowerToBackground(process.pid) : { applied: null, note: 'not requested' };
  if (init.measureEventLoop) {
    loopDelay = monitorEventLoopDelay({ resolution: 1 });
    loopDelay.enable();
  }
  db = openDatabase(init.dbFile, { nativeBinding: init.nativeBinding ?? undefined, synchronous: 'NORMAL', skipMigrations: true });
  // Reads and WAL checkpoints only: a write here (a regression) fails at once instead of taking the lock.
  db.pragma('query_only = ON');
  credentials = init.credentials;
  const e = init.engine;
  const created = new SyncEngine({
    db,
    dataDir: init.dataDir,
    folioVersion: init.folioVersion,
    credentials: () => credentials!,
    walCheckpoints: true,
    writes: remoteWrites(sendWrite),
    onChange: (status) => send({ type: 'status', status }),
    ...(e.tickMs !== undefined ? { tickMs: e.tickMs } : {}),
    ...(e.offlineProbeMs !== undefined ? { offlineProbeMs: e.offlineProbeMs } : {}),
    ...(e.probeTimeoutMs !== undefined ? { probeTimeoutMs: e.probeTimeoutMs } : {}),
    ...(e.uploadConcurrency !== undefined ? { uploadConcurrency: e.uploadConcurrency } : {}),
    ...(e.fastRetries ? { policies: fastPolicies(e.fastRetries.baseDelayMs, e.fastRetries.maxDelayMs, e.fastRetries.timeoutMs) } : {}),
  });
  if (init.osOnline !== null) created.setOsOnline(init.osOnline);
  send({ type: 'ready', pid: process.pid, priority });
  return created;
}

async function call(running: SyncEngine, id: number, method: (typeof SYNC_CALLS)[number], args: unknown[]): Promise<void> {
  try {
    const fn = running[method] as (...a: unknown[]) => Promise<unknown>;
    const value = await fn.apply(running, args);
    // After stop, this process's work is over: close the connection before the host ends it.
    if (method === 'stop') db?.close();
    send({ type: 'result', id, ok: true, value: value ?? null });
  } catch (err) {
    send({ type: 'result', id, ok: false, error: toAppErrorData(err) });
  }
}

function engineOrFail(m: ToSyncProcess): SyncEngine {
  if (!engine) throw new Error(`the sync process received ${m.type} before its init`);
  return engine;
}

onParentMessage((m) => {
  switch (m.type) {
    case 'init':
      if (engine) throw new Error('the sync process received a second init');
      engine = open(m.init);
      return;
    case 'call':
      if (!(SYNC_CALLS as readonly string[]).includes(m.method)) throw new Error(`the sync process has no method ${String(m.method)}`);
      void call(engineOrFail(m), m.id, m.method, m.args);
      return;
    case 'eventLoopDelay':
      send({ type: 'result', id: m.id, ok: true, value: readLoopDelay() });
      return;
    case 'credentials':
      engineOrFail(m);
      credentials = m.credentials;
      engine!.settingsChanged();
      return;
    case 'osOnline':
      engineOrFail(m).setOsOnline(m.online);
      return;
    case 'outboxChanged':
      engineOrFail(m).notifyOutboxChanged();
      return;
    case 'written': {
      const waiting = writes.get(m.id);
      if (!waiting) throw new Error(`the sync process received an answer to write ${m.id}, which it is not waiting for`);
      writes.delete(m.id);
      if (m.ok) waiting.resolve(m.value);
      else waiting.reject(AppError.fromData(m.error));
      return;
    }
    default:
      // A message this version does not know is a bug in the host: fail loudly (the host reports it).
      throw new Error(`the sync process received an unknown message ${JSON.stringify(m)}`);
  }
});
