import type Database from 'better-sqlite3';
import { AppError } from '../../../../shared/contract/errors';
import { migration001 } from './001-initial';
import { migration002 } from './002-preannotation';
import { migration003 } from './003-sync';
import { migration004 } from './004-review';
import { migration005 } from './005-evaluation';
import { migration006 } from './006-exchange';
import { migration007 } from './007-job-owner';
import { migration008 } from './008-sync-lease';
import { migration009 } from './009-preannotation-owner';
import { migration010 } from './010-document-types';
import { migration011 } from './011-drop-db-manifests';
import { migration012 } from './012-page-ocr';
import type { Migration } from './types';

/** Every migration, in order. Add new ones at the end; never edit one that has shipped. */
export const migrations: readonly Migration[] = [migration001, migration002, migration003, migration004, migration005, migration006, migration007, migration008, migration009, migration010, migration011, migration012];

export const latestSchemaVersion = migrations.length;

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Bring the database to `target` (default: latest) in one transaction, so a crash mid-upgrade
 * leaves the old version intact. A database from a newer Folio is refused, not touched.
 */
export function migrate(db: Database.Database, opts: { file: string; target?: number; list?: readonly Migration[] }): { from: number; to: number } {
  const list = opts.list ?? migrations;
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migration list is out of order at ${m.name}: expected version ${i + 1}, got ${m.version}`);
  });
  const latest = list.length;
  const target = opts.target ?? latest;
  const from = assertNotFromFuture(db, opts.file, latest);
  if (from >= target) return { from, to: from };
  db.transaction(() => {
    for (const m of list.slice(from, target)) m.up(db);
    db.pragma(`user_version = ${target}`);
  }).immediate();
  return { from, to: target };
}

/** Refuse a database a newer Folio wrote, before anything (even a pragma) touches it. Returns its version. */
export function assertNotFromFuture(db: Database.Database, file: string, latest = latestSchemaVersion): number {
  const from = schemaVersion(db);
  if (from > latest) {
    throw new AppError(
      'database_newer',
      `The database ${file} was written by a newer version of Folio (schema version ${from}; this Folio understands up to ${latest}). ` +
        'Update Folio to open it. The file has not been changed.',
      { details: { file, schemaVersion: from, supported: latest } },
    );
  }
  return from;
}
