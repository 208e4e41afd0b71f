import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { Box } from '../../src/shared/domain/model';
import { createProject, expect, type FolioHost } from './fixtures';
import { configureWandb, onlyManualSync, sim } from './wandbSim';
import { callHost, importPages } from './rpc';

/**
 * Sync as an annotator sees it: verify in the app, press "Sync now" on the status page, and the
 * job completes with a link to the artifact version; the W&B simulator (a real HTTP server in
 * its own process) is asked what the dataset really holds.
 */

interface Setup {
  projectId: string;
  documents: { id: string; pageId: string; level0: string }[];
}

/** A project with a label and `count` imported page images, shown in the app. */
async function setUp(page: Page, host: FolioHost, count: number): Promise<Setup> {
  const projectId = await createProject(page, host, 'Sync');
  await callHost(host, 'projects.update', { projectId, labels: [{ name: 'total', color: '#e5484d', hotkey: '1' }] });
  const items = await importPages(host, projectId, count);
  expect(items).toHaveLength(count);
  const documents = [];
  for (const item of items) {
    const doc = await callHost(host, 'documents.get', { projectId, documentId: item.id });
    const p = doc.pages[0]!;
    documents.push({ id: doc.id, pageId: p.id, level0: p.levels.find((l) => l.level === 0)!.path });
  }
  return { projectId, documents };
}

/** Two labelled boxes on the document's first page, saved through the API as the canvas would. */
async function saveBoxes(host: FolioHost, projectId: string, doc: Setup['documents'][number]): Promise<void> {
  const box = (id: string, y: number, transcription: string): Box => ({ id, pageId: doc.pageId, label: 'total', x: 40, y, w: 200, h: 40, transcription, locked: false, hidden: false, originPredictionId: null });
  const state = await callHost(host, 'annotations.get', { projectId, documentId: doc.id });
  await callHost(host, 'annotations.save', { projectId, documentId: doc.id, baseRevision: state.revision, upsertBoxes: [box(`${doc.id.slice(0, 8)}-a`, 60, '12.50'), box(`${doc.id.slice(0, 8)}-b`, 160, '99.00')] });
}

/** Open the document and verify it in the app. */
async function verifyInApp(page: Page, host: FolioHost, projectId: string, documentId: string, how: 'button' | 'keys'): Promise<void> {
  await page.goto(`${host.url}#/projects/${projectId}/documents/${documentId}`);
  await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-boxes', '2');
  if (how === 'button') await page.getByTestId('verify-button').click();
  else {
    await page.getByTestId('page-canvas').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+Enter');
  }
  await expect(page.getByTestId('annotation-status')).toHaveText('Verified v1');
}

sim('without a key Folio works and says why nothing syncs; with one, "Sync now" sends the verified documents to a W&B dataset version', async ({ page, host, wandb }) => {
  const s = await setUp(page, host, 2);
  await onlyManualSync(host);
  const indicator = page.getByTestId('sync-indicator');

  // --- No key: annotating and verifying work; the indicator says calmly why nothing syncs.
  await expect(indicator).toHaveAttribute('data-state', 'not_configured');
  await expect(page.getByTestId('sync-indicator-reason')).toContainText('no W&B API key');
  for (const doc of s.documents) await saveBoxes(host, s.projectId, doc);
  await verifyInApp(page, host, s.projectId, s.documents[0]!.id, 'button');
  // Live from sync.changed: the count moves without a reload.
  await expect(indicator).toHaveAttribute('data-pending', '1');
  await expect(page.getByTestId('sync-indicator-pending')).toHaveText('1 waiting');
  await expect(page.getByTestId('sync-indicator-reason')).toContainText('1 verified document will sync');

  // The status page says the same, links to Settings, and offers no "Sync now".
  await indicator.click();
  await expect(page.getByTestId('sync-page')).toBeVisible();
  await expect(page.getByTestId('sync-banner')).toHaveAttribute('data-state', 'not_configured');
  await expect(page.getByTestId('sync-message')).toContainText('Folio works fully offline');
  await expect(page.getByTestId('sync-now')).toBeDisabled();
  await expect(page.getByTestId('sync-stat-pending')).toContainText('1');
  await expect(page.getByTestId('sync-jobs-empty')).toBeVisible();
  await page.getByTestId('sync-open-settings').click();
  await expect(page.getByTestId('settings-page')).toBeVisible();

  // --- The second document verified with the keyboard.
  await verifyInApp(page, host, s.projectId, s.documents[1]!.id, 'keys');
  await expect(indicator).toHaveAttribute('data-pending', '2');

  // --- Sync settings: the core's refusal shows next to the field; good values are kept.
  await page.getByTestId('nav-sync').click();
  await page.getByTestId('sync-config-batchSize').fill('0');
  await page.getByTestId('sync-config-save').click();
  await expect(page.getByTestId('sync-config-batchSize-error')).toContainText('at least 1 verified version');
  await page.getByTestId('sync-config-batchSize').fill('50');
  await page.getByTestId('sync-config-save').click();
  await expect(page.getByTestId('sync-config-batchSize-error')).toHaveCount(0);
  await expect.poll(async () => (await callHost(host, 'sync.config.get', {})).batchSize).toBe(50);

  // --- With W&B configured: Sync now.
  await configureWandb(host, wandb);
  await page.reload();
  await expect(page.getByTestId('sync-page')).toBeVisible();
  await expect(page.getByTestId('sync-banner')).not.toHaveAttribute('data-state', 'not_configured');
  const syncNow = page.getByTestId('sync-now');
  await expect(syncNow).toBeEnabled();
  await syncNow.click();

  const job = page.getByTestId('sync-job').first();
  await expect(job).toHaveAttribute('data-state', 'completed', { timeout: 60_000 });
  await expect(job.getByTestId('sync-job-version')).toHaveText('v0');
  await expect(job.getByTestId('sync-job-documents')).toHaveText('2');
  await expect(job.getByTestId('sync-job-artifact-link')).toHaveText(/v0/);
  await expect(job.getByTestId('sync-job-run-link')).toBeVisible();
  await expect(page.getByTestId('sync-stat-pending')).toContainText('0');
  await expect(page.getByTestId('sync-stat-done')).toContainText('2');
  await expect(indicator).toHaveAttribute('data-pending', '0');
  await expect(indicator).toHaveAttribute('data-state', 'idle');
  await expect(page.getByTestId('sync-indicator-label')).toHaveText('Synced');
  await expect(syncNow).toBeEnabled();

  // The links are the ones the core recorded; in the browser host they open in a new tab (the
  // desktop app opens them through the shell, https and the W&B host only).
  const jobs = await callHost(host, 'sync.jobs', { limit: 5 });
  const done = jobs.find((j) => j.state === 'completed')!;
  expect(done.trigger).toBe('now');
  expect(done.artifactVersion).toBe('v0');
  await expect(job.getByTestId('sync-job-artifact-link')).toHaveAttribute('href', done.artifactUrl!);
  await expect(job.getByTestId('sync-job-run-link')).toHaveAttribute('href', done.runUrl!);
  const popup = page.waitForEvent('popup');
  await job.getByTestId('sync-job-artifact-link').click();
  expect((await popup).url()).toBe(done.artifactUrl!);
  await expect(page.getByTestId('sync-page')).toBeVisible(); // Folio itself stays where it was

  // What W&B really holds: one version, both annotation versions once, every digest right.
  const summary = await wandb.summary();
  expect(summary.problems).toEqual([]);
  expect(summary.versionIndex).toBe(0);
  expect(summary.rows).toBe(2);
  expect(summary.annotationVersions).toBe(2);
  expect(summary.duplicated).toBe(0);
});

