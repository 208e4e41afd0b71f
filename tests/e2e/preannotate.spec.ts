import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generatePage, SYNTH_LABELS, SYNTH_QUESTIONS } from '../../src/main/core/synth';
import { withClaudeSimulator } from './claudeSim';
import { expect, openFolio, test } from './fixtures';
import { callHost, importAndWait } from './rpc';
import { toScreen } from './panelsSetup';

/**
 * Pre-annotation as an annotator sees it: from the document list, open "Pre-annotate", read the
 * estimate, start; the progress bar moves while the Claude simulator (real HTTP, the real
 * SDK on the host's side) answers; then the predictions are on the canvas of a document.
 */

const PAGES = 10;
const KEY = 'sk-ant-e2e-simulated-key';

// Median 1 s per page: slow enough to watch, fast enough for a test.
const withSim = withClaudeSimulator({ timeScale: 0.5, seed: 4242 });

withSim('start a run from the document list, watch it progress, find the predictions on the canvas', async ({ page, host, claude }) => {
  withSim.setTimeout(120_000);
  // Synthetic invoices and receipts whose ground truth the simulator answers from.
  const dir = join(host.dataDir, 'incoming');
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < PAGES; i++) {
    const { truth, png } = await generatePage(4242, i, { kind: i % 2 ? 'invoice' : 'receipt', width: 640, height: 880 });
    const file = join(dir, `${truth.id}.png`);
    await writeFile(file, png);
    claude.truth.register(truth);
    files.push(file);
  }
  await callHost(host, 'settings.update', { annotatorName: 'Ada Tester', anthropic: { baseUrl: claude.url } });
  await callHost(host, 'settings.setSecret', { name: 'anthropicApiKey', value: KEY });
  const project = await callHost(host, 'projects.create', {
    name: 'Pre-annotated invoices',
    labels: SYNTH_LABELS.map((l) => ({ name: l.name, color: l.color })),
    questions: SYNTH_QUESTIONS.map((text) => ({ text })),
  });
  const job = await importAndWait(host, project.id, files);
  expect(job.failed).toEqual([]);

  await openFolio(page, host, `#/projects/${project.id}`);
  await expect(page.getByTestId('project-title')).toHaveText('Pre-annotated invoices');
  await page.getByTestId('preannotate-button').click();
  const dialog = page.getByTestId('preannotate-dialog');
  await expect(dialog).toBeVisible();

  // The estimate comes first, in dollars, for every new page.
  await expect(dialog.getByTestId('preannotate-estimate')).toContainText(`for ${PAGES} pages`);
  await expect(dialog.getByTestId('preannotate-estimate-usd')).toHaveText(/^\$\d/);
  await expect(dialog.getByTestId('preannotate-no-key')).toHaveCount(0);
  // Two requests in flight, so the pages arrive in waves the bar can be seen between.
  await dialog.getByTestId('preannotate-concurrency').selectOption('2');
  // Every value the bar takes, recorded in the page from before the run starts (a poll from the
  // test could miss short-lived values on a loaded machine).
  await dialog.evaluate((el) => {
    const values: number[] = [];
    (window as unknown as { progressSeen: number[] }).progressSeen = values;
    new MutationObserver(() => {
      const bar = el.querySelector('[data-testid="preannotate-progress"]');
      const v = bar ? Number(bar.getAttribute('aria-valuenow')) : null;
      if (v !== null && v !== values.at(-1)) values.push(v);
    }).observe(el, { attributes: true, childList: true, subtree: true });
  });
  await dialog.getByTestId('preannotate-start').click();

  // The run: clearly simulated, with a progress bar that moves until every page is done.
  const run = dialog.getByTestId('preannotate-run');
  await expect(run).toBeVisible();
  await expect(run).toHaveAttribute('data-state', 'completed', { timeout: 90_000 });
  const seen = await page.evaluate(() => (window as unknown as { progressSeen: number[] }).progressSeen);
  expect(seen.at(-1)).toBe(PAGES);
  await expect(run.getByTestId('preannotate-simulated')).toBeVisible();
  // It moved forward through values between empty and full, never back.
  expect(seen, `progress seen: ${seen.join(', ')}`).toEqual([...seen].sort((a, b) => a - b));
  expect(seen.filter((v) => v > 0 && v < PAGES).length, `progress seen: ${seen.join(', ')}`).toBeGreaterThan(1);
  await expect(run.getByTestId('preannotate-pages')).toContainText(`${PAGES} / ${PAGES} pages`);
  await expect(run.getByTestId('preannotate-cost')).toContainText(/\$0\.\d{4}|\$\d+\.\d{2}/);
  await expect(run.getByTestId('preannotate-histogram')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);

  // A document's canvas draws the predictions; clicking one on the canvas selects it in the panel.
  const docs = await callHost(host, 'documents.list', { projectId: project.id, limit: 1 });
  const doc = docs.items[0]!;
  expect(doc.status).toBe('pre_annotated');
  const state = await callHost(host, 'annotations.get', { projectId: project.id, documentId: doc.id });
  const boxes = state.predictions
    .filter((p) => p.kind === 'box' && p.status === 'pending' && p.x !== null && p.y !== null && p.w !== null && p.h !== null)
    .map((p) => ({ id: p.id, pageId: p.pageId, x: p.x!, y: p.y!, w: p.w!, h: p.h! }));
  expect(boxes.length).toBeGreaterThan(0);
  await page.locator(`[data-testid="document-card"][data-document-id="${doc.id}"]`).click();
  const canvas = page.getByTestId('page-canvas');
  await expect(canvas).toHaveAttribute('data-image-state', 'loaded');
  const onPage = state.predictions.filter((p) => p.pageId === boxes[0]!.pageId && p.status === 'pending');
  await expect(canvas).toHaveAttribute('data-predictions', String(onPage.length));
  // The smallest predicted box, so no other prediction lies on top of its centre.
  const target = [...boxes].sort((a, b) => a.w * a.h - b.w * b.h)[0]!;
  const at = await toScreen(page, target.x + target.w / 2, target.y + target.h / 2);
  await page.mouse.click(at.x, at.y);
  await expect(page.locator(`[data-testid="prediction-row"][data-prediction-id="${target.id}"]`)).toHaveClass(/selected/);
});

