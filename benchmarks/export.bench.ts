/**
 * npm run bench:export — a project of 10,000 verified documents with 100 boxes each (plus their QA
 * pairs with evidence), exported as Folio JSONL and as COCO through the export job, images
 * referenced (the formats' throughput, not the disk's copying speed). Rows are inserted directly in
 * bulk for setup speed; the export reads them the way it reads any project. Prints documents per
 * second, output size, the peak RSS sampled during each export (against the output size: memory
 * must not grow with the export) and the longest event-loop stall. Ends with one JSON line.
 *
 *   BENCH_DOCS=10000 BENCH_BOXES=100 npm run bench:export
 */
import { mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore, type Core } from '../src/main/core/createCore';
import { pageId } from '../src/main/core/db/repos/documents';
import { MemorySettingsStore } from '../src/main/core/settings/fileStores';
import { generateTruth, SYNTH_LABELS, type SynthDocument } from '../src/main/core/synth';
import type { ExportFormat, ExportJob } from '../src/shared/domain/formats';
import { MemorySecretStore } from '../tests/helpers/core';
import { tinyPng } from '../tests/helpers/sync';
import { machine, measureEventLoop, round } from './lib';

const DOCS = Number(process.env.BENCH_DOCS ?? 10_000);
const BOXES = Number(process.env.BENCH_BOXES ?? 100);
const TRUTHS = 64;
const SEED = 7007;

const mb = (bytes: number) => round(bytes / 2 ** 20, 1);

/** Insert DOCS verified documents straight into the tables (one transaction per 500 documents). */
async function seed(core: Core, projectId: string): Promise<{ boxes: number; qa: number }> {
  const db = core.db;
  const truths: SynthDocument[] = Array.from({ length: TRUTHS }, (_, i) => generateTruth(SEED, i));
  // Every page points at one small image: the export checks it exists, it does not read it.
  const image = 'bench/page.png';
  mkdirSync(join(core.media.root, 'bench'), { recursive: true });
  writeFileSync(core.media.absolute(image), await tinyPng(1));
  const annotator = 'bench-annotator';
  const now = new Date().toISOString();
  db.prepare('INSERT INTO annotators (id, name, created_at) VALUES (?, ?, ?)').run(annotator, 'Bench', now);
  const q = {
    doc: db.prepare("INSERT INTO documents (id, kind, source_name, source_path, byte_size, page_count, created_at) VALUES (?, 'image', ?, ?, 1000, 1, ?)"),
    page: db.prepare('INSERT INTO pages (id, document_id, page_number, width, height, thumbnail, levels, tiles) VALUES (?, ?, 1, ?, ?, ?, ?, NULL)'),
    link: db.prepare("INSERT INTO project_documents (project_id, document_id, status, added_at, position) VALUES (?, ?, 'verified', ?, ?)"),
    annotation: db.prepare("INSERT INTO annotations (id, project_id, document_id, annotator_id, version, status, kind, created_at, updated_at, revision) VALUES (?, ?, ?, ?, 1, 'draft', 'annotation', ?, ?, 1)"),
    box: db.prepare('INSERT INTO boxes (annotation_id, id, page_id, label, x, y, w, h, transcription, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'),
    qa: db.prepare("INSERT INTO qa_pairs (annotation_id, id, question, answer, unanswerable, source, position) VALUES (?, ?, ?, ?, ?, 'annotator', ?)"),
    evidence: db.prepare('INSERT INTO qa_evidence (annotation_id, qa_id, box_id, position) VALUES (?, ?, ?, ?)'),
    verify: db.prepare("UPDATE annotations SET status = 'verified', verified_at = ? WHERE id = ?"),
  };
  let boxes = 0;
  let qa = 0;
  for (let start = 0; start < DOCS; start += 500) {
    db.transaction(() => {
      for (let i = start; i < Math.min(DOCS, start + 500); i++) {
        const t = truths[i % TRUTHS]!;
        const documentId = `${i.toString(16).padStart(8, '0')}${'0'.repeat(56)}`;
        const page = pageId(documentId, 1);
        q.doc.run(documentId, `${t.id}-${i}.png`, `/bench/${t.id}-${i}.png`, now);
        q.page.run(page, documentId, t.width, t.height, image, JSON.stringify([{ level: 0, scale: 1, width: t.width, height: t.height, path: image }]));
        q.link.run(projectId, documentId, now, i + 1);
        const annotationId = `ann-${i}`;
        q.annotation.run(annotationId, projectId, documentId, annotator, now, now);
        // BOXES boxes: the truth's boxes, then again shifted a few pixels (ids b1… stay the truth's for the first round).
        for (let k = 0; k < BOXES; k++) {
          const b = t.boxes[k % t.boxes.length]!;
          const shift = Math.floor(k / t.boxes.length) * 3;
          q.box.run(annotationId, k < t.boxes.length ? b.id : `b${k + 1}`, page, b.label, b.x + shift, b.y + shift, b.width, b.height, b.text, k);
          boxes++;
        }
        t.qa.forEach((p, n) => {
          q.qa.run(annotationId, p.id, p.question, p.answer ?? '', p.answer === null ? 1 : 0, n);
          p.evidenceBoxIds.forEach((e, m) => q.evidence.run(annotationId, p.id, e, m));
          qa++;
        });
        q.verify.run(now, annotationId);
      }
    }).immediate();
    process.stderr.write(`  seeded ${Math.min(DOCS, start + 500)}/${DOCS}\r`);
  }
  return { boxes, qa };
}

