import type { Migration } from './types';

/**
 * Words on pages, read offline. `page_ocr` holds one row per page read: its words and lines as
 * compact JSON (a dense page has hundreds; rows per word would be millions at scale), the page's
 * text for search, and the sha256 of the image that was read. A trigger forgets a page's words when
 * its image changes (a received page replaced), so words never describe another image; deleting
 * the page removes them (cascade). `page_text` is an FTS5 index over that text, kept in step by
 * triggers (external content on an INTEGER PRIMARY KEY, so VACUUM cannot renumber it).
 * `ocr_projects` holds each project's choices: read pages on import (default on), paused.
 */
export const migration012: Migration = {
  version: 12,
  name: 'page ocr',
  up(db) {
    db.exec(`
      CREATE TABLE page_ocr (
        id               INTEGER PRIMARY KEY,
        page_id          TEXT NOT NULL UNIQUE REFERENCES pages(id) ON DELETE CASCADE,
        image_sha256     TEXT NOT NULL,
        engine           TEXT NOT NULL,
        words            TEXT NOT NULL CHECK (json_valid(words)),
        lines            TEXT NOT NULL CHECK (json_valid(lines)),
        text             TEXT NOT NULL,
        mean_confidence  REAL NOT NULL,
        ms               INTEGER NOT NULL,
        read_at          TEXT NOT NULL
      ) STRICT;

      CREATE VIRTUAL TABLE page_text USING fts5(text, content='page_ocr', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
      CREATE TRIGGER page_ocr_ai AFTER INSERT ON page_ocr BEGIN
        INSERT INTO page_text(rowid, text) VALUES (new.id, new.text);
      END;
      CREATE TRIGGER page_ocr_ad AFTER DELETE ON page_ocr BEGIN
        INSERT INTO page_text(page_text, rowid, text) VALUES ('delete', old.id, old.text);
      END;
      CREATE TRIGGER page_ocr_au AFTER UPDATE ON page_ocr BEGIN
        INSERT INTO page_text(page_text, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO page_text(rowid, text) VALUES (new.id, new.text);
      END;
      CREATE TRIGGER pages_image_changed AFTER UPDATE OF width, height, levels, tiles ON pages BEGIN
        DELETE FROM page_ocr WHERE page_id = new.id;
      END;

      CREATE TABLE ocr_projects (
        project_id  TEXT PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE,
        on_import   INTEGER NOT NULL DEFAULT 1 CHECK (on_import IN (0, 1)),
        paused      INTEGER NOT NULL DEFAULT 0 CHECK (paused IN (0, 1))
      ) STRICT;
    `);
  },
};
