import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Page } from '@playwright/test';
import { generatePage } from '../../src/main/core/synth';
import { createProject, expect, test } from './fixtures';
import { expectImportFolderSummary, makeImportFolder } from './testFiles';

/** A drop on `target` of files built in the page (a page cannot build a folder: folders go through the chooser). */
async function dropFiles(page: Page, target: string, files: { name: string; bytes: Buffer }[]): Promise<void> {
  const dataTransfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) {
      const raw = atob(f.base64);
      const bytes = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
      dt.items.add(new File([bytes], f.name));
    }
    return dt;
  }, files.map((f) => ({ name: f.name, base64: f.bytes.toString('base64') })));
  for (const type of ['dragenter', 'dragover', 'drop']) await page.dispatchEvent(target, type, { dataTransfer });
}

/** What is still in the host's upload staging folder. */
const staged = (dataDir: string): string[] => {
  const root = join(dataDir, 'import-uploads');
  return existsSync(root) ? readdirSync(root) : [];
};

test('a folder chosen and files dropped in the browser are uploaded and imported; a bad file is listed by its dropped path with its reason', async ({ page, host }) => {
  test.setTimeout(300_000);
  const files = await makeImportFolder();
  try {
    await createProject(page, host, 'Dropped');
    await expect(page.getByTestId('documents-empty')).toBeVisible();

    // A whole folder through the browser's folder chooser.
    await page.getByTestId('import-button').click();
    const dialog = page.getByTestId('import-dialog');
    await expect(dialog.getByTestId('import-dropzone')).toBeVisible();
    await dialog.getByTestId('import-folder-input').setInputFiles(files.dir);
    const summary = dialog.getByTestId('import-summary');
    // The broken file is named by the path the user chose, never by the host's staging folder.
    const failure = await expectImportFolderSummary(summary, 'incoming scans/broken.png');
    await expect(failure.locator('.failure-reason')).toHaveText(/\w{5,}/);
    await expect(failure).not.toContainText('import-uploads');
    await dialog.getByTestId('import-done').click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByTestId('document-card')).toHaveCount(6);

    // Two files dropped on the document list: a new scan, and a "PDF" that is text.
    const { png } = await generatePage(777, 0, { width: 900, height: 1200 });
    await dropFiles(page, '[data-testid="document-grid"]', [
      { name: 'receipt 0412.png', bytes: png },
      { name: 'contract.pdf', bytes: Buffer.from('this is a note, not a PDF') },
    ]);
    await expect(dialog).toBeVisible();
    await expect(summary).toBeVisible({ timeout: 120_000 });
    await expect(summary.getByTestId('summary-imported')).toHaveText('1');
    await expect(failure).toHaveCount(1);
    await expect(failure).toHaveAttribute('data-path', 'contract.pdf');
    await expect(failure.locator('.failure-reason')).toHaveText('not an image or PDF (Folio reads PNG, JPEG, TIFF, WebP and PDF files)');
    await dialog.getByTestId('import-done').click();
    await expect(page.getByTestId('document-card')).toHaveCount(7);
    await expect(page.getByTestId('document-card').filter({ hasText: 'receipt 0412.png' })).toHaveCount(1);

    // The staged copies are gone once the imports ended.
    await expect.poll(() => staged(host.dataDir)).toEqual([]);
  } finally {
    await rm(dirname(files.dir), { recursive: true, force: true });
  }
});

test('a drop anywhere in a project imports into it; elsewhere it is refused and the page stays', async ({ page, host }) => {
  const projectId = await createProject(page, host, 'Anywhere');
  const { png } = await generatePage(31, 1, { width: 700, height: 900 });

  // On the project's settings page.
  await page.goto(`${host.origin}/#/projects/${encodeURIComponent(projectId)}/settings`);
  await expect(page.getByTestId('project-settings-form')).toBeVisible();
  await dropFiles(page, 'main', [{ name: 'from-settings.png', bytes: png }]);
  const dialog = page.getByTestId('import-dialog');
  await expect(dialog.getByTestId('import-summary')).toBeVisible({ timeout: 120_000 });
  await expect(dialog.getByTestId('summary-imported')).toHaveText('1');
  await dialog.getByTestId('import-done').click();

  // On the project list there is no project to import into: refused, with a word on why.
  await page.goto(`${host.origin}/#/projects`);
  await expect(page.getByTestId('project-card')).toHaveCount(1);
  await dropFiles(page, 'main', [{ name: 'nowhere.png', bytes: png }]);
  await expect(page.getByText('Open a project to import documents')).toBeVisible();
  await expect(dialog).toHaveCount(0);
  expect(page.url()).toContain('#/projects');
  expect(staged(host.dataDir)).toEqual([]);
});

test('cancelling an upload stops it, imports nothing and leaves nothing staged', async ({ page, host }) => {
  test.setTimeout(180_000);
  const folder = join(host.dataDir, '..', `folio-e2e-big-${Date.now()}`);
  const { png } = await generatePage(5, 2, { width: 800, height: 1000 });
  await rm(folder, { recursive: true, force: true });
  await mkdir(join(folder, 'big scans'), { recursive: true });
  // 12 MB of page images: at 1 MB/s the upload takes long enough to cancel by hand.
  for (let i = 0; i < 6; i++) await writeFile(join(folder, 'big scans', `scan-${i}.png`), Buffer.concat([png, Buffer.alloc(2 * 1024 * 1024 - png.length, i)]));
  try {
    await createProject(page, host, 'Cancel');
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 1024 * 1024 });

    await page.getByTestId('import-button').click();
    const dialog = page.getByTestId('import-dialog');
    await dialog.getByTestId('import-folder-input').setInputFiles(join(folder, 'big scans'));
    const uploading = dialog.getByTestId('import-uploading');
    await expect(uploading).toBeVisible();
    await expect(dialog.getByTestId('upload-count')).toHaveText(/of 6 files/);
    await expect(dialog.getByTestId('upload-current-file')).toHaveText(/big scans\/scan-\d\.png/);
    // Some bytes went, not all.
    await expect.poll(async () => Number(await dialog.getByTestId('upload-progress').getAttribute('aria-valuenow'))).toBeGreaterThan(0);
    await dialog.getByTestId('upload-cancel').click();
    await expect(uploading).toHaveCount(0);
    await expect(dialog.getByTestId('import-notice')).toContainText('The upload was cancelled: nothing was imported');
    await expect.poll(() => staged(host.dataDir)).toEqual([]);
    await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect(page.getByTestId('documents-empty')).toBeVisible();
    expect(await readFile(join(folder, 'big scans', 'scan-0.png')).then((b) => b.length)).toBe(2 * 1024 * 1024);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});
