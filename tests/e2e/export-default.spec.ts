import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, openFolio, test } from './fixtures';
import { callHost, importPages, saveAndVerify } from './rpc';

/**
 * The export a user gets without choosing anything: a document the lead resolved in review is
 * exported as its gold version, never as the annotator's version gold overruled; a document
 * without gold as its newest verified version. The dialog says which versions it will write and
 * how many documents come from each.
 */

interface JsonlLine {
  document: { id: string };
  annotation: { kind: 'annotation' | 'gold' };
  boxes: { transcription: string }[];
}

test('the default export takes gold where the lead resolved a document, else the newest verified version, and says so', async ({ page, host }) => {
  await callHost(host, 'settings.update', { annotatorName: 'Ada Tester' });
  const project = await callHost(host, 'projects.create', { name: 'Resolved work', labels: [{ name: 'total', color: '#e5484d' }] });
  const items = await importPages(host, project.id, 2);
  for (const item of items) {
    await saveAndVerify(host, project.id, item.id, (pageId) => [
      { id: 'a', pageId, label: 'total', x: 40, y: 60, w: 120, h: 30, transcription: '12.50', locked: false, hidden: false, originPredictionId: null },
    ]);
  }
  // The lead resolves the first document in review and corrects the amount: gold overrules Ada's version.
  const resolved = items[0]!.id;
  const review = await callHost(host, 'review.document', { projectId: project.id, documentId: resolved });
  const ada = review.versions[0]!;
  await callHost(host, 'review.resolve', {
    projectId: project.id,
    documentId: resolved,
    basedOn: review.versions.map((v) => ({ sourceId: v.source.id, annotationId: v.annotationId, version: v.version })),
    boxes: ada.boxes.map((b) => ({ ...b, label: b.label ?? 'total', transcription: '21.50', from: null })),
    qa: [],
  });

  // Export without touching the version choice.
  await openFolio(page, host, `#/projects/${project.id}`);
  await page.getByTestId('export-button').click();
  const dialog = page.getByTestId('export-dialog');
  await dialog.getByTestId('export-format').selectOption('jsonl');
  const out = join(host.dataDir, 'default-export');
  await dialog.getByTestId('export-out').fill(out);
  await dialog.getByTestId('export-start').click();
  await expect(dialog.getByTestId('export-job')).toHaveAttribute('data-state', 'completed');
  const lines = (await readFile(join(out, 'documents.jsonl'), 'utf8'))
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as JsonlLine);
  const byDoc = new Map(lines.map((l) => [l.document.id, l]));
  expect(lines).toHaveLength(2);
  expect(byDoc.get(resolved)!.annotation.kind, 'the resolved document is exported as its gold version').toBe('gold');
  expect(byDoc.get(resolved)!.boxes.map((b) => b.transcription)).toEqual(['21.50']);
  expect(byDoc.get(items[1]!.id)!.annotation.kind).toBe('annotation');
  await expect(dialog.getByTestId('export-summary')).toContainText('1 from gold, 1 newest verified');
  await page.keyboard.press('Escape');

  // Before exporting, the dialog says which versions go out and how many documents come from each.
  await page.getByTestId('export-button').click();
  await expect(dialog.getByTestId('export-status')).toHaveValue('gold-or-verified');
  await expect(dialog.getByTestId('export-status').locator('option:checked')).toHaveText('Gold where resolved, else newest verified');
  await expect(dialog.getByTestId('export-preview')).toHaveText('2 documents: 1 from gold (resolved in review), 1 newest verified.');
  // The explicit choices are still there and say what they take.
  await dialog.getByTestId('export-status').selectOption('verified');
  await expect(dialog.getByTestId('export-preview')).toHaveText("2 documents: annotators' newest verified versions, including 1 that gold overrules.");
  await dialog.getByTestId('export-status').selectOption('gold');
  await expect(dialog.getByTestId('export-preview')).toHaveText('1 document: gold versions only.');
  await dialog.getByTestId('export-status').selectOption('gold-or-verified');
  await dialog.getByTestId('export-annotator').fill('Nobody');
  await expect(dialog.getByTestId('export-preview')).toContainText('no annotator has the id or name "Nobody"');
});

test('with nothing verified the Export button is off and says why', async ({ page, host }) => {
  await callHost(host, 'settings.update', { annotatorName: 'Ada Tester' });
  const project = await callHost(host, 'projects.create', { name: 'Nothing verified', labels: [{ name: 'total', color: '#e5484d' }] });
  await importPages(host, project.id, 1);
  await openFolio(page, host, `#/projects/${project.id}`);
  const button = page.getByTestId('export-button');
  await expect(button).toBeDisabled();
  await expect(button).toHaveAttribute('title', /Nothing to export yet.*no document here is verified/);
});
