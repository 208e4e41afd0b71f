import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import { openDatabase } from '../../src/main/core/db/open';
import { setDocType } from '../../src/main/core/db/repos/documents';
import { createAnnotationStore } from '../../src/renderer/src/annotate/store';
import { createApiClient, createDispatcher } from '../../src/shared/contract/rpc';
import type { Box, DocType, Project, QaPair } from '../../src/shared/domain/model';
import { templateQaId } from '../../src/shared/domain/templateQuestions';
import { openTestCore, tempDir } from '../helpers/core';
import { versionOf } from '../helpers/formats';
import { addDocuments } from '../helpers/sync';

/**
 * Document types and the template questions that fit them, on real SQLite through the contract:
 * which questions a document is asked, what verify insists on, line-item questions and their ids,
 * what an older database becomes, and expanded questions through export and import.
 */

const LABELS = [
  { name: 'total', color: '#911eb4' },
  { name: 'invoice_number', color: '#4363d8' },
  { name: 'receipt_number', color: '#ff69b4' },
  { name: 'line_item_description', color: '#00a8c6' },
  { name: 'line_item_amount', color: '#8fbc1e' },
];
const TEMPLATES = [
  { text: 'What is the total amount?', required: true },
  { text: 'What is the invoice number?', required: true, kinds: ['invoice' as const] },
  { text: 'What is the receipt number?', required: true, kinds: ['receipt' as const] },
  { text: 'What is the payment method?', required: false, kinds: ['receipt' as const] },
  { text: 'What is the amount for "{line_item_description}"?', required: true },
];

let dir: ReturnType<typeof tempDir>;
let core: Core;
let project: Project;
let documentId: string;
let pageId: string;

/** Through the dispatcher, as the renderer calls it: requests and responses checked against the contract. */
const api = () => createApiClient(createDispatcher(core.api));
const tpl = (text: string) => project.questions.find((q) => q.text === text)!;
const get = () => api()['annotations.get']({ projectId: project.id, documentId });
const setType = (docType: DocType | null) => api()['documents.setType']({ projectId: project.id, documentId, docType });
const box = (id: string, label: string, transcription: string, y = 10): Box => ({ id, pageId, label, x: 10, y, w: 50, h: 12, transcription, locked: false, hidden: false, originPredictionId: null });
async function save(patch: { upsertBoxes?: Box[]; deleteBoxIds?: string[]; upsertQa?: QaPair[] }) {
  const { revision } = await get();
  return api()['annotations.save']({ projectId: project.id, documentId, baseRevision: revision, ...patch });
}
async function answer(id: string, patch: Partial<QaPair>) {
  const q = (await get()).qa.find((x) => x.id === id);
  if (!q) throw new Error(`no question ${id}`);
  return save({ upsertQa: [{ ...q, ...patch }] });
}
// Questions only: a page with no boxes is meant here (verify would otherwise ask about it).
const verify = () => api()['annotations.verify']({ projectId: project.id, documentId, acknowledge: ['no_boxes'] });
const problemIds = (r: Awaited<ReturnType<typeof verify>>) => (r.result === 'refused' ? r.problems.map((p) => (p.kind === 'unanswered_question' ? p.qaId : p.boxId)) : []);

beforeEach(async () => {
  dir = tempDir();
  core = await openTestCore(join(dir.path, 'data'));
  await core.api['settings.update']({ annotatorName: 'Ada' });
  project = await api()['projects.create']({ name: 'Kinds', labels: LABELS, questions: TEMPLATES });
  const [doc] = await addDocuments(core, project.id, { count: 1, seed: 3 });
  documentId = doc!.documentId;
  pageId = doc!.pageId;
});
afterEach(async () => {
  await core.close();
  dir.cleanup();
});

