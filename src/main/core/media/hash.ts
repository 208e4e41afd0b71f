import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

const CHUNK = 256 * 1024;

/**
 * sha256 of a file, read in 256 KB chunks into one reused buffer: a large scan never blocks the
 * event loop, and hashing 500 pages does not churn hundreds of megabytes of short-lived buffers
 * through the garbage collector (a stream allocates a new buffer per chunk; its GC pauses were
 * the import's longest event-loop stalls).
 */
export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(path, 'r');
  const buffer = Buffer.allocUnsafe(CHUNK);
  try {
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}
