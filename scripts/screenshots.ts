/**
 * Screenshots of the annotation view for the docs, taken from the real app (browser host +
 * headless Chromium):
 *   npx tsx scripts/screenshots.ts [dense] [declutter]   (both when none is named)
 *   dense      the page `npm run bench:canvas` prepares (run it once first)
 *              → docs/screenshots/annotate-fit.png, annotate-400.png
 *   declutter  a demo invoice pre-annotated by the Claude simulator, at fit zoom, 1440 × 900
 *              → docs/screenshots/annotate-declutter.png
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { createCore } from '../src/main/core/createCore';
import { FileSecretStore, JsonFileSettingsStore } from '../src/main/core/settings/fileStores';
import { startHost } from '../src/main/host/server';
import { startClaudeSimulator } from '../src/main/sim/claude';

const root = join(import.meta.dirname, '..');
const rendererDir = join(root, 'out', 'renderer');
const wanted = process.argv.slice(2);
const shots = wanted.length ? wanted : ['dense', 'declutter'];
for (const shot of shots) if (shot !== 'dense' && shot !== 'declutter') throw new Error(`Unknown screenshot "${shot}": expected dense or declutter.`);
if (!existsSync(join(rendererDir, 'index.html'))) throw new Error('Run `npm run build:renderer` first: the screenshots are taken from the built renderer.');

async function dense(browser: Browser) {
  const dataDir = join(root, '.bench', 'canvas', 'data-500');
  if (!existsSync(join(dataDir, 'prepared.json'))) throw new Error('Run `npm run bench:canvas` once first: it prepares the dense page.');
  const { projectId, documentId } = JSON.parse(readFileSync(join(dataDir, 'prepared.json'), 'utf8')) as { projectId: string; documentId: string };
  const host = spawn(join(root, 'node_modules/.bin/tsx'), ['src/main/host/start.ts', '--port', '0'], { cwd: root, env: { ...process.env, FOLIO_DATA_DIR: dataDir } });
  const url = await new Promise<string>((resolve) => host.stdout.on('data', (d: Buffer) => /running at (\S+)/.exec(String(d)) && resolve(/running at (\S+)/.exec(String(d))![1]!)));
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(`${url}#/projects/${projectId}/documents/${documentId}`);
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
    host.kill();
  }
}

async function declutter(browser: Browser) {
  const dataDir = await mkdtemp(join(tmpdir(), 'folio-screenshots-'));
  const sim = await startClaudeSimulator({ timeScale: 0.1, seed: 2026 });
  const core = await createCore({
    dataDir,
    settingsStore: new JsonFileSettingsStore(join(dataDir, 'settings.json')),
    secretStore: new FileSecretStore(join(dataDir, 'secrets.json')),
    platform: { kind: 'web' },
    env: {},
  });
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
    const host = await startHost({ core, rendererDir, port: 0 });
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      await page.goto(`${host.url}#/projects/${project.id}/documents/${invoice.id}`);
      await page.getByTestId('page-canvas').and(page.locator('[data-image-state="loaded"][data-ink-map="ready"]')).waitFor();
      await page.waitForTimeout(1000);
      await page.screenshot({ path: join(root, 'docs/screenshots/annotate-declutter.png') });
      console.log(`declutter: ${invoice.sourceName}, ${await page.getByTestId('page-canvas').getAttribute('data-predictions')} predictions`);
    } finally {
      await host.close();
    }
  } finally {
    await core.close();
    await sim.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

const browser = await chromium.launch({ executablePath: process.env.FOLIO_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
try {
  if (shots.includes('dense')) await dense(browser);
  if (shots.includes('declutter')) await declutter(browser);
} finally {
  await browser.close();
}
