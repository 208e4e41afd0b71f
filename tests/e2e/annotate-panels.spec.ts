import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Box } from '../../src/shared/domain/model';
import { multiPagePdf } from '../helpers/fixtures';
import { createProject, expect, openFolio, test } from './fixtures';
import { chipBoxIds, createDocument, openDocument, predictionRow, qaCard, QUESTIONS, row, saved, setUp, toScreen, waitSaved } from './panelsSetup';
import { callHost, importAndWait } from './rpc';
import { withToolbarControl } from './toolbar';

/**
 * The side panels of the annotation view, driven like an annotator drives them: regions,
 * questions with evidence, model predictions, verification, the label picker, the help overlay
 * and rebinding shortcuts. What they change is read back from the host, and a reload shows it.
 */

test('regions, questions with evidence, predictions and verify: every change is saved and a reload shows it', async ({ page, host }) => {
  const s = await setUp(page, host);
  await openDocument(page, host, s);
  const { vendor, total, invoiceNumber } = s.boxes;

  // --- Regions: every box, its label, transcription; search; transcribe through the panel.
  await expect(page.getByTestId('region-row')).toHaveCount(3);
  await expect(row(page, vendor.id).getByTestId('region-label')).toHaveValue('vendor');
  await expect(row(page, invoiceNumber.id).getByTestId('region-label')).toHaveValue('');
  await page.getByTestId('regions-search').fill(vendor.transcription.slice(0, 6).toLowerCase());
  await expect(page.getByTestId('region-row')).toHaveCount(1);
  await expect(page.getByTestId('regions-count')).toContainText('1 of 3');
  await page.getByTestId('regions-search').fill('');
  await page.getByTestId('regions-label-filter').selectOption({ label: 'No label' });
  await expect(page.getByTestId('region-row')).toHaveCount(1);
  await expect(page.getByTestId('region-row')).toHaveAttribute('data-box-id', invoiceNumber.id);
  await page.getByTestId('regions-label-filter').selectOption({ label: 'All labels' });
  await expect(page.getByTestId('region-row')).toHaveCount(3);

  const totalInput = row(page, total.id).getByTestId('region-transcription');
  await totalInput.click();
  // Focusing a region selects its box on the canvas.
  await expect(row(page, total.id)).toHaveAttribute('data-selected', 'true');
  await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-selected', '1');
  await totalInput.pressSequentially(s.texts.total);
  await expect(totalInput).toHaveValue(s.texts.total);
  await waitSaved(page);
  expect((await saved(host, s)).boxes.find((b) => b.id === total.id)?.transcription).toBe(s.texts.total);
  // Typing was one step: undo takes the whole transcription back, redo restores it.
  await totalInput.press('Escape');
  await withToolbarControl(page, 'undo', (button) => button.click());
  await expect(totalInput).toHaveValue('');
  await withToolbarControl(page, 'redo', (button) => button.click());
  await expect(totalInput).toHaveValue(s.texts.total);

  // --- Predictions: counts, the low-confidence filter, reject one, accept one.
  const predictions = page.getByTestId('predictions-section');
  await expect(predictions.getByTestId('predictions-counts')).toContainText('3 pending');
  await expect(predictions.getByTestId('predictions-low-count')).toHaveText('1 low');
  await expect(predictions.getByTestId('prediction-row')).toHaveCount(3);
  await predictions.getByTestId('predictions-low-only').check();
  await expect(predictions.getByTestId('prediction-row')).toHaveCount(1);
  await expect(predictionRow(page, s.predictions.dueDate)).toHaveAttribute('data-low', 'true');
  await expect(predictionRow(page, s.predictions.dueDate).getByTestId('prediction-confidence')).toHaveText('55%');
  await predictionRow(page, s.predictions.dueDate).getByTestId('prediction-reject').click();
  await expect(predictions.getByTestId('prediction-row')).toHaveCount(0);
  await predictions.getByTestId('predictions-low-only').uncheck();
  await expect(predictions.getByTestId('prediction-row')).toHaveCount(2);
  await predictionRow(page, s.predictions.date).getByTestId('prediction-accept').click();
  await expect(predictions.getByTestId('predictions-counts')).toContainText('1 pending');
  await expect(page.getByTestId('region-row')).toHaveCount(4);
  const accepted = page.getByTestId('region-row').filter({ has: page.getByTestId('region-model-origin') });
  await expect(accepted).toHaveCount(1);
  await expect(accepted.getByTestId('region-label')).toHaveValue('date');
  await expect(accepted.getByTestId('region-transcription')).toHaveValue(s.texts.date);
  const acceptedId = (await accepted.getAttribute('data-box-id'))!;

  // --- Questions: template questions, the model's proposal, answering with Enter.
  await page.getByTestId('panel-tab-questions').click();
  await expect(page.getByTestId('qa-card')).toHaveCount(3);
  await expect(qaCard(page, QUESTIONS[0]!)).toContainText('Required');
  await expect(qaCard(page, QUESTIONS[2]!)).toContainText('Optional');
  const proposed = page.getByTestId('qa-proposed');
  await expect(proposed).toHaveCount(1);
  await expect(proposed).toContainText('When was the invoice issued?');
  await proposed.getByTestId('qa-proposed-accept').click();
  await expect(proposed).toHaveCount(0);
  await expect(page.getByTestId('qa-card')).toHaveCount(4);
  const modelCard = page.getByTestId('qa-card').nth(3);
  await expect(modelCard).toContainText('Model');
  await expect(modelCard.getByTestId('qa-question-input')).toHaveValue('When was the invoice issued?');
  await expect(modelCard.getByTestId('qa-answer')).toHaveValue(s.texts.date);
  // Its evidence is the box accepted from the prediction it pointed at.
  expect(await chipBoxIds(modelCard)).toEqual([acceptedId]);

  const q1 = qaCard(page, QUESTIONS[0]!);
  const q2 = qaCard(page, QUESTIONS[1]!);
  await q1.getByTestId('qa-answer').fill(s.texts.total);
  await q1.getByTestId('qa-answer').press('Enter');
  // Enter confirms and moves on to the next question's answer.
  await expect(q2.getByTestId('qa-answer')).toBeFocused();
  await expect(q2).toHaveAttribute('data-active', 'true');
  await expect(q1.getByTestId('qa-answer')).toHaveValue(s.texts.total);

  // An annotator's own question: add, edit, delete.
  await page.getByTestId('qa-add-input').fill('Is the invoice stamped?');
  await page.getByTestId('qa-add').click();
  const mine = page.getByTestId('qa-card').nth(4);
  await expect(mine).toContainText('Yours');
  await expect(mine.getByTestId('qa-answer')).toBeFocused();
  await mine.getByTestId('qa-question-input').fill('Is the invoice signed?');
  await mine.getByTestId('qa-answer').fill('No');
  await expect(page.getByTestId('qa-card')).toHaveCount(5);

  // --- Evidence: select two boxes in the regions list, link them to the first question.
  await page.getByTestId('panel-tab-regions').click();
  await row(page, total.id).locator('.region-line').click({ position: { x: 200, y: 10 } });
  await row(page, vendor.id).locator('.region-line').click({ position: { x: 200, y: 10 }, modifiers: ['Shift'] });
  await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-selected', '2');
  await page.getByTestId('panel-tab-questions').click();
  await expect(q1.getByTestId('qa-link-selected')).toHaveText('Link selected (2)');
  await q1.getByTestId('qa-link-selected').click();
  expect(await chipBoxIds(q1)).toEqual([total.id, vendor.id]);
  // × unlinks; linking again adds only what is missing.
  await q1.locator(`[data-testid="evidence-chip"][data-box-id="${vendor.id}"]`).getByTestId('evidence-remove').click();
  expect(await chipBoxIds(q1)).toEqual([total.id]);
  await q1.getByTestId('qa-link-selected').click();
  expect(await chipBoxIds(q1)).toEqual([total.id, vendor.id]);
  // "Link evidence" on: clicking boxes on the page links them, clicking a linked one unlinks it.
  await modelCard.getByTestId('qa-link-toggle').click();
  await expect(modelCard.getByTestId('qa-link-toggle')).toHaveAttribute('aria-pressed', 'true');
  await expect(modelCard).toHaveAttribute('data-active', 'true');
  const vendorAt = await toScreen(page, vendor.x + vendor.w / 2, vendor.y + vendor.h / 2);
  await page.mouse.click(vendorAt.x, vendorAt.y);
  expect(await chipBoxIds(modelCard)).toEqual([acceptedId, vendor.id]);
  const acceptedBox = (await saved(host, s)).boxes.find((b) => b.id === acceptedId)!;
  const acceptedAt = await toScreen(page, acceptedBox.x + acceptedBox.w / 2, acceptedBox.y + acceptedBox.h / 2);
  await page.mouse.click(acceptedAt.x, acceptedAt.y);
  await expect(modelCard.getByTestId('evidence-chip')).toHaveCount(1);
  expect(await chipBoxIds(modelCard)).toEqual([vendor.id]);
  await modelCard.getByTestId('qa-link-toggle').click();
  await expect(modelCard.getByTestId('qa-link-toggle')).toHaveAttribute('aria-pressed', 'false');

  // The mine question is deleted again (template questions cannot be).
  await expect(q1.getByTestId('qa-delete')).toHaveCount(0);
  await mine.getByTestId('qa-delete').click();
  await expect(page.getByTestId('qa-card')).toHaveCount(4);
  await waitSaved(page);

  // --- Verify, refused: the unlabelled box and the unanswered required question are listed,
  // and the first is focused.
  await page.getByTestId('verify-button').click();
  const problems = page.getByTestId('verify-problems');
  await expect(problems).toBeVisible();
  await expect(problems.getByTestId('verify-problem')).toHaveCount(2);
  await expect(problems.getByTestId('verify-problem').nth(0)).toHaveAttribute('data-kind', 'unlabelled_box');
  await expect(problems.getByTestId('verify-problem').nth(1)).toHaveAttribute('data-kind', 'unanswered_question');
  await expect(problems.getByTestId('verify-problem').nth(1)).toContainText(QUESTIONS[1]!);
  await expect(page.getByTestId('panel-tab-regions')).toHaveAttribute('aria-selected', 'true');
  await expect(row(page, invoiceNumber.id).getByTestId('region-label')).toBeFocused();
  await expect(row(page, invoiceNumber.id)).toHaveAttribute('data-selected', 'true');
  await expect(page.getByTestId('annotation-status')).toHaveAttribute('data-status', 'draft');

  // The second problem takes us to the question's answer; mark it unanswerable.
  await problems.getByTestId('verify-problem').nth(1).click();
  await expect(q2.getByTestId('qa-answer')).toBeFocused();
  await q2.getByTestId('qa-unanswerable').check();
  await expect(q2.getByTestId('qa-answer')).toBeDisabled();
  await expect(problems.getByTestId('verify-problem').nth(1)).toHaveAttribute('data-resolved', 'true');
  // Back to the box: label it in its row.
  await problems.getByTestId('verify-problem').nth(0).click();
  await expect(row(page, invoiceNumber.id).getByTestId('region-label')).toBeFocused();
  await row(page, invoiceNumber.id).getByTestId('region-label').selectOption('invoice_number');
  await expect(problems.getByTestId('verify-problem').nth(0)).toHaveAttribute('data-resolved', 'true');
  await expect(problems).toContainText('Everything is fixed');

  // --- Verify, accepted.
  await problems.getByTestId('verify-again').click();
  await expect(problems).toHaveCount(0);
  await expect(page.getByTestId('annotation-status')).toHaveText('Verified v1');
  await expect(page.getByTestId('verify-button')).toBeDisabled();
  const final = await saved(host, s);
  expect(final.status).toBe('verified');

  // --- What was saved, exactly; and a reload shows it.
  const byId = new Map(final.boxes.map((b) => [b.id, b]));
  expect(final.boxes).toHaveLength(4);
  expect(byId.get(total.id)).toEqual({ ...total, transcription: s.texts.total });
  expect(byId.get(vendor.id)).toEqual(vendor);
  expect(byId.get(invoiceNumber.id)).toEqual({ ...invoiceNumber, label: 'invoice_number' });
  expect(byId.get(acceptedId)).toMatchObject({ label: 'date', transcription: s.texts.date, originPredictionId: s.predictions.date });
  const qa = new Map(final.qa.map((q) => [q.question, q]));
  expect(qa.get(QUESTIONS[0]!)).toMatchObject({ answer: s.texts.total, unanswerable: false, evidenceBoxIds: [total.id, vendor.id], source: 'template' });
  expect(qa.get(QUESTIONS[1]!)).toMatchObject({ answer: '', unanswerable: true });
  expect(qa.get('When was the invoice issued?')).toMatchObject({ answer: s.texts.date, source: 'model', originPredictionId: s.predictions.question, evidenceBoxIds: [vendor.id] });
  expect(qa.has('Is the invoice signed?')).toBe(false);
  expect(Object.fromEntries(final.predictions.map((p) => [p.id, p.status]))).toEqual({ 'pred-date': 'accepted', 'pred-due': 'rejected', 'pred-qa': 'accepted' });

  await page.reload();
  await expect(page.getByTestId('annotation-side-panel')).toBeVisible();
  await expect(page.getByTestId('annotation-status')).toHaveText('Verified v1');
  await expect(page.getByTestId('region-row')).toHaveCount(4);
  await expect(row(page, total.id).getByTestId('region-transcription')).toHaveValue(s.texts.total);
  await expect(row(page, invoiceNumber.id).getByTestId('region-label')).toHaveValue('invoice_number');
  await expect(page.getByTestId('predictions-counts')).toContainText('0 pending');
  await expect(page.getByTestId('prediction-row')).toHaveCount(0);
  await page.getByTestId('panel-tab-questions').click();
  await expect(page.getByTestId('qa-card')).toHaveCount(4);
  await expect(q1.getByTestId('qa-answer')).toHaveValue(s.texts.total);
  expect(await chipBoxIds(q1)).toEqual([total.id, vendor.id]);
  await expect(q2.getByTestId('qa-unanswerable')).toBeChecked();
  await expect(page.getByTestId('qa-proposed')).toHaveCount(0);
  await expect(page.getByTestId('qa-summary')).toHaveText(/3 of 4 answered/);
});

