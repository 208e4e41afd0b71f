import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { generatePage, type SynthKind } from '../../src/main/core/synth';
import { expect, openFolio, test, type FolioHost } from './fixtures';
import { openDocument, predictionRow, saved, waitSaved } from './panelsSetup';
import { callHost, importAndWait } from './rpc';

/**
 * The words on pages as an annotator meets them: the document list's "Read pages" and its
 * progress, Pause and Resume, search by what a page says, and Local OCR pre-annotation with no
 * Anthropic key. Hosts run with FOLIO_OCR=off, so nothing is read until asked.
 */

const READ_TIMEOUT = 90_000;

/** A project (the annotator already named) with generated pages imported as scan-1.png, scan-2.png, …. */
async function projectWithPages(host: FolioHost, name: string, kinds: SynthKind[]) {
  await callHost(host, 'settings.update', { annotatorName: 'Ada Tester' });
  const project = await callHost(host, 'projects.create', { name });
  const dir = join(host.dataDir, 'incoming');
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const [i, kind] of kinds.entries()) {
    const { png } = await generatePage(9100, i, { kind, width: 700, height: 900 });
    const file = join(dir, `scan-${i + 1}.png`);
    await writeFile(file, png);
    files.push(file);
  }
  const job = await importAndWait(host, project.id, files);
  expect(job.failed).toEqual([]);
  const { items } = await callHost(host, 'documents.list', { projectId: project.id });
  return { projectId: project.id, documents: items };
}

const indicator = (page: Page) => page.getByTestId('ocr-indicator');

test('"Read pages" reads them with progress in the header; search then finds a document by a word on its page', async ({ page, host }) => {
  test.setTimeout(150_000);
  const { projectId, documents } = await projectWithPages(host, 'Scanned mail', ['invoice', 'receipt']);
  await openFolio(page, host, `#/projects/${projectId}`);
  await expect(indicator(page)).toHaveAttribute('data-state', 'unread');
  await expect(indicator(page).getByTestId('ocr-label')).toHaveText('Words on 0 / 2 pages');
  // The search box says what it searches.
  await expect(page.getByTestId('document-search')).toHaveAttribute('placeholder', /page text/);

  await indicator(page).getByTestId('ocr-read-pages').click();
  await expect(indicator(page)).toHaveAttribute('data-state', 'running');
  await expect(indicator(page).getByTestId('ocr-progress')).toBeVisible();
  await expect(indicator(page).getByTestId('ocr-label')).toContainText(/Reading pages \d+ \/ 2/);
  await expect(indicator(page)).toHaveAttribute('data-state', 'done', { timeout: READ_TIMEOUT });
  await expect(indicator(page).getByTestId('ocr-label')).toHaveText('Words on 2 / 2 pages');

  // A word the first page says and the second does not (nor either file name).
  const wordsOf = async (i: number) => {
    const doc = await callHost(host, 'documents.get', { projectId, documentId: documents[i]!.id });
    const words = await callHost(host, 'ocr.pageWords', { projectId, documentId: doc.id, pageId: doc.pages[0]!.id });
    return new Set((words?.words ?? []).map((w) => w.text));
  };
  const [first, second] = [await wordsOf(0), await wordsOf(1)];
  const word = [...first].find((w) => /^[A-Za-z]{5,}$/.test(w) && ![...second].some((o) => o.toLowerCase().includes(w.toLowerCase())) && !/scan/i.test(w));
  expect(word, `words on the first page: ${[...first].join(' ')}`).toBeDefined();

  await page.getByTestId('document-search').fill(word!);
  const cards = page.getByTestId('document-card');
  await expect(cards).toHaveCount(1);
  await expect(cards.first()).toHaveAttribute('data-document-id', documents[0]!.id);
});

