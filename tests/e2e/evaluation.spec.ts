import { truthBoxes } from '../../src/main/core/synth';
import type { Prediction } from '../../src/shared/domain/model';
import { expect, test } from './fixtures';
import { callHost } from './rpc';
import { createDocument, insertPredictions } from './panelsSetup';

/**
 * The Evaluations page: a lead evaluates a model's predictions against a verified version, sees
 * the job finish with its metrics and why nothing went to W&B (no key), opens the per-label
 * scores, and turns the weekly schedule on.
 */

test('evaluate a model from the Evaluations page, read its metrics, schedule it weekly', async ({ page, host }) => {
  const s = await createDocument(page, host, 'Evaluated');
  // The reference: the page's ground truth, verified through the API (its questions left unanswerable).
  const truth = truthBoxes(s.truth, s.pageId);
  const state = await callHost(host, 'annotations.get', { projectId: s.projectId, documentId: s.documentId });
  await callHost(host, 'annotations.save', { projectId: s.projectId, documentId: s.documentId, baseRevision: state.revision, upsertBoxes: truth, upsertQa: state.qa.map((q) => ({ ...q, unanswerable: true })) });
  expect((await callHost(host, 'annotations.verify', { projectId: s.projectId, documentId: s.documentId })).result).toBe('verified');
  // The model found every box but the first four.
  const predicted = truth.slice(4);
  insertPredictions(
    host,
    predicted.map(
      (b, i): Omit<Prediction, 'status'> => ({
        id: `pred-${i}`,
        kind: 'box',
        pageId: s.pageId,
        model: 'acme-ocr',
        label: b.label,
        x: b.x,
        y: b.y,
        w: b.w,
        h: b.h,
        transcription: b.transcription,
        question: null,
        answer: null,
        evidence: [],
        confidence: 0.9,
      }),
    ),
    s.projectId,
    s.documentId,
  );

  await page.getByTestId('nav-evaluations').click();
  await expect(page.getByTestId('evaluations-page')).toBeVisible();
  await expect(page.getByTestId('evaluation-jobs-empty')).toBeVisible();
  await expect(page.getByTestId('evaluation-model')).toContainText('acme-ocr');
  await page.getByTestId('evaluation-version').fill('2026.12');
  await page.getByTestId('evaluation-start').click();

  const job = page.getByTestId('evaluation-job').first();
  await expect(job).toHaveAttribute('data-state', 'completed', { timeout: 30_000 });
  await expect(job).toContainText('acme-ocr');
  await expect(job).toContainText('2026.12');
  // Precision 1, recall (n − 4)/n: F1 = 2(n − 4) / (2n − 4).
  const n = truth.length;
  await expect(job.getByTestId('evaluation-box-f1')).toHaveText(((2 * (n - 4)) / (2 * n - 4)).toFixed(3));
  await expect(job.getByTestId('evaluation-documents')).toHaveText('1');
  await expect(job.getByTestId('evaluation-wandb')).toHaveAttribute('data-status', 'skipped');
  await job.click();
  await expect(page.getByTestId('evaluation-wandb-message')).toContainText('no W&B API key');
  await expect(page.getByTestId('evaluation-per-label')).toBeVisible();

  // Weekly, Tuesdays at 04:30.
  await page.getByTestId('evaluation-schedule-enabled').check();
  await page.getByTestId('evaluation-schedule-weekday').selectOption('2');
  await page.getByTestId('evaluation-schedule-time').fill('04:30');
  await page.getByTestId('evaluation-schedule-save').click();
  await expect(page.getByTestId('evaluation-schedule-next')).toContainText('Next:');
  expect(await callHost(host, 'evaluation.schedule.get', { projectId: s.projectId })).toMatchObject({ enabled: true, weekday: 2, time: '04:30' });
});
