import type { Migration } from './types';

/**
 * Document types and the templates that apply to them. A document in a project has a type
 * (invoice, receipt, form; NULL until someone says) and who set it: the annotator's choice wins,
 * an import that knows the type (the demo's generator) comes next, and pre-annotation fills in
 * only what neither set. A question template lists the types it is asked on as a JSON array;
 * `[]` asks it on every document, which is what every template of an existing project becomes
 * (its `required` stays as it was).
 */
export const migration010: Migration = {
  version: 10,
  name: 'document types and template kinds',
  up(db) {
    db.exec(`
      ALTER TABLE project_documents ADD COLUMN doc_type TEXT CHECK (doc_type IN ('invoice', 'receipt', 'form'));
      ALTER TABLE project_documents ADD COLUMN doc_type_source TEXT CHECK (doc_type_source IN ('annotator', 'import', 'model'));
      ALTER TABLE question_templates ADD COLUMN kinds TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(kinds) AND json_type(kinds) = 'array');
    `);
  },
};
