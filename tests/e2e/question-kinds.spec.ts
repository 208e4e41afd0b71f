import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SYNTH_LABELS, SYNTH_TEMPLATES } from '../../src/main/core/synth';
import { generatePage } from '../../src/main/core/synth';
import type { Box, DocType } from '../../src/shared/domain/model';
import { createProject, enterName, expect, openFolio, test } from './fixtures';
import { openDocument, qaCard, row, saved, waitSaved } from './panelsSetup';
import { callHost, importAndWait } from './rpc';
import type { Page } from '@playwright/test';

/**
 * Template questions that fit the document: its type decides which templates are asked, a
 * `{label}` template is asked once per box of that label, and verify needs only what is asked.
 */

/** The demo's plain questions for a type, in template order (line-item ones need boxes). */
const plainQuestions = (docType: DocType) =>
  SYNTH_TEMPLATES.filter((t) => !t.text.includes('{') && (t.kinds.length === 0 || t.kinds.includes(docType))).map((t) => t.text);
const requiredQuestions = (docType: DocType) =>
  SYNTH_TEMPLATES.filter((t) => t.required && !t.text.includes('{') && (t.kinds.length === 0 || t.kinds.includes(docType))).map((t) => t.text);

const questionTexts = (page: Page) => page.getByTestId('qa-card').getByTestId('qa-question').allTextContents();

test('the demo: an invoice is asked only invoice questions, the type changes them, verify needs only those asked and required', async ({ page, host }) => {
  test.setTimeout(300_000); // the demo is generated and imported on the spot
  await openFolio(page, host);
  await enterName(page, 'Kim');
  await page.getByTestId('open-demo').click();
  await expect(page.getByTestId('document-list')).toBeVisible({ timeout: 200_000 });

  // Open an invoice (the generator names its files after what they are).
  const cards = page.getByTestId('document-card');
  await cards.filter({ has: page.getByTestId('document-name').getByText(/^invoice-/) }).first().click();

  // Only invoice questions (and those for every document), never a literal placeholder.
  await expect(page.getByTestId('annotation-side-panel')).toBeVisible();
  await page.getByTestId('panel-tab-questions').click();
  await expect(page.getByTestId('qa-card').first()).toBeVisible();
  expect((await questionTexts(page)).join('\n')).not.toContain('{');
  await expect.poll(() => questionTexts(page)).toEqual(plainQuestions('invoice'));
  const type = page.getByTestId('doc-type-select');
  await expect(type).toHaveValue('invoice');
  expect(plainQuestions('invoice')).not.toContain('What is the receipt number?');
  for (const q of plainQuestions('invoice')) {
    await expect(qaCard(page, q).locator('.qa-source')).toHaveText(requiredQuestions('invoice').includes(q) ? 'Required' : 'Optional');
  }

  // Answer the invoice number, then say it is a receipt: the receipt's questions are asked, the answer is kept apart.
  await qaCard(page, 'What is the invoice number?').getByTestId('qa-answer').fill('INV-0001');
  await type.selectOption('receipt');
  await expect.poll(() => page.getByTestId('qa-list').locator('[data-testid="qa-card"]:not([data-kept])').getByTestId('qa-question').allTextContents()).toEqual(plainQuestions('receipt'));
  await expect(page.getByTestId('qa-kept-section').getByTestId('qa-card')).toHaveCount(1);
  await expect(page.getByTestId('qa-kept-section').getByTestId('qa-answer')).toHaveValue('INV-0001');

  // Verify asks only for the receipt's required questions.
  await page.getByTestId('verify-button').click();
  const problems = page.getByTestId('verify-problem');
  await expect(problems).toHaveCount(requiredQuestions('receipt').length);
  for (const q of requiredQuestions('receipt')) await expect(problems.filter({ hasText: q })).toHaveCount(1);
  await page.getByTestId('verify-problems-close').click();
  for (const q of requiredQuestions('receipt')) await qaCard(page, q).getByTestId('qa-unanswerable').check();
  await page.getByTestId('verify-button').click();
  // The page has no boxes: verify asks once.
  await page.getByTestId('verify-confirm-ok').click();
  await expect(page.getByTestId('annotation-status')).toHaveAttribute('data-status', 'verified');

  // Every demo document has its type from the generator, and this one is now a receipt: the list shows and filters by it.
  await page.getByTestId('back-to-list').click();
  const filter = page.getByTestId('filter-doc-type');
  await expect(filter.locator('option[value="none"]')).toHaveText('Not set (0)');
  await filter.selectOption('invoice');
  await expect(cards.first()).toBeVisible();
  const invoices = await cards.count();
  await expect(cards.getByTestId('document-name')).toHaveText(Array.from({ length: invoices }, () => /^invoice-/));
  await expect(cards.getByTestId('document-type')).toHaveText(Array.from({ length: invoices }, () => 'Invoice · '));
  await filter.selectOption('receipt');
  // The list reloads with the filter: every card a receipt, one of them the invoice typed so.
  await expect.poll(async () => new Set(await cards.getByTestId('document-type').allTextContents())).toEqual(new Set(['Receipt · ']));
  await expect(cards.filter({ has: page.getByTestId('document-name').getByText(/^invoice-/) }).getByTestId('document-type')).toHaveText('Receipt · ');
});