test('keyboard: label picker, question flow, help overlay', async ({ page, host }) => {
  const s = await setUp(page, host);
  await openDocument(page, host, s);
  const { vendor, invoiceNumber } = s.boxes;
  const clickRow = (boxId: string) => row(page, boxId).locator('.region-line').click({ position: { x: 200, y: 10 } });

  // L opens the picker for the selected box; typing searches, Enter applies the best match.
  await clickRow(invoiceNumber.id);
  await page.keyboard.press('l');
  const picker = page.getByTestId('label-picker');
  await expect(picker).toBeVisible();
  await expect(picker).toContainText('For 1 selected box');
  await expect(page.getByTestId('label-picker-search')).toBeFocused();
  await page.keyboard.type('invoice');
  await expect(picker.getByTestId('label-option').first()).toHaveAttribute('data-label', 'invoice_number');
  await page.keyboard.press('Enter');
  await expect(picker).toHaveCount(0);
  await expect(row(page, invoiceNumber.id).getByTestId('region-label')).toHaveValue('invoice_number');
  await expect(page.getByTestId('active-label')).toHaveText('invoice_number');

  // A label's number picks it; arrows and Enter pick from the list; Escape closes without change.
  await clickRow(vendor.id);
  await page.keyboard.press('l');
  await expect(picker).toBeVisible();
  await page.keyboard.press('5');
  await expect(picker).toHaveCount(0);
  await expect(row(page, vendor.id).getByTestId('region-label')).toHaveValue('total');
  await page.keyboard.press('l');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(picker.locator('.label-option.current')).toHaveAttribute('data-label', 'invoice_number');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Enter');
  await expect(row(page, vendor.id).getByTestId('region-label')).toHaveValue('vendor');
  await page.keyboard.press('l');
  await page.keyboard.type('zzz');
  await expect(picker).toContainText('No label matches');
  await page.keyboard.press('Escape');
  await expect(picker).toHaveCount(0);
  await expect(row(page, vendor.id).getByTestId('region-label')).toHaveValue('vendor');

  // Questions from the keyboard: Q answers the current one, Enter goes on, ] and [ move.
  await page.keyboard.press('q');
  await expect(page.getByTestId('panel-tab-questions')).toHaveAttribute('aria-selected', 'true');
  const cards = page.getByTestId('qa-card');
  await expect(cards.nth(0).getByTestId('qa-answer')).toBeFocused();
  await page.keyboard.type('58,497.01');
  await page.keyboard.press('Enter');
  await expect(cards.nth(1).getByTestId('qa-answer')).toBeFocused();
  await page.keyboard.type('Lumen');
  await page.keyboard.press('Escape');
  await expect(cards.nth(1).getByTestId('qa-answer')).not.toBeFocused();
  await page.keyboard.press(']');
  await expect(cards.nth(2)).toHaveAttribute('data-active', 'true');
  await page.keyboard.press(']');
  await expect(cards.nth(2)).toHaveAttribute('data-active', 'true');
  await page.keyboard.press('[');
  await page.keyboard.press('[');
  await expect(cards.nth(0)).toHaveAttribute('data-active', 'true');
  await page.keyboard.press('q');
  await expect(cards.nth(0).getByTestId('qa-answer')).toBeFocused();
  await expect(cards.nth(0).getByTestId('qa-answer')).toHaveValue('58,497.01');
  await page.keyboard.press('Escape');
  await waitSaved(page);
  const qa = (await saved(host, s)).qa;
  expect(qa.slice(0, 2).map((q) => q.answer)).toEqual(['58,497.01', 'Lumen']);

  // Predictions from the keyboard: pick one in the list, A accepts it, X rejects; the threshold is
  // editable and Shift+A accepts everything at or above it.
  await predictionRow(page, s.predictions.date).click();
  await expect(predictionRow(page, s.predictions.date)).toHaveClass(/selected/);
  await page.keyboard.press('a');
  await expect(predictionRow(page, s.predictions.date)).toHaveCount(0);
  await expect(page.getByTestId('panel-tab-regions')).toContainText('4');
  await predictionRow(page, s.predictions.dueDate).click();
  await page.keyboard.press('x');
  await expect(predictionRow(page, s.predictions.dueDate)).toHaveCount(0);
  await page.getByTestId('prediction-threshold').fill('0.95');
  await page.getByTestId('prediction-threshold').press('Enter');
  await expect(page.getByTestId('predictions-accept-above')).toHaveText(/Accept 0/);
  await page.getByTestId('prediction-threshold').fill('0.5');
  await page.getByTestId('prediction-threshold').press('Enter');
  await expect(page.getByTestId('predictions-accept-above')).toHaveText(/Accept 1/);
  await expect.poll(async () => (await callHost(host, 'settings.get', {})).ui.acceptThreshold).toBe(0.5);
  await page.keyboard.press('Shift+A');
  await expect(page.getByTestId('predictions-counts')).toContainText('0 pending');
  await expect(page.getByTestId('qa-card')).toHaveCount(4);
  await waitSaved(page);
  expect(Object.fromEntries((await saved(host, s)).predictions.map((p) => [p.id, p.status]))).toEqual({ 'pred-date': 'accepted', 'pred-due': 'rejected', 'pred-qa': 'accepted' });

  // ? lists every action with its keys.
  await page.keyboard.press('?');
  const help = page.getByTestId('help-overlay');
  await expect(help).toBeVisible();
  await expect(help.locator('[data-action="document.verify"] [data-testid="help-combo"]')).toHaveText(['Ctrl+Enter']);
  await expect(help.locator('[data-action="label.slot5"]')).toContainText('total');
  await page.getByTestId('help-search').fill('nudge');
  await expect(help.getByTestId('help-row')).toHaveCount(0);
  await page.getByTestId('help-search').fill('undo');
  await expect(help.getByTestId('help-row')).toHaveCount(1);
  await page.keyboard.press('Escape');
  await expect(help).toHaveCount(0);
});

