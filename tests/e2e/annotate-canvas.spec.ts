import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { Box } from '../../src/shared/domain/model';
import { multiPagePdf, pagePng } from '../helpers/fixtures';
import { createProject, expect, openFolio, test, type FolioHost } from './fixtures';
import { callHost, importAndWait } from './rpc';
import { withToolbarControl } from './toolbar';

/**
 * The canvas, driven like an annotator drives it: every gesture below ends in SQLite, and a
 * reload (or a killed host) shows exactly what was saved, within 0.5 px of what was drawn.
 */

interface Setup {
  projectId: string;
  documentId: string;
  pages: { id: string; width: number; height: number }[];
}

async function setUp(page: Page, host: FolioHost): Promise<Setup> {
  const projectId = await createProject(page, host, 'Canvas');
  await callHost(host, 'projects.update', {
    projectId,
    labels: [
      { name: 'total', color: '#e5484d', hotkey: '1' },
      { name: 'date', color: '#30a46c', hotkey: '2' },
    ],
  });
  const file = join(host.dataDir, 'two-pages.pdf');
  await writeFile(file, await multiPagePdf(2));
  const job = await importAndWait(host, projectId, [file]);
  expect(job.failed).toEqual([]);
  const { items } = await callHost(host, 'documents.list', { projectId });
  const doc = await callHost(host, 'documents.get', { projectId, documentId: items[0]!.id });
  return { projectId, documentId: doc.id, pages: doc.pages };
}

async function openDocument(page: Page, host: FolioHost, s: Setup, pageNumber = 1) {
  await openFolio(page, host, `#/projects/${s.projectId}/documents/${s.documentId}${pageNumber > 1 ? `?page=${pageNumber}` : ''}`);
  await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-image-state', 'loaded');
  await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-boxes', /\d+/);
}

/** Image pixel → page coordinates of the mouse, from the stage transform the canvas reports. */
async function transform(page: Page) {
  const canvas = page.getByTestId('page-canvas');
  const area = (await canvas.boundingBox())!;
  const scale = Number(await canvas.getAttribute('data-scale'));
  const [ox, oy] = ((await canvas.getAttribute('data-offset')) ?? '0,0').split(',').map(Number) as [number, number];
  return {
    scale,
    toScreen: (x: number, y: number) => ({ x: area.x + ox + x * scale, y: area.y + oy + y * scale }),
    toImage: (sx: number, sy: number) => ({ x: (sx - area.x - ox) / scale, y: (sy - area.y - oy) / scale }),
  };
}

async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }) {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 6 });
  await page.mouse.up();
}

async function saved(host: FolioHost, s: Setup): Promise<Box[]> {
  return (await callHost(host, 'annotations.get', { projectId: s.projectId, documentId: s.documentId })).boxes;
}

async function waitSaved(page: Page) {
  await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-save-state', 'saved');
}

const near = (actual: number, expected: number) => expect(Math.abs(actual - expected), `${actual} vs ${expected}`).toBeLessThanOrEqual(0.5);

test('draw, move, resize, nudge, relabel, delete, undo/redo and copy-paste to another page all reach the database', async ({ page, host }) => {
  const s = await setUp(page, host);
  await openDocument(page, host, s);
  const t = await transform(page);

  // Draw a box with the rectangle tool; the hotkey labels it.
  await page.keyboard.press('r');
  const a = t.toScreen(200, 300);
  const b = { x: a.x + 150.5, y: a.y + 40.25 };
  await drag(page, a, b);
  await page.keyboard.press('1');
  await waitSaved(page);
  let boxes = await saved(host, s);
  expect(boxes).toHaveLength(1);
  const drawnFrom = t.toImage(a.x, a.y);
  const drawnTo = t.toImage(b.x, b.y);
  near(boxes[0]!.x, drawnFrom.x);
  near(boxes[0]!.y, drawnFrom.y);
  near(boxes[0]!.w, drawnTo.x - drawnFrom.x);
  near(boxes[0]!.h, drawnTo.y - drawnFrom.y);
  expect(boxes[0]!.label).toBe('total');
  const drawn = boxes[0]!;

  // Move it by dragging with the select tool.
  await page.keyboard.press('v');
  const centre = t.toScreen(drawn.x + drawn.w / 2, drawn.y + drawn.h / 2);
  await drag(page, centre, { x: centre.x + 40, y: centre.y + 25 });
  await waitSaved(page);
  boxes = await saved(host, s);
  near(boxes[0]!.x, drawn.x + 40 / t.scale);
  near(boxes[0]!.y, drawn.y + 25 / t.scale);
  near(boxes[0]!.w, drawn.w);
  const moved = boxes[0]!;

  // Resize from the bottom-right handle.
  const corner = t.toScreen(moved.x + moved.w, moved.y + moved.h);
  await drag(page, corner, { x: corner.x + 30, y: corner.y + 12 });
  await waitSaved(page);
  boxes = await saved(host, s);
  near(boxes[0]!.x, moved.x);
  near(boxes[0]!.w, moved.w + 30 / t.scale);
  near(boxes[0]!.h, moved.h + 12 / t.scale);
  const resized = boxes[0]!;

  // Nudge 1 px ×3 and 10 px, resize with Alt+arrow, relabel with the other hotkey.
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Shift+ArrowDown');
  await page.keyboard.press('Alt+ArrowRight');
  await page.keyboard.press('2');
  await waitSaved(page);
  boxes = await saved(host, s);
  near(boxes[0]!.x, resized.x + 3);
  near(boxes[0]!.y, resized.y + 10);
  near(boxes[0]!.w, resized.w + 1);
  expect(boxes[0]!.label).toBe('date');
  const nudged = boxes[0]!;

  // Undo twice (relabel, resize), redo once.
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+Shift+z');
  await waitSaved(page);
  boxes = await saved(host, s);
  expect(boxes[0]!.label).toBe('total');
  near(boxes[0]!.w, resized.w + 1);

  // Copy, go to page 2, paste: the box lands on page 2 where it was on page 1.
  await page.keyboard.press('Control+c');
  await page.keyboard.press('PageDown');
  await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-image-state', 'loaded');
  await page.keyboard.press('Control+v');
  await waitSaved(page);
  boxes = await saved(host, s);
  const onPage2 = boxes.filter((x) => x.pageId === s.pages[1]!.id);
  expect(onPage2).toHaveLength(1);
  near(onPage2[0]!.x, nudged.x);
  near(onPage2[0]!.y, nudged.y);

  // Delete it, undo brings it back, redo deletes again.
  await page.keyboard.press('Delete');
  await waitSaved(page);
  expect((await saved(host, s)).filter((x) => x.pageId === s.pages[1]!.id)).toHaveLength(0);
  await page.keyboard.press('Control+z');
  await waitSaved(page);
  expect((await saved(host, s)).filter((x) => x.pageId === s.pages[1]!.id)).toHaveLength(1);
  await page.keyboard.press('Control+Shift+z');
  await waitSaved(page);
  const final = await saved(host, s);
  expect(final.filter((x) => x.pageId === s.pages[1]!.id)).toHaveLength(0);

  // A reload shows exactly what was saved.
  await page.reload();
  await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-image-state', 'loaded');
  await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-boxes', '0');
  await page.keyboard.press('PageUp');
  await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-boxes', '1');
  expect(await saved(host, s)).toEqual(final);
});

