import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Page } from '@playwright/test';
import type { SynthDocument } from '../../src/main/core/synth';
import type { DrawnText } from '../../src/renderer/src/annotate/canvas/draw';
import { withClaudeSimulator } from './claudeSim';
import { expect, openFolio } from './fixtures';
import { toScreen } from './panelsSetup';
import { callHost } from './rpc';

/**
 * The page stays readable under its predictions: a demo invoice pre-annotated by the Claude
 * simulator, opened at fit zoom, must have no label or confidence text drawn over what is printed
 * on the page (the generator's ground-truth text boxes, and the page image's own ink); zoomed in,
 * label text appears where there is room, and T hides it for predictions as well as boxes.
 */

type Drawn = DrawnText;
type R = { x: number; y: number; w: number; h: number };

const withSim = withClaudeSimulator({ timeScale: 0.1, seed: 4242 });

const overlapArea = (a: R, b: R) => Math.max(0, Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y));

/** The page's pixels as luminance, to find ink under drawn text independently of the app. */
async function pageInk(file: string) {
  const { data, info } = await sharp(file).greyscale().raw().toBuffer({ resolveWithObject: true });
  const sorted = Uint8Array.from(data).sort();
  const paper = sorted[Math.floor(sorted.length / 2)]!;
  /** Pixels under `r` that are clearly ink (far darker than the paper). */
  return (r: R) => {
    let n = 0;
    for (let y = Math.max(0, Math.floor(r.y)); y < Math.min(info.height, Math.ceil(r.y + r.h)); y++) {
      for (let x = Math.max(0, Math.floor(r.x)); x < Math.min(info.width, Math.ceil(r.x + r.w)); x++) if (paper - data[y * info.width + x]! > 80) n++;
    }
    return n;
  };
}

async function drawnTexts(page: Page): Promise<Drawn[]> {
  return page.evaluate(() => ((window as unknown as { __folioDrawnText: { texts?: Drawn[] } }).__folioDrawnText.texts ?? []).map((t) => ({ ...t })));
}

