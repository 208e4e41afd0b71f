import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Box } from '../../src/shared/domain/model';
import { expect, openFolio, test } from './fixtures';
import { callHost, importPages, saveAndVerify } from './rpc';

/**
 * Export and import from the document list: export the verified work as COCO through the dialog
 * and read the file it wrote; then import that file back as model predictions with one broken
 * annotation added, and see the rest imported and the broken one listed with its field and reason.
 */

interface CocoFile {
  images: { id: number; file_name: string; width: number; height: number }[];
  annotations: { id: number; image_id: number; category_id: number; bbox: [number, number, number, number]; area: number }[];
  categories: { id: number; name: string }[];
}

test('export verified work as COCO, then import it back as predictions with a broken item reported', async ({ page, host }) => {
  await callHost(host, 'settings.update', { annotatorName: 'Ada Tester' });
  const project = await callHost(host, 'projects.create', { name: 'Formats', labels: [{ name: 'total', color: '#e5484d' }, { name: 'date', color: '#3e63dd' }] });
  const items = await importPages(host, project.id, 2);
  for (const item of items) {
    await saveAndVerify(host, project.id, item.id, (pageId) => {
      const box = (id: string, label: string, x: number, y: number): Box => ({ id, pageId, label, x, y, w: 120.5, h: 30.25, transcription: `${label} ${id}`, locked: false, hidden: false, originPredictionId: null });
      return [box('a', 'total', 40, 60), box('b', 'date', 300.25, 500)];
    });
  }

  await openFolio(page, host, `#/projects/${project.id}`);
  await expect(page.getByTestId('project-verified-count')).toHaveText('2 verified');
  await page.getByTestId('export-button').click();
  const exportDialog = page.getByTestId('export-dialog');
  await exportDialog.getByTestId('export-format').selectOption('coco');
  const out = join(host.dataDir, 'coco-export');
  await exportDialog.getByTestId('export-out').fill(out);
  await exportDialog.getByTestId('export-start').click();
  await expect(exportDialog.getByTestId('export-job')).toHaveAttribute('data-state', 'completed');
  await expect(exportDialog.getByTestId('export-summary')).toContainText('2 documents');

  // The file is COCO: ids from 1, bbox as x, y, width, height in pixels, area = w × h.
  const jobId = (await exportDialog.getByTestId('export-job').getAttribute('data-job-id'))!;
  const written = (await callHost(host, 'export.get', { jobId })).files;
  const cocoPath = join(out, written.find((f) => f.endsWith('.json'))!);
  const coco = JSON.parse(await readFile(cocoPath, 'utf8')) as CocoFile;
  expect(coco.images.map((i) => i.id).sort()).toEqual([1, 2]);
  expect(coco.annotations).toHaveLength(4);
  const date = coco.annotations.find((a) => coco.categories.find((c) => c.id === a.category_id)?.name === 'date')!;
  expect(date.bbox).toEqual([300.25, 500, 120.5, 30.25]);
  expect(date.area).toBeCloseTo(120.5 * 30.25, 6);
  await page.keyboard.press('Escape');

  // Back in as predictions, with one annotation that points outside its image.
  coco.annotations.push({ ...coco.annotations[0]!, id: 99, bbox: [590, 10, 500, 20], area: 10_000 });
  const broken = join(host.dataDir, 'with-broken.json');
  await writeFile(broken, JSON.stringify(coco));
  await page.getByTestId('import-annotations-button').click();
  const importDialog = page.getByTestId('annotations-import-dialog');
  await importDialog.getByTestId('annotations-import-format').selectOption('coco');
  await importDialog.getByTestId('annotations-import-as').selectOption('predictions');
  await importDialog.getByTestId('annotations-import-file').fill(broken);
  await importDialog.getByTestId('annotations-import-who').fill('coco-roundtrip');
  await importDialog.getByTestId('annotations-import-images').fill(out);
  await importDialog.getByTestId('annotations-import-start').click();
  await expect(importDialog.getByTestId('annotations-import-job')).toHaveAttribute('data-state', 'completed');
  await expect(importDialog.getByTestId('annotations-import-summary')).toContainText('2 documents imported');
  await expect(importDialog.getByTestId('annotations-import-summary')).toContainText('4 predictions');
  const problem = importDialog.getByTestId('annotations-import-problem').first();
  await expect(problem).toContainText('id 99');
  await expect(problem).toContainText('bbox');

  // The predictions are the exported boxes, attributed to the model name given.
  const state = await callHost(host, 'annotations.get', { projectId: project.id, documentId: items[0]!.id });
  const predicted = state.predictions.filter((p) => p.model === 'coco-roundtrip' && p.kind === 'box');
  expect(predicted).toHaveLength(2);
  expect(predicted.find((p) => p.label === 'date')).toMatchObject({ x: 300.25, y: 500, w: 120.5, h: 30.25 });
});