/** Heap in use after a full collection (only with node --expose-gc; null otherwise). */
const settledHeapMB = (): number | null => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return null;
  gc();
  return mb(process.memoryUsage().heapUsed);
};

async function exportOnce(core: Core, projectId: string, format: ExportFormat, out: string) {
  const heapBefore = settledHeapMB();
  let peak = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 20);
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const { result: job, maxStallMs, p99DelayMs } = await measureEventLoop<ExportJob>(() => core.exporter.run({ projectId, format, out, images: 'reference' }));
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  if (job.state !== 'completed') throw new Error(`${format} export ${job.state}: ${job.error}`);
  const heapAfter = settledHeapMB();
  const file = join(out, format === 'coco' ? 'annotations.json' : 'documents.jsonl');
  const bytes = statSync(file).size;
  return { format, documents: job.done, boxes: job.boxes, seconds: round(seconds, 2), docsPerSec: Math.round(job.done / seconds), outputMB: mb(bytes), rssBeforeMB: mb(rssBefore), peakRssMB: mb(peak), peakHeapMB: mb(peakHeap), settledHeapMB: heapBefore === null ? null : { before: heapBefore, after: heapAfter }, maxStallMs: round(maxStallMs, 1), p99DelayMs: round(p99DelayMs, 1) };
}

async function main(): Promise<void> {
  console.log(`bench:export — ${DOCS} documents × ${BOXES} boxes, JSONL and COCO, images referenced, on ${machine()}`);
  const work = mkdtempSync(join(tmpdir(), 'folio-bench-export-'));
  const core = await createCore({ dataDir: join(work, 'data'), settingsStore: new MemorySettingsStore(), secretStore: new MemorySecretStore(), platform: { kind: 'web' }, env: {}, sync: { autoStart: false } });
  try {
    const project = await core.api['projects.create']({ name: 'bench', labels: SYNTH_LABELS.map((l) => ({ name: l.name, color: l.color })) });
    const t0 = performance.now();
    const seeded = await seed(core, project.id);
    console.log(`seeded ${DOCS} documents, ${seeded.boxes} boxes, ${seeded.qa} QA pairs in ${round((performance.now() - t0) / 1000)} s`);
    const load = loadavg().map((l) => round(l, 2));
    const results = [];
    for (const format of ['jsonl', 'coco'] as const) {
      const r = await exportOnce(core, project.id, format, join(work, `out-${format}`));
      results.push(r);
      console.log(
        `${format.padEnd(5)}: ${r.documents} documents in ${r.seconds} s = ${r.docsPerSec} docs/s; ${r.outputMB} MB written; RSS ${r.rssBeforeMB} MB before, peak ${r.peakRssMB} MB (JS heap peak ${r.peakHeapMB} MB); longest event-loop stall ${r.maxStallMs} ms`,
      );
    }
    const summary = {
      bench: 'export',
      documents: DOCS,
      boxesPerDocument: BOXES,
      docsPerSec: Math.min(...results.map((r) => r.docsPerSec)),
      peakRssMB: Math.max(...results.map((r) => r.peakRssMB)),
      formats: Object.fromEntries(results.map((r) => [r.format, r])),
      loadAvg: load,
      machine: machine(),
    };
    console.log(JSON.stringify(summary));
  } finally {
    await core.close();
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
