import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PDFDocument } from 'pdf-lib';
import type { Locator, Page } from '@playwright/test';
import { generatePage, SYNTH_LABELS } from '../../src/main/core/synth';
import { expect, openFolio, test, type FolioHost } from './fixtures';
import { callHost, importAndWait } from './rpc';
import { withToolbarControl } from './toolbar';

/**
 * The document view in a small window: at 1280 × 720 (and 1024 × 700) every toolbar control is on
 * screen and usable, either in the bar or in its "⋯" menu, by mouse and by keyboard; the document's
 * name (truncated, in full in its title) and its status always show; the sidebar collapses and
 * expands (button and Ctrl+B) and remembers it.
 */

const LONG_NAME = 'Quarterly statement for Northwind Traders International Ltd (scanned copy, March 2026).pdf';
/** Every control of the toolbar, for a multi-page document opened from its project's list. */
const CONTROLS = [
  'back-to-list',
  'prev-document',
  'next-document',
  'tool-select',
  'tool-draw',
  'active-label',
  'undo',
  'redo',
  'save-state',
  'annotation-status',
  'verify-button',
  'prev-page',
  'page-select',
  'next-page',
  'zoom-out',
  'zoom-level',
  'zoom-in',
  'zoom-fit-page',
  'zoom-fit-width',
  'zoom-100',
];

async function setUp(host: FolioHost): Promise<{ projectId: string; documentId: string }> {
  await callHost(host, 'settings.update', { annotatorName: 'Ada Tester' });
  const project = await callHost(host, 'projects.create', { name: 'Small windows', labels: SYNTH_LABELS.map((l) => ({ name: l.name, color: l.color })) });
  const pdf = await PDFDocument.create();
  for (let i = 0; i < 2; i++) {
    const { png } = await generatePage(31, i, { width: 850, height: 1100 });
    pdf.addPage([612, 792]).drawImage(await pdf.embedPng(png), { x: 0, y: 0, width: 612, height: 792 });
  }
  const pdfFile = join(host.dataDir, LONG_NAME);
  await writeFile(pdfFile, await pdf.save());
  const pngFile = join(host.dataDir, 'receipt.png');
  await writeFile(pngFile, (await generatePage(31, 5, { kind: 'receipt', width: 600, height: 900 })).png);
  const job = await importAndWait(host, project.id, [pdfFile, pngFile]);
  expect(job.failed).toEqual([]);
  const { items } = await callHost(host, 'documents.list', { projectId: project.id });
  return { projectId: project.id, documentId: items.find((d) => d.sourceName === LONG_NAME)!.id };
}

async function openDocument(page: Page, host: FolioHost, projectId: string, documentId: string) {
  await openFolio(page, host, `#/projects/${projectId}`);
  // From the list, so the toolbar has a previous/next document.
  await page.locator(`[data-testid="document-card"][data-document-id="${documentId}"]`).click();
  await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-image-state', 'loaded');
}

/** Why `el` cannot be seen and clicked where it is, or null when it can. */
async function blocked(page: Page, el: Locator): Promise<string | null> {
  if (!(await el.isVisible())) return 'not visible';
  const box = await el.boundingBox();
  const view = page.viewportSize()!;
  if (!box || box.width < 4 || box.height < 4) return `${box ? `${Math.round(box.width)} × ${Math.round(box.height)} px` : 'no box'}`;
  if (box.x < 0 || box.y < 0 || box.x + box.width > view.width + 0.5 || box.y + box.height > view.height + 0.5) {
    return `outside the ${view.width} × ${view.height} window (x ${Math.round(box.x)}–${Math.round(box.x + box.width)})`;
  }
  const covered = await el.evaluate((node) => {
    const r = node.getBoundingClientRect();
    const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    return hit && (hit === node || node.contains(hit)) ? null : `covered by ${hit?.outerHTML.slice(0, 80) ?? 'nothing'}`;
  });
  return covered;
}

/** Each control, in the bar or else in the open "⋯" menu: where it was found, or why not. */
async function whereIsEveryControl(page: Page): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  const missing: string[] = [];
  const bar = page.getByTestId('document-view').locator('header');
  for (const id of CONTROLS) {
    const inBar = bar.getByTestId(id);
    if ((await inBar.count()) === 1) found[id] = (await blocked(page, inBar)) ?? 'bar';
    else missing.push(id);
  }
  if (missing.length) {
    if ((await page.getByTestId('toolbar-more').count()) === 1) await page.getByTestId('toolbar-more').click();
    const menu = page.getByTestId('toolbar-menu');
    for (const id of missing) {
      const inMenu = menu.getByTestId(id);
      found[id] = (await inMenu.count()) === 1 ? ((await blocked(page, inMenu)) ?? 'menu') : 'missing';
    }
    if ((await menu.count()) === 1) await page.keyboard.press('Escape');
  }
  // Anything not found in a usable place is reported with the reason.
  for (const id of CONTROLS) if (found[id] !== 'bar' && found[id] !== 'menu') found[id] = `unreachable: ${found[id]}`;
  return found;
}