const AMOUNT = 'What is the amount for "{line_item_description}"?';

async function lineItemProject(page: Page, host: Parameters<typeof createProject>[1]) {
  const projectId = await createProject(page, host, 'Line items');
  await callHost(host, 'projects.update', {
    projectId,
    labels: SYNTH_LABELS.map((l) => ({ name: l.name, color: l.color, hotkey: l.hotkey as '1' | null })),
    questions: [
      { text: 'What is the total amount?', required: true },
      { text: 'What is the invoice number?', required: true, kinds: ['invoice'] },
      { text: AMOUNT, required: false },
    ],
  });
  const { png, truth } = await generatePage(8080, 0, { kind: 'invoice', width: 1000, height: 1300 });
  const file = join(host.dataDir, 'invoice.png');
  await writeFile(file, png);
  expect((await importAndWait(host, projectId, [file])).failed).toEqual([]);
  const documentId = (await callHost(host, 'documents.list', { projectId })).items[0]!.id;
  const pageId = (await callHost(host, 'documents.get', { projectId, documentId })).pages[0]!.id;
  const descriptions = truth.boxes.filter((b) => b.label === 'line_item_description').slice(0, 2);
  const boxes: Box[] = descriptions.map((b, i) => ({ id: `desc-${i}`, pageId, label: b.label, x: b.x, y: b.y, w: b.width, h: b.height, transcription: b.text, locked: false, hidden: false, originPredictionId: null }));
  await callHost(host, 'annotations.save', { projectId, documentId, baseRevision: 0, upsertBoxes: boxes });
  return { projectId, documentId, descriptions: descriptions.map((d) => d.text) };
}