test('defaults saved in Settings preselect the dialog; without a key it estimates but will not start', async ({ page, host }) => {
  const dir = join(host.dataDir, 'incoming');
  await mkdir(dir, { recursive: true });
  const { truth, png } = await generatePage(7, 0, { kind: 'receipt', width: 500, height: 800 });
  const file = join(dir, `${truth.id}.png`);
  await writeFile(file, png);
  await callHost(host, 'settings.update', { annotatorName: 'Ada Tester' });
  const project = await callHost(host, 'projects.create', { name: 'Receipts', labels: SYNTH_LABELS.map((l) => ({ name: l.name, color: l.color })) });
  await importAndWait(host, project.id, [file]);
  const models = await callHost(host, 'preannotate.models', {});
  const other = models.find((m) => !m.isDefault && m.efforts.includes('low'))!;

  await openFolio(page, host, '#/settings');
  const form = page.getByTestId('settings-preannotation');
  await form.getByTestId('settings-preannotation-model').selectOption(other.id);
  await form.getByTestId('settings-preannotation-effort').selectOption('low');
  await form.getByTestId('settings-preannotation-max-tokens').fill('3000');
  await form.getByTestId('settings-preannotation-save').click();
  await expect.poll(async () => (await callHost(host, 'settings.get', {})).preannotation).toEqual({ model: other.id, effort: 'low', maxTokens: 3000 });

  await openFolio(page, host, `#/projects/${project.id}`);
  await page.getByTestId('preannotate-button').click();
  const dialog = page.getByTestId('preannotate-dialog');
  await expect(dialog.getByTestId('preannotate-model')).toHaveValue(other.id);
  await expect(dialog.getByTestId('preannotate-effort')).toHaveValue('low');
  await expect(dialog.getByTestId('preannotate-estimate')).toContainText('for 1 page');
  await expect(dialog.getByTestId('preannotate-no-key')).toBeVisible();
  await expect(dialog.getByTestId('preannotate-start')).toBeDisabled();
});
