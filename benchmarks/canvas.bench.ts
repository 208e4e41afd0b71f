/**
 * npm run bench:canvas — the annotation canvas on a dense 10,000 × 14,000 px scan, in headless
 * Chromium against the browser host, with 2,000 and then 10,000 boxes:
 *   - frame time (interval between animation frames, from their vsync timestamps) during a
 *     scripted pan-and-zoom driven by real wheel and drag input: p50 / p95 / max
 *   - time from opening the document to the first interactive frame (image drawn, boxes drawn)
 *   - the renderer's peak JS heap
 *   - input latency of typing into a transcription in the regions panel (keydown → next frame)
 * Ends with one JSON line.   FOLIO_CHROMIUM=/path npm run bench:canvas
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { createApiClient, createDispatcher } from '../src/shared/contract/rpc';
import { generateTruth, renderPage, SYNTH_LABELS, truthBoxes } from '../src/main/core/synth';
import { firstFrameScript, machine, openBenchCore, round, startBrowserHost } from './lib';

const WIDTH = 10_000;
const HEIGHT = 14_000;
const root = join(import.meta.dirname, '..');
const chromiumPath = process.env.FOLIO_CHROMIUM ?? '/usr/bin/chromium';

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A dataset with one dense scan and its boxes, prepared through the core before the host starts. */
async function prepare(dataDir: string, lineItems: number): Promise<{ projectId: string; documentId: string; boxes: number }> {
  const cache = join(root, '.bench', 'canvas');
  mkdirSync(cache, { recursive: true });
  const truth = generateTruth(20_261_123, 0, { kind: 'invoice', width: WIDTH, height: HEIGHT, lineItems });
  const file = join(cache, `scan-${lineItems}.png`);
  if (!existsSync(file)) {
    process.stderr.write(`  rendering a ${WIDTH} × ${HEIGHT} scan with ${truth.boxes.length} fields…\n`);
    writeFileSync(file, await renderPage(truth));
  }
  const core = await openBenchCore(dataDir);
  try {
    const api = createApiClient(createDispatcher(core.api));
    await api['settings.update']({ annotatorName: 'Bench' });
    const project = await api['projects.create']({
      name: `Dense ${lineItems}`,
      labels: SYNTH_LABELS.map((l) => ({ name: l.name, color: l.color, hotkey: (l.hotkey as '1' | null) ?? null })),
    });
    const job = await core.importer.run(project.id, [file]);
    if (job.failed.length || job.imported !== 1) throw new Error(`import failed: ${JSON.stringify(job.failed)}`);
    const documentId = (await api['documents.list']({ projectId: project.id })).items[0]!.id;
    const pageId = (await api['documents.get']({ projectId: project.id, documentId })).pages[0]!.id;
    const boxes = truthBoxes(truth, pageId);
    await api['annotations.save']({ projectId: project.id, documentId, baseRevision: 0, upsertBoxes: boxes });
    return { projectId: project.id, documentId, boxes: boxes.length };
  } finally {
    await core.close();
  }
}

async function heapMB(cdp: Awaited<ReturnType<ReturnType<Page['context']>['newCDPSession']>>): Promise<number> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  return (metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0) / 2 ** 20;
}

/** Prepared data folders are kept in .bench/ (the import of a 140-megapixel scan takes a while). */
async function preparedDataDir(lineItems: number): Promise<{ dataDir: string; projectId: string; documentId: string; boxes: number }> {
  const dataDir = join(root, '.bench', 'canvas', `data-${lineItems}`);
  const marker = join(dataDir, 'prepared.json');
  if (existsSync(marker)) return { dataDir, ...(JSON.parse(readFileSync(marker, 'utf8')) as { projectId: string; documentId: string; boxes: number }) };
  rmSync(dataDir, { recursive: true, force: true });
  const prepared = await prepare(dataDir, lineItems);
  writeFileSync(marker, JSON.stringify(prepared));
  return { dataDir, ...prepared };
}

