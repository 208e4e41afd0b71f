import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { generatePage } from '../../src/main/core/synth';
import { expect, test, type FolioHost } from './fixtures';
import { createDocument, insertPredictions, openDocument, saved, toScreen, waitSaved } from './panelsSetup';
import { callHost, importAndWait } from './rpc';

/**
 * Ways the annotation bench let wrong data through without the annotator noticing, each driven the
 * way a person hit it. Every test here failed before the bench was fixed.
 */

async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 6 });
  await page.mouse.up();
}

const boxCount = async (page: Page) => Number(await page.getByTestId('page-canvas').getAttribute('data-boxes'));

/** A second project with its own, different label set and one invoice. */
async function otherProject(host: FolioHost, name: string) {
  const project = await callHost(host, 'projects.create', {
    name,
    labels: [
      { name: 'amount', color: '#e5484d', hotkey: '1' },
      { name: 'payee', color: '#30a46c', hotkey: '2' },
    ],
  });
  const { png } = await generatePage(9191, 0, { kind: 'invoice', width: 1000, height: 1300 });
  const file = join(host.dataDir, `${name}.png`);
  await writeFile(file, png);
  expect((await importAndWait(host, project.id, [file])).failed).toEqual([]);
  const { items } = await callHost(host, 'documents.list', { projectId: project.id });
  return { projectId: project.id, documentId: items[0]!.id };
}

