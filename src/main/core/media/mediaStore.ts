import { randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';

/**
 * Page images, pyramid levels and thumbnails under `<dataDir>/media`, content-addressed by
 * document id. Work is written into a staging folder and moved into place in one rename, so a
 * crash or a cancel never leaves a half-written document folder where the database could see it.
 */
export class MediaStore {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = join(dataDir, 'media');
  }

  /** Media path (relative, always with '/') of a document's folder. */
  documentDir(documentId: string): string {
    return `docs/${documentId.slice(0, 2)}/${documentId}`;
  }

  absolute(mediaPath: string): string {
    return join(this.root, ...mediaPath.split('/'));
  }

  /** A fresh staging folder; returns its absolute path. */
  async createStaging(): Promise<string> {
    const dir = join(this.root, '.staging', randomUUID());
    await mkdir(dir, { recursive: true });
    return dir;
  }

  /** Move a finished staging folder to the document's place (replacing leftovers of an interrupted import). */
  async commitStaging(stagingDir: string, documentId: string): Promise<void> {
    const target = this.absolute(this.documentDir(documentId));
    await mkdir(join(target, '..'), { recursive: true });
    await rm(target, { recursive: true, force: true });
    await rename(stagingDir, target);
  }

  async discardStaging(stagingDir: string): Promise<void> {
    await rm(stagingDir, { recursive: true, force: true });
  }

  /**
   * Resolve a media path from a request to a file inside the media root, or null when it would
   * leave the root (`..`, absolute paths, staging area).
   */
  resolveSafe(mediaPath: string): string | null {
    let decoded: string;
    try {
      decoded = decodeURIComponent(mediaPath);
    } catch {
      return null;
    }
    if (decoded.includes('\0') || isAbsolute(decoded)) return null;
    const full = normalize(join(this.root, decoded));
    const rel = relative(this.root, full);
    if (!rel || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep)[0] === '.staging') return null;
    return full;
  }

  /**
   * Remove what an interrupted import left behind: staging folders, and document folders the
   * database does not know (written before a crash, never committed). Only what is older than
   * `minAgeMs` goes: the app, the browser host and the CLI may share the data folder, and another
   * process's import in progress must not lose its files.
   */
  async collectGarbage(isKnownDocument: (documentId: string) => boolean, minAgeMs = 60 * 60 * 1000): Promise<{ removed: number }> {
    let removed = 0;
    const cutoff = Date.now() - minAgeMs;
    const old = async (path: string) => ((await stat(path).catch(() => null))?.mtimeMs ?? Infinity) < cutoff;
    const stagingRoot = join(this.root, '.staging');
    for (const name of await readdir(stagingRoot).catch(() => [] as string[])) {
      if (await old(join(stagingRoot, name))) await rm(join(stagingRoot, name), { recursive: true, force: true });
    }
    const docsRoot = join(this.root, 'docs');
    const shards = await readdir(docsRoot).catch(() => [] as string[]);
    for (const shard of shards) {
      const shardDir = join(docsRoot, shard);
      if (!(await stat(shardDir).catch(() => null))?.isDirectory()) continue;
      for (const documentId of await readdir(shardDir)) {
        if (!isKnownDocument(documentId) && (await old(join(shardDir, documentId)))) {
          await rm(join(shardDir, documentId), { recursive: true, force: true });
          removed++;
        }
      }
    }
    return { removed };
  }
}
