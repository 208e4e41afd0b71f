import type { Migration } from './types';

/**
 * Pre-annotation runs: a run per start, a task per page, an attempt per request, and the
 * Message Batches a batch-mode run submitted. Predictions remember the run that made them.
 * Additive only: new tables, one nullable column and indexes.
 */
export const migration002: Migration = {
  version: 2,
  name: 'pre-annotation runs',
  up(db) {
    db.exec(`
      CREATE TABLE preannotation_runs (
        id           TEXT PRIMARY KEY,
        project_id   TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        mode         TEXT NOT NULL CHECK (mode IN ('online', 'batch')),
        -- running: should be executing (resumed after a crash or quit); paused: by the user;
        -- stopped: by the API (bad key, spend limit, the same error on every page), resumable.
        state        TEXT NOT NULL CHECK (state IN ('running', 'paused', 'stopped', 'completed', 'cancelled')),
        model        TEXT NOT NULL,
        effort       TEXT,
        max_tokens   INTEGER NOT NULL CHECK (max_tokens > 0),
        options      TEXT NOT NULL, -- JSON: concurrency, strategy, deadlines, scope, time scale
        prompt       TEXT NOT NULL, -- JSON: the label names and question templates the run asks for
        estimate     TEXT,          -- JSON: the cost estimate shown before the run
        stop_reason  TEXT,          -- JSON {code, message}
        overhead     TEXT,          -- JSON: requests that belong to no page (the cache pre-warm): tokens, cost
        stats_file   TEXT,
        elapsed_ms   REAL NOT NULL DEFAULT 0, -- time spent executing, summed over executions (pool ms)
        simulated    INTEGER NOT NULL DEFAULT 0 CHECK (simulated IN (0, 1)), -- answers came from Folio's simulator
        created_at   TEXT NOT NULL,
        started_at   TEXT,
        finished_at  TEXT,
        updated_at   TEXT NOT NULL
      ) STRICT;
      CREATE INDEX preannotation_runs_project ON preannotation_runs(project_id, created_at);
      CREATE INDEX preannotation_runs_state ON preannotation_runs(state);

      CREATE TABLE preannotation_batches (
        id            TEXT PRIMARY KEY,
        run_id        TEXT NOT NULL REFERENCES preannotation_runs(id) ON DELETE CASCADE,
        -- creating: recorded before the API call, so a crash between the call and the next write
        -- can be recognised on restart; submitted: the API has it; ingested: results taken in.
        state         TEXT NOT NULL CHECK (state IN ('creating', 'submitted', 'ingested', 'abandoned')),
        remote_id     TEXT UNIQUE,
        request_count INTEGER NOT NULL CHECK (request_count > 0),
        created_at    TEXT NOT NULL,
        submitted_at  TEXT,
        ended_at      TEXT,
        error         TEXT
      ) STRICT;
      CREATE INDEX preannotation_batches_run ON preannotation_batches(run_id, state);

      CREATE TABLE preannotation_tasks (
        id           TEXT PRIMARY KEY,
        run_id       TEXT NOT NULL REFERENCES preannotation_runs(id) ON DELETE CASCADE,
        document_id  TEXT NOT NULL REFERENCES documents(id),
        page_id      TEXT NOT NULL REFERENCES pages(id),
        position     INTEGER NOT NULL,
        state        TEXT NOT NULL CHECK (state IN ('queued', 'in_flight', 'done', 'failed', 'cancelled')),
        attempts     INTEGER NOT NULL DEFAULT 0,
        downsized    INTEGER NOT NULL DEFAULT 0 CHECK (downsized IN (0, 1)),
        output_retries INTEGER NOT NULL DEFAULT 0,
        batch_id     TEXT REFERENCES preannotation_batches(id),
        error        TEXT,
        first_sent_ms REAL,      -- pool time of the first attempt (simulated ms)
        duration_ms  REAL,       -- first attempt sent → answer ingested, retries included
        latency_ms   REAL,       -- the successful attempt's request latency
        input_tokens       INTEGER NOT NULL DEFAULT 0,
        output_tokens      INTEGER NOT NULL DEFAULT 0,
        cache_read_tokens  INTEGER NOT NULL DEFAULT 0,
        cache_write_tokens INTEGER NOT NULL DEFAULT 0,
        cost_usd     REAL NOT NULL DEFAULT 0,
        detail       TEXT,       -- JSON: sent size, boxes, answers, what was dropped
        finished_at  TEXT,
        UNIQUE (run_id, page_id)
      ) STRICT;
      CREATE INDEX preannotation_tasks_queue ON preannotation_tasks(run_id, state, position);
      CREATE INDEX preannotation_tasks_batch ON preannotation_tasks(batch_id) WHERE batch_id IS NOT NULL;

      CREATE TABLE preannotation_attempts (
        task_id      TEXT NOT NULL REFERENCES preannotation_tasks(id) ON DELETE CASCADE,
        n            INTEGER NOT NULL CHECK (n > 0),
        run_id       TEXT NOT NULL REFERENCES preannotation_runs(id) ON DELETE CASCADE,
        sent_ms      REAL NOT NULL,  -- pool time (simulated ms)
        latency_ms   REAL NOT NULL,
        status       INTEGER,        -- HTTP status, null for connection errors and deadlines
        outcome      TEXT NOT NULL,  -- ok | retry | downsize | output | stop_run | fail_page | aborted
        reason       TEXT,           -- rate_limit, overloaded, malformed, …
        request_id   TEXT,
        message      TEXT,
        PRIMARY KEY (task_id, n)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX preannotation_attempts_run ON preannotation_attempts(run_id, outcome);

      ALTER TABLE predictions ADD COLUMN run_id TEXT REFERENCES preannotation_runs(id) ON DELETE SET NULL;
      CREATE INDEX predictions_run ON predictions(run_id);
      CREATE INDEX predictions_page ON predictions(project_id, page_id, status);
    `);
  },
};