async function nameAndStatusShow(page: Page) {
  const title = page.getByTestId('document-title');
  expect(await blocked(page, title)).toBeNull();
  await expect(title).toHaveAttribute('title', LONG_NAME);
  // The start of the name is readable, the rest truncated.
  expect((await title.boundingBox())!.width).toBeGreaterThan(60);
  expect(await title.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  expect(await blocked(page, page.locator('.doc-title').getByTestId('status-chip'))).toBeNull();
}

test('at 1280 × 720 every toolbar control is reachable and usable, by mouse and keyboard; name and status show', async ({ page, host }) => {
  const { projectId, documentId } = await setUp(host);
  await page.setViewportSize({ width: 1280, height: 720 });
  await openDocument(page, host, projectId, documentId);

  const where = await whereIsEveryControl(page);
  expect(Object.entries(where).filter(([, w]) => w.startsWith('unreachable')), JSON.stringify(where, null, 1)).toEqual([]);
  expect(Object.values(where), 'some groups moved into the menu').toContain('menu');
  await nameAndStatusShow(page);

  // By mouse, from wherever each lives.
  const use = (id: string) => withToolbarControl(page, id, (control) => control.click());
  const canvas = page.getByTestId('page-canvas');
  const scaleBefore = Number(await canvas.getAttribute('data-scale'));
  await use('zoom-in');
  await expect.poll(async () => Number(await canvas.getAttribute('data-scale'))).toBeGreaterThan(scaleBefore * 1.2);
  await use('tool-draw');
  await expect(page.getByTestId('tool-draw')).toHaveAttribute('aria-pressed', 'true');
  await use('next-page');
  await expect(page).toHaveURL(/\?page=2$/);
  await use('zoom-fit-page');

  // By keyboard: Tab to "⋯", Enter opens it on its first control, arrows move, Enter uses, Esc closes.
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  let tabs = 0;
  while (tabs++ < 60 && (await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))) !== 'toolbar-more') await page.keyboard.press('Tab');
  await expect(page.getByTestId('toolbar-more')).toBeFocused();
  await page.keyboard.press('Enter');
  const menu = page.getByTestId('toolbar-menu');
  await expect(menu).toBeVisible();
  expect(await menu.evaluate((m) => m.contains(document.activeElement))).toBe(true);
  const first = await page.evaluate(() => document.activeElement?.getAttribute('data-testid'));
  await page.keyboard.press('ArrowDown');
  expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).not.toBe(first);
  let steps = 0;
  while (steps++ < 30 && (await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))) !== 'zoom-in') await page.keyboard.press('ArrowDown');
  await expect(menu.getByTestId('zoom-in')).toBeFocused();
  const scale = Number(await canvas.getAttribute('data-scale'));
  await page.keyboard.press('Enter');
  await expect.poll(async () => Number(await canvas.getAttribute('data-scale'))).toBeGreaterThan(scale * 1.2);
  // Used, the control closes the menu like any menu item, and the focus is back on "⋯".
  await expect(menu).toHaveCount(0);
  await expect(page.getByTestId('toolbar-more')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(menu).toBeVisible();
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('Escape');
  await expect(menu).toHaveCount(0);
  await expect(page.getByTestId('toolbar-more')).toBeFocused();
  // Arrows and Escape in the menu were the menu's: no box moved, the document is still open.
  await expect(page.getByTestId('document-view')).toBeVisible();
});

test('the sidebar collapses and expands by button and Ctrl+B, is remembered, and starts collapsed in a narrow window', async ({ page, host }) => {
  const { projectId, documentId } = await setUp(host);
  await page.setViewportSize({ width: 1280, height: 720 });
  await openDocument(page, host, projectId, documentId);
  const sidebar = page.getByTestId('sidebar');
  const toggle = page.getByTestId('sidebar-toggle');
  const canvasWidth = async () => (await page.getByTestId('page-canvas').boundingBox())!.width;
  // Never chosen: at 1280 px the canvas gets the room.
  await expect(sidebar).toHaveAttribute('data-collapsed', 'true');
  expect((await sidebar.boundingBox())!.width).toBeLessThan(64);
  await expect(toggle).toHaveAttribute('aria-expanded', 'false');
  // Collapsed, every link is still there by name.
  await expect(page.getByRole('link', { name: 'Documents', exact: true })).toBeVisible();
  const roomy = await canvasWidth();

  await toggle.click();
  await expect(sidebar).toHaveAttribute('data-collapsed', 'false');
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  expect((await sidebar.boundingBox())!.width).toBeGreaterThan(150);
  await expect.poll(canvasWidth).toBeLessThan(roomy - 100);
  await expect.poll(async () => (await callHost(host, 'settings.get', {})).ui.sidebar).toBe('expanded');
  // Expanded in a small window, the toolbar still shows the name and status.
  await nameAndStatusShow(page);

  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.press('Control+b');
  await expect(sidebar).toHaveAttribute('data-collapsed', 'true');
  await expect.poll(canvasWidth).toBeGreaterThan(roomy - 2);
  await expect.poll(async () => (await callHost(host, 'settings.get', {})).ui.sidebar).toBe('collapsed');
  await page.keyboard.press('Control+b');
  await expect(sidebar).toHaveAttribute('data-collapsed', 'false');
  await expect.poll(async () => (await callHost(host, 'settings.get', {})).ui.sidebar).toBe('expanded');
  // Remembered: expanded after a reload, although the window is narrow.
  await page.reload();
  await expect(page.getByTestId('sidebar')).toHaveAttribute('data-collapsed', 'false');

  // Back to never chosen: collapsed at 1024 × 700, where every control is still reachable; expanded at 1440.
  await callHost(host, 'settings.update', { ui: { sidebar: 'auto' } });
  await page.setViewportSize({ width: 1024, height: 700 });
  await openDocument(page, host, projectId, documentId);
  await expect(page.getByTestId('sidebar')).toHaveAttribute('data-collapsed', 'true');
  await nameAndStatusShow(page);
  const where = await whereIsEveryControl(page);
  expect(Object.entries(where).filter(([, w]) => w.startsWith('unreachable')), JSON.stringify(where, null, 1)).toEqual([]);
  await page.setViewportSize({ width: 1440, height: 900 });
  await expect(page.getByTestId('sidebar')).toHaveAttribute('data-collapsed', 'false');
});