test('line-item questions follow the boxes as they are typed, and the type is set from the keyboard', async ({ page, host }) => {
  const s = await lineItemProject(page, host);
  await openDocument(page, host, s);
  await page.getByTestId('panel-tab-questions').click();

  // No type yet: the questions for every document, one per line item, and a prompt to choose the type.
  const amountFor = (d: string) => `What is the amount for "${d}"?`;
  await expect.poll(() => questionTexts(page)).toEqual(['What is the total amount?', ...s.descriptions.map(amountFor)]);
  await expect(page.getByTestId('qa-type-prompt')).toBeVisible();

  // Keyboard only: to the type control, then choose Invoice.
  const type = page.getByTestId('doc-type-select');
  await type.focus();
  await expect(type).toBeFocused();
  await page.keyboard.press('ArrowDown'); // Not set → Invoice
  await expect(type).toHaveValue('invoice');
  await expect.poll(() => questionTexts(page)).toEqual(['What is the total amount?', 'What is the invoice number?', ...s.descriptions.map(amountFor)]);
  await expect(page.getByTestId('qa-type-prompt')).toHaveCount(0);
  await expect.poll(async () => (await callHost(host, 'documents.get', { projectId: s.projectId, documentId: s.documentId })).docType).toBe('invoice');

  // Answer the first line item, then correct its description in the Regions panel: same question, new words, answer kept.
  await qaCard(page, amountFor(s.descriptions[0]!)).getByTestId('qa-answer').fill('$12.00');
  await page.getByTestId('panel-tab-regions').click();
  await row(page, 'desc-0').getByTestId('region-transcription').fill('Corrected item');
  await page.getByTestId('panel-tab-questions').click();
  await expect(qaCard(page, amountFor('Corrected item')).getByTestId('qa-answer')).toHaveValue('$12.00');
  expect((await questionTexts(page)).join('\n')).not.toContain('{');
  await waitSaved(page);
  const state = await saved(host, s);
  expect(state.qa.find((q) => q.question === amountFor('Corrected item'))).toMatchObject({ answer: '$12.00', source: 'template' });

  // Verify needs the total and the invoice number (required), not the optional line items.
  await page.getByTestId('verify-button').click();
  await expect(page.getByTestId('verify-problem')).toHaveText([/What is the total amount\?/, /What is the invoice number\?/]);
});

test('project settings: the types a question is asked on and whether it is required, from the keyboard; a placeholder must name a label', async ({ page, host }) => {
  const projectId = await createProject(page, host, 'Kinds settings');
  await callHost(host, 'projects.update', { projectId, labels: [{ name: 'line_item_description', color: '#00a8c6' }], questions: [{ text: 'What is the total?', required: true }] });
  // The project page read the project before this update; open settings from a fresh read.
  await page.reload();
  await expect(page.getByTestId('project-title')).toHaveText('Kinds settings');
  await page.getByTestId('project-settings-link').click();
  const form = page.getByTestId('project-settings-form');
  const q = form.getByTestId('question-row').nth(0);
  await expect(q.getByTestId('question-kinds-summary')).toHaveText('every document');

  // Keyboard: from the question's text, Tab to Required (Space unticks it), then to Invoices and Receipts.
  await q.getByTestId('question-text').focus();
  await page.keyboard.press('Tab');
  await expect(q.getByTestId('question-required')).toBeFocused();
  await page.keyboard.press('Space');
  await expect(q.getByTestId('question-required')).not.toBeChecked();
  await q.getByTestId('question-kind-invoice').focus();
  await page.keyboard.press('Space');
  await page.keyboard.press('Tab');
  await expect(q.getByTestId('question-kind-receipt')).toBeFocused();
  await page.keyboard.press('Space');
  await expect(q.getByTestId('question-kinds-summary')).toHaveText('only invoices and receipts');

  // A placeholder that names no label is explained before saving.
  await form.getByTestId('add-question').click();
  const second = form.getByTestId('question-row').nth(1);
  await second.getByTestId('question-text').fill('What is the amount for "{item}"?');
  await expect(second.getByTestId('question-error')).toContainText('{item} is not a label of this project');
  await second.getByTestId('question-text').fill('What is the amount for "{line_item_description}"?');
  await expect(second.getByTestId('question-error')).toHaveCount(0);
  await expect(second.getByTestId('question-kinds-summary')).toHaveText('every document · once per “line_item_description” box');

  await form.getByTestId('project-settings-save').click();
  await expect(page.getByTestId('toast-success')).toContainText('saved');
  await page.reload();
  await expect(form.getByTestId('question-row').nth(0).getByTestId('question-kinds-summary')).toHaveText('only invoices and receipts');
  const project = await callHost(host, 'projects.get', { projectId });
  expect(project.questions.map(({ text, required, kinds }) => ({ text, required, kinds }))).toEqual([
    { text: 'What is the total?', required: false, kinds: ['invoice', 'receipt'] },
    { text: 'What is the amount for "{line_item_description}"?', required: false, kinds: [] },
  ]);
});
