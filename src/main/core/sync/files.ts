import { readFileSync, statSync, type Stats } from 'node:fs';

/**
 * Page images are read with blocking calls on purpose. The engine runs in its own process (the
 * sync process, process/entry.ts) or in the CLI, where blocking for a 200 KB read costs nothing;
 * fs/promises would hand every read to libuv's thread pool instead, whose threads are extra work
 * for a process whose priority is lowered to stay out of verify's way.
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
