import type { Migration } from './types';

/**
 * Evaluation (additive): each project's weekly evaluation schedule. Evaluation jobs themselves are
 * `jobs` rows of kind 'evaluation' (params, progress, metrics and W&B run in their JSON columns).
 */
export const migration005: Migration = {
  version: 5,
  name: 'evaluation schedules',
  up(db) {
    db.exec(`
      CREATE TABLE evaluation_schedules (
        project_id  TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
        enabled     INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
        weekday     INTEGER NOT NULL DEFAULT 1 CHECK (weekday BETWEEN 0 AND 6), -- 0 = Sunday (local)
        time        TEXT NOT NULL DEFAULT '03:00',                               -- local HH:MM
        models      TEXT NOT NULL DEFAULT '[]',                                  -- JSON; [] = every model with predictions
        against     TEXT NOT NULL DEFAULT 'gold-or-verified' CHECK (against IN ('gold', 'verified', 'gold-or-verified')),
        -- The slot the schedule last ran for, and when it was last switched on or changed: a slot
        -- runs only if it is later than both.
        last_run_at TEXT,
        changed_at  TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
