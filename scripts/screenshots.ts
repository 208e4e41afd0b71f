/**
 * Screenshots for the docs, taken from the real app (browser host + headless Chromium):
 *   npx tsx scripts/screenshots.ts [dense] [declutter] [review]   (all when none is named)
 *   dense      the page `npm run bench:canvas` prepares (run it once first)
 *              → docs/screenshots/annotate-fit.png, annotate-400.png
 *   declutter  a demo invoice pre-annotated by the Claude simulator, at fit zoom, 1440 × 900
 *              → docs/screenshots/annotate-declutter.png
 *   review     the summary before gold is written, on an invoice two annotators verified
 *              differently (made here in a temporary folder) → docs/screenshots/gold-summary.png
 * The renderer must be built first (`npm run build:renderer`).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { generatePage } from '../src/main/core/synth';
import { DEMO_SIM_SEED, startClaudeSimulator } from '../src/main/sim/claude';
import { disagreeOnInvoice, truthContent, verifyAs } from '../tests/helpers/review';
import { addDocuments, createSyncProject } from '../tests/helpers/sync';
import { openBenchCore, startBrowserHost } from '../benchmarks/lib';

const root = join(import.meta.dirname, '..');

async function dense(browser: Browser): Promise<void> {
  const dataDir = join(root, '.bench', 'canvas', 'data-500');
  if (!existsSync(join(dataDir, 'prepared.json'))) throw new Error('Run `npm run bench:canvas` once first: it prepares the dense page.');
  const { projectId, documentId } = JSON.parse(readFileSync(join(dataDir, 'prepared.json'), 'utf8')) as { projectId: string; documentId: string };
  const host = await startBrowserHost(dataDir);
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(`${host.url}#/projects/${projectId}/documents/${documentId}`);
    const canvas = page.getByTestId('page-canvas');
    await canvas.and(page.locator('[data-image-state="loaded"]')).waitFor();
    await page.waitForTimeout(1500);
    await page.screenshot({ path: join(root, 'docs/screenshots/annotate-fit.png') });
    // 400% around the totals: zoom with the wheel at a point, then wait for the tiles.
    const area = (await canvas.boundingBox())!;
    await page.mouse.move(area.x + area.width * 0.62, area.y + area.height * 0.3);
    const target = 4;
    for (let i = 0; i < 40; i++) {
      const scale = Number(await canvas.getAttribute('data-scale'));
      if (scale >= target) break;
      await page.mouse.wheel(0, -Math.min(200, Math.log(target / scale) / 0.0025));
      await page.waitForTimeout(60);
    }
    await page.waitForTimeout(2500);
    await page.screenshot({ path: join(root, 'docs/screenshots/annotate-400.png') });
    console.log(`dense: zoom ${(Number(await canvas.getAttribute('data-scale')) * 100).toFixed(0)}%`);
  } finally {
    host.stop();
  }
}

/** The demo's first invoice, pre-annotated by the simulator as the demo's is, at fit zoom. */
async function declutter(browser: Browser): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'folio-screenshots-'));
  const sim = await startClaudeSimulator({ timeScale: 0.1, seed: DEMO_SIM_SEED, answerEveryQuestion: true });
  try {
    const core = await openBenchCore(dataDir);
    let target: { projectId: string; documentId: string; name: string };
    try {
      await core.api['settings.update']({ annotatorName: 'Demo annotator', anthropic: { baseUrl: sim.url } });
      await core.api['settings.setSecret']({ name: 'anthropicApiKey', value: 'sk-ant-simulated-screenshots' });
      const project = await core.api['projects.openDemo']({});
      await sim.truth.registerDirectory(join(dataDir, 'demo-source'));
      const { items } = await core.api['documents.list']({ projectId: project.id, limit: 100 });
      const invoice = items.filter((d) => d.sourceName.startsWith('invoice-')).sort((a, b) => a.sourceName.localeCompare(b.sourceName))[0]!;
      const run = await core.api['preannotate.start']({ projectId: project.id, documentIds: [invoice.id], concurrency: 1 });
      for (let state = run.state; state === 'running'; state = (await core.api['preannotate.get']({ runId: run.runId })).state) {
        await new Promise((r) => setTimeout(r, 200));
      }
      target = { projectId: project.id, documentId: invoice.id, name: invoice.sourceName };
    } finally {
      await core.close();
    }
    const host = await startBrowserHost(dataDir);
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(`${host.url}#/projects/${target.projectId}/documents/${target.documentId}`);
      await page.getByTestId('page-canvas').and(page.locator('[data-image-state="loaded"][data-ink-map="ready"]')).waitFor();
      await page.waitForTimeout(1000);
      await page.screenshot({ path: join(root, 'docs/screenshots/annotate-declutter.png') });
      console.log(`declutter: ${target.name}, ${await page.getByTestId('page-canvas').getAttribute('data-predictions')} predictions`);
    } finally {
      host.stop();
    }
  } finally {
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * One invoice that Alice verified as drawn and Bob differently (`disagreeOnInvoice`), on the
 * lead's installation.
 */
async function prepareReview(dataDir: string): Promise<{ projectId: string; documentId: string }> {
  const core = await openBenchCore(dataDir);
  try {
    await core.api['settings.update']({ annotatorName: 'Lee' });
    const projectId = await createSyncProject(core, 'Invoices');
    const { png, truth } = await generatePage(5150, 0, { kind: 'invoice', width: 900, height: 1200 });
    const [doc] = await addDocuments(core, projectId, { count: 1, image: async () => ({ bytes: png, ext: 'png' }), truth: () => truth });
    const alice = truthContent(truth, doc!.pageId);
    const bob = truthContent(truth, doc!.pageId);
    disagreeOnInvoice(truth, bob);
    verifyAs(core, projectId, doc!.documentId, { id: 'alice', name: 'Alice' }, alice);
    verifyAs(core, projectId, doc!.documentId, { id: 'bob', name: 'Bob' }, bob);
    return { projectId, documentId: doc!.documentId };
  } finally {
    await core.close();
  }
}

async function review(browser: Browser): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'folio-screenshots-'));
  try {
    const { projectId, documentId } = await prepareReview(dataDir);
    const host = await startBrowserHost(dataDir);
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(`${host.url}#/projects/${projectId}/review/${documentId}`);
      await page.getByTestId('page-canvas').and(page.locator('[data-image-state="loaded"]')).waitFor();
      const names = await page.getByTestId('review-source').allInnerTexts();
      const aliceKey = String(names.findIndex((n) => n.includes('Alice')) + 1);
      // The lead settles the two regions with Alice's boxes and saves before reaching the questions.
      await page.keyboard.press(aliceKey);
      await page.keyboard.press('j');
      await page.keyboard.press(aliceKey);
      await page.keyboard.press('Control+Enter');
      await page.getByTestId('gold-summary').waitFor();
      await page.waitForTimeout(500);
      await page.screenshot({ path: join(root, 'docs/screenshots/gold-summary.png') });
    } finally {
      host.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const browser = await chromium.launch({ executablePath: process.env.FOLIO_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const shots = process.argv.slice(2).length ? process.argv.slice(2) : ['dense', 'declutter', 'review'];
for (const shot of shots) if (!['dense', 'declutter', 'review'].includes(shot)) throw new Error(`Unknown screenshot "${shot}": expected dense, declutter or review.`);
try {
  if (shots.includes('dense')) await dense(browser);
  if (shots.includes('declutter')) await declutter(browser);
  if (shots.includes('review')) await review(browser);
} finally {
  await browser.close();
}