test('tool and label never leak into another project, and a refused save is shown on its box and not retried', async ({ page, host }) => {
  const a = await createDocument(page, host, 'Invoices');
  const b = await otherProject(host, 'Payments');
  await openDocument(page, host, a);
  // The demo label set's hotkey 8 is line_item_amount; R arms the rectangle tool.
  await page.keyboard.press('8');
  await page.keyboard.press('r');
  await expect(page.getByTestId('active-label')).toHaveText('line_item_amount');
  await expect(page.getByTestId('tool-draw')).toHaveAttribute('aria-pressed', 'true');

  // Another project's document opens in Select, with no label from the first project.
  // (In the app, without reloading: the sidebar, the project, its document.)
  await page.evaluate((hash) => (location.hash = hash), `#/projects/${b.projectId}/documents/${b.documentId}`);
  await expect(page.getByTestId('document-title')).toHaveText('Payments.png');
  await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-image-state', 'loaded');
  await expect(page.getByTestId('tool-select')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('active-label')).toHaveText('No label');

  // A box drawn there gets no label from elsewhere, and saves.
  await page.keyboard.press('r');
  await drag(page, await toScreen(page, 100, 100), await toScreen(page, 300, 160));
  await waitSaved(page);
  let boxes = (await saved(host, b)).boxes;
  expect(boxes).toHaveLength(1);
  expect(boxes[0]!.label).toBeNull();

  // Its label is then removed from the project elsewhere; the next change of that box is refused
  // by the core. The refusal is shown with what to fix, and autosave does not loop on it.
  await page.keyboard.press('1');
  await waitSaved(page);
  // Where the box lies depends on pixel rounding and on snapping to the text under it.
  await expect.poll(async () => (await saved(host, b)).boxes[0]!.label).toBe('amount');
  const drawnX = (await saved(host, b)).boxes[0]!.x;
  await callHost(host, 'projects.update', { projectId: b.projectId, labels: [{ name: 'payee', color: '#30a46c', hotkey: '2' }] });
  const saves: number[] = [];
  page.on('websocket', (ws) => ws.on('framesent', (f) => String(f.payload).includes('"annotations.save"') && saves.push(Date.now())));
  await page.reload();
  await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-image-state', 'loaded');
  await page.keyboard.press('v');
  await page.mouse.click(...Object.values(await toScreen(page, 200, 130)) as [number, number]);
  await page.keyboard.press('ArrowRight');
  const refusal = page.getByTestId('save-refused');
  await expect(refusal).toBeVisible();
  await expect(refusal).toContainText('amount');
  await expect(refusal).toContainText(/not in this project's label set/);
  await expect(page.getByTestId('save-state')).toHaveAttribute('data-state', 'refused');
  const afterRefusal = saves.length;
  await page.waitForTimeout(3_000);
  expect(saves.length, 'autosave retried a save the core refused').toBe(afterRefusal);

  // The box is still there, moved (kept locally); fixing its label saves everything.
  await refusal.getByTestId('save-refused-show').click();
  await page.keyboard.press('2');
  await waitSaved(page);
  await expect(refusal).toBeHidden();
  boxes = (await saved(host, b)).boxes;
  expect(boxes).toHaveLength(1);
  expect(boxes[0]!.label).toBe('payee');
  expect(boxes[0]!.x, 'the move kept while the save was refused').toBeCloseTo(drawnX + 1, 3);
});

test('after clicking a checkbox or a button in the panels, single-key shortcuts go to the canvas', async ({ page, host }) => {
  const s = await createDocument(page, host, 'Focus');
  const base = { pageId: s.pageId, model: 'claude-test', question: null, answer: null, evidence: [] as string[], transcription: 'x' };
  insertPredictions(host, [{ ...base, id: 'p-low', kind: 'box', label: 'total', x: 50, y: 50, w: 80, h: 20, confidence: 0.4 }], s.projectId, s.documentId);
  await openDocument(page, host, s);
  const before = await boxCount(page);

  await page.getByTestId('predictions-low-only').check();
  await page.keyboard.press('r');
  await expect(page.getByTestId('tool-draw')).toHaveAttribute('aria-pressed', 'true');
  await drag(page, await toScreen(page, 400, 900), await toScreen(page, 600, 950));
  await expect.poll(() => boxCount(page)).toBe(before + 1);
  // A digit labels the box just drawn, not only the tool's label.
  await page.keyboard.press('5');
  await waitSaved(page);
  expect((await saved(host, s)).boxes.filter((b) => b.label === 'total')).toHaveLength(1);

  // The same after ticking "Unanswerable" on the Questions tab, and after clicking a plain button.
  await page.getByTestId('panel-tab-questions').click();
  await page.getByTestId('qa-unanswerable').first().check();
  await page.keyboard.press('v');
  await expect(page.getByTestId('tool-select')).toHaveAttribute('aria-pressed', 'true');
  await page.keyboard.press('r');
  await expect(page.getByTestId('tool-draw')).toHaveAttribute('aria-pressed', 'true');
  await page.getByTestId('panel-tab-regions').click();
  await page.keyboard.press('v');
  await expect(page.getByTestId('tool-select')).toHaveAttribute('aria-pressed', 'true');

  // A text field keeps its keys: typing "r" into a transcription does not switch tools.
  await page.getByTestId('region-transcription').first().click();
  await page.keyboard.type('r');
  await expect(page.getByTestId('tool-select')).toHaveAttribute('aria-pressed', 'true');
});

test('a verified document opens read-only; Edit unlocks it, and undoing back to the verified content restores the verified state', async ({ page, host }) => {
  const s = await createDocument(page, host, 'Verified');
  await callHost(host, 'annotations.save', {
    projectId: s.projectId,
    documentId: s.documentId,
    baseRevision: 0,
    upsertBoxes: [{ id: 'b1', pageId: s.pageId, label: 'total', x: 100, y: 100, w: 120, h: 30, transcription: '$10.00', locked: false, hidden: false, originPredictionId: null }],
  });
  const project = await callHost(host, 'projects.get', { projectId: s.projectId });
  await callHost(host, 'projects.update', { projectId: s.projectId, questions: project.questions.map((q) => ({ id: q.id, text: q.text, required: false })) });
  const verified = await callHost(host, 'annotations.verify', { projectId: s.projectId, documentId: s.documentId });
  expect(verified.result).toBe('verified');

  await openDocument(page, host, s);
  await expect(page.getByTestId('annotation-status')).toHaveText('Verified v1');
  await expect(page.getByTestId('read-only-note')).toBeVisible();
  // R does not arm drawing, and a click-drag in the margin adds nothing.
  await page.keyboard.press('r');
  await expect(page.getByTestId('tool-select')).toHaveAttribute('aria-pressed', 'true');
  await drag(page, await toScreen(page, 20, 20), await toScreen(page, 90, 60));
  await page.keyboard.press('Delete');
  await page.waitForTimeout(600);
  expect(await boxCount(page)).toBe(1);
  await expect(page.getByTestId('annotation-status')).toHaveText('Verified v1');

  // Edit (Shift+E) unlocks it; a new box makes Draft v2, undoing it is Verified v1 again.
  await page.keyboard.press('Shift+E');
  await expect(page.getByTestId('read-only-note')).toBeHidden();
  await page.keyboard.press('r');
  await drag(page, await toScreen(page, 20, 20), await toScreen(page, 90, 60));
  await waitSaved(page);
  await expect(page.getByTestId('annotation-status')).toHaveText('Draft v2');
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('annotation-status')).toHaveText('Verified v1');
  await waitSaved(page);
  const state = await saved(host, s);
  expect(state.status).toBe('verified');
  expect(state.version).toBe(1);
  expect(state.boxes.map((b) => b.id)).toEqual(['b1']);
  const { items } = await callHost(host, 'documents.list', { projectId: s.projectId });
  expect(items[0]!.status).toBe('verified');
});

