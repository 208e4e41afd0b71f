/**
 * npm run bench:sync — 10,000 verified generated documents synced to the W&B simulator in
 * batches of 500, the way the app does it (the sync engine in this process, the simulator in its
 * own process over real HTTP). While the sync runs, more documents are verified through the API
 * and each verify is timed. Prints total time, requests and bytes per version, the bytes overhead
 * (bytes sent for a version ÷ that batch's new content plus its manifest), verify p99 and the
 * longest event-loop stall of this process. Ends with one JSON line.
 *
 *   BENCH_DOCS=10000 BENCH_BATCH=500 BENCH_LIVE=500 npm run bench:sync
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createCore } from '../src/main/core/createCore';
import { MemorySettingsStore } from '../src/main/core/settings/fileStores';
import { SyncEngine, type SyncJobView } from '../src/main/core/sync';
import { generatePage, generateTruth, type SynthDocument } from '../src/main/core/synth';
import { MemorySecretStore } from '../tests/helpers/core';
import { addDocuments, createSyncProject, SIM_ENTITY, SIM_KEY, verifyDocument, type SeededDocument } from '../tests/helpers/sync';
import { machine, round } from './lib';

const DOCS = Number(process.env.BENCH_DOCS ?? 10_000);
const BATCH = Number(process.env.BENCH_BATCH ?? 500);
/** Documents verified while the sync runs (their verify latency is what is measured); part of DOCS. */
const LIVE = Math.min(DOCS, Number(process.env.BENCH_LIVE ?? 500));
const UNIQUE_RENDERS = 16;
const UNIQUE_TRUTHS = 2_000;
const SEED = 5151;

/** A few real rendered pages (cached in .bench/), made unique per document with a JPEG comment segment. */
function pageImages(): Buffer[] {
  const dir = join(import.meta.dirname, '..', '.bench', `sync-pages-${SEED}`);
  mkdirSync(dir, { recursive: true });
  return Array.from({ length: UNIQUE_RENDERS }, (_, i) => readFileSync(join(dir, `page-${i}.jpg`)));
}
async function renderPages(): Promise<void> {
  const dir = join(import.meta.dirname, '..', '.bench', `sync-pages-${SEED}`);
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < UNIQUE_RENDERS; i++) {
    const file = join(dir, `page-${i}.jpg`);
    if (!existsSync(file)) writeFileSync(file, (await generatePage(SEED, i, { format: 'jpeg' })).png);
  }
}
function uniqueJpeg(base: Buffer, n: number): Buffer {
  const text = Buffer.from(`folio-bench-document-${n}`);
  const seg = Buffer.alloc(4);
  seg.writeUInt16BE(0xfffe, 0);
  seg.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([base.subarray(0, 2), seg, text, base.subarray(2)]);
}

