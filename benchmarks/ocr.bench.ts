/**
 * bench:ocr — reading drawn boxes (`ocr.readRegion`) on generated pages imported like scans: how
 * long one box takes and how often the text comes back exactly.
 *
 *   cold        the first box read by a fresh core: starting the tesseract worker included
 *   per box     every truth box of the pages, one after another as boxes are drawn: the round trip
 *               through the contract (p50 / p95 / max) and the core's own time
 *   loose       the same boxes drawn 10 px too large on every side (where that takes in no other
 *               field): how close the snap comes to the truth box, and the text read from them
 *   core thread the longest the core's event loop was blocked while reading (recognition itself
 *               runs on tesseract's worker thread)
 *
 * Pages: 2 invoices, 2 receipts and 2 forms at 1700 × 2200 (seed 11), a 1000 × 1300 invoice with
 * small print, and a 4400 × 5700 invoice that is tiled on import. Accuracy is given for all text
 * boxes and without checkbox glyphs (☐ ☒), which the English model cannot read.
 *
 * Then whole pages, read by the OCR job (`core.ocrJobs.run`) as after an import: BENCH_PAGES clean
 * generated pages (default 12: invoices, receipts and forms in turn, seed 31) and as many
 * scanned-looking ones (skew, blur, noise, JPEG), each set in its own project:
 *
 *   pages/s, p95 ms per page   the job's wall time (worker start included) and each page's own time
 *   peak RSS                   the process, sampled every 100 ms (tesseract's threads are in it)
 *   word recall / precision    a truth word (every word printed, captions and headings too) is found
 *                              by an OCR word whose box overlaps it with IoU ≥ 0.5; precision is
 *                              over the OCR words
 *   CER                        edit distance of matched words ÷ their truth characters (also without
 *                              the checkbox glyphs ☐ ☒, which the English model cannot read)
 *   event-loop stall           the longest the main thread was blocked while the job ran
 *
 *   npm run bench:ocr
 *   BENCH_PAGES=30 npm run bench:ocr
 *
 * Prints a table and ends with one JSON line (the page figures at the top, clean pages; `scanned`
 * for the scanned-looking ones; the box figures under `summary`).
 */
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { openTestCore, tempDir } from '../tests/helpers/core';
import { CHECKBOX, importSynthPages, percentile, readLooseBoxes, readTruthBoxes, scoreReadings, type BoxReading, type ImportedSynthPage } from '../tests/helpers/ocr';
import { machine, measureEventLoop, round } from './lib';
import { cer, emptyScore, importGeneratedPages, precision, recall, scorePageWords, type ImportedPage } from './ocrPages';

const LOOSE = 10;
const PAGES = Number(process.env.BENCH_PAGES ?? 12);
const KINDS = ['invoice', 'receipt', 'form'] as const;

