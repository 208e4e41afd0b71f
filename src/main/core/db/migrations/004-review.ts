import type { Migration } from './types';

/**
 * Review (additive): how many annotators a project wants per document, and the lineage of each
 * gold version (which sources the lead saw, which source every box and answer was taken from,
 * who resolved it and when). Gold versions themselves are `annotations` rows of kind 'gold'.
 */
export const migration004: Migration = {
  version: 4,
  name: 'review and gold lineage',
  up(db) {
    db.exec(`
      ALTER TABLE projects ADD COLUMN required_annotators INTEGER NOT NULL DEFAULT 1
        CHECK (required_annotators BETWEEN 1 AND 20);

      CREATE TABLE gold_lineage (
        annotation_id TEXT PRIMARY KEY REFERENCES annotations(id) ON DELETE CASCADE,
        resolved_by   TEXT NOT NULL,  -- annotator id of the lead
        resolved_at   TEXT NOT NULL,
        -- JSON [{id, kind, name, annotationId, version}]: every source version the lead compared.
        sources       TEXT NOT NULL,
        -- JSON {boxes: {boxId: sourceId | null}, qa: {qaId: sourceId | null}}; null = drawn or edited by the lead.
        items         TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
