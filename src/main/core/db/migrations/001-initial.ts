import type { Migration } from './types';

/**
 * The first schema: projects with their label sets and question templates, documents and pages,
 * annotations per annotator (draft or verified, versioned), boxes, QA pairs with evidence links,
 * model predictions, jobs, the outbox and an audit trail. Coordinates are original image pixels.
 */
export const migration001: Migration = {
  version: 1,
  name: 'initial schema',
  // One CREATE per table, read top to bottom: a schema is clearer whole than split.
  up(db) {
    db.exec(`
      CREATE TABLE projects (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
        is_demo     INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
        created_at  TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      ) STRICT;

      CREATE TABLE labels (
        id          TEXT PRIMARY KEY,
        project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        name        TEXT NOT NULL,
        color       TEXT NOT NULL,
        hotkey      TEXT CHECK (hotkey IS NULL OR hotkey IN ('1','2','3','4','5','6','7','8','9')),
        position    INTEGER NOT NULL,
        UNIQUE (project_id, name),
        UNIQUE (project_id, hotkey)
      ) STRICT;

      CREATE TABLE question_templates (
        id          TEXT PRIMARY KEY,
        project_id  TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        text        TEXT NOT NULL,
        required    INTEGER NOT NULL DEFAULT 1 CHECK (required IN (0, 1)),
        position    INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX question_templates_project ON question_templates(project_id, position);

      -- A document is one imported file; its id is the sha256 of the file's bytes.
      CREATE TABLE documents (
        id          TEXT PRIMARY KEY,
        kind        TEXT NOT NULL CHECK (kind IN ('image', 'pdf', 'tiff')),
        source_name TEXT NOT NULL,
        source_path TEXT,
        byte_size   INTEGER NOT NULL,
        page_count  INTEGER NOT NULL CHECK (page_count > 0),
        created_at  TEXT NOT NULL
      ) STRICT;

      -- A page's id is the document's sha256 plus its page number.
      CREATE TABLE pages (
        id           TEXT PRIMARY KEY,
        document_id  TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        page_number  INTEGER NOT NULL CHECK (page_number > 0),
        width        INTEGER NOT NULL CHECK (width > 0),
        height       INTEGER NOT NULL CHECK (height > 0),
        thumbnail    TEXT NOT NULL,
        levels       TEXT NOT NULL, -- JSON array of pyramid levels {level, scale, width, height, path}
        tiles        TEXT,          -- JSON deep-zoom tile pyramid {size, maxLevel, format, path} for very large pages
        UNIQUE (document_id, page_number)
      ) STRICT;

      CREATE TABLE project_documents (
        project_id   TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        document_id  TEXT NOT NULL REFERENCES documents(id),
        status       TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'pre_annotated', 'in_progress', 'verified')),
        added_at     TEXT NOT NULL,
        position     INTEGER NOT NULL,
        PRIMARY KEY (project_id, document_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX project_documents_order ON project_documents(project_id, position);
      CREATE INDEX project_documents_status ON project_documents(project_id, status, position);

      CREATE TABLE annotators (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        created_at  TEXT NOT NULL
      ) STRICT;

      -- One annotator's work on one document. Verified versions are immutable; editing a verified
      -- document starts a new draft with parent_id pointing at it.
      CREATE TABLE annotations (
        id           TEXT PRIMARY KEY,
        project_id   TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        document_id  TEXT NOT NULL REFERENCES documents(id),
        annotator_id TEXT NOT NULL REFERENCES annotators(id),
        version      INTEGER NOT NULL CHECK (version > 0),
        status       TEXT NOT NULL CHECK (status IN ('draft', 'verified')),
        kind         TEXT NOT NULL DEFAULT 'annotation' CHECK (kind IN ('annotation', 'gold')),
        parent_id    TEXT REFERENCES annotations(id),
        created_at   TEXT NOT NULL,
        updated_at   TEXT NOT NULL,
        verified_at  TEXT,
        -- Bumped by every autosave; a save names the revision it started from.
        revision     INTEGER NOT NULL DEFAULT 0,
        UNIQUE (project_id, document_id, annotator_id, kind, version)
      ) STRICT;
      CREATE INDEX annotations_document ON annotations(project_id, document_id);

      CREATE TABLE predictions (
        id           TEXT PRIMARY KEY,
        project_id   TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
        document_id  TEXT NOT NULL REFERENCES documents(id),
        page_id      TEXT REFERENCES pages(id),
        model        TEXT NOT NULL,
        kind         TEXT NOT NULL CHECK (kind IN ('box', 'qa')),
        label        TEXT,
        x REAL, y REAL, w REAL, h REAL,
        transcription TEXT,
        question     TEXT,
        answer       TEXT,
        evidence     TEXT, -- JSON array of prediction ids
        confidence   REAL NOT NULL CHECK (confidence >= 0 AND confidence <= 1),
        status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
        created_at   TEXT NOT NULL
      ) STRICT;
      CREATE INDEX predictions_document ON predictions(project_id, document_id);

      -- A box keeps its id across an annotation's versions (a new draft copies its parent), so
      -- versions can be compared box by box and evidence links survive.
      CREATE TABLE boxes (
        annotation_id TEXT NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,
        id            TEXT NOT NULL,
        page_id       TEXT NOT NULL REFERENCES pages(id),
        label         TEXT,
        x REAL NOT NULL, y REAL NOT NULL,
        w REAL NOT NULL CHECK (w >= 0), h REAL NOT NULL CHECK (h >= 0),
        transcription TEXT NOT NULL DEFAULT '',
        locked        INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),
        hidden        INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
        origin_prediction_id TEXT REFERENCES predictions(id),
        position      INTEGER NOT NULL,
        PRIMARY KEY (annotation_id, id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX boxes_order ON boxes(annotation_id, position);

      CREATE TABLE qa_pairs (
        annotation_id TEXT NOT NULL REFERENCES annotations(id) ON DELETE CASCADE,
        id            TEXT NOT NULL,
        question      TEXT NOT NULL,
        answer        TEXT NOT NULL DEFAULT '',
        unanswerable  INTEGER NOT NULL DEFAULT 0 CHECK (unanswerable IN (0, 1)),
        source        TEXT NOT NULL CHECK (source IN ('template', 'model', 'annotator')),
        template_id   TEXT REFERENCES question_templates(id) ON DELETE SET NULL,
        origin_prediction_id TEXT REFERENCES predictions(id),
        position      INTEGER NOT NULL,
        PRIMARY KEY (annotation_id, id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE qa_evidence (
        annotation_id TEXT NOT NULL,
        qa_id   TEXT NOT NULL,
        box_id  TEXT NOT NULL,
        position INTEGER NOT NULL,
        PRIMARY KEY (annotation_id, qa_id, box_id),
        FOREIGN KEY (annotation_id, qa_id) REFERENCES qa_pairs(annotation_id, id) ON DELETE CASCADE,
        FOREIGN KEY (annotation_id, box_id) REFERENCES boxes(annotation_id, id) ON DELETE CASCADE
      ) STRICT, WITHOUT ROWID;

      -- Background work the user can see (imports, pre-annotation runs, sync builds, evaluations).
      CREATE TABLE jobs (
        id          TEXT PRIMARY KEY,
        kind        TEXT NOT NULL,
        project_id  TEXT REFERENCES projects(id) ON DELETE CASCADE,
        state       TEXT NOT NULL CHECK (state IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
        params      TEXT NOT NULL DEFAULT '{}',
        progress    TEXT NOT NULL DEFAULT '{}',
        result      TEXT,
        error       TEXT,
        created_at  TEXT NOT NULL,
        started_at  TEXT,
        finished_at TEXT
      ) STRICT;
      CREATE INDEX jobs_kind_state ON jobs(kind, state, created_at);

      -- Transactional outbox: every write that must reach W&B is enqueued in the same transaction
      -- as the data it carries. The id doubles as the idempotency key.
      CREATE TABLE outbox (
        id              TEXT PRIMARY KEY,
        kind            TEXT NOT NULL,
        entity_id       TEXT NOT NULL,
        payload         TEXT NOT NULL,
        state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'in_flight', 'done', 'dead')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        last_error      TEXT,
        created_at      TEXT NOT NULL,
        updated_at      TEXT NOT NULL
      ) STRICT;
      CREATE INDEX outbox_due ON outbox(state, next_attempt_at) WHERE state IN ('pending', 'in_flight');

      CREATE TABLE audit (
        id          INTEGER PRIMARY KEY,
        at          TEXT NOT NULL,
        actor       TEXT,
        action      TEXT NOT NULL,
        entity_type TEXT NOT NULL,
        entity_id   TEXT NOT NULL,
        details     TEXT
      ) STRICT;
      CREATE INDEX audit_entity ON audit(entity_type, entity_id, id);

      -- Verified work is immutable: nothing that has been verified is changed in place.
      CREATE TRIGGER annotations_verified_immutable
      BEFORE UPDATE ON annotations
      WHEN OLD.status = 'verified'
      BEGIN
        SELECT RAISE(ABORT, 'verified annotation versions are immutable');
      END;
      CREATE TRIGGER annotations_verified_undeletable
      BEFORE DELETE ON annotations
      WHEN OLD.status = 'verified'
      BEGIN
        SELECT RAISE(ABORT, 'verified annotation versions are immutable');
      END;
      CREATE TRIGGER boxes_of_verified_immutable_u BEFORE UPDATE ON boxes
      WHEN (SELECT status FROM annotations WHERE id = OLD.annotation_id) = 'verified'
      BEGIN SELECT RAISE(ABORT, 'verified annotation versions are immutable'); END;
      CREATE TRIGGER boxes_of_verified_immutable_d BEFORE DELETE ON boxes
      WHEN (SELECT status FROM annotations WHERE id = OLD.annotation_id) = 'verified'
      BEGIN SELECT RAISE(ABORT, 'verified annotation versions are immutable'); END;
      CREATE TRIGGER boxes_of_verified_immutable_i BEFORE INSERT ON boxes
      WHEN (SELECT status FROM annotations WHERE id = NEW.annotation_id) = 'verified'
      BEGIN SELECT RAISE(ABORT, 'verified annotation versions are immutable'); END;
      CREATE TRIGGER qa_of_verified_immutable_u BEFORE UPDATE ON qa_pairs
      WHEN (SELECT status FROM annotations WHERE id = OLD.annotation_id) = 'verified'
      BEGIN SELECT RAISE(ABORT, 'verified annotation versions are immutable'); END;
      CREATE TRIGGER qa_of_verified_immutable_d BEFORE DELETE ON qa_pairs
      WHEN (SELECT status FROM annotations WHERE id = OLD.annotation_id) = 'verified'
      BEGIN SELECT RAISE(ABORT, 'verified annotation versions are immutable'); END;
      CREATE TRIGGER qa_of_verified_immutable_i BEFORE INSERT ON qa_pairs
      WHEN (SELECT status FROM annotations WHERE id = NEW.annotation_id) = 'verified'
      BEGIN SELECT RAISE(ABORT, 'verified annotation versions are immutable'); END;
      CREATE TRIGGER evidence_of_verified_immutable_i BEFORE INSERT ON qa_evidence
      WHEN (SELECT status FROM annotations WHERE id = NEW.annotation_id) = 'verified'
      BEGIN SELECT RAISE(ABORT, 'verified annotation versions are immutable'); END;
      CREATE TRIGGER evidence_of_verified_immutable_d BEFORE DELETE ON qa_evidence
      WHEN (SELECT status FROM annotations WHERE id = OLD.annotation_id) = 'verified'
      BEGIN SELECT RAISE(ABORT, 'verified annotation versions are immutable'); END;
    `);
  },
};
