/**
 * bench:review — how long the lead waits for the review queue, the agreement figures and one
 * document's resolving view, on projects of growing size with two annotators who verified every
 * document (a third of the documents with a label disagreement). The whole-project analysis
 * behind queue and agreement runs on the review worker thread, as in the app; the figures include
 * handing its result back, and "core thread blocked" says how long other calls had to wait.
 *
 * Queue and agreement share one analysis of the project, cached until the database changes. So
 * every "cold" figure below follows a real change (an annotator verifying a document again):
 *   queue       review.queue alone, cold (the first call after seeding)
 *   agreement   review.agreement alone, cold (after a change)
 *   page        both at once as the review page asks for them (Promise.all), cold (after a change)
 *   page warm   the same again with nothing changed in between (the page reloaded)
 *
 *   npm run bench:review              # 250, 1,000 and 4,000 documents
 *   BENCH_REVIEW_SIZES=250,1000,4000,10000 npm run bench:review
 *
 * Prints a table and ends with one JSON line.
 */
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { openTestCore, tempDir } from '../tests/helpers/core';
import { truthContent, verifyAs } from '../tests/helpers/review';
import { addDocuments, createSyncProject } from '../tests/helpers/sync';
import { machine, round } from './lib';

const sizes = (process.env.BENCH_REVIEW_SIZES ?? '250,1000,4000').split(',').map(Number);

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const t0 = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - t0 };
}

interface Row {
  documents: number;
  boxesPerAnnotator: number;
  queueMs: number;
  agreementMs: number;
  pageLoadMs: number;
  pageLoadWarmMs: number;
  /** Whole-project analyses the cold page load ran (1: queue and agreement shared one). */
  pageLoadAnalyses: number;
  /** Longest the core's thread was blocked during the cold page load (the analysis runs on the review worker). */
  pageLoadCoreStallMs: number;
  documentMs: number;
  open: number;
}

async function measure(n: number): Promise<Row> {
  const dir = tempDir('folio-bench-review-');
  const core = await openTestCore(join(dir.path, 'data'));
  try {
    const projectId = await createSyncProject(core, 'Review bench');
    const docs = await addDocuments(core, projectId, { count: n });
    const alice = { id: 'bench-alice', name: 'Alice' };
    const bob = { id: 'bench-bob', name: 'Bob' };
    const truths = docs.map((d) => truthContent(d.truth, d.pageId));
    for (const [i, d] of docs.entries()) {
      verifyAs(core, projectId, d.documentId, alice, truths[i]!);
      const other = structuredClone(truths[i]!);
      if (i % 3 === 0) other.boxes[0]!.label = other.boxes[0]!.label === 'total' ? 'date' : 'total';
      verifyAs(core, projectId, d.documentId, bob, other);
    }
    // A real change between cold measurements: Bob verifies one more document again (a retyped box).
    let edits = 0;
    const change = () => {
      const i = 1 + (edits++ % (docs.length - 1));
      const other = structuredClone(truths[i]!);
      other.boxes[0]!.transcription = `retyped ${edits}`;
      verifyAs(core, projectId, docs[i]!.documentId, bob, other);
    };
    const pageLoad = () => Promise.all([core.api['review.queue']({ projectId, state: 'all' }), core.api['review.agreement']({ projectId })]);

    const queue = await timed(() => core.api['review.queue']({ projectId, state: 'all' }));
    change();
    const agreement = await timed(() => core.api['review.agreement']({ projectId }));
    change();
    const before = core.review.analyses;
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const page = await timed(pageLoad);
    loop.disable();
    const analyses = core.review.analyses - before;
    const warm = await timed(pageLoad);
    const document = await timed(() => core.api['review.document']({ projectId, documentId: docs[0]!.documentId }));
    return {
      documents: n,
      boxesPerAnnotator: docs.reduce((s, d) => s + d.truth.boxes.length, 0),
      queueMs: round(queue.ms),
      agreementMs: round(agreement.ms),
      pageLoadMs: round(page.ms),
      pageLoadWarmMs: round(warm.ms),
      pageLoadAnalyses: analyses,
      pageLoadCoreStallMs: round(loop.max / 1e6),
      documentMs: round(document.ms),
      open: queue.value.totals.open,
    };
  } finally {
    await core.close();
    dir.cleanup();
  }
}

const rows: Row[] = [];
for (const n of sizes) {
  const row = await measure(n);
  rows.push(row);
  console.log(
    `${String(row.documents).padStart(6)} documents (${row.boxesPerAnnotator} boxes each annotator): queue ${row.queueMs} ms, agreement ${row.agreementMs} ms, ` +
      `page (queue + agreement) ${row.pageLoadMs} ms in ${row.pageLoadAnalyses} analysis (core thread blocked ${row.pageLoadCoreStallMs} ms at most), page again ${row.pageLoadWarmMs} ms, one document ${row.documentMs} ms; ${row.open} open`,
  );
}
console.log(`machine: ${machine()}; load ${loadavg()[0]!.toFixed(2)}`);
console.log(JSON.stringify({ bench: 'review', machine: machine(), rows }));
