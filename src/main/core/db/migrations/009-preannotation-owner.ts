import type { Migration } from './types';

/**
 * Which process executes a pre-annotation run (see jobs/owner.ts). A Folio that starts resumes
 * the runs left `running` by a process that is gone; a run another live process (the app, a
 * `folio preannotate`) is executing right now is left to it — resuming it too would send every
 * page to Claude twice and put that process's in-flight pages back in the queue. NULL (runs from
 * before this version) keeps the old rule: resumed at the next start.
 */
export const migration009: Migration = {
  version: 9,
  name: 'pre-annotation runs: executing process',
  up(db) {
    db.exec(`
      ALTER TABLE preannotation_runs ADD COLUMN owner_pid INTEGER;
      ALTER TABLE preannotation_runs ADD COLUMN owner_start TEXT;
    `);
  },
};
