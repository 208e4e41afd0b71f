import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize, relative, sep } from 'node:path';
import { currentOwner, ownerAlive, processStartToken } from '../jobs/owner';

/**
 * A staging folder's name says which process writes it: `p<pid>-<start>-<uuid>`, where <start>
 * is a short hash of the process's start token (or `x` where none can be read). Then a starting
 * Folio removes at once what a killed process left, and leaves alone what a live one is writing.
 */
const STAGING_NAME = /^p(\d+)-([0-9a-f]{12}|x)-[0-9a-f-]{36}$/;
const startHash = (start: string | null) => (start ? createHash('sha256').update(start).digest('hex').slice(0, 12) : 'x');

/** Whether the process that named this staging folder has ended (pid gone, or reused by another). */
function stagingOwnerGone(name: string): boolean {
  const m = STAGING_NAME.exec(name);
  if (!m) return false;
  const pid = Number(m[1]);
  if (!ownerAlive({ pid, start: null })) return true;
  const token = pid === process.pid ? currentOwner().start : processStartToken(pid);
  return m[2] !== 'x' && token !== null && startHash(token) !== m[2];
}

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
    const me = currentOwner();
    const dir = join(this.root, '.staging', `p${me.pid}-${startHash(me.start)}-${randomUUID()}`);
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
   * database does not know (written before a crash, never committed). The app, the browser host
   * and the CLI may share the data folder, and another process's import in progress must not lose
   * its files: a staging folder goes when the process that named it has ended; anything else
   * only when older than `minAgeMs`.
   */
  async collectGarbage(isKnownDocument: (documentId: string) => boolean, minAgeMs = 60 * 60 * 1000): Promise<{ removed: number }> {
    let removed = 0;
    const cutoff = Date.now() - minAgeMs;
    const old = async (path: string) => ((await stat(path).catch(() => null))?.mtimeMs ?? Infinity) < cutoff;
    const stagingRoot = join(this.root, '.staging');
    for (const name of await readdir(stagingRoot).catch(() => [] as string[])) {
      if (stagingOwnerGone(name) || (await old(join(stagingRoot, name)))) await rm(join(stagingRoot, name), { recursive: true, force: true });
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
