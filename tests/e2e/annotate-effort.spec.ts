import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { createDocument, insertPredictions, openDocument, predictionRow, qaCard, QUESTIONS, saved, toScreen, waitSaved } from './panelsSetup';
import { callHost } from './rpc';

/**
 * The shortcuts that halve the work per document: answers taken from their evidence boxes, and a
 * model prediction corrected and decided with one key, the next one selected by itself.
 */

const selectedPrediction = (page: Page) => page.evaluate(() => document.querySelector<HTMLElement>('[data-testid="prediction-row"].selected')?.dataset.predictionId ?? null);

test('answers come from their evidence: linking fills an empty answer, clicking a box while answering links it, C copies the evidence text', async ({ page, host }) => {
  const s = await createDocument(page, host, 'Evidence');
  const total = s.truth.boxes.find((b) => b.label === 'total' && b.text)!;
  const vendor = s.truth.boxes.find((b) => b.label === 'vendor' && b.text)!;
  const box = (id: string, t: typeof total) => ({ id, pageId: s.pageId, label: t.label, x: t.x, y: t.y, w: t.width, h: t.height, transcription: t.text, locked: false, hidden: false, originPredictionId: null });
  await callHost(host, 'annotations.save', { projectId: s.projectId, documentId: s.documentId, baseRevision: 0, upsertBoxes: [box('b-total', total), box('b-vendor', vendor)] });
  await openDocument(page, host, s);

  // Select the total box, E links it to the first (empty) question: the answer is its text.
  await page.mouse.click(...(Object.values(await toScreen(page, total.x + total.width / 2, total.y + total.height / 2)) as [number, number]));
  await page.keyboard.press('e');
  const first = qaCard(page, QUESTIONS[0]!);
  await page.getByTestId('panel-tab-questions').click();
  await expect(first.getByTestId('qa-answer')).toHaveValue(total.text);

  // Typing an answer, a click on the box that holds it links it; the caret stays in the answer.
  const second = qaCard(page, QUESTIONS[1]!);
  await second.getByTestId('qa-answer').click();
  await page.keyboard.type('Lumen');
  await page.mouse.click(...(Object.values(await toScreen(page, vendor.x + vendor.width / 2, vendor.y + vendor.height / 2)) as [number, number]));
  await expect(second.getByTestId('evidence-chip')).toHaveCount(1);
  await expect(second.getByTestId('qa-answer')).toBeFocused();
  await expect(second.getByTestId('qa-answer')).toHaveValue('Lumen');
  // The answer was not empty, so it stays until asked: Esc, then C takes the evidence's text.
  await page.keyboard.press('Escape');
  await page.keyboard.press('c');
  await expect(second.getByTestId('qa-answer')).toHaveValue(vendor.text);
  await waitSaved(page);
  const qa = (await saved(host, s)).qa;
  expect(qa.find((q) => q.question === QUESTIONS[0])).toMatchObject({ answer: total.text, evidenceBoxIds: ['b-total'] });
  expect(qa.find((q) => q.question === QUESTIONS[1])).toMatchObject({ answer: vendor.text, evidenceBoxIds: ['b-vendor'] });
  // One undo step takes the copied text back.
  await page.keyboard.press('Control+z');
  await expect(second.getByTestId('qa-answer')).toHaveValue('Lumen');
});

