import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import { applyVersion, contentDigest, type IncomingVersion } from '../../src/main/core/exchange';
import { readStoredContent } from '../../src/main/core/exchange/apply';
import { readPartition } from '../../src/main/core/exchange/table';
import { newId } from '../../src/main/core/util/ids';
import { openTestCore, tempDir } from '../helpers/core';
import { truthContent, verifyAs } from '../helpers/review';
import { addDocuments, createSyncProject, type SeededDocument } from '../helpers/sync';

/** The merge rules one by one, on a real database (the pull and bundle tests cover them end to end). */

describe('applyVersion', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: Core;
  let projectId: string;
  let doc: SeededDocument;
  const ada = { id: 'ada-id', name: 'Ada' };
  const now = '2026-05-01T00:00:00.000Z';

  beforeEach(async () => {
    dir = tempDir();
    core = await openTestCore(join(dir.path, 'data'));
    projectId = await createSyncProject(core);
    doc = (await addDocuments(core, projectId, { count: 1 }))[0]!;
  });
  afterEach(async () => {
    await core.close();
    dir.cleanup();
  });

  const incoming = (over: Partial<IncomingVersion> = {}): IncomingVersion => {
    const c = truthContent(doc.truth, doc.pageId);
    return {
      annotationId: newId(),
      documentId: doc.documentId,
      annotatorId: ada.id,
      annotatorName: ada.name,
      kind: 'annotation',
      version: 1,
      verifiedAt: '2026-04-30T12:00:00.000Z',
      parentId: null,
      boxes: c.boxes.map((b) => ({ id: b.id, page: 1, label: b.label, x: b.x, y: b.y, w: b.w, h: b.h, transcription: b.transcription })),
      qa: c.qa.map((q) => ({ id: q.id, question: q.question, answer: q.answer, unanswerable: q.unanswerable, source: q.source, templateId: null, evidenceBoxIds: q.evidenceBoxIds })),
      lineage: null,
      ...over,
    };
  };

  it('imports a new version as it was verified, then skips it by id and by key', () => {
    const v = incoming();
    expect(applyVersion(core.db, projectId, v, now, 'bundle')).toEqual({ kind: 'imported' });
    const row = core.db.prepare('SELECT status, version, verified_at, annotator_id FROM annotations WHERE id = ?').get(v.annotationId);
    expect(row).toEqual({ status: 'verified', version: 1, verified_at: v.verifiedAt, annotator_id: ada.id });
    expect(contentDigest(readStoredContent(core.db, v.annotationId))).toBe(contentDigest(v));
    expect(applyVersion(core.db, projectId, v, now, 'bundle')).toEqual({ kind: 'skipped' });
    expect(applyVersion(core.db, projectId, { ...v, annotationId: newId() }, now, 'bundle')).toEqual({ kind: 'skipped' });
    // The document shows as verified in the list; nothing went to the outbox.
    expect(core.documents.status(projectId, doc.documentId)).toBe('verified');
    expect(core.db.prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: 0 });
  });

  it('reports, and does not apply, other content under the same identity or an id used elsewhere', () => {
    const v = incoming();
    applyVersion(core.db, projectId, v, now, 'bundle');
    const changed = { ...v, boxes: v.boxes.map((b, i) => (i === 0 ? { ...b, x: b.x + 5 } : b)) };
    expect(applyVersion(core.db, projectId, changed, now, 'bundle')).toMatchObject({ kind: 'conflict', conflict: { reason: expect.stringMatching(/already here with different content/) } });
    expect(applyVersion(core.db, projectId, { ...changed, annotationId: newId() }, now, 'bundle')).toMatchObject({ kind: 'conflict' });
    expect(applyVersion(core.db, projectId, { ...v, version: 2 }, now, 'bundle')).toMatchObject({ kind: 'conflict', conflict: { reason: expect.stringMatching(/already used here/) } });
    expect(contentDigest(readStoredContent(core.db, v.annotationId))).toBe(contentDigest(v));
  });

  it('never hides or replaces a local draft', () => {
    // Ada has a draft of the document here (version 1, not verified).
    core.annotations.ensureAnnotator(ada.id, ada.name, now);
    const state = core.annotations.get(projectId, doc.documentId, ada);
    core.annotations.save({ projectId, documentId: doc.documentId, baseRevision: state.revision, upsertBoxes: truthContent(doc.truth, doc.pageId).boxes.slice(0, 1) }, ada.id, now);
    expect(applyVersion(core.db, projectId, incoming(), now, 'bundle')).toMatchObject({ kind: 'conflict', conflict: { reason: expect.stringMatching(/has a draft/) } });
    expect(applyVersion(core.db, projectId, incoming({ version: 2 }), now, 'bundle')).toMatchObject({ kind: 'conflict', conflict: { reason: expect.stringMatching(/unverified draft \(version 1\)/) } });
    // Someone else's version is fine.
    expect(applyVersion(core.db, projectId, incoming({ annotatorId: 'bob-id', annotatorName: 'Bob' }), now, 'bundle')).toEqual({ kind: 'imported' });
  });

  it('refuses a version whose boxes are on pages the document does not have, writing nothing', () => {
    const v = incoming({ boxes: [{ id: 'b1', page: 7, label: null, x: 0, y: 0, w: 1, h: 1, transcription: '' }], qa: [] });
    expect(() => applyVersion(core.db, projectId, v, now, 'bundle')).toThrow(/page 7/);
    expect(core.db.prepare('SELECT COUNT(*) AS n FROM annotations').get()).toEqual({ n: 0 });
  });

  it('keeps the local annotator name and matches template questions by text', async () => {
    verifyAs(core, projectId, doc.documentId, { id: 'bob-id', name: 'Robert' }, truthContent(doc.truth, doc.pageId));
    const project = await core.api['projects.update']({ projectId, questions: [{ text: 'Who issued it?' }] });
    const template = project.questions[0]!;
    const v = incoming({
      annotatorId: 'bob-id',
      annotatorName: 'Bob (elsewhere)',
      version: 2,
      qa: [{ id: 'q', question: 'Who issued it?', answer: 'ACME', unanswerable: false, source: 'template', templateId: 'a-template-of-another-machine', evidenceBoxIds: [] }],
    });
    expect(applyVersion(core.db, projectId, v, now, 'wandb')).toEqual({ kind: 'imported' });
    expect(core.db.prepare('SELECT name FROM annotators WHERE id = ?').get('bob-id')).toEqual({ name: 'Robert' });
    expect(core.db.prepare('SELECT template_id FROM qa_pairs WHERE annotation_id = ?').get(v.annotationId)).toEqual({ template_id: template.id });
  });
});