withSim('label text never covers the page text of a pre-annotated invoice; zoomed in it is readable, and T hides it for predictions too', async ({ page, host, claude }) => {
  withSim.setTimeout(180_000);
  await callHost(host, 'settings.update', { annotatorName: 'Ada Tester', anthropic: { baseUrl: claude.url } });
  await callHost(host, 'settings.setSecret', { name: 'anthropicApiKey', value: 'sk-ant-e2e-simulated-key' });
  const project = await callHost(host, 'projects.openDemo', {});
  const sourceDir = join(host.dataDir, 'demo-source');
  await claude.truth.registerDirectory(sourceDir);
  const { items } = await callHost(host, 'documents.list', { projectId: project.id, limit: 100 });
  const doc = items.filter((d) => d.sourceName.startsWith('invoice-')).sort((a, b) => a.sourceName.localeCompare(b.sourceName))[0]!;
  const run = await callHost(host, 'preannotate.start', { projectId: project.id, documentIds: [doc.id], concurrency: 1 });
  await expect.poll(async () => (await callHost(host, 'preannotate.get', { runId: run.runId })).state, { timeout: 60_000 }).toBe('completed');
  const state = await callHost(host, 'annotations.get', { projectId: project.id, documentId: doc.id });
  const predictions = state.predictions.filter((p) => p.kind === 'box' && p.status === 'pending' && p.x !== null);
  expect(predictions.length).toBeGreaterThan(20);

  const truth = JSON.parse(await readFile(join(sourceDir, doc.sourceName.replace(/\.png$/, '.json')), 'utf8')) as SynthDocument;
  const printed = truth.boxes.filter((b) => b.text).map((b) => ({ x: b.x, y: b.y, w: b.width, h: b.height, text: b.text }));
  const inkUnder = await pageInk(join(sourceDir, doc.sourceName));
  /** Every drawn label that lies on printed text: on a ground-truth text box or on the page's ink. */
  const onPageText = (texts: Drawn[]) =>
    texts.flatMap((t) => {
      const hits = printed.filter((b) => overlapArea(t, b) > 0).map((b) => `"${b.text}"`);
      const ink = inkUnder(t);
      return hits.length || ink > 8 ? [`"${t.text}" at ${Math.round(t.x)},${Math.round(t.y)} covers ${hits.join(', ') || `${ink} ink pixels`}`] : [];
    });

  await page.setViewportSize({ width: 1440, height: 900 });
  await page.addInitScript(() => ((window as unknown as { __folioDrawnText: object }).__folioDrawnText = {}));
  await openFolio(page, host, `#/projects/${project.id}/documents/${doc.id}`);
  const canvas = page.getByTestId('page-canvas');
  await expect(canvas).toHaveAttribute('data-image-state', 'loaded');
  // Every pending prediction of the page is on the canvas (question answers among them).
  await expect(canvas).toHaveAttribute('data-predictions', String(state.predictions.filter((p) => p.status === 'pending').length));

  // The canvas reports every frame's labels (so an empty list below means none were drawn).
  await expect.poll(() => page.evaluate(() => (window as unknown as { __folioDrawnText: { frames?: number } }).__folioDrawnText.frames ?? 0)).toBeGreaterThan(0);

  // Fit zoom: nothing drawn over the page's text.
  await page.keyboard.press('f');
  await expect.poll(async () => onPageText(await drawnTexts(page)), { timeout: 5_000 }).toEqual([]);

  // Zoomed in on the line items, 100% to over 200%: label text appears where there is room, and
  // still never on the page's text.
  const lineItems = predictions.filter((p) => p.label?.startsWith('line_item_'));
  const centre = {
    x: lineItems.reduce((sum, p) => sum + p.x! + p.w! / 2, 0) / lineItems.length,
    y: lineItems.reduce((sum, p) => sum + p.y! + p.h! / 2, 0) / lineItems.length,
  };
  for (const target of [1, 1.5, 2.2]) {
    for (let i = 0; i < 40 && Number(await canvas.getAttribute('data-scale')) < target; i++) {
      const at = await toScreen(page, centre.x, centre.y);
      await page.mouse.move(at.x, at.y);
      await page.mouse.wheel(0, -100);
      await page.waitForTimeout(30);
    }
    await expect.poll(async () => (await drawnTexts(page)).filter((t) => t.kind === 'prediction').length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(onPageText(await drawnTexts(page))).toEqual([]);
  }
  // Readable: drawn at 11 CSS px whatever the zoom.
  const scale = Number(await canvas.getAttribute('data-scale'));
  for (const t of await drawnTexts(page)) expect(t.h * scale).toBeGreaterThanOrEqual(13);

  // T hides the text of predictions and boxes alike, and brings it back.
  await page.keyboard.press('t');
  await expect.poll(async () => (await drawnTexts(page)).length).toBe(0);
  await page.keyboard.press('t');
  await expect.poll(async () => (await drawnTexts(page)).filter((t) => t.kind === 'prediction').length).toBeGreaterThan(0);

  // Hover names a prediction with its confidence near the pointer, at fit zoom too.
  await page.keyboard.press('f');
  // The largest prediction that overlaps no other, so the pointer is on it alone.
  const alone = (p: (typeof predictions)[number]) => predictions.every((o) => o.id === p.id || overlapArea(o as R, p as R) === 0);
  const target = [...predictions].sort((a, b) => b.w! * b.h! - a.w! * a.h!).find(alone)!;
  const at = await toScreen(page, target.x! + target.w! / 2, target.y! + target.h! / 2);
  await page.mouse.move(at.x, at.y);
  const tip = page.getByTestId('canvas-hover-label');
  await expect(tip).toBeVisible();
  await expect(tip).toContainText(`${target.label} ${target.confidence.toFixed(2)}`);
  // Selected, it is named in the status bar.
  await page.mouse.click(at.x, at.y);
  await expect(page.getByTestId('selection-readout')).toContainText(`${target.label} ${target.confidence.toFixed(2)}`);
  await page.mouse.move(at.x, 5);
  await expect(tip).toBeHidden();
});