test('predictions are decided one key each: a label hotkey accepts with that label, text is corrected before accepting, the next one is selected', async ({ page, host }) => {
  const s = await createDocument(page, host, 'Predictions');
  const t = (label: string) => s.truth.boxes.find((b) => b.label === label && b.text)!;
  const base = { pageId: s.pageId, model: 'claude-test', question: null, answer: null, evidence: [] as string[] };
  const pred = (id: string, label: string, truthLabel: string, text: string, confidence: number) => {
    const b = t(truthLabel);
    return { ...base, id, kind: 'box' as const, label, x: b.x, y: b.y, w: b.width, h: b.height, transcription: text, confidence };
  };
  const date = t('date');
  insertPredictions(
    host,
    [
      pred('p-sure', 'vendor', 'vendor', t('vendor').text, 0.95),
      pred('p-swapped', 'customer', 'date', date.text, 0.5), // right box, wrong label
      pred('p-typo', 'total', 'total', `${t('total').text}9`, 0.6), // right label, a typo
      pred('p-extra', 'tax', 'due_date', 'nothing', 0.3),
      { ...base, id: 'p-qa', kind: 'qa', pageId: null, label: null, x: null, y: null, w: null, h: null, transcription: null, question: 'When was it issued?', answer: 'typo', evidence: ['p-swapped'], confidence: 0.55 },
    ],
    s.projectId,
    s.documentId,
  );
  await openDocument(page, host, s);

  // Shift+A takes the sure one and selects the first left to decide.
  await page.keyboard.press('Shift+A');
  await expect.poll(() => selectedPrediction(page)).toBe('p-swapped');
  // Its label is wrong: the date hotkey (4) accepts it as a date; the next one is selected.
  await page.keyboard.press('4');
  await expect.poll(() => selectedPrediction(page)).toBe('p-typo');
  // Its text is wrong: Enter opens it, the fix is typed, Enter accepts with it.
  await page.keyboard.press('Enter');
  const field = predictionRow(page, 'p-typo').getByTestId('prediction-text');
  await expect(field).toBeFocused();
  await field.press('End');
  await field.press('Backspace');
  await field.press('Enter');
  await expect.poll(() => selectedPrediction(page)).toBe('p-extra');
  // N and Shift+N move without deciding; C accepts the proposed answer with its evidence's text.
  await page.keyboard.press('n');
  await expect.poll(() => selectedPrediction(page)).toBe('p-qa');
  await page.keyboard.press('c');
  // What is left (a box the page does not have) goes with Shift+X.
  await page.keyboard.press('Shift+X');
  await expect(page.getByTestId('predictions-counts')).toContainText('0 pending');
  await waitSaved(page);

  const state = await saved(host, s);
  const byOrigin = new Map(state.boxes.map((b) => [b.originPredictionId, b]));
  expect(byOrigin.get('p-sure')).toMatchObject({ label: 'vendor' });
  expect(byOrigin.get('p-swapped')).toMatchObject({ label: 'date', transcription: date.text });
  expect(byOrigin.get('p-typo')).toMatchObject({ label: 'total', transcription: t('total').text });
  expect(state.qa.find((q) => q.originPredictionId === 'p-qa')).toMatchObject({ answer: date.text, evidenceBoxIds: [byOrigin.get('p-swapped')!.id] });
  expect(Object.fromEntries(state.predictions.map((p) => [p.id, p.status]))).toEqual({ 'p-sure': 'accepted', 'p-swapped': 'accepted', 'p-typo': 'accepted', 'p-extra': 'rejected', 'p-qa': 'accepted' });
});

test("O takes the page's own text: a prediction the model mistyped is accepted with it, and a selected box is read again", async ({ page, host }) => {
  const s = await createDocument(page, host, 'Page text');
  const t = (label: string) => s.truth.boxes.find((b) => b.label === label && b.text)!;
  const total = t('total');
  const vendor = t('vendor');
  const base = { pageId: s.pageId, model: 'claude-test', question: null, answer: null, evidence: [] as string[], kind: 'box' as const, confidence: 0.6 };
  const mistyped = total.text.replace(/\d/, (d) => String((Number(d) + 1) % 10));
  insertPredictions(
    host,
    [
      { ...base, id: 'p-typo', label: 'total', x: total.x, y: total.y, w: total.width, h: total.height, transcription: mistyped },
      { ...base, id: 'p-same', label: 'vendor', x: vendor.x, y: vendor.y, w: vendor.width, h: vendor.height, transcription: vendor.text },
    ],
    s.projectId,
    s.documentId,
  );
  await openDocument(page, host, s);

  // The selected prediction is read from the page; where the model's text differs, the page's is offered.
  await page.keyboard.press('n');
  await expect.poll(() => selectedPrediction(page)).toBe('p-typo');
  const offer = page.getByTestId('prediction-page-text');
  await expect(offer.getByTestId('prediction-page-text-value')).toHaveText(total.text, { timeout: 30_000 });
  await page.keyboard.press('o');
  await expect.poll(() => selectedPrediction(page)).toBe('p-same');
  // Where it agrees, nothing is offered.
  await expect(offer).toHaveAttribute('data-state', 'read', { timeout: 30_000 });
  await expect(offer).toContainText('The page reads the same');
  await expect(offer.getByTestId('prediction-use-page-text')).toHaveCount(0);
  await page.keyboard.press('a');
  await waitSaved(page);
  const accepted = (await saved(host, s)).boxes.find((b) => b.originPredictionId === 'p-typo')!;
  expect(accepted).toMatchObject({ label: 'total', transcription: total.text });

  // A box whose text went wrong: select it, O reads it again; one undo brings the typed text back.
  await page.mouse.click(...(Object.values(await toScreen(page, total.x + total.width / 2, total.y + total.height / 2)) as [number, number]));
  await page.keyboard.press('Enter');
  const field = page.locator(`[data-testid="region-row"][data-box-id="${accepted.id}"] [data-testid="region-transcription"]`);
  await expect(field).toBeFocused();
  await page.keyboard.type('wrong');
  await page.keyboard.press('Escape');
  await expect(field).toHaveValue('wrong');
  await page.keyboard.press('o');
  await expect(field).toHaveValue(total.text, { timeout: 30_000 });
  await page.keyboard.press('Control+z');
  await expect(field).toHaveValue('wrong');
});
