import { readFileSync, statSync, type Stats } from 'node:fs';

/**
 * Page images are read with blocking calls on purpose. The engine runs on its own thread (the
 * sync worker) or in the CLI, where blocking for a 200 KB read costs nothing; fs/promises would
 * hand every read to libuv's thread pool instead, whose threads are shared with the main thread
 * and run at normal priority while the worker thread's priority is lowered.
 */
export function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

export function readOrNull(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}
