import { utilityProcess } from 'electron';
import { exitReason, type SyncProcessHandle, type SyncProcessLauncher } from '../core/sync';
import type { FromSyncProcess } from '../core/sync/process/messages';

/**
 * The app's sync process: an Electron utility process (Chromium's way to run a Node child; a
 * forked Electron binary would start a second app) running the bundled out/main/syncProcess.js.
 * It speaks the same messages as the child_process.fork the browser host and tests use.
 */
export function utilitySyncProcess(entryFile: string): SyncProcessLauncher {
  return (): SyncProcessHandle => {
    const child = utilityProcess.fork(entryFile, [], { serviceName: 'Folio sync', stdio: 'inherit' });
    const exitListeners: ((reason: string) => void)[] = [];
    let ended: string | null = null;
    let fatal: string | null = null;
    // 'error' (a V8 fatal error) is followed by 'exit', which carries the code.
    child.on('error', (_type, location) => (fatal = location));
    child.once('exit', (code) => {
      ended = fatal ? `${exitReason(code, null)} at ${fatal}` : exitReason(code, null);
      for (const listener of exitListeners) listener(ended);
    });
    return {
      get pid() {
        return child.pid;
      },
      post(message) {
        if (ended !== null) return false;
        // Messages sent before the process is up are queued by Electron.
        child.postMessage(message);
        return true;
      },
      onMessage(listener) {
        child.on('message', (m: unknown) => listener(m as FromSyncProcess));
      },
      onExit(listener) {
        if (ended !== null) listener(ended);
        else exitListeners.push(listener);
      },
      kill() {
        child.kill();
      },
    };
  };
}