test('verify asks once about a document with no boxes or undecided predictions, and stays one key otherwise', async ({ page, host }) => {
  const s = await createDocument(page, host, 'Questions');
  const project = await callHost(host, 'projects.get', { projectId: s.projectId });
  await callHost(host, 'projects.update', { projectId: s.projectId, questions: project.questions.map((q) => ({ id: q.id, text: q.text, required: false })) });
  await openDocument(page, host, s);

  // No boxes at all: Ctrl+Enter lists it and waits; Enter confirms.
  await page.keyboard.press('Control+Enter');
  const confirm = page.getByTestId('verify-confirm');
  await expect(confirm).toBeVisible();
  await expect(confirm).toContainText('no boxes');
  await expect(page.getByTestId('annotation-status')).not.toHaveText(/Verified/);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('annotation-status')).toHaveText('Verified v1');

  // Undecided predictions: listed; Esc goes back without verifying.
  insertPredictions(
    host,
    [
      { id: 'p1', kind: 'box', pageId: s.pageId, model: 'm', label: 'total', x: 10, y: 10, w: 50, h: 20, transcription: '1', question: null, answer: null, evidence: [], confidence: 0.9 },
      { id: 'p2', kind: 'box', pageId: s.pageId, model: 'm', label: 'date', x: 10, y: 40, w: 50, h: 20, transcription: '2', question: null, answer: null, evidence: [], confidence: 0.5 },
    ],
    s.projectId,
    s.documentId,
  );
  await page.reload();
  await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-image-state', 'loaded');
  await page.keyboard.press('Shift+E');
  await page.keyboard.press('r');
  await drag(page, await toScreen(page, 300, 300), await toScreen(page, 400, 340));
  await page.keyboard.press('1');
  await waitSaved(page);
  await page.keyboard.press('Control+Enter');
  await expect(confirm).toBeVisible();
  await expect(confirm).toContainText('2 model predictions');
  await page.keyboard.press('Escape');
  await expect(confirm).toBeHidden();
  await expect(page.getByTestId('annotation-status')).toHaveText('Draft v2');

  // Once they are decided, Ctrl+Enter verifies at once.
  await page.getByTestId('predictions-reject-rest').click();
  await page.keyboard.press('Control+Enter');
  await expect(page.getByTestId('annotation-status')).toHaveText('Verified v2');
  await expect(confirm).toBeHidden();
});

test('Esc never leaves the document; U and the back button do', async ({ page, host }) => {
  const s = await createDocument(page, host, 'Leaving');
  await openDocument(page, host, s);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Escape');
  await page.waitForTimeout(300);
  await expect(page.getByTestId('document-view')).toBeVisible();
  await page.keyboard.press('u');
  await expect(page.getByTestId('document-view')).toBeHidden();
  await expect(page.getByTestId('project-title')).toHaveText('Leaving');
});
