import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The newest manifest Folio knows per W&B target, in files under `<dataDir>/sync-cache/`. A full
 * manifest grows with the dataset (~190 bytes per file, ~2 MB at 10,000 documents); rewriting it
 * as one database row per version made a multi-megabyte write inside a transaction other
 * connections had to wait for. A file costs no lock, and a lost or damaged file only means the
 * next build downloads the manifest again: nothing here is needed for correctness.
 *
 * File format: one JSON header line `{"target","artifactId"}`, then the manifest text.
 */
export class ManifestCache {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = join(dataDir, 'sync-cache');
  }

  private fileFor(target: string): string {
    return join(this.dir, `manifest-${createHash('sha256').update(target).digest('hex').slice(0, 24)}.txt`);
  }

  private pendingFile(batchId: string): string {
    return join(this.dir, `pending-${batchId.replace(/[^A-Za-z0-9_-]/g, '_')}.txt`);
  }

  private async write(file: string, target: string, artifactId: string, body: string): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    // Write aside, then rename: a reader sees the old file or the new one, never half of one.
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify({ target, artifactId })}\n${body}`);
    await rename(tmp, file);
  }

  private async read(file: string, target: string): Promise<{ artifactId: string; body: string } | null> {
    const text = await readFile(file, 'utf8').catch(() => null);
    if (text === null) return null;
    const nl = text.indexOf('\n');
    try {
      const head = JSON.parse(text.slice(0, nl)) as { target?: unknown; artifactId?: unknown };
      if (nl > 0 && head.target === target && typeof head.artifactId === 'string') return { artifactId: head.artifactId, body: text.slice(nl + 1) };
    } catch {
      /* damaged: treated as absent */
    }
    return null;
  }

  /** The cached manifest of `target` and the version it belongs to, or null. */
  load(target: string): Promise<{ artifactId: string; body: string } | null> {
    return this.read(this.fileFor(target), target);
  }

  save(target: string, artifactId: string, body: string): Promise<void> {
    return this.write(this.fileFor(target), target, artifactId, body);
  }

  /** The manifest sent with a batch's commit, kept until W&B's answer is known (even across a crash). */
  savePending(batchId: string, target: string, artifactId: string, body: string): Promise<void> {
    return this.write(this.pendingFile(batchId), target, artifactId, body);
  }

  async loadPending(batchId: string, target: string): Promise<{ artifactId: string; body: string } | null> {
    return this.read(this.pendingFile(batchId), target);
  }

  async dropPending(batchId: string): Promise<void> {
    await rm(this.pendingFile(batchId), { force: true });
  }
}
