import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../../shared/contract/errors';
import type { NotSentFile } from '../../../shared/contract/uploads';
import type { ImportFailure } from '../../../shared/domain/model';
import { formatBytes } from '../../../shared/format';
import { currentOwner, ownerAlive, type JobOwner } from '../jobs/owner';
import type { ImportService } from './importer';
import { fileSizeProblem, importLimits } from '../media/limits';

/**
 * Files a browser sends for an import (the browser host has no access to the user's disk, so a
 * drop or a file chooser uploads them). Each upload is a private staging folder in the data folder,
 * `import-uploads/<id>/files/<the path the user dropped>`, written as the bytes arrive (never held
 * in memory) and capped by the import limits. Committing starts the normal import job on the
 * staged files, naming every file by the path the user dropped; the folder is removed when the job
 * ends, when an upload is abandoned, and on the next start when a crash left it behind.
 */

export const UPLOADS_FOLDER = 'import-uploads';
const OWNER_FILE = 'owner.json';
/** An upload nobody has sent a byte to or committed for this long is given up. */
const DEFAULT_IDLE_MS = 30 * 60_000;
/** A folder without a readable owner this old is a leftover (a crash between mkdir and the owner file). */
const ORPHAN_AGE_MS = 10 * 60_000;
const MAX_PATH_CHARS = 4096;
const MAX_DEPTH = 64;
const MAX_SEGMENT_BYTES = 255;

export interface UploadLimits {
  maxFileBytes: number;
  maxFiles: number;
}

interface Session {
  id: string;
  projectId: string;
  dir: string;
  filesDir: string;
  /** Relative paths received or being received. */
  paths: Set<string>;
  writing: number;
  state: 'open' | 'committed' | 'gone';
  touchedAt: number;
}

export interface ImportUploadsDeps {
  dataDir: string;
  importer: ImportService;
  projects: { get(projectId: string): unknown };
  limits?: Partial<UploadLimits>;
  idleMs?: number;
  now?: () => number;
}

/**
 * The path of a file as the user dropped it ("scans/march/p1.png"), checked before anything is
 * written: relative, '/'-separated, no empty, "." or ".." parts, no NUL or control characters, no
 * backslashes or drive letters (which would separate or root a path on Windows). Returns its parts.
 */
export function uploadPathParts(path: string): string[] {
  const refuse = (why: string): never => {
    throw new AppError('invalid_request', `${JSON.stringify(path.slice(0, 200))} cannot be uploaded: ${why}`);
  };
  if (path.length === 0) refuse('the path is empty');
  if (path.length > MAX_PATH_CHARS) refuse(`the path is longer than ${MAX_PATH_CHARS} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) refuse('the path holds a NUL or control character');
  if (path.includes('\\')) refuse('the path holds a backslash');
  if (path.startsWith('/') || /^[a-zA-Z]:/.test(path)) refuse('only paths relative to what was dropped are accepted, not absolute ones');
  const parts = path.split('/');
  if (parts.length > MAX_DEPTH) refuse(`folders are nested more than ${MAX_DEPTH} deep`);
  for (const part of parts) {
    if (part === '' || part === '.' || part === '..') refuse('"", "." and ".." are not allowed as parts of the path');
    if (Buffer.byteLength(part) > MAX_SEGMENT_BYTES) refuse(`a name is longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  return parts;
}

/** Counts the bytes going through and fails the stream as soon as they pass the cap. */
function byteCap(max: number, what: string): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > max) done(new AppError('too_large', `${what}: the file is larger than Folio's limit of ${formatBytes(max)} per file (the upload was stopped there)`));
      else done(null, chunk);
    },
  });
}

