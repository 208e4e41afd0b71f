import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createProject, expect, openFolio, test } from './fixtures';
import { expectImportFolderSummary, makeImportFolder } from './testFiles';
import { withToolbarControl } from './toolbar';

test('import a folder through the UI: 8 pages, 1 duplicate, the corrupt file with its reason; same after a host restart', async ({ page, host }) => {
  // Generating the files, two imports and a host restart: generous for a 2-core CI machine.
  test.setTimeout(300_000);
  const files = await makeImportFolder();
  try {
    const projectId = await createProject(page, host, 'Import test');
    await expect(page.getByTestId('documents-empty')).toBeVisible();

    await page.getByTestId('import-button').click();
    const dialog = page.getByTestId('import-dialog');
    await expect(dialog).toBeVisible();
    await dialog.getByTestId('import-paths').fill(files.dir);
    await dialog.getByTestId('import-start').click();

    const summary = dialog.getByTestId('import-summary');
    const failure = await expectImportFolderSummary(summary, files.broken);
    const reason = (await failure.locator('.failure-reason').textContent())?.trim() ?? '';
    expect(reason.length, 'the failure says why').toBeGreaterThan(5);
    expect(reason).not.toMatch(/^\s*(Error|undefined|null|\[object)/);
    await dialog.getByTestId('import-done').click();
    await expect(dialog).toHaveCount(0);

    // The list shows the 6 documents and 8 pages; the PDF is one document of 3 pages.
    const assertState = async () => {
      await expect(page.getByTestId('project-page-count')).toHaveText('8 pages');
      await expect(page.getByTestId('project-document-count')).toHaveText('6 documents');
      await expect(page.getByTestId('document-card')).toHaveCount(6);
      const pdfCard = page.getByTestId('document-card').filter({ hasText: 'statement.pdf' });
      await expect(pdfCard.getByTestId('document-pages')).toHaveText('3 pages');
      await expect(page.getByTestId('filter-all')).toContainText('6');
      await expect(page.getByTestId('filter-new')).toContainText('6');
    };
    await assertState();

    // Importing the same folder again adds nothing.
    await page.getByTestId('import-button').click();
    await dialog.getByTestId('import-paths').fill(files.dir);
    await dialog.getByTestId('import-start').click();
    await expect(summary).toBeVisible({ timeout: 180_000 });
    await expect(summary.getByTestId('summary-imported')).toHaveText('0');
    await expect(summary.getByTestId('summary-duplicates')).toHaveText('7');
    await dialog.getByTestId('import-done').click();
    await assertState();

    // Restart the host on the same data folder: everything is still there.
    await host.restart();
    await openFolio(page, host, `#/projects/${encodeURIComponent(projectId)}`);
    await assertState();
    await expect(page.getByTestId('project-title')).toHaveText('Import test');

    // The PDF opens with its three pages, and page 3 draws.
    await page.getByTestId('document-card').filter({ hasText: 'statement.pdf' }).click();
    await withToolbarControl(page, 'page-switcher', (switcher) => expect(switcher).toBeVisible());
    await expect(page.getByTestId('page-strip-item')).toHaveCount(3);
    await withToolbarControl(page, 'page-select', (select) => select.selectOption('3'));
    await expect(page).toHaveURL(/page=3/);
    await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-image-state', 'loaded');

    // Search narrows the list by file name.
    await page.getByTestId('back-to-list').click();
    await page.getByTestId('document-search').fill('statement');
    await expect(page.getByTestId('document-card')).toHaveCount(1);
    await page.getByTestId('document-search').fill('');
    await expect(page.getByTestId('document-card')).toHaveCount(6);

    // The table view shows the same documents with their page counts, and the choice is kept.
    await page.getByTestId('view-table').click();
    await expect(page.getByTestId('document-row')).toHaveCount(6);
    await page.reload();
    await expect(page.getByTestId('document-row')).toHaveCount(6);
  } finally {
    await rm(dirname(files.dir), { recursive: true, force: true });
  }
});

test('errors are readable: a path that does not exist is listed with its reason', async ({ page, host }) => {
  await createProject(page, host, 'Errors');
  const missing = `/nonexistent/folio-e2e-${Date.now()}/scans`;
  await page.getByTestId('import-button').click();
  const dialog = page.getByTestId('import-dialog');

  // Nothing entered: the dialog says what to do instead of failing.
  await dialog.getByTestId('import-start').click();
  await expect(dialog.getByTestId('import-error')).toContainText('at least one');

  await dialog.getByTestId('import-paths').fill(missing);
  await dialog.getByTestId('import-start').click();
  const summary = dialog.getByTestId('import-summary');
  await expect(summary).toBeVisible({ timeout: 60_000 });
  const failure = summary.getByTestId('import-failure');
  await expect(failure).toHaveCount(1);
  await expect(failure).toHaveAttribute('data-path', missing);
  await expect(failure.locator('.failure-reason')).toHaveText(/no such file or folder/i);
  await expect(summary.getByTestId('summary-imported')).toHaveText('0');
  await dialog.getByTestId('import-done').click();

  // Addresses of things that are not there show the core's message, not a blank page.
  await page.goto(`${host.origin}/#/projects/no-such-project`);
  const panel = page.getByTestId('error-panel');
  await expect(panel).toContainText('This project could not be opened');
  expect(((await panel.locator('.error-panel-message').textContent()) ?? '').trim().length).toBeGreaterThan(5);
  await page.goto(`${host.origin}/#/projects/no-such-project/documents/nothing`);
  await expect(page.getByTestId('error-panel')).toContainText('This document could not be opened');
  await page.goto(`${host.origin}/#/somewhere/else`);
  await expect(page.getByTestId('error-panel')).toContainText('Nothing here');
});
