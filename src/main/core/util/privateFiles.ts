import { chmodSync, existsSync, mkdirSync } from 'node:fs';

/**
 * Folio's data folder holds every page image and transcription: on a shared laptop only its owner
 * may read it. The folder is made (or tightened to) 0700, so nothing inside is reachable by other
 * users whatever mode a library gives the files it writes; the database files are 0600 as well.
 * (Windows ignores these modes; its per-user profile folder does this job.)
 */
export function ensurePrivateFolder(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32') chmodSync(dir, 0o700);
}

/** Only the owner reads and writes `file` (and SQLite's -wal and -shm beside it, which take its mode). */
export function makeOwnerOnly(file: string): void {
  if (process.platform === 'win32') return;
  for (const path of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(path)) chmodSync(path, 0o600);
}
