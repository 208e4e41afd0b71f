import type { Migration } from './types';

/**
 * Job ownership (additive): the process that created a job, so a Folio that starts fails only the
 * jobs of processes that are gone, not those another Folio (the app, a CLI) is running right now
 * (see jobs/owner.ts). `owner_pid` NULL — rows written before this version, or by code that does
 * not record an owner — keeps the old rule: failed at the next start. Evaluation jobs recorded
 * their pid in `params.pid`; it moves here.
 */
export const migration007: Migration = {
  version: 7,
  name: 'jobs: owning process',
  up(db) {
    db.exec(`
      ALTER TABLE jobs ADD COLUMN owner_pid INTEGER;
      -- "<boot id>:<start ticks>" of the owner (Linux), NULL where that cannot be read.
      ALTER TABLE jobs ADD COLUMN owner_start TEXT;
      UPDATE jobs SET owner_pid = json_extract(params, '$.pid')
        WHERE kind = 'evaluation' AND json_valid(params) AND json_type(params, '$.pid') = 'integer';
    `);
  },
};
