import type { Migration } from './types';

/**
 * Bringing work together (additive): what a pull from the W&B dataset has already read, so the
 * next pull reads only what is new. Pull jobs themselves are rows of `jobs` (kind
 * 'exchange_pull'); imported annotation versions keep their ids, so they need no table of their own.
 */
export const migration006: Migration = {
  version: 6,
  name: 'exchange: pulled dataset versions and partitions',
  up(db) {
    db.exec(`
      -- An artifact version every partition of which has been read and applied (or reported).
      CREATE TABLE exchange_pulled_versions (
        -- "<baseUrl> <entity>/<project>/<collection>", as sync_batches.target.
        target        TEXT NOT NULL,
        artifact_id   TEXT NOT NULL,
        version_index INTEGER NOT NULL,
        project_id    TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        pulled_at     TEXT NOT NULL,
        PRIMARY KEY (target, project_id, artifact_id)
      ) STRICT, WITHOUT ROWID;

      -- A table partition read and applied: the same path with the same digest is never read again.
      CREATE TABLE exchange_pulled_partitions (
        target      TEXT NOT NULL,
        project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        path        TEXT NOT NULL,
        digest      TEXT NOT NULL,
        artifact_id TEXT NOT NULL,
        rows        INTEGER NOT NULL,
        pulled_at   TEXT NOT NULL,
        PRIMARY KEY (target, project_id, path, digest)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