async function measure(lineItems: number) {
  const { dataDir, projectId, documentId, boxes } = await preparedDataDir(lineItems);
  const host = await startBrowserHost(dataDir);
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 });
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    let peakHeap = 0;
    const sampler = setInterval(() => {
      void heapMB(cdp).then((mb) => (peakHeap = Math.max(peakHeap, mb)), () => undefined);
    }, 100);

    await page.goto(`${host.url}#/projects/${projectId}`);
    await page.getByTestId('document-card').first().waitFor();

    // Opening the document: from the navigation to the first frame with the page and every box drawn.
    const firstFrameMs = (await page.evaluate(firstFrameScript(projectId, documentId, boxes))) as number;

    // Scripted pan and zoom with real input, frame intervals from rAF timestamps.
    await page.evaluate(`(() => {
      window.__folioPerf = {};
      window.__frames = [];
      window.__recording = true;
      let last = 0;
      const tick = (t) => {
        if (last && window.__recording) window.__frames.push(t - last);
        last = t;
        if (window.__recording) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    })()`);
    const area = (await page.getByTestId('page-canvas').boundingBox())!;
    const cx = area.x + area.width / 2;
    const cy = area.y + area.height / 2;
    await page.mouse.move(cx, cy);
    for (let i = 0; i < 12; i++) {
      await page.mouse.wheel(0, -120); // zoom in around the pointer
      await page.waitForTimeout(16);
    }
    await page.keyboard.down('Space');
    for (let round = 0; round < 3; round++) {
      await page.mouse.down();
      await page.mouse.move(cx - 400, cy - 250, { steps: 30 });
      await page.mouse.move(cx + 300, cy + 200, { steps: 30 });
      await page.mouse.up();
      await page.mouse.move(cx, cy);
    }
    await page.keyboard.up('Space');
    for (let i = 0; i < 16; i++) {
      await page.mouse.wheel(0, 150); // and back out past fit
      await page.waitForTimeout(16);
    }
    for (let i = 0; i < 40; i++) {
      await page.mouse.wheel(i % 2 ? 60 : 0, i % 2 ? 0 : 60); // scroll-pan
      await page.waitForTimeout(16);
    }
    const frames = (await page.evaluate(`(() => { window.__recording = false; return window.__frames; })()`)) as number[];
    const drawBoxes = ((await page.evaluate('(window.__folioPerf.drawBoxes || [])')) as number[]).sort((a, b) => a - b);
    // Frame intervals are counted in whole display refreshes (16.7 ms at 60 Hz): timer jitter of a
    // few tenths of a millisecond is not a dropped frame, a 33 ms interval is.
    const vsync = percentile([...frames].sort((a, b) => a - b), 10);
    const sorted = frames.map((f) => Math.max(1, Math.round(f / vsync)) * vsync).sort((a, b) => a - b);

    // Typing into one transcription with every region listed.
    await page.keyboard.press('f');
    await page.getByTestId('regions-scope-all').click().catch(() => undefined);
    const input = page.getByTestId('region-transcription').first();
    await input.click();
    await page.evaluate(`(() => {
      window.__typing = [];
      document.activeElement.addEventListener('keydown', (e) => {
        const down = e.timeStamp;
        // The next frame after the keystroke has been processed and rendered.
        requestAnimationFrame(() => {
          const channel = new MessageChannel();
          channel.port1.onmessage = () => window.__typing.push(performance.now() - down);
          channel.port2.postMessage(null);
        });
      }, { capture: true });
    })()`);
    for (const ch of ' checked by bench') {
      await page.keyboard.type(ch);
      await page.waitForTimeout(40);
    }
    const typing = ((await page.evaluate('window.__typing')) as number[]).sort((a, b) => a - b);
    clearInterval(sampler);
    peakHeap = Math.max(peakHeap, await heapMB(cdp));
    return {
      boxes,
      frames: frames.length,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      max: sorted.at(-1) ?? 0,
      firstFrameMs,
      drawP95: percentile(drawBoxes, 95),
      typingP50: percentile(typing, 50),
      typingMax: typing.at(-1) ?? 0,
      peakHeapMB: peakHeap,
    };
  } finally {
    await browser.close();
    host.stop();
  }
}

async function main() {
  console.log(`bench:canvas — ${WIDTH} × ${HEIGHT} px scan in headless Chromium (${chromiumPath}) on ${machine()}`);
  const small = await measure(500);
  const large = await measure(2_500);
  for (const r of [small, large]) {
    console.log(`${String(r.boxes).padStart(6)} boxes: frame p50 ${round(r.p50)} ms, p95 ${round(r.p95)} ms, max ${round(r.max)} ms over ${r.frames} frames (box drawing p95 ${round(r.drawP95)} ms); first interactive frame ${round(r.firstFrameMs)} ms; typing latency p50 ${round(r.typingP50)} ms, max ${round(r.typingMax)} ms; peak JS heap ${round(r.peakHeapMB)} MB`);
  }
  console.log('targets: 2,000 boxes p95 ≤ 16.7 ms; 10,000 boxes p95 ≤ 50 ms; first interactive frame ≤ 1,000 ms; typing ≤ 50 ms');
  console.log(
    JSON.stringify({
      bench: 'canvas',
      boxesSmall: small.boxes,
      boxesLarge: large.boxes,
      p50FrameMs2000: round(small.p50),
      p95FrameMs2000: round(small.p95),
      maxFrameMs2000: round(small.max),
      p50FrameMs10000: round(large.p50),
      p95FrameMs10000: round(large.p95),
      maxFrameMs10000: round(large.max),
      // Opening the document the benchmark opens first (2,000 boxes); the 10,000-box figure beside it.
      firstFrameMs: round(small.firstFrameMs),
      firstFrameMs2000: round(small.firstFrameMs),
      firstFrameMs10000: round(large.firstFrameMs),
      typingLatencyMs: round(large.typingMax),
      typingLatencyP50Ms: round(large.typingP50),
      peakHeapMB: round(Math.max(small.peakHeapMB, large.peakHeapMB)),
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
