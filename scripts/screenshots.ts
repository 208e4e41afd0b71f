/**
 * Screenshots of the annotation view for the docs, taken from the real app (browser host +
 * headless Chromium) on the dense page `npm run bench:canvas` prepares:
 *   npx tsx scripts/screenshots.ts   → docs/screenshots/annotate-fit.png, annotate-400.png
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const root = join(import.meta.dirname, '..');
const dataDir = join(root, '.bench', 'canvas', 'data-500');
if (!existsSync(join(dataDir, 'prepared.json'))) throw new Error('Run `npm run bench:canvas` once first: it prepares the dense page.');
const { projectId, documentId } = JSON.parse(readFileSync(join(dataDir, 'prepared.json'), 'utf8')) as { projectId: string; documentId: string };
const host = spawn(join(root, 'node_modules/.bin/tsx'), ['src/main/host/start.ts', '--port', '0'], { cwd: root, env: { ...process.env, FOLIO_DATA_DIR: dataDir } });
const url = await new Promise<string>((resolve) => host.stdout.on('data', (d: Buffer) => /running at (\S+)/.exec(String(d)) && resolve(/running at (\S+)/.exec(String(d))![1]!)));
const browser = await chromium.launch({ executablePath: process.env.FOLIO_CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
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
  console.log(`zoom ${(Number(await canvas.getAttribute('data-scale')) * 100).toFixed(0)}%`);
} finally {
  await browser.close();
  host.kill();
}