test('shortcuts are rebound in settings, a conflict is shown and refused, and the document view uses the new keys', async ({ page, host }) => {
  const s = await setUp(page, host);
  await openFolio(page, host, '#/settings');
  const settings = page.getByTestId('keymap-settings');
  const actionRow = (id: string) => settings.locator(`[data-testid="keymap-row"][data-action="${id}"]`);

  // J is "next document": binding it to "next question" too is a conflict, shown on both rows.
  await actionRow('qa.next').getByTestId('keymap-combo').first().click();
  await expect(actionRow('qa.next').getByTestId('keymap-combo')).toHaveText(['Press keys…']);
  await page.keyboard.press('j');
  await expect(actionRow('qa.next').getByTestId('keymap-combo')).toHaveText(['J']);
  await expect(settings.getByTestId('keymap-conflicts')).toContainText('J (Next question / Next document)');
  await expect(actionRow('qa.next').getByTestId('keymap-row-conflict')).toContainText('Next document');
  await expect(actionRow('document.next').getByTestId('keymap-row-conflict')).toContainText('Next question');
  await expect(settings.getByTestId('keymap-save')).toBeDisabled();

  // Escape cancels a capture; G resolves the conflict; Shift+P is added to "previous question".
  await actionRow('qa.next').getByTestId('keymap-combo').first().click();
  await page.keyboard.press('Escape');
  await expect(actionRow('qa.next').getByTestId('keymap-combo')).toHaveText(['J']);
  await actionRow('qa.next').getByTestId('keymap-combo').first().click();
  await page.keyboard.press('g');
  await expect(settings.getByTestId('keymap-conflicts')).toHaveCount(0);
  await actionRow('qa.previous').getByTestId('keymap-add').click();
  await page.keyboard.press('Shift+P');
  await expect(actionRow('qa.previous').getByTestId('keymap-combo')).toHaveText(['[', 'Shift+P']);
  // A key can be taken off an action altogether.
  await actionRow('view.toggleLabels').getByTestId('keymap-remove').click();
  await expect(actionRow('view.toggleLabels').getByTestId('keymap-combo')).toHaveCount(0);
  await settings.getByTestId('keymap-save').click();
  await expect(page.getByTestId('toast-success')).toContainText('Shortcuts saved');
  expect((await callHost(host, 'settings.get', {})).ui.keymap).toEqual({ 'qa.next': ['g'], 'qa.previous': ['[', 'shift+p'], 'view.toggleLabels': [] });

  await page.reload();
  await expect(actionRow('qa.next').getByTestId('keymap-combo')).toHaveText(['G']);
  await expect(actionRow('qa.previous').getByTestId('keymap-combo')).toHaveText(['[', 'Shift+P']);

  // The document view follows the new map: help shows it, G and Shift+P move between questions, ] does nothing now.
  await openDocument(page, host, s);
  await page.keyboard.press('?');
  await expect(page.locator('[data-testid="help-row"][data-action="qa.next"] [data-testid="help-combo"]')).toHaveText(['G']);
  await page.keyboard.press('Escape');
  const cards = page.getByTestId('qa-card');
  await page.keyboard.press('g');
  await expect(cards.nth(1)).toHaveAttribute('data-active', 'true');
  await page.keyboard.press(']');
  await expect(cards.nth(1)).toHaveAttribute('data-active', 'true');
  await page.keyboard.press('Shift+P');
  await expect(cards.nth(0)).toHaveAttribute('data-active', 'true');

  // Reset everything to the defaults.
  await openFolio(page, host, '#/settings');
  await settings.getByTestId('keymap-reset-all').click();
  await expect(actionRow('qa.next').getByTestId('keymap-combo')).toHaveText([']']);
  await settings.getByTestId('keymap-save').click();
  await expect(settings).toContainText('All shortcuts saved');
  expect((await callHost(host, 'settings.get', {})).ui.keymap).toEqual({});
});