describe('readPartition', () => {
  it('names the file, row and field of a row that does not fit, and refuses partitions without the columns a pull needs', () => {
    const project = { id: 'p1', name: 'Invoices' };
    expect(() => readPartition('parts/old.table.json', Buffer.from(JSON.stringify({ _type: 'table', columns: ['row_id'], data: [] })), project)).toThrow(
      /^parts\/old\.table\.json: has no column "project", .*written by an older Folio/,
    );
    expect(() => readPartition('parts/x.table.json', Buffer.from('{'), project)).toThrow(/^parts\/x\.table\.json: is not JSON/);
    const columns = ['project', 'project_id', 'document_id', 'document_name', 'page', 'image', 'annotation_id', 'annotation_version', 'annotation_kind', 'annotator', 'annotator_id', 'qa', 'verified_at', 'document_kind', 'document_bytes', 'page_count', 'boxes', 'lineage'];
    const row = (over: Record<string, unknown>) => columns.map((c) => over[c] ?? null);
    const table = {
      _type: 'table',
      columns,
      data: [row({ project: 'Invoices', project_id: 'other', document_id: '../../etc', annotation_id: 'a1', annotation_version: 1 }), row({ project: 'Receipts', project_id: 'p2', annotation_id: 'a2' })],
    };
    const read = readPartition('parts/y.table.json', Buffer.from(JSON.stringify(table)), project);
    expect(read.versions).toEqual([]);
    expect(read.problems).toHaveLength(1); // the other project's row is not ours to judge
    expect(read.problems[0]!.file).toBe('parts/y.table.json');
    expect(read.problems[0]!.message).toMatch(/^row 0 \(annotation a1 version 1\): .*document_id: must be letters, digits, _ or -/);
  });
});
