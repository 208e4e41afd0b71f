import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import type { Box, QaPair } from '../../src/shared/domain/model';
import { openTestCore, tempDir } from '../helpers/core';
import { createApiClient, createDispatcher } from '../../src/shared/contract/rpc';
import type { RpcResult } from '../../src/shared/contract/errors';
import { fromBoxColumns } from '../../src/shared/domain/boxColumns';
import { pagePng } from '../helpers/fixtures';

describe('annotations', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: Core;
  let projectId: string;
  let documentId: string;
  let pageId: string;

  const box = (id: string, over: Partial<Box> = {}): Box => ({
    id,
    pageId,
    label: 'total',
    x: 10.25,
    y: 20.5,
    w: 100.125,
    h: 30.75,
    transcription: '$12.00',
    locked: false,
    hidden: false,
    originPredictionId: null,
    ...over,
  });

  beforeEach(async () => {
    dir = tempDir();
    core = await openTestCore(join(dir.path, 'data'));
    await core.api['settings.update']({ annotatorName: 'Ada' });
    const project = await core.api['projects.create']({
      name: 'Invoices',
      labels: [
        { name: 'total', color: '#ff0000', hotkey: '1' },
        { name: 'date', color: '#00ff00', hotkey: '2' },
      ],
      questions: [{ text: 'What is the total?' }, { text: 'Who signed it?', required: false }],
    });
    projectId = project.id;
    const file = join(dir.path, 'page.png');
    writeFileSync(file, await pagePng(1));
    await core.importer.run(projectId, [file]);
    const { items } = await core.api['documents.list']({ projectId });
    documentId = items[0]!.id;
    pageId = (await core.api['documents.get']({ projectId, documentId })).pages[0]!.id;
  });
  afterEach(async () => {
    await core.close();
    dir.cleanup();
  });

  const get = () => core.api['annotations.get']({ projectId, documentId });

  it('starts with the project’s template questions and no boxes', async () => {
    const state = await get();
    expect(state).toMatchObject({ annotationId: null, version: 0, status: 'draft', revision: 0, boxes: [], annotator: { name: 'Ada' } });
    expect(state.qa.map((q) => [q.question, q.source, q.answer])).toEqual([
      ['What is the total?', 'template', ''],
      ['Who signed it?', 'template', ''],
    ]);
  });

  it('autosaves patches into a draft, keeping coordinates exactly, and bumps the revision', async () => {
    const first = await core.api['annotations.save']({ projectId, documentId, baseRevision: 0, upsertBoxes: [box('b1'), box('b2', { label: 'date' })] });
    expect(first).toMatchObject({ version: 1, status: 'draft', revision: 1, documentStatus: 'in_progress' });
    await core.api['annotations.save']({ projectId, documentId, baseRevision: 1, upsertBoxes: [box('b1', { x: 11.125 })], deleteBoxIds: ['b2'] });
    const state = await get();
    expect(state.revision).toBe(2);
    expect(state.boxes).toEqual([box('b1', { x: 11.125 })]);
    expect((await core.api['documents.list']({ projectId })).items[0]!.status).toBe('in_progress');
  });

  it('refuses a save based on a stale revision, changing nothing', async () => {
    await core.api['annotations.save']({ projectId, documentId, baseRevision: 0, upsertBoxes: [box('b1')] });
    await expect(core.api['annotations.save']({ projectId, documentId, baseRevision: 0, upsertBoxes: [box('b9')] })).rejects.toMatchObject({ code: 'conflict' });
    expect((await get()).boxes.map((b) => b.id)).toEqual(['b1']);
  });

  it('rejects labels outside the label set, foreign pages and dangling evidence, saving nothing of the patch', async () => {
    await expect(core.api['annotations.save']({ projectId, documentId, baseRevision: 0, upsertBoxes: [box('b1', { label: 'vendor' })] })).rejects.toThrow(
      'upsertBoxes[0].label: the box "$12.00" on page 1 has the label "vendor", which is not in this project\'s label set',
    );
    await expect(core.api['annotations.save']({ projectId, documentId, baseRevision: 0, upsertBoxes: [box('b1', { pageId: 'elsewhere-p1' })] })).rejects.toThrow(
      /not a page of this document/,
    );
    const qa: QaPair = { id: 'q1', question: 'Q?', answer: 'A', unanswerable: false, source: 'annotator', templateId: null, originPredictionId: null, evidenceBoxIds: ['ghost'] };
    await expect(core.api['annotations.save']({ projectId, documentId, baseRevision: 0, upsertBoxes: [box('b1')], upsertQa: [qa] })).rejects.toThrow(/is box ghost, which does not exist/);
    expect(await get()).toMatchObject({ annotationId: null, boxes: [] });
  });

  it('refuses to verify while boxes lack labels or required questions lack answers, and says which', async () => {
    await core.api['annotations.save']({ projectId, documentId, baseRevision: 0, upsertBoxes: [box('b1', { label: null, transcription: 'ACME' })] });
    const result = await core.api['annotations.verify']({ projectId, documentId });
    expect(result).toEqual({
      result: 'refused',
      problems: [
        { kind: 'unlabelled_box', boxId: 'b1', message: 'Box 1 ("ACME") has no label' },
        { kind: 'unanswered_question', qaId: expect.stringMatching(/^tpl:/), message: '"What is the total?" has no answer and is not marked unanswerable' },
      ],
    });
    expect((await get()).status).toBe('draft');
    expect(core.db.prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: 0 });
  });

  it('verifies into an immutable version and an outbox row in one step; editing afterwards starts version 2', async () => {
    const state = await get();
    const total = state.qa[0]!;
    await core.api['annotations.save']({
      projectId,
      documentId,
      baseRevision: 0,
      upsertBoxes: [box('b1')],
      upsertQa: [{ ...total, answer: '$12.00', evidenceBoxIds: ['b1'] }],
    });
    const verified = await core.api['annotations.verify']({ projectId, documentId });
    expect(verified).toMatchObject({ result: 'verified', version: 1 });
    if (verified.result !== 'verified') throw new Error('unreachable');
    const outbox = core.db.prepare('SELECT kind, entity_id, state, payload FROM outbox').all() as { kind: string; entity_id: string; state: string; payload: string }[];
    expect(outbox).toHaveLength(1);
    expect(outbox[0]).toMatchObject({ kind: 'annotation_version', entity_id: verified.annotationId, state: 'pending' });
    expect(JSON.parse(outbox[0]!.payload)).toMatchObject({ projectId, documentId, version: 1 });
    expect((await core.api['documents.list']({ projectId })).counts.verified).toBe(1);
    // Verifying again changes nothing.
    expect(await core.api['annotations.verify']({ projectId, documentId })).toEqual(verified);
    expect(core.db.prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: 1 });

    const after = await get();
    expect(after).toMatchObject({ status: 'verified', version: 1 });
    expect(after.qa[0]).toMatchObject({ answer: '$12.00', evidenceBoxIds: ['b1'] });
    const edited = await core.api['annotations.save']({ projectId, documentId, baseRevision: after.revision, upsertBoxes: [box('b1', { w: 1 })] });
    expect(edited).toMatchObject({ version: 2, status: 'draft' });
    const v2 = await get();
    expect(v2.boxes).toEqual([box('b1', { w: 1 })]);
    expect(v2.qa[0]).toMatchObject({ answer: '$12.00', evidenceBoxIds: ['b1'] });
    // Version 1 is untouched.
    const v1Box = core.db.prepare('SELECT w FROM boxes WHERE annotation_id = ?').get(verified.annotationId);
    expect(v1Box).toEqual({ w: 100.125 });
    expect(core.db.prepare('SELECT parent_id FROM annotations WHERE version = 2').get()).toEqual({ parent_id: verified.annotationId });
  });

  it('gives the same state with its boxes as columns, through the contract and JSON', async () => {
    const client = createApiClient(async (method, request) => JSON.parse(JSON.stringify(await createDispatcher(core.api)(method, request))) as RpcResult<unknown>);
    const empty = await client['annotations.getColumns']({ projectId, documentId });
    expect(empty.boxColumns).toMatchObject({ count: 0, id: [] });
    const boxes = [
      box('b1'),
      box('b2', { label: null, locked: true, transcription: '' }),
      box('b3', { label: 'date', hidden: true, x: 0.1 + 0.2 }),
      box('b4', { locked: true, hidden: true, w: 0 }),
    ];
    await core.api['annotations.save']({ projectId, documentId, baseRevision: 0, upsertBoxes: boxes });
    const { boxColumns, ...rest } = await client['annotations.getColumns']({ projectId, documentId });
    const { boxes: asObjects, ...restOfGet } = await client['annotations.get']({ projectId, documentId });
    expect(asObjects).toEqual(boxes);
    expect(fromBoxColumns(boxColumns)).toEqual(asObjects);
    expect(boxColumns).toMatchObject({ count: 4, labels: ['total', 'date'], label: [0, -1, 1, 0], flags: [0, 1, 2, 3] });
    expect(rest).toEqual(restOfGet);
    await expect(client['annotations.getColumns']({ projectId, documentId: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('asks once about a document with no boxes or undecided predictions, and verifies when told it was meant', async () => {
    await core.api['annotations.save']({ projectId, documentId, baseRevision: 0, upsertQa: [{ ...(await get()).qa[0]!, unanswerable: true }] });
    const asked = await core.api['annotations.verify']({ projectId, documentId });
    expect(asked).toEqual({ result: 'confirm', warnings: [{ kind: 'no_boxes', count: 0, message: 'This document has no boxes' }] });
    expect((await get()).status).toBe('draft');
    expect(core.db.prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: 0 });
    const done = await core.api['annotations.verify']({ projectId, documentId, acknowledge: ['no_boxes'] });
    expect(done).toMatchObject({ result: 'verified', version: 1 });

    // Undecided predictions are counted; acknowledging another warning does not cover them.
    const insert = core.db.prepare(
      "INSERT INTO predictions (id, project_id, document_id, page_id, model, kind, label, x, y, w, h, transcription, confidence, status, created_at) VALUES (?, ?, ?, ?, 'm', 'box', 'total', 1, 1, 5, 5, 'x', 0.5, 'pending', '2026-01-01')",
    );
    insert.run('p1', projectId, documentId, pageId);
    insert.run('p2', projectId, documentId, pageId);
    const state = await get();
    await core.api['annotations.save']({ projectId, documentId, baseRevision: state.revision, upsertBoxes: [box('b1')] });
    const second = await core.api['annotations.verify']({ projectId, documentId, acknowledge: ['no_boxes'] });
    expect(second).toEqual({ result: 'confirm', warnings: [{ kind: 'undecided_predictions', count: 2, message: '2 model predictions are neither accepted nor rejected' }] });
    expect(await core.api['annotations.verify']({ projectId, documentId, acknowledge: ['undecided_predictions'] })).toMatchObject({ result: 'verified', version: 2 });
  });

  it('refuses a box whose label the project does not have, naming the box; verify names labels removed since', async () => {
    await expect(core.api['annotations.save']({ projectId, documentId, baseRevision: 0, upsertBoxes: [box('b1'), box('b2', { label: 'amount', transcription: 'Widget' })] })).rejects.toMatchObject({
      code: 'invalid_request',
      retryable: false,
      details: { boxId: 'b2', field: 'label', label: 'amount' },
      message: expect.stringContaining('the box "Widget" on page 1 has the label "amount", which is not in this project\'s label set') as string,
    });
    expect((await get()).boxes).toEqual([]);
    await core.api['annotations.save']({ projectId, documentId, baseRevision: 0, upsertBoxes: [box('b1', { label: 'date' }), box('b2')] });
    await core.api['projects.update']({ projectId, labels: [{ name: 'total', color: '#ff0000', hotkey: '1' }] });
    const refused = await core.api['annotations.verify']({ projectId, documentId });
    expect(refused.result).toBe('refused');
    expect(refused.result === 'refused' && refused.problems.filter((p) => p.kind !== 'unanswered_question')).toEqual([
      { kind: 'unknown_label', boxId: 'b1', message: 'Box 1 ("$12.00") has the label "date", which is no longer in this project\'s label set' },
    ]);
  });

  it('reverts a draft that is exactly its verified version, and keeps one that differs', async () => {
    const q0 = (await get()).qa[0]!;
    await core.api['annotations.save']({ projectId, documentId, baseRevision: 0, upsertBoxes: [box('b1'), box('b2')], upsertQa: [{ ...q0, answer: '$12.00', evidenceBoxIds: ['b1'] }] });
    const verified = await core.api['annotations.verify']({ projectId, documentId });
    expect(verified.result).toBe('verified');
    const v1 = await get();
    // Edit: a box added, a template answer typed and cleared, then all undone (the box deleted).
    const q1 = v1.qa[1]!;
    let saved = await core.api['annotations.save']({ projectId, documentId, baseRevision: v1.revision, upsertBoxes: [box('b3')], upsertQa: [{ ...q1, answer: 'A' }] });
    expect(saved).toMatchObject({ version: 2 });
    saved = await core.api['annotations.save']({ projectId, documentId, baseRevision: saved.revision, deleteBoxIds: ['b3'], upsertQa: [{ ...q1, answer: '' }] });
    // Deleted and re-added (undo of a delete) lands at another position: still the same content.
    saved = await core.api['annotations.save']({ projectId, documentId, baseRevision: saved.revision, deleteBoxIds: ['b2'] });
    saved = await core.api['annotations.save']({ projectId, documentId, baseRevision: saved.revision, upsertBoxes: [box('b2')] });
    const reverted = await core.api['annotations.revertToVerified']({ projectId, documentId, baseRevision: saved.revision });
    expect(reverted).toEqual({ annotationId: v1.annotationId, version: 1, status: 'verified', revision: v1.revision, documentStatus: 'verified' });
    const after = await get();
    expect(after).toMatchObject({ status: 'verified', version: 1, annotationId: v1.annotationId });
    expect(after.boxes.map((b) => b.id)).toEqual(['b1', 'b2']);
    expect((await core.api['documents.list']({ projectId })).items[0]!.status).toBe('verified');
    expect(core.db.prepare("SELECT COUNT(*) AS n FROM annotations WHERE status = 'draft'").get()).toEqual({ n: 0 });
    expect(core.db.prepare('SELECT COUNT(*) AS n FROM outbox').get()).toEqual({ n: 1 });

    // A draft that differs (one transcription) is kept, and says why.
    saved = await core.api['annotations.save']({ projectId, documentId, baseRevision: after.revision, upsertBoxes: [box('b2', { transcription: '$13.00' })] });
    await expect(core.api['annotations.revertToVerified']({ projectId, documentId, baseRevision: saved.revision })).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('differs') as string });
    expect(await get()).toMatchObject({ status: 'draft', version: 2 });
    // A stale revision is refused without looking further.
    await expect(core.api['annotations.revertToVerified']({ projectId, documentId, baseRevision: saved.revision - 1 })).rejects.toMatchObject({ code: 'conflict' });
  });
});
