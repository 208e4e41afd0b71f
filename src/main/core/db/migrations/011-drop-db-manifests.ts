import type { Migration } from './types';

/**
 * Manifests leave the database: the newest manifest per target and the one sent with a commit
 * are files in the sync cache (sync/manifestCache.ts), because rewriting a multi-megabyte row held
 * the write lock. Nothing reads `sync_manifests` or `sync_batches.pending_manifest` any more; a
 * manifest an older Folio left there is only a cache, so the next build downloads it again.
 */
export const migration011: Migration = {
  version: 11,
  name: 'sync: manifests only in the sync cache',
  up(db) {
    db.exec(`
      DROP TABLE sync_manifests;
      ALTER TABLE sync_batches DROP COLUMN pending_manifest;
    `);
  },
};