test('marquee selects, shift-click adds, and every finished edit survives the host being killed', async ({ page, host }) => {
  const s = await setUp(page, host);
  await openDocument(page, host, s);
  const t = await transform(page);
  await page.keyboard.press('r');
  for (let i = 0; i < 3; i++) {
    const p = t.toScreen(100 + i * 300, 600);
    await drag(page, p, { x: p.x + 60, y: p.y + 20 });
    await page.keyboard.press('r');
  }
  await page.keyboard.press('v');
  // Marquee around the first two selects them; Delete removes both.
  const m0 = t.toScreen(80, 580);
  const m1 = t.toScreen(560, 700);
  await drag(page, m0, m1);
  await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-selected', '2');
  const third = t.toScreen(400 + 300, 600 + 5);
  await page.keyboard.down('Shift');
  await page.mouse.click(third.x + 5, third.y + 5);
  await page.keyboard.up('Shift');
  await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-selected', '3');
  await page.keyboard.press('1');
  // Kill the host right after the edit has been saved (autosave takes well under half a second).
  await waitSaved(page);
  await host.kill();
  await host.restart();
  await openDocument(page, host, s);
  const boxes = await saved(host, s);
  expect(boxes).toHaveLength(3);
  expect(boxes.every((b) => b.label === 'total')).toBe(true);
  await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-boxes', '3');
});

test('a large tiled scan opens at fit zoom without asking for full-resolution tiles; zooming in fetches only the tiles in view', async ({ page, host }) => {
  const projectId = await createProject(page, host, 'Large scan');
  const file = join(host.dataDir, 'large-scan.png');
  await writeFile(file, await pagePng(3, 6_000, 8_000));
  const job = await importAndWait(host, projectId, [file]);
  expect(job.failed).toEqual([]);
  const { items } = await callHost(host, 'documents.list', { projectId });
  const doc = await callHost(host, 'documents.get', { projectId, documentId: items[0]!.id });
  const tiles = doc.pages[0]!.tiles!;
  expect(tiles).not.toBeNull();
  const requested: string[] = [];
  page.on('request', (r) => {
    // By path: the signature and expiry after it do not say which tile it is.
    if (r.url().includes(`/media/${tiles.path}/`)) requested.push(new URL(r.url()).pathname);
  });
  await openDocument(page, host, { projectId, documentId: doc.id, pages: doc.pages });
  // Past the 150 ms in which the zoom settles.
  await page.waitForTimeout(600);
  expect(requested).toEqual([]);
  // At 100 % the full-resolution tiles in (and one tile around) the view, not the whole page.
  await withToolbarControl(page, 'zoom-100', (button) => button.click());
  await expect.poll(() => requested.length).toBeGreaterThan(0);
  await page.waitForTimeout(600);
  const levels = new Set(requested.map((u) => /\/(\d+)\/\d+_\d+\.\w+$/.exec(u)?.[1]));
  expect([...levels]).toEqual([String(tiles.maxLevel)]);
  const area = (await page.getByTestId('page-canvas').boundingBox())!;
  const inView = (Math.ceil(area.width / tiles.size) + 3) * (Math.ceil(area.height / tiles.size) + 3);
  expect(new Set(requested).size).toBeLessThanOrEqual(inView);
  expect(new Set(requested).size).toBeLessThan(Math.ceil(6_000 / tiles.size) * Math.ceil(8_000 / tiles.size));
});
