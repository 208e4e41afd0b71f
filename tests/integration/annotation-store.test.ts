import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import { createApiClient, createDispatcher } from '../../src/shared/contract/rpc';
import type { Box } from '../../src/shared/domain/model';
import { createAnnotationStore, MAX_UNSAVED_MS } from '../../src/renderer/src/annotate/store';
import { openTestCore, tempDir } from '../helpers/core';
import { multiPagePdf, pagePng } from '../helpers/fixtures';

/** The renderer's annotation store against a real core over the real dispatcher: what autosave writes is what SQLite holds. */
describe('annotation store', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: Core;
  let projectId: string;
  let documentId: string;
  let pageId: string;
  let page2: string;

  const api = () => createApiClient(createDispatcher(core.api));
  const box = (id: string, over: Partial<Box> = {}): Box => ({ id, pageId, label: 'total', x: 10.5, y: 20.25, w: 100, h: 30, transcription: '', locked: false, hidden: false, originPredictionId: null, ...over });
  const saved = async () => core.api['annotations.get']({ projectId, documentId });

  beforeEach(async () => {
    dir = tempDir();
    core = await openTestCore(join(dir.path, 'data'));
    await core.api['settings.update']({ annotatorName: 'Ada' });
    projectId = (
      await core.api['projects.create']({ name: 'P', labels: [{ name: 'total', color: '#ff0000', hotkey: '1' }, { name: 'date', color: '#00ff00' }], questions: [{ text: 'Total?' }] })
    ).id;
    const file = join(dir.path, 'two.pdf');
    writeFileSync(file, await multiPagePdf(2));
    await core.importer.run(projectId, [file]);
    documentId = (await core.api['documents.list']({ projectId })).items[0]!.id;
    const doc = await core.api['documents.get']({ projectId, documentId });
    pageId = doc.pages[0]!.id;
    page2 = doc.pages[1]!.id;
  });
  afterEach(async () => {
    await core.close();
    dir.cleanup();
  });

  it('autosaves every finished change within half a second without being asked', async () => {
    const store = createAnnotationStore(api());
    await store.getState().load(projectId, documentId);
    store.getState().addBoxes([box('b1')]);
    store.getState().updateBoxes([{ id: 'b1', patch: { x: 42.75 } }]);
    await new Promise((r) => setTimeout(r, MAX_UNSAVED_MS + 100));
    expect((await saved()).boxes).toEqual([box('b1', { x: 42.75 })]);
    expect(store.getState().saveState).toBe('saved');
  });

  it('undoes and redoes boxes and QA alike, and saves the undone state', async () => {
    const store = createAnnotationStore(api());
    await store.getState().load(projectId, documentId);
    const s = () => store.getState();
    s().addBoxes([box('b1')]);
    s().updateBoxes([{ id: 'b1', patch: { label: 'date' } }]);
    const q = s().qa[0]!.id;
    s().updateQa(q, { answer: '1' }, { coalesceKey: `answer:${q}` });
    s().updateQa(q, { answer: '12' }, { coalesceKey: `answer:${q}` });
    s().toggleEvidence(q, 'b1');
    s().undo(); // evidence
    s().undo(); // typing "12" was one step
    expect(s().qa[0]).toMatchObject({ answer: '', evidenceBoxIds: [] });
    s().undo(); // relabel
    expect(s().boxes.b1!.label).toBe('total');
    s().redo();
    expect(s().boxes.b1!.label).toBe('date');
    await s().flush();
    expect((await saved()).boxes[0]!.label).toBe('date');
    expect((await saved()).qa[0]!.answer).toBe('');
  });

  it('deleting a box removes its evidence links, and undo brings both back', async () => {
    const store = createAnnotationStore(api());
    await store.getState().load(projectId, documentId);
    const s = () => store.getState();
    s().addBoxes([box('b1'), box('b2')]);
    const q = s().qa[0]!.id;
    s().toggleEvidence(q, 'b1');
    s().toggleEvidence(q, 'b2');
    s().deleteBoxes(['b1']);
    expect(s().qa[0]!.evidenceBoxIds).toEqual(['b2']);
    await s().flush();
    expect((await saved()).qa[0]!.evidenceBoxIds).toEqual(['b2']);
    s().undo();
    await s().flush();
    expect((await saved()).qa[0]!.evidenceBoxIds).toEqual(['b1', 'b2']);
    expect((await saved()).boxes.map((b) => b.id).sort()).toEqual(['b1', 'b2']);
  });

  it('copies boxes and pastes them onto another page, and into another document', async () => {
    const store = createAnnotationStore(api());
    await store.getState().load(projectId, documentId);
    const s = () => store.getState();
    s().addBoxes([box('b1', { x: 1600, w: 200 })]);
    expect(s().copyBoxes(['b1'])).toBe(1);
    const pasted = s().pasteBoxes({ pageId: page2, width: 1700, height: 2200 });
    expect(s().boxes[pasted[0]!]).toMatchObject({ pageId: page2, x: 1500, w: 200, label: 'total' });
    await s().flush();

    const file = join(dir.path, 'other.png');
    writeFileSync(file, await pagePng(7));
    await core.importer.run(projectId, [file]);
    const other = (await core.api['documents.list']({ projectId })).items.find((d) => d.sourceName === 'other.png')!;
    const otherPage = (await core.api['documents.get']({ projectId, documentId: other.id })).pages[0]!;
    await s().load(projectId, other.id);
    const intoOther = s().pasteBoxes({ pageId: otherPage.id, width: otherPage.width, height: otherPage.height });
    await s().flush();
    const otherSaved = await core.api['annotations.get']({ projectId, documentId: other.id });
    expect(otherSaved.boxes.map((b) => b.id)).toEqual(intoOther);
    expect(otherSaved.boxes[0]!.x + otherSaved.boxes[0]!.w).toBeLessThanOrEqual(otherPage.width);
  });

  it('accepts and rejects model predictions, keeping the prediction as the box’s origin', async () => {
    const now = new Date().toISOString();
    const insert = core.db.prepare(
      "INSERT INTO predictions (id, project_id, document_id, page_id, model, kind, label, x, y, w, h, transcription, question, answer, evidence, confidence, created_at) VALUES (?, ?, ?, ?, 'sim', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    insert.run('p1', projectId, documentId, pageId, 'box', 'total', 5, 6, 70, 20, '$9.99', null, null, null, 0.95, now);
    insert.run('p2', projectId, documentId, pageId, 'box', 'date', 5, 60, 70, 20, '2026-01-02', null, null, null, 0.55, now);
    insert.run('p3', projectId, documentId, null, 'qa', null, null, null, null, null, null, 'Total?', '$9.99', '["p1"]', 0.9, now);
    const store = createAnnotationStore(api());
    await store.getState().load(projectId, documentId);
    const s = () => store.getState();
    s().acceptPredictions(['p3']);
    s().rejectPredictions(['p2']);
    await s().flush();
    const state = await saved();
    expect(state.boxes).toHaveLength(1);
    expect(state.boxes[0]).toMatchObject({ label: 'total', transcription: '$9.99', originPredictionId: 'p1' });
    expect(state.qa[0]).toMatchObject({ question: 'Total?', answer: '$9.99', originPredictionId: 'p3', evidenceBoxIds: [state.boxes[0]!.id] });
    expect(Object.fromEntries(state.predictions.map((p) => [p.id, p.status]))).toEqual({ p1: 'accepted', p2: 'rejected', p3: 'accepted' });
    // Editing an accepted box makes it human work but keeps where it came from.
    s().updateBoxes([{ id: state.boxes[0]!.id, patch: { w: 80 } }]);
    await s().flush();
    expect((await saved()).boxes[0]).toMatchObject({ w: 80, originPredictionId: 'p1' });
  });

  it('an accepted answer leaves its doubtful evidence box to be decided, and links it once accepted', async () => {
    const now = new Date().toISOString();
    const insert = core.db.prepare(
      "INSERT INTO predictions (id, project_id, document_id, page_id, model, kind, label, x, y, w, h, transcription, question, answer, evidence, confidence, created_at) VALUES (?, ?, ?, ?, 'sim', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    // The model is sure of the answer but not of the box holding it (it gave it the wrong label).
    insert.run('box-due', projectId, documentId, pageId, 'box', 'total', 5, 60, 70, 20, '2026-01-02', null, null, null, 0.55, now);
    insert.run('qa-due', projectId, documentId, null, 'qa', null, null, null, null, null, null, 'When is it due?', '2026-01-02', '["box-due"]', 0.9, now);
    const store = createAnnotationStore(api());
    await store.getState().load(projectId, documentId);
    const s = () => store.getState();
    s().acceptPredictions(['qa-due']);
    expect(s().order).toEqual([]);
    expect(s().predictions.find((p) => p.id === 'box-due')!.status).toBe('pending');
    const pair = s().qa.find((q) => q.originPredictionId === 'qa-due')!;
    expect(pair).toMatchObject({ answer: '2026-01-02', evidenceBoxIds: [] });
    // Accepted later with the right label, the box becomes the answer's evidence in the same step.
    s().acceptPredictions(['box-due'], { 'box-due': { label: 'date' } });
    const box = s().boxes[s().order[0]!]!;
    expect(box).toMatchObject({ label: 'date', originPredictionId: 'box-due' });
    expect(s().qa.find((q) => q.id === pair.id)!.evidenceBoxIds).toEqual([box.id]);
    s().undo();
    expect(s().order).toEqual([]);
    expect(s().qa.find((q) => q.id === pair.id)!.evidenceBoxIds).toEqual([]);
    s().redo();
    await s().flush();
    expect((await saved()).qa.find((q) => q.id === pair.id)!.evidenceBoxIds).toEqual([box.id]);
  });

  it('nudges and resizes the selected unlocked boxes on the page, inside it, one undo step per run', async () => {
    const store = createAnnotationStore(api());
    await store.getState().load(projectId, documentId);
    const s = () => store.getState();
    const page = { pageId, width: 1700, height: 2200 };
    s().addBoxes([box('b1'), box('b2', { locked: true }), box('b3', { pageId: page2 })]);
    s().select([]);
    expect(s().nudgeSelection(page, 1, 0)).toBe(false);
    s().select(['b1', 'b2', 'b3']);
    expect(s().nudgeSelection(page, 1, 0)).toBe(true);
    expect(s().nudgeSelection(page, 10, -1)).toBe(true);
    expect(s().boxes.b1).toMatchObject({ x: 21.5, y: 19.25, w: 100, h: 30 });
    expect(s().boxes.b2).toMatchObject({ x: 10.5, y: 20.25 });
    expect(s().boxes.b3).toMatchObject({ x: 10.5, y: 20.25 });
    expect(s().nudgeSelection(page, -100, 0)).toBe(true);
    expect(s().boxes.b1!.x).toBe(0);
    s().undo();
    expect(s().boxes.b1).toMatchObject({ x: 10.5, y: 20.25 });

    expect(s().resizeSelection(page, -10, 5)).toBe(true);
    expect(s().resizeSelection(page, -200, 0)).toBe(true);
    expect(s().boxes.b1).toMatchObject({ x: 10.5, w: 1, h: 35 });
    expect(s().boxes.b2).toMatchObject({ w: 100, h: 30 });
    s().undo();
    expect(s().boxes.b1).toMatchObject({ w: 100, h: 30 });

    s().select(['b2']);
    expect(s().nudgeSelection(page, 1, 0)).toBe(false);
  });

  it('hides and locks the selection together, and shows or unlocks it when all already are', async () => {
    const store = createAnnotationStore(api());
    await store.getState().load(projectId, documentId);
    const s = () => store.getState();
    s().addBoxes([box('b1'), box('b2', { hidden: true, locked: true })]);
    s().select([]);
    expect(s().toggleSelectionHidden()).toBe(false);
    expect(s().toggleSelectionLocked()).toBe(false);
    s().select(['b1', 'b2']);
    expect(s().toggleSelectionHidden()).toBe(true);
    expect([s().boxes.b1!.hidden, s().boxes.b2!.hidden]).toEqual([true, true]);
    expect(s().toggleSelectionHidden()).toBe(true);
    expect([s().boxes.b1!.hidden, s().boxes.b2!.hidden]).toEqual([false, false]);
    expect(s().toggleSelectionLocked()).toBe(true);
    expect([s().boxes.b1!.locked, s().boxes.b2!.locked]).toEqual([true, true]);
    s().undo();
    expect([s().boxes.b1!.locked, s().boxes.b2!.locked]).toEqual([false, true]);
  });

  it('refuses verify with the problems listed, then verifies once they are fixed', async () => {
    const store = createAnnotationStore(api());
    await store.getState().load(projectId, documentId);
    const s = () => store.getState();
    s().addBoxes([box('b1', { label: null })]);
    const refused = await s().verify();
    expect(refused.verified).toBe(false);
    expect(refused.problems.map((p) => p.kind)).toEqual(['unlabelled_box', 'unanswered_question']);
    s().updateBoxes([{ id: 'b1', patch: { label: 'total' } }]);
    s().updateQa(s().qa[0]!.id, { unanswerable: true });
    expect(await s().verify()).toEqual({ verified: true, problems: [], warnings: [] });
    expect(s().status).toBe('verified');
    // Verified work is read-only: an edit changes nothing until Edit.
    s().updateBoxes([{ id: 'b1', patch: { x: 1 } }]);
    expect(s().boxes.b1!.x).toBe(10.5);
    expect(s().readOnlyNudge).toBe(1);
    // After Edit, the next edit starts version 2.
    s().unlockEdit();
    s().updateBoxes([{ id: 'b1', patch: { x: 1 } }]);
    await s().flush();
    expect(await saved()).toMatchObject({ version: 2, status: 'draft' });
  });

  it('asks before verifying a page with no boxes, and verifies with the warning acknowledged', async () => {
    const store = createAnnotationStore(api());
    await store.getState().load(projectId, documentId);
    const s = () => store.getState();
    s().updateQa(s().qa[0]!.id, { unanswerable: true });
    const asked = await s().verify();
    expect(asked).toEqual({ verified: false, problems: [], warnings: [{ kind: 'no_boxes', count: 0, message: 'This document has no boxes' }] });
    expect(s().status).toBe('draft');
    expect(await s().verify(['no_boxes'])).toMatchObject({ verified: true });
  });

  it('undoing an edit of a verified document back to its content makes it that version again', async () => {
    const store = createAnnotationStore(api());
    await store.getState().load(projectId, documentId);
    const s = () => store.getState();
    s().addBoxes([box('b1')]);
    s().updateQa(s().qa[0]!.id, { answer: '$1' });
    expect(await s().verify()).toMatchObject({ verified: true });
    s().unlockEdit();
    s().addBoxes([box('b2')]);
    s().updateBoxes([{ id: 'b1', patch: { transcription: 'typo' } }], { coalesceKey: 'transcription:b1' });
    await s().flush();
    expect(await saved()).toMatchObject({ version: 2, status: 'draft' });
    s().undo();
    await s().flush();
    expect(s().status).toBe('draft'); // one edit still there
    s().undo();
    await s().flush();
    expect(s()).toMatchObject({ status: 'verified', version: 1 });
    expect(await saved()).toMatchObject({ status: 'verified', version: 1 });
    expect((await saved()).boxes.map((b) => b.id)).toEqual(['b1']);
    // Redo makes the edit again: a new draft version 2, saved.
    s().redo();
    await s().flush();
    expect(await saved()).toMatchObject({ status: 'draft', version: 2 });
    expect((await saved()).boxes.map((b) => b.id)).toEqual(['b1', 'b2']);
  });

  it('a drawn box’s reading joins its drawing: one undo takes the box with its text and snap', async () => {
    const store = createAnnotationStore(api());
    await store.getState().load(projectId, documentId);
    const s = () => store.getState();
    s().addBoxes([box('b0')]);
    const drawn = { x: 10.5, y: 20.25, w: 100, h: 30 };
    s().addBoxes([box('b1')]);
    expect(s().fillDrawnBox('b1', drawn, { transcription: 'Total 42.00', rect: { x: 14, y: 24, w: 80, h: 20 } })).toBe(true);
    expect(s().boxes.b1).toMatchObject({ transcription: 'Total 42.00', x: 14, y: 24, w: 80, h: 20 });
    await s().flush();
    expect((await saved()).boxes.find((b) => b.id === 'b1')).toMatchObject({ transcription: 'Total 42.00', x: 14, w: 80 });
    s().undo(); // the drawing, reading and all
    expect(s().boxes.b1).toBeUndefined();
    expect(s().boxes.b0).toBeDefined();
    s().redo();
    expect(s().boxes.b1).toMatchObject({ transcription: 'Total 42.00', x: 14, y: 24, w: 80, h: 20 });
    await s().flush();
    expect((await saved()).boxes.map((b) => b.id)).toEqual(['b0', 'b1']);
  });

  it('a label given before the reading arrives keeps its own undo step, with the text in both states', async () => {
    const store = createAnnotationStore(api());
    await store.getState().load(projectId, documentId);
    const s = () => store.getState();
    const drawn = { x: 10.5, y: 20.25, w: 100, h: 30 };
    s().addBoxes([box('b1')]);
    s().updateBoxes([{ id: 'b1', patch: { label: 'date' } }]);
    expect(s().fillDrawnBox('b1', drawn, { transcription: '2026-01-31', rect: { x: 12, y: 22, w: 90, h: 24 } })).toBe(true);
    s().undo(); // the label
    expect(s().boxes.b1).toMatchObject({ label: 'total', transcription: '2026-01-31', x: 12, w: 90 });
    s().undo(); // the drawing
    expect(s().boxes.b1).toBeUndefined();
    s().redo();
    s().redo();
    expect(s().boxes.b1).toMatchObject({ label: 'date', transcription: '2026-01-31', x: 12, w: 90 });
  });

  it('a reading leaves alone a box moved, typed into or deleted meanwhile, and a verified document', async () => {
    const store = createAnnotationStore(api());
    await store.getState().load(projectId, documentId);
    const s = () => store.getState();
    const drawn = { x: 10.5, y: 20.25, w: 100, h: 30 };
    const reading = { transcription: 'Read', rect: { x: 12, y: 22, w: 90, h: 24 } };
    s().addBoxes([box('moved'), box('typed'), box('gone')]);
    s().updateBoxes([{ id: 'moved', patch: { x: 50 } }]);
    s().updateBoxes([{ id: 'typed', patch: { transcription: 'Mine' } }], { coalesceKey: 'transcription:typed' });
    s().deleteBoxes(['gone']);
    expect(s().fillDrawnBox('moved', drawn, reading)).toBe(false);
    expect(s().fillDrawnBox('gone', drawn, reading)).toBe(false);
    // Typed text stays; the box still hugs its ink.
    expect(s().fillDrawnBox('typed', drawn, reading)).toBe(true);
    expect(s().boxes.typed).toMatchObject({ transcription: 'Mine', x: 12, w: 90 });
    expect(s().boxes.moved).toMatchObject({ transcription: '', x: 50 });

    // Verified while the reading was on its way: the document is read-only and stays as verified.
    s().addBoxes([box('late')]);
    s().updateQa(s().qa[0]!.id, { answer: '$1' });
    expect(await s().verify()).toMatchObject({ verified: true });
    const nudges = s().readOnlyNudge;
    expect(s().fillDrawnBox('late', drawn, reading)).toBe(false);
    expect(s().boxes.late).toMatchObject({ transcription: '', x: 10.5 });
    expect(s().readOnlyNudge).toBe(nudges); // nothing the person did was refused
    // After Edit the reading is an edit of its own, undone alone back to the verified version.
    s().unlockEdit();
    expect(s().fillDrawnBox('late', drawn, reading)).toBe(true);
    await s().flush();
    expect(await saved()).toMatchObject({ status: 'draft', version: 2 });
    s().undo();
    await s().flush();
    expect(s().boxes.late).toMatchObject({ transcription: '', x: 10.5 });
    expect(await saved()).toMatchObject({ status: 'verified', version: 1 });
  });

  it('never gives a box a label outside the project set, and does not retry a save the core refuses', async () => {
    const store = createAnnotationStore(api());
    await store.getState().load(projectId, documentId);
    const s = () => store.getState();
    s().setLabelSet(['total', 'date']);
    s().addBoxes([box('b1', { label: 'vendor' }), box('b2')]);
    expect(s().boxes.b1!.label).toBeNull();
    s().updateBoxes([{ id: 'b2', patch: { label: 'vendor' } }]);
    expect(s().boxes.b2!.label).toBe('total');
    await s().flush();
    // The project loses "total" elsewhere: the next save of b2 is refused, once, and shown.
    await core.api['projects.update']({ projectId, labels: [{ name: 'date', color: '#00ff00' }] });
    let calls = 0;
    const real = api();
    const counting = { ...real, 'annotations.save': (req: Parameters<typeof real['annotations.save']>[0]) => (calls++, real['annotations.save'](req)) };
    const second = createAnnotationStore(counting);
    await second.getState().load(projectId, documentId);
    second.getState().updateBoxes([{ id: 'b2', patch: { x: 1 } }]);
    await second.getState().flush();
    expect(second.getState().saveState).toBe('refused');
    expect(second.getState().saveRefusal).toMatchObject({ boxId: 'b2', qaId: null, message: expect.stringContaining('"total", which is not in this project') as string });
    await new Promise((r) => setTimeout(r, 1_500));
    expect(calls).toBe(1);
    // The fix is the next edit: it sends everything still unsaved.
    second.getState().updateBoxes([{ id: 'b2', patch: { label: 'date' } }]);
    await second.getState().flush();
    expect(second.getState().saveState).toBe('saved');
    expect((await saved()).boxes.find((b) => b.id === 'b2')).toMatchObject({ x: 1, label: 'date' });
  });

  it('keeps unsaved edits when a save fails and sends them when the host is back', async () => {
    let fail = true;
    const real = api();
    const flaky = {
      ...real,
      'annotations.save': async (req: Parameters<typeof real['annotations.save']>[0]) => {
        if (fail) throw Object.assign(new Error('Lost the connection to Folio; retrying.'), { code: 'unavailable', retryable: true });
        return real['annotations.save'](req);
      },
    };
    const store = createAnnotationStore(flaky);
    await store.getState().load(projectId, documentId);
    store.getState().addBoxes([box('b1')]);
    await store.getState().flush();
    expect(store.getState().saveState).toBe('error');
    fail = false;
    await new Promise((r) => setTimeout(r, 700));
    await store.getState().flush();
    expect((await saved()).boxes.map((b) => b.id)).toEqual(['b1']);
    expect(store.getState().saveState).toBe('saved');
  });
});