async function startSimProcess(storage: string): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'src', 'main', 'sim', 'wandb', 'start.ts')], {
    env: { ...process.env, WANDB_SIM_PORT: '0', WANDB_SIM_QUIET: '1', WANDB_SIM_STORAGE: storage, WANDB_SIM_DISCARD_IMAGES: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
};

async function main(): Promise<void> {
  console.log(`bench:sync — ${DOCS} verified documents in batches of ${BATCH} (${LIVE} verified while syncing) on ${machine()}`);
  await renderPages();
  const bases = pageImages();
  const work = mkdtempSync(join(tmpdir(), 'folio-bench-sync-'));
  const sim = await startSimProcess(join(work, 'sim'));
  const dataDir = join(work, 'data');
  const core = await createCore({ dataDir, settingsStore: new MemorySettingsStore(), secretStore: new MemorySecretStore(), platform: { kind: 'web' }, env: {}, sync: { autoStart: false } });
  try {
    await core.api['settings.update']({ annotatorName: 'Bench' });
    const projectId = await createSyncProject(core, 'bench');
    const truths: SynthDocument[] = [];
    const truthOf = (i: number) => (truths[i % UNIQUE_TRUTHS] ??= generateTruth(SEED, i % UNIQUE_TRUTHS));
    const image = async (i: number) => ({ bytes: uniqueJpeg(bases[i % bases.length]!, i), ext: 'jpg' as const });

    const t0 = performance.now();
    const docs: SeededDocument[] = [];
    for (let i = 0; i < DOCS; i += 500) {
      docs.push(...(await addDocuments(core, projectId, { count: Math.min(500, DOCS - i), start: i, truth: truthOf, image })));
      process.stderr.write(`  documents ${docs.length}/${DOCS}\r`);
    }
    const before = docs.slice(0, DOCS - LIVE);
    const idleVerifyMs: number[] = [];
    for (const [n, d] of before.entries()) {
      const t = performance.now();
      await verifyDocument(core, projectId, d);
      if (n >= before.length - 500) idleVerifyMs.push(performance.now() - t);
      if (n % 500 === 0) process.stderr.write(`  verified ${n}/${before.length}   \r`);
    }
    console.log(`seeded ${DOCS} documents (${before.length} verified) in ${round((performance.now() - t0) / 1000)} s`);

    const engine = new SyncEngine({
      db: core.db,
      dataDir,
      folioVersion: 'bench',
      credentials: () => ({ apiKey: SIM_KEY, baseUrl: sim.url, entity: null, project: 'biz-doc-vqa' }),
    });
    engine.updateConfig({ batchSize: BATCH });
    // Warm the simulator (its first GraphQL request builds the schema) outside the measurement.
    if ((await engine.probe()) !== 'online') throw new Error('the simulator does not answer');

    // Seeding wrote the page images just now; flush them so their write-back does not land in the measurement.
    spawnSync('sync');
    const loadBefore = loadavg()[0]!;
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    const verifyMs: number[] = [];
    const saveMs: number[] = [];
    const started = performance.now();
    histogram.enable();
    const syncing = engine.syncNow();
    let syncDone = false;
    void syncing.finally(() => (syncDone = true));
    for (const d of docs.slice(DOCS - LIVE)) {
      const state = await core.api['annotations.get']({ projectId, documentId: d.documentId });
      const boxes = d.truth.boxes.map((b) => ({ id: b.id, pageId: d.pageId, label: b.label, x: b.x, y: b.y, w: b.width, h: b.height, transcription: b.text, locked: false, hidden: false, originPredictionId: null }));
      const s0 = performance.now();
      await core.api['annotations.save']({ projectId, documentId: d.documentId, baseRevision: state.revision, upsertBoxes: boxes });
      const v0 = performance.now();
      const r = await core.api['annotations.verify']({ projectId, documentId: d.documentId });
      const v1 = performance.now();
      if (r.result !== 'verified') throw new Error('verify refused');
      if (!syncDone) {
        saveMs.push(v0 - s0);
        verifyMs.push(v1 - v0);
      }
      await new Promise((res) => setTimeout(res, syncDone ? 0 : 25));
    }
    const first = await syncing;
    const jobs: SyncJobView[] = [...first.jobs];
    console.log(`\nfirst build run: ${first.jobs.length} jobs in ${round((performance.now() - started) / 1000)} s, ${verifyMs.length} verifies timed meanwhile; status ${first.status.state}: ${first.status.message}`);
    // Whatever was verified after the last batch was claimed goes in one more build.
    jobs.push(...(await engine.syncNow()).jobs);
    histogram.disable();
    const totalS = (performance.now() - started) / 1000;

    console.log('\nversion  docs   requests  new files  new content  manifest    bytes sent  overhead');
    let maxRatio = 0;
    for (const j of jobs) {
      const r = JSON.parse((core.db.prepare('SELECT result FROM jobs WHERE id = ?').get(j.jobId) as { result: string }).result) as {
        newContentBytes: number;
        manifestBytes: number;
        bytesSent: number;
        requests: number;
      };
      const ratio = r.bytesSent / (r.newContentBytes + r.manifestBytes);
      maxRatio = Math.max(maxRatio, ratio);
      console.log(
        `${(j.artifactVersion ?? '-').padEnd(8)} ${String(j.documents).padStart(5)} ${String(r.requests).padStart(9)} ${String(j.newFiles).padStart(10)} ${(r.newContentBytes / 1e6).toFixed(2).padStart(9)} MB ${(r.manifestBytes / 1e6).toFixed(2).padStart(7)} MB ${(r.bytesSent / 1e6).toFixed(2).padStart(10)} MB  ${ratio.toFixed(4)}`,
      );
    }
    const summary = (await (await fetch(`${sim.url}/_sim/summary?entity=${SIM_ENTITY}&project=biz-doc-vqa&collection=business-ocr-vqa-dataset`)).json()) as {
      versionIndex: number;
      rows: number;
      annotationVersions: number;
      duplicated: number;
      problems: string[];
    };
    const failed = jobs.filter((j) => j.state !== 'completed');
    const result = {
      bench: 'sync',
      documents: DOCS,
      batchSize: BATCH,
      versions: jobs.filter((j) => j.artifactVersion).length,
      failedJobs: failed.length,
      datasetRows: summary.rows,
      datasetAnnotationVersions: summary.annotationVersions,
      datasetDuplicates: summary.duplicated,
      datasetProblems: summary.problems.length,
      totalSeconds: round(totalS),
      docsPerSecond: round(DOCS / totalS),
      requestsPerVersion: round(jobs.reduce((n, j) => n + j.requests, 0) / Math.max(1, jobs.length)),
      mbSentPerVersion: round(jobs.reduce((n, j) => n + j.bytesSent, 0) / Math.max(1, jobs.length) / 1e6, 2),
      maxBytesOverheadRatio: round(maxRatio, 4),
      verifiesDuringSync: verifyMs.length,
      verifyP50Ms: round(pct(verifyMs, 50), 2),
      verifyP99Ms: round(pct(verifyMs, 99), 2),
      idleSaveAndVerifyP99Ms: round(pct(idleVerifyMs, 99), 2),
      saveP99Ms: round(pct(saveMs, 99), 2),
      maxEventLoopStallMs: round(histogram.max / 1e6, 1),
      eventLoopP99Ms: round(histogram.percentile(99) / 1e6, 1),
      loadAverage: [round(loadBefore, 1), round(loadavg()[0]!, 1)],
      machine: machine(),
    };
    console.log(`\n${jobs.length} builds in ${result.totalSeconds} s; dataset v${summary.versionIndex}: ${summary.rows} rows, ${summary.annotationVersions} annotation versions, ${summary.duplicated} duplicated, ${summary.problems.length} problems`);
    console.log(`verify while syncing: p50 ${result.verifyP50Ms} ms, p99 ${result.verifyP99Ms} ms over ${verifyMs.length} verifies (save p99 ${result.saveP99Ms} ms; save+verify p99 before the sync started ${result.idleSaveAndVerifyP99Ms} ms)`);
    console.log(`longest event-loop stall: ${result.maxEventLoopStallMs} ms (p99 delay ${result.eventLoopP99Ms} ms); worst bytes overhead ${result.maxBytesOverheadRatio}`);
    console.log(`machine load average (1 min) before/after the sync: ${result.loadAverage.join(' / ')} on ${machine()}`);
    if (failed.length) console.log(`failed jobs: ${failed.map((j) => j.error).join(' | ')}`);
    console.log(JSON.stringify(result));
  } finally {
    await core.close();
    sim.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