const dir = tempDir('folio-bench-ocr-');
const core = await openTestCore(join(dir.path, 'data'));
try {
  const projectId = (await core.api['projects.create']({ name: 'OCR bench' })).id;
  const sets: { name: string; specs: Parameters<typeof importSynthPages>[3] }[] = [
    {
      name: '1700 × 2200 (2 invoices, 2 receipts, 2 forms)',
      specs: (['invoice', 'receipt', 'form'] as const).flatMap((kind) => [0, 1].map((index) => ({ seed: 11, index, kind }))),
    },
    { name: '1000 × 1300 invoice (small print)', specs: [{ seed: 7070, index: 0, kind: 'invoice', size: { width: 1000, height: 1300 } }] },
    { name: '4400 × 5700 invoice (tiled)', specs: [{ seed: 11, index: 2, kind: 'invoice', size: { width: 4400, height: 5700 } }] },
  ];
  const imported: { name: string; pages: ImportedSynthPage[] }[] = [];
  for (const set of sets) imported.push({ name: set.name, pages: await importSynthPages(core, projectId, dir.path, set.specs) });

  // Cold: the first box with text starts the worker.
  const first = imported[0]!.pages[0]!;
  const firstBox = first.truth.boxes.find((b) => b.text)!;
  const t0 = performance.now();
  await core.api['ocr.readRegion']({ projectId, documentId: first.documentId, pageId: first.page.id, x: firstBox.x, y: firstBox.y, w: firstBox.width, h: firstBox.height });
  const coldMs = performance.now() - t0;

  const rows = [];
  const all: BoxReading[] = [];
  let maxStallMs = 0;
  for (const { name, pages } of imported) {
    const { result: readings, maxStallMs: stall } = await measureEventLoop(() => readTruthBoxes(core, projectId, pages));
    maxStallMs = Math.max(maxStallMs, stall);
    all.push(...readings);
    const score = scoreReadings(readings);
    const letters = scoreReadings(readings.filter((r) => !CHECKBOX.test(r.truth)));
    const wall = readings.map((r) => r.wallMs);
    const row = {
      pages: name,
      boxes: score.boxes,
      exactRate: round(score.exactRate, 4),
      cer: round(score.cer, 4),
      exactRateLetters: round(letters.exactRate, 4),
      cerLetters: round(letters.cer, 4),
      p50Ms: round(percentile(wall, 50)),
      p95Ms: round(percentile(wall, 95)),
      maxMs: round(Math.max(...wall)),
      coreP50Ms: round(percentile(readings.map((r) => r.ms), 50)),
      coreThreadMaxStallMs: round(stall),
    };
    rows.push(row);
    console.log(
      `${name}: ${row.boxes} boxes, exact ${(100 * row.exactRate).toFixed(1)} % (without checkboxes ${(100 * row.exactRateLetters).toFixed(1)} %), ` +
        `CER ${(100 * row.cer).toFixed(2)} % (${(100 * row.cerLetters).toFixed(2)} %); per box p50 ${row.p50Ms} ms, p95 ${row.p95Ms} ms, max ${row.maxMs} ms; core thread blocked ${row.coreThreadMaxStallMs} ms at most`,
    );
  }

  // Loose boxes on the ordinary pages: snap quality and the text read from them.
  const looseReadings = await readLooseBoxes(core, projectId, imported[0]!.pages, LOOSE);
  const ious = looseReadings.map((r) => r.snapIou);
  const looseN = looseReadings.length;
  const looseExact = looseReadings.filter((r) => r.text === r.truth.text).length;
  const loose = { boxes: looseN, exactRate: round(looseExact / Math.max(1, looseN), 4), snapIouP50: round(percentile(ious, 50), 3), snapIouP5: round(percentile(ious, 5), 3) };
  console.log(`boxes drawn ${LOOSE} px loose (${loose.boxes}): text exact ${(100 * loose.exactRate).toFixed(1)} %; snapped box IoU with the truth box p50 ${loose.snapIouP50}, p5 ${loose.snapIouP5}`);

  // Whole pages through the OCR job, clean and scanned-looking, each set in its own project.
  const pageSets: { name: 'clean' | 'scanned'; projectId: string; pages: ImportedPage[] }[] = [];
  for (const scan of [false, true]) {
    const id = (await core.api['projects.create']({ name: `OCR pages ${scan ? 'scanned' : 'clean'}` })).id;
    await core.api['ocr.settings.update']({ projectId: id, onImport: false });
    const specs = Array.from({ length: PAGES }, (_, i) => ({ seed: 31, index: Math.floor(i / KINDS.length), kind: KINDS[i % KINDS.length]!, scan }));
    pageSets.push({ name: scan ? 'scanned' : 'clean', projectId: id, pages: await importGeneratedPages(core, id, dir.path, specs) });
  }
  const pageRows: Record<'clean' | 'scanned', { pages: number; pagesPerSec: number; p95PageMs: number; peakRssMB: number; wordRecall: number; wordPrecision: number; cer: number; cerLetters: number; maxEventLoopStallMs: number }> = {} as never;
  for (const set of pageSets) {
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
    const started = performance.now();
    const { result: job, maxStallMs: stall } = await measureEventLoop(() => core.ocrJobs.run(set.projectId));
    const wallMs = performance.now() - started;
    clearInterval(sampler);
    if (job.pagesDone !== set.pages.length || job.pagesFailed) throw new Error(`the OCR job did not read every page: ${JSON.stringify(job)}`);
    const score = emptyScore();
    const letters = emptyScore();
    const pageMs: number[] = [];
    for (const p of set.pages) {
      const words = await core.api['ocr.pageWords']({ projectId: set.projectId, documentId: p.documentId, pageId: p.pageId });
      scorePageWords(p.truth, words?.words ?? [], score);
      scorePageWords({ ...p.truth, words: p.truth.words?.filter((w) => !CHECKBOX.test(w.text)) }, words?.words ?? [], letters);
      pageMs.push((core.db.prepare('SELECT ms FROM page_ocr WHERE page_id = ?').get(p.pageId) as { ms: number }).ms);
    }
    const row = {
      pages: set.pages.length,
      pagesPerSec: round(set.pages.length / (wallMs / 1000), 3),
      p95PageMs: round(percentile(pageMs, 95)),
      peakRssMB: round(peakRss / 2 ** 20),
      wordRecall: round(recall(score), 4),
      wordPrecision: round(precision(score), 4),
      cer: round(cer(score), 4),
      cerLetters: round(cer(letters), 4),
      maxEventLoopStallMs: round(stall),
    };
    pageRows[set.name] = row;
    console.log(
      `${set.name} pages (${row.pages}, ${score.truthWords} words printed): ${row.pagesPerSec} pages/s, p95 ${row.p95PageMs} ms a page, peak RSS ${row.peakRssMB} MB; ` +
        `word recall ${(100 * row.wordRecall).toFixed(1)} %, precision ${(100 * row.wordPrecision).toFixed(1)} %, CER ${(100 * row.cer).toFixed(2)} % (without checkboxes ${(100 * row.cerLetters).toFixed(2)} %); main thread blocked ${row.maxEventLoopStallMs} ms at most`,
    );
  }

  const total = scoreReadings(all);
  const wall = all.map((r) => r.wallMs);
  const summary = {
    boxes: total.boxes,
    exactRate: round(total.exactRate, 4),
    cer: round(total.cer, 4),
    p50Ms: round(percentile(wall, 50)),
    p95Ms: round(percentile(wall, 95)),
    coldMs: round(coldMs),
    coreThreadMaxStallMs: round(maxStallMs),
  };
  console.log(`all ${summary.boxes} boxes: exact ${(100 * summary.exactRate).toFixed(1)} %, CER ${(100 * summary.cer).toFixed(2)} %; per box p50 ${summary.p50Ms} ms, p95 ${summary.p95Ms} ms; first box (worker start) ${summary.coldMs} ms`);
  console.log(`machine: ${machine()}; load ${loadavg()[0]!.toFixed(2)}`);
  const clean = pageRows.clean;
  const scanned = pageRows.scanned;
  console.log(
    JSON.stringify({
      bench: 'ocr',
      machine: machine(),
      load1: round(loadavg()[0]!, 2),
      pages: clean.pages,
      pagesPerSec: clean.pagesPerSec,
      p95PageMs: clean.p95PageMs,
      peakRssMB: Math.max(clean.peakRssMB, scanned.peakRssMB),
      wordRecall: clean.wordRecall,
      wordPrecision: clean.wordPrecision,
      cer: clean.cer,
      cerLetters: clean.cerLetters,
      prefillCer: summary.cer,
      snapIoU: loose.snapIouP50,
      maxEventLoopStallMs: Math.max(clean.maxEventLoopStallMs, scanned.maxEventLoopStallMs, summary.coreThreadMaxStallMs),
      scanned: { pages: scanned.pages, pagesPerSec: scanned.pagesPerSec, p95PageMs: scanned.p95PageMs, wordRecall: scanned.wordRecall, wordPrecision: scanned.wordPrecision, cer: scanned.cer, cerLetters: scanned.cerLetters },
      summary,
      rows,
      loose,
    }),
  );
} finally {
  await core.close();
  dir.cleanup();
}