sim('a verified document whose page image is gone goes to dead with its reason, and can be retried or discarded', async ({ page, host, wandb }) => {
  const s = await setUp(page, host, 2);
  await onlyManualSync(host);
  await configureWandb(host, wandb);
  for (const doc of s.documents) {
    await saveBoxes(host, s.projectId, doc);
    const result = await callHost(host, 'annotations.verify', { projectId: s.projectId, documentId: doc.id });
    expect(result.result).toBe('verified');
  }
  const [good, poison] = s.documents as [Setup['documents'][number], Setup['documents'][number]];
  await rm(join(host.dataDir, 'media', ...poison.level0.split('/')));

  await page.getByTestId('nav-sync').click();
  await expect(page.getByTestId('sync-stat-pending')).toContainText('2');
  await page.getByTestId('sync-now').click();
  const job = page.getByTestId('sync-job').first();
  await expect(job).toHaveAttribute('data-state', 'completed', { timeout: 60_000 });
  await expect(job.getByTestId('sync-job-version')).toHaveText('v0');
  await expect(job.getByTestId('sync-job-documents')).toContainText('1 dead');

  // The dead item, with the engine's reason; the good document reached W&B.
  const dead = page.getByTestId('sync-dead-item');
  await expect(dead).toHaveCount(1);
  await expect(dead.getByTestId('sync-dead-reason')).toContainText(poison.level0.split('/').pop()!);
  await expect(page.getByTestId('sync-stat-dead')).toContainText('1');
  await expect(page.getByTestId('sync-indicator')).toHaveAttribute('data-pending', '0');
  await expect(page.getByTestId('sync-indicator-reason')).toContainText('could not be sent');
  const summary = await wandb.summary();
  expect(summary.problems).toEqual([]);
  expect(summary.rows).toBe(1);
  expect(good.id).not.toBe(poison.id);

  // Retry puts it back in the queue.
  await dead.getByTestId('sync-dead-retry').click();
  await expect(page.getByTestId('sync-dead-empty')).toBeVisible();
  await expect(page.getByTestId('sync-stat-pending')).toContainText('1');
  await expect(page.getByTestId('sync-indicator')).toHaveAttribute('data-pending', '1');

  // The image is still gone: the next build sends it to dead again.
  await page.getByTestId('sync-now').click();
  await expect(page.getByTestId('sync-dead-item')).toHaveCount(1, { timeout: 60_000 });

  // Discard asks first; Cancel keeps it, Discard removes it.
  await page.getByTestId('sync-dead-discard').click();
  await expect(page.getByTestId('sync-discard-confirm')).toBeVisible();
  await page.getByTestId('sync-discard-cancel').click();
  await expect(page.getByTestId('sync-dead-item')).toHaveCount(1);
  await page.getByTestId('sync-dead-discard').click();
  await page.getByTestId('sync-discard-confirm-button').click();
  await expect(page.getByTestId('sync-dead-empty')).toBeVisible();
  await expect(page.getByTestId('sync-stat-dead')).toContainText('0');
  expect((await callHost(host, 'sync.status', {})).outbox).toMatchObject({ pending: 0, inFlight: 0, dead: 0 });
  const after = await wandb.summary();
  expect(after.rows).toBe(1);
});
