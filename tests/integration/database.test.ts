import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { latestSchemaVersion, migrations, schemaVersion } from '../../src/main/core/db/migrations';
import { openDatabase } from '../../src/main/core/db/open';
import { AppError } from '../../src/shared/contract/errors';
import { tempDir } from '../helpers/core';

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Rows a database at `version` can hold, written with that version's schema. */
function seed(db: Database.Database, version: number): void {
  if (version >= 1) {
    db.prepare("INSERT INTO projects (id, name, created_at, updated_at) VALUES ('p1', 'Invoices', 't', 't')").run();
    db.prepare("INSERT INTO labels (id, project_id, name, color, hotkey, position) VALUES ('l1', 'p1', 'total', '#ff0000', '1', 0)").run();
    db.prepare("INSERT INTO documents (id, kind, source_name, byte_size, page_count, created_at) VALUES ('d1', 'image', 'a.png', 10, 1, 't')").run();
    db.prepare("INSERT INTO pages (id, document_id, page_number, width, height, thumbnail, levels) VALUES ('d1-p1', 'd1', 1, 100, 200, 'x', '[]')").run();
    db.prepare("INSERT INTO project_documents (project_id, document_id, added_at, position) VALUES ('p1', 'd1', 't', 1)").run();
  }
}

describe('database', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.cleanup());

  it('creates a new database at the latest version with WAL, synchronous=FULL and foreign keys', () => {
    const db = openDatabase(join(dir.path, 'folio.db'));
    expect(schemaVersion(db)).toBe(latestSchemaVersion);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    db.close();
  });

  it('keeps migration versions consecutive', () => {
    migrations.forEach((m, i) => expect(m.version).toBe(i + 1));
  });

  for (let from = 0; from < latestSchemaVersion; from++) {
    it(`upgrades a database at version ${from} to ${latestSchemaVersion}, keeping its rows`, () => {
      const file = join(dir.path, 'folio.db');
      const old = openDatabase(file, { targetVersion: from });
      expect(schemaVersion(old)).toBe(from);
      seed(old, from);
      old.close();
      const db = openDatabase(file);
      expect(schemaVersion(db)).toBe(latestSchemaVersion);
      if (from >= 1) expect(db.prepare('SELECT name FROM projects').all()).toEqual([{ name: 'Invoices' }]);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
      db.close();
    });
  }

  it('drops the manifest table and column at version 11, keeping every batch and its other fields', () => {
    const file = join(dir.path, 'folio.db');
    const old = openDatabase(file, { targetVersion: 10 });
    seed(old, 10);
    old
      .prepare(
        "INSERT INTO sync_batches (id, project_id, state, target, attempt, artifact_id, added_entries, pending_manifest, created_at, updated_at) VALUES ('b1', 'p1', 'open', 'https://api.wandb.ai e/p/c', 2, 'art1', '{}', '{\"version\":1}', 't', 't')",
      )
      .run();
    old.prepare("INSERT INTO sync_manifests (target, artifact_id, body, updated_at) VALUES ('https://api.wandb.ai e/p/c', 'art1', '{}', 't')").run();
    old.close();
    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(latestSchemaVersion);
    expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'sync_manifests'").all()).toEqual([]);
    expect((db.prepare('PRAGMA table_info(sync_batches)').all() as { name: string }[]).map((c) => c.name)).not.toContain('pending_manifest');
    expect(db.prepare('SELECT id, project_id, state, target, attempt, artifact_id, added_entries FROM sync_batches').all()).toEqual([
      { id: 'b1', project_id: 'p1', state: 'open', target: 'https://api.wandb.ai e/p/c', attempt: 2, artifact_id: 'art1', added_entries: '{}' },
    ]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('runs a failing migration in one transaction: nothing of it stays', () => {
    const file = join(dir.path, 'folio.db');
    const broken = [
      ...migrations,
      {
        version: migrations.length + 1,
        name: 'half-done',
        up(db: Database.Database) {
          db.exec('CREATE TABLE should_vanish (x)');
          throw new Error('disk full, say');
        },
      },
    ];
    const db = openDatabase(file);
    db.close();
    const raw = new Database(file);
    return import('../../src/main/core/db/migrations').then(({ migrate }) => {
      expect(() => migrate(raw, { file, list: broken })).toThrow('disk full, say');
      expect(schemaVersion(raw)).toBe(latestSchemaVersion);
      expect(raw.prepare("SELECT name FROM sqlite_master WHERE name = 'should_vanish'").get()).toBeUndefined();
      raw.close();
    });
  });

  it('refuses a database from a newer Folio with a message the user can act on, and leaves it untouched', () => {
    const file = join(dir.path, 'folio.db');
    openDatabase(file).close();
    const raw = new Database(file);
    raw.pragma(`user_version = ${latestSchemaVersion + 3}`);
    raw.pragma('journal_mode = DELETE');
    raw.close();
    const before = sha(file);
    let error: unknown;
    try {
      openDatabase(file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('database_newer');
    expect((error as AppError).message).toBe(
      `The database ${file} was written by a newer version of Folio (schema version ${latestSchemaVersion + 3}; this Folio understands up to ${latestSchemaVersion}). ` +
        'Update Folio to open it. The file has not been changed.',
    );
    expect(sha(file)).toBe(before);
  });

  it('reports a damaged file clearly and never overwrites it', () => {
    const file = join(dir.path, 'folio.db');
    writeFileSync(file, Buffer.from('this is not a database, but it is somebody’s file'.repeat(200)));
    const before = sha(file);
    expect(() => openDatabase(file)).toThrow(AppError);
    try {
      openDatabase(file);
    } catch (err) {
      expect((err as AppError).code).toBe('database_corrupt');
      expect((err as AppError).message).toContain(file);
      expect((err as AppError).message).toContain('Folio has not changed it');
    }
    expect(sha(file)).toBe(before);
  });

  it('reports an unreadable location with the file and what to do', () => {
    writeFileSync(join(dir.path, 'not-a-folder'), 'x');
    const file = join(dir.path, 'not-a-folder', 'folio.db');
    expect(() => openDatabase(file)).toThrow(/not-a-folder/);
  });

  it('makes verified annotation versions immutable', () => {
    const db = openDatabase(join(dir.path, 'folio.db'));
    seed(db, latestSchemaVersion);
    db.prepare("INSERT INTO annotators (id, name, created_at) VALUES ('a1', 'Ann', 't')").run();
    db.prepare(
      "INSERT INTO annotations (id, project_id, document_id, annotator_id, version, status, created_at, updated_at) VALUES ('v1', 'p1', 'd1', 'a1', 1, 'draft', 't', 't')",
    ).run();
    db.prepare("INSERT INTO boxes (id, annotation_id, page_id, label, x, y, w, h, position) VALUES ('b1', 'v1', 'd1-p1', 'total', 1, 2, 3, 4, 0)").run();
    db.prepare("UPDATE annotations SET status = 'verified', verified_at = 't' WHERE id = 'v1'").run();
    expect(() => db.prepare("UPDATE boxes SET x = 99 WHERE id = 'b1'").run()).toThrow('immutable');
    expect(() => db.prepare("DELETE FROM annotations WHERE id = 'v1'").run()).toThrow('immutable');
    expect(() => db.prepare("UPDATE annotations SET version = 2 WHERE id = 'v1'").run()).toThrow('immutable');
    expect(() => db.prepare("INSERT INTO boxes (id, annotation_id, page_id, x, y, w, h, position) VALUES ('b2', 'v1', 'd1-p1', 0, 0, 1, 1, 1)").run()).toThrow('immutable');
    db.close();
  });
});
