import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../../../shared/contract/errors';
import { assertNotFromFuture, migrate } from './migrations';

export type Db = Database.Database;

export interface OpenDatabaseOptions {
  /** Path to a better-sqlite3 binary built for this runtime (Electron's ABI differs from Node's). */
  nativeBinding?: string | undefined;
  /** Stop at this schema version instead of the latest (migration tests). */
  targetVersion?: number;
  readonly?: boolean;
  /**
   * FULL (default): a commit is on disk when it returns — for annotations and the outbox.
   * NORMAL: survives a process crash but not a power cut; for re-derivable bulk writes (imports),
   * whose per-commit fsync would otherwise stall the event loop.
   */
  synchronous?: 'FULL' | 'NORMAL';
  /** Skip migrations (a second connection to a database another one already migrated). */
  skipMigrations?: boolean;
}

const corruptCodes = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT', 'SQLITE_CORRUPT_VTAB', 'SQLITE_CORRUPT_INDEX']);
const unreadableCodes = new Set(['SQLITE_CANTOPEN', 'SQLITE_READONLY', 'SQLITE_PERM', 'SQLITE_IOERR', 'SQLITE_AUTH']);

/** Turn SQLite's failure to open a file into a message that says which file and what to do. */
export function describeOpenFailure(file: string, err: unknown): AppError {
  if (err instanceof AppError) return err;
  const code = (err as { code?: string }).code ?? '';
  const reason = err instanceof Error ? err.message : String(err);
  if (corruptCodes.has(code) || code.startsWith('SQLITE_CORRUPT')) {
    return new AppError(
      'database_corrupt',
      `The database ${file} is damaged or is not a Folio database (${reason}). Folio has not changed it. ` +
        'Restore it from a backup, or move it aside and start Folio again to begin with an empty database.',
      { details: { file, sqliteCode: code }, cause: err },
    );
  }
  if (unreadableCodes.has(code) || code.startsWith('SQLITE_IOERR') || code === 'EACCES' || code === 'EPERM') {
    return new AppError(
      'io_error',
      `Folio cannot open its database ${file} (${reason}). Check that the folder exists and that you may read and write it, ` +
        'or point FOLIO_DATA_DIR at another folder.',
      { details: { file, sqliteCode: code }, cause: err },
    );
  }
  return new AppError('internal', `Opening the database ${file} failed: ${reason}`, { details: { file }, cause: err });
}

/**
 * Open (or create) Folio's SQLite database: WAL, synchronous=FULL (a verified annotation is on disk
 * when verify returns), foreign keys on, a busy timeout, then migrations in one transaction.
 * A damaged or foreign file is reported and left exactly as it was.
 */
export function openDatabase(file: string, opts: OpenDatabaseOptions = {}): Db {
  let db: Db | undefined;
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    db = new Database(file, {
      ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}),
      ...(opts.readonly ? { readonly: true, fileMustExist: true } : {}),
    });
    // Reading the header first: a foreign or damaged file fails here, before any pragma writes to it.
    db.pragma('schema_version', { simple: true });
    assertNotFromFuture(db, file);
    db.pragma('busy_timeout = 5000');
    if (!opts.readonly) {
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
    }
    db.pragma('foreign_keys = ON');
    if (!opts.readonly && !opts.skipMigrations) migrate(db, { file, ...(opts.targetVersion !== undefined ? { target: opts.targetVersion } : {}) });
    return db;
  } catch (err) {
    db?.close();
    throw describeOpenFailure(file, err);
  }
}