test('10,000 regions: a small DOM, scrolling, search, editing, and the list follows the canvas', async ({ page, host }) => {
  const { projectId, documentId, pageId } = await createDocument(page, host, 'Dense');
  const boxes: Box[] = Array.from({ length: 10_000 }, (_, i) => ({
    id: `b${String(i).padStart(5, '0')}`,
    pageId,
    label: i % 3 === 0 ? 'total' : 'vendor',
    x: (i % 100) * 10 + 1,
    y: Math.floor(i / 100) * 13 + 1,
    w: 8,
    h: 11,
    transcription: `word ${i}`,
    locked: false,
    hidden: false,
    originPredictionId: null,
  }));
  await callHost(host, 'annotations.save', { projectId, documentId, baseRevision: 0, upsertBoxes: boxes });
  const s = { projectId, documentId };
  await openDocument(page, host, s);
  await expect(page.getByTestId('regions-count')).toHaveText('10,000 regions');
  const rendered = await page.getByTestId('region-row').count();
  expect(rendered).toBeGreaterThan(3);
  expect(rendered).toBeLessThan(60);

  // Typing into one transcription: every key lands, and the rows around it are the same nodes.
  const first = row(page, 'b00000');
  const neighbour = await row(page, 'b00001').elementHandle();
  await first.getByTestId('region-transcription').click();
  const started = Date.now();
  await first.getByTestId('region-transcription').pressSequentially(' edited');
  await expect(first.getByTestId('region-transcription')).toHaveValue('word 0 edited');
  test.info().annotations.push({ type: 'typing', description: `7 characters into one of 10,000 regions: ${Date.now() - started} ms (with Playwright's own overhead)` });
  expect(await neighbour!.evaluate((el) => el.isConnected)).toBe(true);
  await first.getByTestId('region-transcription').press('Escape');
  await waitSaved(page);
  expect((await saved(host, s)).boxes[0]!.transcription).toBe('word 0 edited');

  // Scrolling to the end shows the last region.
  await page.getByTestId('regions-list').evaluate((el) => (el.scrollTop = el.scrollHeight));
  await expect(row(page, 'b09999')).toBeVisible();
  expect(await page.getByTestId('region-row').count()).toBeLessThan(60);

  // Search and label filter.
  await page.getByTestId('regions-search').fill('word 4242');
  await expect(page.getByTestId('region-row')).toHaveCount(1);
  await expect(page.getByTestId('regions-count')).toHaveText('1 of 10,000 regions');
  await page.getByTestId('regions-search').fill('');
  await page.getByTestId('regions-label-filter').selectOption('total');
  await expect(page.getByTestId('regions-count')).toHaveText('3,334 of 10,000 regions');
  await page.getByTestId('regions-label-filter').selectOption({ label: 'All labels' });

  // A box clicked on the canvas is scrolled to and selected in the list; Enter edits its transcription.
  await page.getByTestId('regions-list').evaluate((el) => (el.scrollTop = 0));
  const target = boxes[9_950]!;
  const at = await toScreen(page, target.x + target.w / 2, target.y + target.h / 2);
  await page.mouse.click(at.x, at.y);
  await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-selected', '1');
  await expect(row(page, target.id)).toBeVisible();
  await expect(row(page, target.id)).toHaveAttribute('data-selected', 'true');
  await page.keyboard.press('Enter');
  await expect(row(page, target.id).getByTestId('region-transcription')).toBeFocused();
  // Enter in a transcription goes on to the next region's.
  await page.keyboard.press('Enter');
  await expect(row(page, boxes[9_951]!.id).getByTestId('region-transcription')).toBeFocused();
  await expect(row(page, boxes[9_951]!.id)).toHaveAttribute('data-selected', 'true');
});