describe('document types', () => {
  it('asks a document of no type only the "any" questions, each type its own, and verify needs only those that are asked and required', async () => {
    expect(project.questions.map((q) => q.kinds)).toEqual([[], ['invoice'], ['receipt'], ['receipt'], []]);
    expect((await get()).qa.map((q) => q.question)).toEqual(['What is the total amount?']);
    expect(problemIds(await verify())).toEqual([templateQaId(tpl('What is the total amount?').id)]);

    expect(await setType('invoice')).toMatchObject({ id: documentId, docType: 'invoice' });
    expect((await api()['documents.get']({ projectId: project.id, documentId })).docType).toBe('invoice');
    expect((await get()).qa.map((q) => q.question)).toEqual(['What is the total amount?', 'What is the invoice number?']);
    expect(problemIds(await verify())).toEqual([templateQaId(tpl('What is the total amount?').id), templateQaId(tpl('What is the invoice number?').id)]);

    await answer(templateQaId(tpl('What is the total amount?').id), { answer: '$10.00' });
    await answer(templateQaId(tpl('What is the invoice number?').id), { answer: 'INV-7' });
    expect(await verify()).toMatchObject({ result: 'verified', version: 1 });

    // Now it is a receipt: its questions are asked, the invoice number's answer is kept, not asked and not needed.
    await setType('receipt');
    const asReceipt = (await get()).qa;
    expect(asReceipt.map((q) => [q.question, q.answer])).toEqual([
      ['What is the total amount?', '$10.00'],
      ['What is the receipt number?', ''],
      ['What is the payment method?', ''],
      ['What is the invoice number?', 'INV-7'],
    ]);
    await answer(templateQaId(tpl('What is the total amount?').id), { answer: '$10.50' }); // a new draft
    // The payment method is optional and the kept invoice number is not asked: only the receipt number is missing.
    expect(problemIds(await verify())).toEqual([templateQaId(tpl('What is the receipt number?').id)]);
    await answer(templateQaId(tpl('What is the receipt number?').id), { unanswerable: true });
    expect(await verify()).toMatchObject({ result: 'verified', version: 2 });
    const ada = (core.db.prepare("SELECT id FROM annotators WHERE name = 'Ada'").get() as { id: string }).id;
    const v2 = await versionOf(core, project.id, documentId, ada);
    expect(v2!.qa.find((q) => q.id === templateQaId(tpl('What is the invoice number?').id))).toMatchObject({ answer: 'INV-7' });

    // The list shows it and filters by it.
    const list = await api()['documents.list']({ projectId: project.id, docType: 'receipt' });
    expect(list.items.map((d) => [d.id, d.docType])).toEqual([[documentId, 'receipt']]);
    expect(list.typeCounts).toEqual({ invoice: 0, receipt: 1, form: 0, none: 0 });
    expect((await api()['documents.list']({ projectId: project.id, docType: 'none' })).total).toBe(0);
  });

  it('refuses a type that is not one, naming the field, and changes nothing', async () => {
    await expect(api()['documents.setType']({ projectId: project.id, documentId, docType: 'letter' as DocType })).rejects.toMatchObject({
      code: 'invalid_request',
      message: 'documents.setType: docType: must be "invoice", "receipt" or "form"',
    });
    await expect(api()['documents.list']({ projectId: project.id, docType: 'memo' as DocType })).rejects.toMatchObject({
      message: 'documents.list: docType: must be "invoice", "receipt", "form" or "none" (type not set)',
    });
    await expect(api()['documents.setType']({ projectId: project.id, documentId: 'nope', docType: 'form' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      api()['projects.update']({ projectId: project.id, questions: [{ text: 'Who?', kinds: ['invoice', 'invoice'] }] }),
    ).rejects.toMatchObject({ message: 'projects.update: questions[0].kinds: lists a document type twice' });
    await expect(api()['projects.update']({ projectId: project.id, questions: [{ text: 'Who?', kinds: ['letter' as DocType] }] })).rejects.toMatchObject({
      message: 'projects.update: questions[0].kinds[0]: must be "invoice", "receipt" or "form"',
    });
    expect((await api()['documents.get']({ projectId: project.id, documentId })).docType).toBeNull();
  });

  it('keeps the annotator\'s type over an import\'s and pre-annotation\'s, and lets them fill it in once cleared', async () => {
    const where = [core.db, project.id, documentId] as const;
    expect(setDocType(...where, 'form', 'model')).toBe(true);
    expect(setDocType(...where, 'invoice', 'model')).toBe(true); // a later run may correct an earlier one
    expect(setDocType(...where, 'receipt', 'import')).toBe(true);
    expect(setDocType(...where, 'form', 'model')).toBe(false); // pre-annotation never overrides an import
    await setType('invoice');
    expect(setDocType(...where, 'receipt', 'import')).toBe(false);
    expect(setDocType(...where, 'receipt', 'model')).toBe(false);
    expect((await api()['documents.get']({ projectId: project.id, documentId })).docType).toBe('invoice');
    await setType(null);
    expect(setDocType(...where, 'form', 'model')).toBe(true);
    expect((await api()['documents.get']({ projectId: project.id, documentId })).docType).toBe('form');
  });
});

describe('line-item questions', () => {
  it('are asked once per description box, keep their ids through text edits and versions, and are kept when the box goes', async () => {
    const amount = tpl('What is the amount for "{line_item_description}"?');
    const total = templateQaId(tpl('What is the total amount?').id);
    // No line items yet: the template is not asked at all (never with a literal "{…}").
    expect((await get()).qa.map((q) => q.question)).toEqual(['What is the total amount?']);

    await save({
      upsertBoxes: [box('d1', 'line_item_description', 'Widget', 10), box('a1', 'line_item_amount', '$5.00', 10), box('d2', 'line_item_description', 'Gadget', 30), box('d3', 'line_item_description', '', 50)],
    });
    const w = templateQaId(amount.id, 'd1');
    const g = templateQaId(amount.id, 'd2');
    let qa = (await get()).qa;
    expect(qa.map((q) => [q.id, q.question])).toEqual([
      [total, 'What is the total amount?'],
      [w, 'What is the amount for "Widget"?'],
      [g, 'What is the amount for "Gadget"?'],
    ]);
    expect(qa.every((q) => q.id.length <= 64 && !q.question.includes('{'))).toBe(true);

    await answer(w, { answer: '$5.00', evidenceBoxIds: ['a1'] });
    // The description is corrected: the same question (same id, same answer), reading the new text.
    await save({ upsertBoxes: [box('d1', 'line_item_description', 'Widget XL', 10)] });
    qa = (await get()).qa;
    expect(qa.find((q) => q.id === w)).toMatchObject({ question: 'What is the amount for "Widget XL"?', answer: '$5.00', evidenceBoxIds: ['a1'], templateId: amount.id });

    // Required line-item questions are required one by one.
    expect(problemIds(await verify())).toEqual([total, g]);
    await answer(total, { answer: '$5.00' });
    await answer(g, { unanswerable: true });
    expect(await verify()).toMatchObject({ result: 'verified', version: 1 });
    const ada = (core.db.prepare("SELECT id FROM annotators WHERE name = 'Ada'").get() as { id: string }).id;
    const v1 = await versionOf(core, project.id, documentId, ada);
    expect(v1!.qa.find((q) => q.id === w)).toMatchObject({ question: 'What is the amount for "Widget XL"?', answer: '$5.00', source: 'template', templateId: amount.id });

    // Version 2 starts from version 1: the line item keeps its question. Its box is deleted: the answer
    // is kept (after the rest) and no longer needed; the unanswered one of a deleted box simply goes.
    await save({ deleteBoxIds: ['d1'] });
    qa = (await get()).qa;
    expect(qa.map((q) => q.id)).toEqual([total, g, w]);
    expect(qa.at(-1)).toMatchObject({ id: w, answer: '$5.00' });
    expect(await verify()).toMatchObject({ result: 'verified', version: 2 });
    await save({ upsertBoxes: [box('d4', 'line_item_description', 'Bolt', 70)] });
    expect(problemIds(await verify())).toEqual([templateQaId(amount.id, 'd4')]);
  });

  it('refuses a template whose placeholder names no label, and a label change that would leave one so, saying which', async () => {
    await expect(api()['projects.update']({ projectId: project.id, questions: [...project.questions, { text: 'What is the price of "{item}"?' }] })).rejects.toMatchObject({
      code: 'invalid_request',
      message: expect.stringMatching(/^questions\[5\]\.text: \{item\} is not a label of this project; .* \(question "What is the price of "\{item\}"\?"\)$/),
    });
    await expect(api()['projects.update']({ projectId: project.id, labels: LABELS.filter((l) => l.name !== 'line_item_description') })).rejects.toMatchObject({
      message: expect.stringMatching(/^labels: question 5 \("What is the amount for "\{line_item_description\}"\?"\) names a label this change removes or renames: \{line_item_description\} is not a label/),
    });
    expect((await api()['projects.get']({ projectId: project.id })).labels.map((l) => l.name)).toEqual(LABELS.map((l) => l.name));
  });
});

describe('an existing database', () => {
  it('migrates templates to "any document" with their required flags, and documents to no type', async () => {
    await core.close();
    const data = join(dir.path, 'old');
    const old = openDatabase(join(data, 'folio.db'), { targetVersion: 9 });
    old.exec(`
      INSERT INTO projects (id, name, created_at, updated_at) VALUES ('p1', 'Old', 't', 't');
      INSERT INTO question_templates (id, project_id, text, required, position) VALUES ('q1', 'p1', 'What is the total?', 1, 0), ('q2', 'p1', 'Who is the vendor?', 0, 1);
      INSERT INTO documents (id, kind, source_name, byte_size, page_count, created_at) VALUES ('d1', 'image', 'a.png', 10, 1, 't');
      INSERT INTO pages (id, document_id, page_number, width, height, thumbnail, levels) VALUES ('d1-p1', 'd1', 1, 100, 200, 'x', '[{"level":0,"scale":1,"width":100,"height":200,"path":"x"}]');
      INSERT INTO project_documents (project_id, document_id, status, added_at, position) VALUES ('p1', 'd1', 'in_progress', 't', 1);
    `);
    old.close();
    core = await openTestCore(data);
    await core.api['settings.update']({ annotatorName: 'Ada' });
    const migrated = await api()['projects.get']({ projectId: 'p1' });
    expect(migrated.questions.map(({ id, required, kinds }) => ({ id, required, kinds }))).toEqual([
      { id: 'q1', required: true, kinds: [] },
      { id: 'q2', required: false, kinds: [] },
    ]);
    expect((await api()['documents.list']({ projectId: 'p1' })).items.map((d) => [d.id, d.docType, d.status])).toEqual([['d1', null, 'in_progress']]);
    // Every template is still asked of every document, with the same ids as before.
    const state = await api()['annotations.get']({ projectId: 'p1', documentId: 'd1' });
    expect(state.qa.map((q) => q.id)).toEqual(['tpl:q1', 'tpl:q2']);
    expect(core.db.prepare("SELECT doc_type, doc_type_source FROM project_documents WHERE document_id = 'd1'").get()).toEqual({ doc_type: null, doc_type_source: null });
  });
});

describe('expanded questions through export and import', () => {
  it('exports the question as asked and imports it back as the same template question of the line item', async () => {
    const amount = tpl('What is the amount for "{line_item_description}"?');
    const total = templateQaId(tpl('What is the total amount?').id);
    await setType('invoice');
    await save({ upsertBoxes: [box('d1', 'line_item_description', 'Blue paint', 10), box('a1', 'line_item_amount', '$12.00', 10), box('t1', 'total', '$12.00', 60)] });
    await answer(total, { answer: '$12.00', evidenceBoxIds: ['t1'] });
    await answer(templateQaId(tpl('What is the invoice number?').id), { unanswerable: true });
    await answer(templateQaId(amount.id, 'd1'), { answer: '$12.00', evidenceBoxIds: ['a1'] });
    expect(await verify()).toMatchObject({ result: 'verified' });

    for (const format of ['jsonl', 'coco', 'labelstudio'] as const) {
      const out = join(dir.path, `export-${format}`);
      const job = await core.exporter.run({ projectId: project.id, format, out, images: 'copy' });
      expect(job.state).toBe('completed');
      const file = join(out, { jsonl: 'documents.jsonl', coco: 'annotations.json', labelstudio: 'tasks.json' }[format]);
      const text = readFileSync(file, 'utf8');
      expect(text, format).toContain('What is the amount for \\"Blue paint\\"?');
      expect(text, format).not.toContain('{line_item_description}');

      // Another installation with the same templates (other ids) and the same document, typed as an invoice.
      const target = await openTestCore(join(dir.path, `target-${format}`));
      try {
        const targetApi = createApiClient(createDispatcher(target.api));
        const p = await targetApi['projects.create']({ name: 'Kinds', labels: LABELS, questions: TEMPLATES });
        await addDocuments(target, p.id, { count: 1, seed: 3 });
        await targetApi['documents.setType']({ projectId: p.id, documentId, docType: 'invoice' });
        const imported = await target.annotationsImport.run({ projectId: p.id, format, file });
        expect(imported.problems.filter((x) => x.severity === 'error'), format).toEqual([]);
        expect(imported.documents, format).toEqual({ imported: 1, unchanged: 0, skipped: 0 });
        const who = (target.db.prepare("SELECT id FROM annotators WHERE name = 'Ada'").get() as { id: string }).id;
        const got = await versionOf(target, p.id, documentId, who);
        const targetAmount = p.questions.find((q) => q.text === amount.text)!;
        expect(got!.qa.find((q) => q.question === 'What is the amount for "Blue paint"?'), format).toMatchObject({
          id: templateQaId(targetAmount.id, 'd1'),
          source: 'template',
          templateId: targetAmount.id,
          answer: '$12.00',
          evidenceBoxIds: ['a1'],
        });
        // What Ada's work looks like there: the same line item's question, answered.
        const state = target.annotations.get(p.id, documentId, { id: who, name: 'Ada' });
        expect(state.qa.find((q) => q.id === templateQaId(targetAmount.id, 'd1'))).toMatchObject({ answer: '$12.00' });
      } finally {
        await target.close();
      }
    }
  });
});

describe("the annotation view's store", () => {
  it('asks line-item questions as boxes are drawn and typed, follows the type keeping answers, agrees with the core, and accepts a model answer into the expanded question', async () => {
    const amount = tpl('What is the amount for "{line_item_description}"?');
    const invoiceNo = templateQaId(tpl('What is the invoice number?').id);
    const store = createAnnotationStore(api());
    const s = () => store.getState();
    const texts = () => s().qa.map((q) => q.question);
    await s().load(project.id, documentId);
    s().setQuestionContext({ documentId, templates: project.questions, docType: null });
    expect(texts()).toEqual(['What is the total amount?']);

    s().addBoxes([box('d1', 'line_item_description', '')]);
    expect(texts()).toEqual(['What is the total amount?']); // no text yet: not asked
    s().updateBoxes([{ id: 'd1', patch: { transcription: 'Widget' } }]);
    expect(texts()).toEqual(['What is the total amount?', 'What is the amount for "Widget"?']);
    s().updateQa(templateQaId(amount.id, 'd1'), { answer: '$5.00' });

    await setType('invoice');
    s().setQuestionContext({ documentId, templates: project.questions, docType: 'invoice' });
    expect(texts()).toEqual(['What is the total amount?', 'What is the invoice number?', 'What is the amount for "Widget"?']);
    expect([...s().questionInfo.required]).toEqual([templateQaId(tpl('What is the total amount?').id), invoiceNo, templateQaId(amount.id, 'd1')]);
    s().updateQa(invoiceNo, { answer: 'INV-1' });

    await setType('receipt');
    s().setQuestionContext({ documentId, templates: project.questions, docType: 'receipt' });
    expect(s().qa.map((q) => [q.question, q.answer])).toEqual([
      ['What is the total amount?', ''],
      ['What is the receipt number?', ''],
      ['What is the payment method?', ''],
      ['What is the amount for "Widget"?', '$5.00'],
      ['What is the invoice number?', 'INV-1'],
    ]);
    expect([...s().questionInfo.kept]).toEqual([invoiceNo]);
    // Deleting a box's text: its answered question is kept too, and comes back with the text; undo is one step.
    s().updateBoxes([{ id: 'd1', patch: { transcription: '' } }]);
    expect(s().questionInfo.kept.has(templateQaId(amount.id, 'd1'))).toBe(true);
    s().undo();
    expect(s().questionInfo.kept.has(templateQaId(amount.id, 'd1'))).toBe(false);

    // What the store shows is what the core says, through the one rule both use.
    await s().flush();
    const fromCore = (await get()).qa;
    expect(fromCore.map((q) => [q.id, q.question, q.answer])).toEqual(s().qa.map((q) => [q.id, q.question, q.answer]));

    // A model's answer to a line item it also found lands in that item's question.
    const now = new Date().toISOString();
    const insert = core.db.prepare(
      "INSERT INTO predictions (id, project_id, document_id, page_id, model, kind, label, x, y, w, h, transcription, question, answer, evidence, confidence, created_at) VALUES (?, ?, ?, ?, 'sim', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    insert.run('pb', project.id, documentId, pageId, 'box', 'line_item_description', 10, 40, 60, 12, 'Gadget', null, null, null, 0.95, now);
    insert.run('pq', project.id, documentId, null, 'qa', null, null, null, null, null, null, 'what is the amount for "gadget"?', '$7.00', '["pb"]', 0.9, now);
    await s().load(project.id, documentId);
    s().acceptPredictions(['pq']);
    const gadgetBox = s().order.map((id) => s().boxes[id]!).find((b) => b.originPredictionId === 'pb')!;
    expect(s().qa.find((q) => q.id === templateQaId(amount.id, gadgetBox.id))).toMatchObject({
      question: 'What is the amount for "Gadget"?',
      answer: '$7.00',
      source: 'template',
      templateId: amount.id,
      originPredictionId: 'pq',
      evidenceBoxIds: [gadgetBox.id],
    });
    expect(s().qa.filter((q) => q.source === 'model')).toEqual([]);
    s().undo();
    expect(texts()).not.toContain('What is the amount for "Gadget"?');
  });
});
