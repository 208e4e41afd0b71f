import type { Migration } from './types';

/**
 * The sync lease: which process's sync engine builds for this data folder. The app's sync process
 * and a `folio sync --now` (or two apps' worth of CLIs) open the same database; two engines
 * building at once would each reset the other's in-flight rows at start and could send the same
 * batch twice. One row at most; its owner is a process as in jobs/owner.ts, so a crashed holder's
 * lease is taken over by the next engine, which then recovers what it left in flight.
 */
export const migration008: Migration = {
  version: 8,
  name: 'sync: one engine per data folder',
  up(db) {
    db.exec(`
      CREATE TABLE sync_lease (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        owner_pid   INTEGER NOT NULL,
        owner_start TEXT,
        acquired_at TEXT NOT NULL
      );
    `);
  },
};