test('multi-page documents: this page or all pages, and a region on another page opens that page', async ({ page, host }) => {
  const projectId = await createProject(page, host, 'Pages');
  await callHost(host, 'projects.update', { projectId, labels: [{ name: 'total', color: '#e5484d', hotkey: '1' }] });
  const file = join(host.dataDir, 'two-pages.pdf');
  await writeFile(file, await multiPagePdf(2));
  expect((await importAndWait(host, projectId, [file])).failed).toEqual([]);
  const { items } = await callHost(host, 'documents.list', { projectId });
  const doc = await callHost(host, 'documents.get', { projectId, documentId: items[0]!.id });
  const p1 = doc.pages[0]!;
  const p2 = doc.pages[1]!;
  const box = (id: string, pageId: string, y: number, transcription: string): Box => ({ id, pageId, label: 'total', x: 100, y, w: 200, h: 40, transcription, locked: false, hidden: false, originPredictionId: null });
  await callHost(host, 'annotations.save', {
    projectId,
    documentId: doc.id,
    baseRevision: 0,
    upsertBoxes: [box('one-a', p1.id, 100, 'first page, first box'), box('two-a', p2.id, 300, 'second page box'), box('one-b', p1.id, 200, 'first page, second box')],
  });
  const s = { projectId, documentId: doc.id };
  await openDocument(page, host, s);
  await expect(page.getByTestId('regions-count')).toHaveText('2 regions on page 1');
  await expect(page.getByTestId('region-row')).toHaveCount(2);

  // All pages: page order, then drawing order; each row says its page.
  await page.getByTestId('regions-scope-all').click();
  await expect(page.getByTestId('region-row')).toHaveCount(3);
  expect(await page.getByTestId('region-row').evaluateAll((els) => els.map((el) => el.getAttribute('data-box-id')))).toEqual(['one-a', 'one-b', 'two-a']);
  await expect(row(page, 'two-a')).toContainText('p.2');

  // Choosing a region on another page shows that page with the box selected.
  await row(page, 'two-a').locator('.region-line').click({ position: { x: 200, y: 10 } });
  await expect(page).toHaveURL(/page=2/);
  await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-boxes', '1');
  await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-selected', '1');
  await expect(row(page, 'two-a')).toHaveAttribute('data-selected', 'true');
  await page.getByTestId('regions-scope-page').click();
  await expect(page.getByTestId('regions-count')).toHaveText('1 region on page 2');
});