test('Local OCR pre-annotates offline: no key, boxes with text as predictions, one accepted becomes a box with its text', async ({ page, host }) => {
  test.setTimeout(150_000);
  const { projectId, documents } = await projectWithPages(host, 'Offline receipts', ['receipt']);
  await openFolio(page, host, `#/projects/${projectId}`);
  await page.getByTestId('preannotate-button').click();
  const dialog = page.getByTestId('preannotate-dialog');
  // Without a key, Local OCR is offered in the notice itself.
  await expect(dialog.getByTestId('preannotate-no-key')).toBeVisible();
  await dialog.getByTestId('preannotate-use-local').click();
  await expect(dialog.getByTestId('preannotate-model')).toHaveCount(0);
  await expect(dialog.getByTestId('preannotate-estimate')).toHaveCount(0);
  await dialog.getByTestId('ocr-predict-granularity').selectOption('line');
  await dialog.getByTestId('ocr-predict-start').click();

  const run = dialog.getByTestId('ocr-predict-run');
  await expect(run).toBeVisible();
  await expect(run).toHaveAttribute('data-state', 'completed', { timeout: READ_TIMEOUT });
  await expect(run.getByTestId('ocr-predict-summary')).toContainText(/\d+ predictions? on 1 document/);
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);

  const documentId = documents[0]!.id;
  const before = await saved(host, { projectId, documentId });
  const predictions = before.predictions.filter((p) => p.model === 'local-ocr' && p.kind === 'box' && p.status === 'pending');
  expect(predictions.length).toBeGreaterThan(0);
  expect(predictions.every((p) => (p.transcription ?? '').length > 0)).toBe(true);

  // The panel lists them (a virtual list: the first rows are on screen), each with its text.
  await openDocument(page, host, { projectId, documentId });
  await expect(page.getByTestId('prediction-row').first()).toBeVisible();
  const firstId = await page.getByTestId('prediction-row').first().getAttribute('data-prediction-id');
  const target = predictions.find((p) => p.id === firstId)!;
  expect(target, 'the first row is a Local OCR prediction').toBeDefined();
  const row = predictionRow(page, target.id);
  await expect(row).toContainText(target.transcription!);
  await row.getByTestId('prediction-accept').click();
  await waitSaved(page);
  const after = await saved(host, { projectId, documentId });
  expect(after.boxes).toEqual([expect.objectContaining({ transcription: target.transcription, originPredictionId: target.id })]);
});

test('pausing page reading shows Paused and survives until Resume, which reads the rest', async ({ page, host }) => {
  test.setTimeout(180_000);
  const kinds: SynthKind[] = ['invoice', 'receipt', 'form', 'invoice', 'receipt', 'form', 'invoice', 'receipt'];
  const { projectId } = await projectWithPages(host, 'Many pages', kinds);
  await openFolio(page, host, `#/projects/${projectId}`);
  await indicator(page).getByTestId('ocr-read-pages').click();
  await indicator(page).getByTestId('ocr-pause').click();
  await expect(indicator(page)).toHaveAttribute('data-state', 'paused', { timeout: 30_000 });
  await expect(indicator(page).getByTestId('ocr-label')).toContainText('Reading paused');
  const paused = await callHost(host, 'ocr.status', { projectId });
  expect(paused.paused).toBe(true);
  expect(paused.pagesRead).toBeLessThan(kinds.length);

  // Paused is remembered: a reload still shows it.
  await page.reload();
  await expect(indicator(page)).toHaveAttribute('data-state', 'paused');

  await indicator(page).getByTestId('ocr-resume').click();
  await expect(indicator(page)).toHaveAttribute('data-state', 'done', { timeout: READ_TIMEOUT * 2 });
  await expect(indicator(page).getByTestId('ocr-label')).toHaveText(`Words on ${kinds.length} / ${kinds.length} pages`);
});

test('the project setting "Read the words on imported pages" is saved at once and shown again', async ({ page, host }) => {
  await callHost(host, 'settings.update', { annotatorName: 'Ada Tester' });
  const project = await callHost(host, 'projects.create', { name: 'Settings' });
  await openFolio(page, host, `#/projects/${project.id}/settings`);
  const box = page.getByTestId('project-ocr-on-import');
  await expect(box).toBeChecked();
  await box.uncheck();
  await expect.poll(async () => (await callHost(host, 'ocr.status', { projectId: project.id })).onImport).toBe(false);
  await page.reload();
  await expect(page.getByTestId('project-ocr-on-import')).not.toBeChecked();
});
