import type { Migration } from './types';

/**
 * Sync to W&B (additive): batches with their membership and client ids, recorded before anything
 * is sent, so a restarted Folio can ask W&B what happened instead of guessing; what each
 * committed batch added to the dataset (to put it back if a concurrent writer dropped it); the
 * last manifest seen per target; image hashes; and the sync settings.
 */
export const migration003: Migration = {
  version: 3,
  name: 'sync batches',
  up(db) {
    db.exec(`
      -- One batch = one table partition = (once committed) one artifact version.
      CREATE TABLE sync_batches (
        id                 TEXT PRIMARY KEY,
        project_id         TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        state              TEXT NOT NULL CHECK (state IN ('open', 'committed', 'empty')),
        -- "<baseUrl> <entity>/<project>/<collection>" the batch is being written to.
        target             TEXT,
        -- Renewed (and recorded) before every attempt, before anything is sent.
        attempt            INTEGER NOT NULL DEFAULT 0,
        run_id             TEXT,
        client_id          TEXT,
        sequence_client_id TEXT,
        job_id             TEXT REFERENCES jobs(id) ON DELETE SET NULL,
        artifact_id        TEXT,
        base_artifact_id   TEXT,
        -- Set just before commitArtifact is sent: from then on only W&B knows whether it committed.
        commit_sent_at     TEXT,
        version_index      INTEGER,
        artifact_digest    TEXT,
        -- JSON {path: manifest entry} this batch added (partition, its images, classes), and the
        -- manifest sent with the commit: both written before commitArtifact is sent.
        added_entries      TEXT,
        pending_manifest   TEXT,
        created_at         TEXT NOT NULL,
        updated_at         TEXT NOT NULL,
        committed_at       TEXT
      ) STRICT;
      CREATE INDEX sync_batches_state ON sync_batches(state, created_at);

      -- Membership: an outbox row belongs to at most one batch, for good.
      CREATE TABLE sync_batch_items (
        batch_id   TEXT NOT NULL REFERENCES sync_batches(id) ON DELETE CASCADE,
        outbox_id  TEXT NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
        position   INTEGER NOT NULL,
        PRIMARY KEY (batch_id, outbox_id)
      ) STRICT, WITHOUT ROWID;
      CREATE UNIQUE INDEX sync_batch_items_outbox ON sync_batch_items(outbox_id);

      -- The newest manifest Folio knows per target (its own last commit, or one it downloaded).
      CREATE TABLE sync_manifests (
        target      TEXT PRIMARY KEY,
        artifact_id TEXT NOT NULL,
        body        TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      ) STRICT;

      -- Page image hashes, so an image is read and hashed once however often it is synced.
      CREATE TABLE sync_image_hashes (
        media_path TEXT PRIMARY KEY,
        size       INTEGER NOT NULL,
        mtime_ms   REAL NOT NULL,
        md5        TEXT NOT NULL,
        sha256     TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE sync_settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;

      -- Dead items the user discarded: kept for the record, never sent.
      CREATE TABLE sync_discarded (
        outbox_id    TEXT PRIMARY KEY REFERENCES outbox(id) ON DELETE CASCADE,
        reason       TEXT,
        discarded_at TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