export class ImportUploads {
  readonly root: string;
  readonly limits: UploadLimits;
  private readonly sessions = new Map<string, Session>();
  /** Removal of committed uploads' folders, waiting for their import jobs. */
  private readonly cleanups = new Set<Promise<void>>();
  private readonly now: () => number;
  private readonly idleMs: number;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly deps: ImportUploadsDeps) {
    this.root = join(deps.dataDir, UPLOADS_FOLDER);
    this.limits = { maxFileBytes: deps.limits?.maxFileBytes ?? importLimits.maxFileBytes, maxFiles: deps.limits?.maxFiles ?? importLimits.maxUploadFiles };
    this.now = deps.now ?? Date.now;
    this.idleMs = deps.idleMs ?? DEFAULT_IDLE_MS;
  }

  /**
   * On start: remove the uploads of processes that are gone (a crash or a kill left them). An
   * upload of a Folio running right now (another browser host on this data folder) is left alone.
   */
  async recover(): Promise<{ removed: number }> {
    let removed = 0;
    for (const name of await readdir(this.root).catch(() => [] as string[])) {
      const dir = join(this.root, name);
      const owner = await readFile(join(dir, OWNER_FILE), 'utf8')
        .then((text) => JSON.parse(text) as JobOwner)
        .catch(() => null);
      const stale = owner ? !ownerAlive(owner) : ((await stat(dir).catch(() => null))?.mtimeMs ?? 0) < this.now() - ORPHAN_AGE_MS;
      if (stale) {
        await rm(dir, { recursive: true, force: true });
        removed++;
      }
    }
    return { removed };
  }

  /** A new, empty upload for an import into `projectId`. */
  async create(projectId: string): Promise<{ uploadId: string } & UploadLimits> {
    this.deps.projects.get(projectId); // not_found before any byte is sent
    const id = randomUUID();
    const dir = join(this.root, id);
    // Made under a temporary name with its owner inside, then renamed: recover() never sees an upload without an owner.
    const building = join(this.root, `.${id}.new`);
    await mkdir(join(building, 'files'), { recursive: true, mode: 0o700 });
    await mkdir(join(building, 'partial'), { mode: 0o700 });
    await writeFile(join(building, OWNER_FILE), JSON.stringify({ ...currentOwner(), projectId }), { mode: 0o600 });
    await rename(building, dir);
    this.sessions.set(id, { id, projectId, dir, filesDir: join(dir, 'files'), paths: new Set(), writing: 0, state: 'open', touchedAt: this.now() });
    this.sweeper ??= setInterval(() => void this.sweep(), Math.min(60_000, this.idleMs)).unref();
    return { uploadId: id, ...this.limits };
  }

  private open(uploadId: string): Session {
    const session = this.sessions.get(uploadId);
    if (!session || session.state === 'gone') throw new AppError('not_found', `No upload ${uploadId} (it was cancelled, finished or given up after ${Math.round(this.idleMs / 60_000)} minutes without data)`);
    if (session.state === 'committed') throw new AppError('conflict', `Upload ${uploadId} is already being imported`);
    return session;
  }

  /**
   * Write one file of an upload from `body` as it arrives. `declaredBytes` (Content-Length) over
   * the cap is refused before a byte is written; a body that runs past the cap is stopped there.
   * A failed or aborted transfer leaves nothing behind.
   */
  async receive(uploadId: string, path: string, body: Readable, declaredBytes: number | null): Promise<{ path: string; bytes: number }> {
    const session = this.open(uploadId);
    const parts = uploadPathParts(path);
    const tooLarge = declaredBytes !== null ? fileSizeProblem(declaredBytes, this.limits.maxFileBytes) : null;
    if (tooLarge) throw new AppError('too_large', `${path}: ${tooLarge}`);
    if (session.paths.has(path)) throw new AppError('conflict', `${path} was already sent in this upload`);
    if (session.paths.size >= this.limits.maxFiles) throw new AppError('too_large', `${path}: one import takes at most ${this.limits.maxFiles.toLocaleString('en-US')} files`);

    const target = join(session.filesDir, ...parts);
    const rel = relative(session.filesDir, target);
    if (rel.startsWith('..') || rel.split(sep).length !== parts.length) throw new AppError('invalid_request', `${path} cannot be uploaded: it leaves the upload folder`);
    const partial = join(session.dir, 'partial', randomUUID());
    session.paths.add(path);
    session.writing++;
    session.touchedAt = this.now();
    try {
      // The body is read, not destroyed, on failure: the caller still answers on its connection.
      await pipeline(body.iterator({ destroyOnReturn: false }), byteCap(this.limits.maxFileBytes, path), createWriteStream(partial, { flags: 'wx', mode: 0o600 }));
      if (session.state !== 'open') throw new AppError('cancelled', `${path}: the upload was cancelled`);
      try {
        await mkdir(join(target, '..'), { recursive: true, mode: 0o700 });
        // link + unlink would refuse an existing name too; a plain rename is enough because the path was claimed above.
        await rename(partial, target);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOTDIR' || code === 'EEXIST' || code === 'EISDIR') throw new AppError('conflict', `${path}: a file and a folder of this upload have the same name`);
        throw err;
      }
      const { size } = await stat(target);
      return { path, bytes: size };
    } catch (err) {
      session.paths.delete(path);
      await rm(partial, { force: true });
      if (err instanceof AppError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (err as Error).message === 'aborted') {
        throw new AppError('cancelled', `${path}: the transfer stopped before the end of the file`);
      }
      throw new AppError('io_error', `${path} could not be saved: ${code ?? (err as Error).message}`);
    } finally {
      session.writing--;
      session.touchedAt = this.now();
    }
  }

  /**
   * Import what was uploaded, as the user dropped it: a dropped file is always tried, a dropped
   * folder is searched like a folder on disk. `skipped` and `notSent` are what the browser left out
   * (not documents; too large or unreadable), counted and listed with the job's own results.
   */
  async commit(uploadId: string, opts: { skipped?: number; notSent?: NotSentFile[] } = {}): Promise<{ jobId: string }> {
    const session = this.open(uploadId);
    if (session.writing > 0) throw new AppError('conflict', `Upload ${uploadId}: ${session.writing} file(s) are still being sent`);
    // What the browser could not send joins the job's failures, worded here rather than by the client.
    const failed: ImportFailure[] = (opts.notSent ?? []).map((n) => {
      uploadPathParts(n.path);
      if (n.problem === 'unreadable') return { path: n.path, reason: 'the browser could not read the file (was it moved or deleted after it was chosen?)' };
      const reason = fileSizeProblem(n.bytes, this.limits.maxFileBytes);
      if (!reason) throw new AppError('invalid_request', `${n.path}: ${n.bytes} bytes is within the limit; send the file instead`);
      return { path: n.path, reason };
    });
    if (session.paths.size === 0 && failed.length === 0) throw new AppError('invalid_request', 'Nothing was uploaded: drop or choose at least one file or folder.');

    const top = (await readdir(session.filesDir)).sort().map((name) => join(session.filesDir, name));
    const shown = (file: string) => relative(session.filesDir, file).split(sep).join('/');
    session.state = 'committed';
    let jobId: string;
    try {
      jobId = this.deps.importer.start(session.projectId, top, { shownAs: shown, recordedAs: (file) => `upload:${shown(file)}`, skipped: opts.skipped ?? 0, failed });
    } catch (err) {
      await this.remove(session);
      throw err;
    }
    const cleanup = this.deps.importer
      .finished(jobId)
      .catch(() => undefined)
      .then(() => this.remove(session));
    this.cleanups.add(cleanup);
    void cleanup.finally(() => this.cleanups.delete(cleanup));
    return { jobId };
  }

  /** Cancel an upload that was not committed: its files go. */
  async discard(uploadId: string): Promise<void> {
    const session = this.open(uploadId);
    await this.remove(session);
  }

  private async remove(session: Session): Promise<void> {
    session.state = 'gone';
    this.sessions.delete(session.id);
    await rm(session.dir, { recursive: true, force: true });
  }

  /** Give up uploads that stopped without a cancel (a closed tab). */
  private async sweep(): Promise<void> {
    const cutoff = this.now() - this.idleMs;
    for (const session of [...this.sessions.values()]) {
      if (session.state === 'open' && session.writing === 0 && session.touchedAt < cutoff) await this.remove(session);
    }
  }

  /** Shutdown: uploads not committed are removed; committed ones once their (cancelled) jobs end. */
  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
    for (const session of [...this.sessions.values()]) if (session.state === 'open') await this.remove(session);
    await Promise.all([...this.cleanups]);
  }
}
