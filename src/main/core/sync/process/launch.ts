import { fork } from 'node:child_process';
import type { FromSyncProcess, ToSyncProcess } from './messages';
import { sourceEntry } from '../../util/sourceEntry';

/**
 * A running sync process as the host sees it, whatever started it: Node's child_process.fork here
 * (the browser host, the CLI, tests, benchmarks), Electron's utilityProcess in the app
 * (src/main/electron/syncProcess.ts). Messages are structured clones both ways.
 */
export interface SyncProcessHandle {
  readonly pid: number | undefined;
  /** Send a message; false when the process is gone (its exit is reported through onExit). */
  post(message: ToSyncProcess): boolean;
  onMessage(listener: (message: FromSyncProcess) => void): void;
  /** Called once when the process has ended ("exit code 1", "signal SIGKILL"); at once if it already has. */
  onExit(listener: (reason: string) => void): void;
  /** Ask it to end (SIGTERM); onExit follows. */
  kill(): void;
}

export type SyncProcessLauncher = () => SyncProcessHandle;

/** The sync process's entry when Folio runs from its TypeScript sources (through util/tsxEntry.mjs). */
const SOURCE = sourceEntry(new URL('./entry.ts', import.meta.url));

export const exitReason = (code: number | null, signal: string | null): string => (signal ? `signal ${signal}` : `exit code ${code ?? 'unknown'}`);

/** Start the sync process with Node's child_process.fork (IPC with structured clone); by default from the TypeScript sources. */
export function forkSyncProcess(entryFile?: string): SyncProcessHandle {
  const child = fork(entryFile ?? SOURCE.script, entryFile ? [] : SOURCE.args, {
    // Not the parent's flags (a test runner's or tsx's loaders): the entry brings what it needs.
    execArgv: [],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exitListeners: ((reason: string) => void)[] = [];
  let ended: string | null = null;
  const end = (reason: string) => {
    if (ended !== null) return;
    ended = reason;
    for (const listener of exitListeners) listener(reason);
  };
  child.once('exit', (code, signal) => end(exitReason(code, signal)));
  // Sending to a process that just died raises 'error' (EPIPE, channel closed): its exit says why.
  // A process that could not start at all has no exit to report, so the error is its end.
  child.on('error', (err) => {
    if (child.pid === undefined) end(`could not start: ${err.message}`);
  });
  return {
    get pid() {
      return child.pid;
    },
    post(message) {
      if (!child.connected) return false;
      try {
        return child.send(message);
      } catch {
        return false;
      }
    },
    onMessage(listener) {
      child.on('message', (m) => listener(m as FromSyncProcess));
    },
    onExit(listener) {
      if (ended !== null) listener(ended);
      else exitListeners.push(listener);
    },
    kill() {
      child.kill('SIGTERM');
    },
  };
}
