/**
 * npm run bench:pool — the pre-annotation pool against the Claude simulator.
 *
 * In one process and on identical simulator settings (a fresh simulator per run, same seed), three
 * strategies pre-annotate the same 200 generated pages in three scenarios:
 *   strategies  sequential — one request at a time (1-2-4 s backoff, 60 s timeout)
 *               fixed      — the configuration Folio replaces: 4 workers, 200 ms apart, 3 retries
 *                            after 1, 2 and 4 s, 60 s timeout, retry-after ignored
 *               adaptive   — Folio's pool (concurrency auto)
 *   scenarios   rpm    — 300 requests/min: about 5 pages/s at 2.1 s latency
 *               itpm   — an input-tokens/min limit that binds first (about 3 pages/s)
 *               faults — the rpm limits plus 20 % injected 529/500 and a 2 s burst of 429s every 15 s
 *
 * The simulator runs on a worker thread (its CPU does not stall the pool's event loop), with time
 * compressed by BENCH_TIME_SCALE (default 0.3: one simulated second = 0.3 s); every figure is
 * in simulated seconds, as if against the real service. Pages are generated at 150 dpi (US letter
 * 1275 × 1650; receipts 800 × 2000) so they go to the model as they are, without resizing: the
 * benchmark measures the pool, not JPEG encoding on a shared CPU.
 *
 * Prints a table per scenario and ends with one JSON line:
 *   {"scenarios": {"rpm"|"itpm"|"faults": {"ceilingTasksPerSec": n,
 *     "sequential"|"fixed"|"adaptive": {"tasksPerSec": n, "failed": n, "requests": n, "rate429AfterSettle": n}}}}
 *
 * The sequential baselines, which take most of the time but almost no CPU, run in the background
 * from the start, each against its own simulator instance (same settings and seed) on its own
 * thread, while fixed and adaptive run one after the other. The simulator's buckets hold two
 * simulated seconds of each limit: compressed, one simulated second is only 0.3 s of wall time,
 * no longer than the scheduling stalls of a loaded two-core machine (the pool itself never
 * bursts more than half a second of a limit).
 *
 *   BENCH_PAGES=200 BENCH_TIME_SCALE=0.3 npm run bench:pool      (BENCH_ONLY=rpm:adaptive: one cell, traced)
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { build } from 'esbuild';
import sharp from 'sharp';
import { openDatabase } from '../src/main/core/db/open';
import { createPreannotationService, LEGACY_FIXED, SEQUENTIAL, type PreannotationRun, type StartOptions } from '../src/main/core/preannotate';
import { imageTokens } from '../src/main/core/preannotate/imageSizing';
import { MemorySettingsStore } from '../src/main/core/settings/fileStores';
import { createCore } from '../src/main/core/createCore';
import { generatePage, generateTruth, SYNTH_LABELS, SYNTH_QUESTIONS } from '../src/main/core/synth';
import type { ClaudeSimOptions, SimRequestLog } from '../src/main/sim/claude';
import { MemorySecretStore } from '../tests/helpers/core';
import { machine, round } from './lib';

const PAGES = Number(process.env.BENCH_PAGES ?? 200);
/** e.g. BENCH_ONLY=rpm:adaptive — one cell, with the pool's state printed as it runs (diagnosis). */
const ONLY = process.env.BENCH_ONLY ?? null;
const SCALE = Number(process.env.BENCH_TIME_SCALE ?? 0.3);
const SEED = 2026;
const KEY = 'sk-ant-bench-key';
const root = join(import.meta.dirname, '..', '.bench');

// ----- the simulator on a worker thread -----
class SimWorker {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  constructor(private readonly worker: Worker) {
    worker.on('message', (m: { id: number; ok: boolean; result?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.ok) p?.resolve(m.result);
      else p?.reject(new Error(m.error));
    });
    worker.on('error', (e) => {
      for (const p of this.pending.values()) p.reject(e);
    });
  }
  call<T>(op: string, args?: unknown): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, op, args });
    });
  }
  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

let bundled: Promise<unknown> | null = null;
async function simWorker(): Promise<SimWorker> {
  const bundle = join(root, 'claude-sim-worker.mjs');
  mkdirSync(root, { recursive: true });
  bundled ??= build({ entryPoints: [join(import.meta.dirname, '..', 'src', 'main', 'sim', 'claude', 'worker.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: bundle, logLevel: 'error' });
  await bundled;
  return new SimWorker(new Worker(bundle));
}

// ----- the corpus: 200 pages at 150 dpi with their ground truth, cached between runs -----
async function corpus(): Promise<{ dir: string; files: string[]; meanImageTokens: number }> {
  const dir = join(root, `pool-${SEED}-${PAGES}-q75`);
  mkdirSync(dir, { recursive: true });
  const have = new Set(readdirSync(dir));
  const files: string[] = [];
  let tokens = 0;
  for (let i = 0; i < PAGES; i++) {
    const cached = [...have].find((f) => f.endsWith(`-${SEED}-${i}.json`));
    const kind = cached ? (cached.split('-')[0] as 'invoice' | 'receipt' | 'form') : generateTruth(SEED, i).kind;
    const size = kind === 'receipt' ? {} : { width: 1275, height: 1650 };
    const id = `${kind}-${SEED}-${i}`;
    if (!have.has(`${id}.jpg`) || !have.has(`${id}.json`)) {
      const { truth, png } = await generatePage(SEED, i, { ...size, format: 'jpeg' });
      // JPEG quality 75 (~90 KB a page): image bytes cost CPU on both sides but not tokens.
      writeFileSync(join(dir, `${id}.jpg`), await sharp(png).jpeg({ quality: 75 }).toBuffer());
      writeFileSync(join(dir, `${id}.json`), JSON.stringify(truth));
      if (i % 20 === 0) process.stderr.write(`  generating pages ${i}/${PAGES}\r`);
    }
    tokens += kind === 'receipt' ? imageTokens(800, 2000) : imageTokens(1275, 1650);
    files.push(join(dir, `${id}.jpg`));
  }
  return { dir, files, meanImageTokens: tokens / PAGES };
}

type StrategyName = 'sequential' | 'fixed' | 'adaptive';
type ScenarioName = 'rpm' | 'itpm' | 'faults';

interface RunFigures {
  tasksPerSec: number;
  failed: number;
  requests: number;
  rate429AfterSettle: number;
  // printed, not in the final JSON line
  wallS: number;
  simS: number;
  done: number;
  latency: PreannotationRun['latency'];
  pageDuration: PreannotationRun['pageDuration'];
  http429: number;
  bucket429: number;
  burst429: number;
  injected: number;
  retries: number;
  costUsd: number;
  estimateUsd: number;
  meanItpmTokens: number;
}

async function main(): Promise<void> {
  console.log(`bench:pool — ${PAGES} pages × 3 strategies × 3 scenarios, time scale ${SCALE} (1 simulated s = ${SCALE} s), on ${machine()}, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const { dir: corpusDir, files, meanImageTokens } = await corpus();
  const work = mkdtempSync(join(tmpdir(), 'folio-bench-pool-'));
  const core = await createCore({ dataDir: join(work, 'data'), settingsStore: new MemorySettingsStore(), secretStore: new MemorySecretStore(), platform: { kind: 'web' }, env: {}, sync: { autoStart: false } });
  const poolDb = openDatabase(join(work, 'data', 'folio.db'), { synchronous: 'NORMAL', skipMigrations: true });
  const sim = await simWorker();
  const simBackground = [await simWorker(), await simWorker(), await simWorker()];
  try {
    const labels = SYNTH_LABELS.map((l) => ({ name: l.name, color: l.color, hotkey: (l.hotkey as '1' | null) ?? null }));
    const questions = SYNTH_QUESTIONS.map((text) => ({ text }));
    const corpusProject = await core.api['projects.create']({ name: 'corpus', labels, questions });
    const t0 = performance.now();
    const imported = await core.importer.run(corpusProject.id, files);
    if (imported.failed.length) throw new Error(`import failed: ${JSON.stringify(imported.failed.slice(0, 3))}`);
    const docs = core.documents.list({ projectId: corpusProject.id, limit: 1000 }).items.map((d) => d.id);
    console.log(`imported ${docs.length} pages in ${round((performance.now() - t0) / 1000)} s; mean image ${Math.round(meanImageTokens)} visual tokens`);

    // Input tokens per page that count against ITPM: the image, the page's text, message overhead.
    const itpmLimit = Math.round(3 * 60 * (meanImageTokens + 50));
    const rpmLimits = { rpm: 300, itpm: 100_000_000, otpm: 100_000_000, burstSeconds: 2 };
    const scenarios: Record<ScenarioName, { limits: NonNullable<ClaudeSimOptions['limits']>; faults: NonNullable<ClaudeSimOptions['faults']>; note: string }> = {
      rpm: { limits: rpmLimits, faults: {}, note: '300 requests/min' },
      itpm: { limits: { rpm: 1000, itpm: itpmLimit, otpm: 100_000_000, burstSeconds: 2 }, faults: {}, note: `${itpmLimit.toLocaleString('en-US')} input tokens/min, 1,000 requests/min` },
      faults: { limits: rpmLimits, faults: { overloaded: 0.1, serverError: 0.1, bursts429: { everyMs: 15_000, durationMs: 2_000 } }, note: '300 requests/min, 10 % 529 + 10 % 500, 429 for 2 s every 15 s' },
    };
    const strategies: Record<StrategyName, StartOptions> = {
      sequential: { strategy: { kind: 'fixed', ...SEQUENTIAL } },
      fixed: { strategy: { kind: 'fixed', ...LEGACY_FIXED } },
      adaptive: { concurrency: 'auto' },
    };

    const results: Record<ScenarioName, { ceilingTasksPerSec: number; runs: Record<StrategyName, RunFigures> }> = {} as never;
    let projectNo = 0;
    /** One run of one strategy against a fresh simulator on `worker`, configured like every other run of the scenario. */
    const runOne = async (worker: SimWorker, scenario: ScenarioName, strategy: StrategyName): Promise<RunFigures> => {
      const s = scenarios[scenario];
      const { url } = await worker.call<{ url: string }>('start', { timeScale: SCALE, limits: s.limits, faults: s.faults, seed: 7 } satisfies ClaudeSimOptions);
      await worker.call('registerDirectory', corpusDir);
      const project = await core.api['projects.create']({ name: `bench ${++projectNo} ${scenario} ${strategy}`, labels, questions });
      const now = new Date().toISOString();
      for (const id of docs) core.documents.addToProject(project.id, { id }, now);
      const svc = createPreannotationService({
        db: poolDb,
        dataDir: core.dataDir,
        media: core.media,
        projects: core.projects,
        settings: { anthropic: () => ({ apiKey: KEY, baseUrl: url }) },
        timeScale: SCALE,
      });
      const estimate = await svc.estimate(project.id);
      await worker.call('resetLog');
      const elu0 = performance.eventLoopUtilization();
      const cpu0 = process.cpuUsage();
      const started = performance.now();
      const run = await svc.start(project.id, strategies[strategy]);
      const trace = ONLY
        ? setInterval(() => {
            const st = svc.status(run.runId);
            console.log(`    t=${((performance.now() - started) / SCALE / 1000).toFixed(1)}s done=${st.pages.done} inFlight=${st.pages.inFlight} pool=${JSON.stringify(st.pool)}`);
          }, 1000 * SCALE * 2)
        : null;
      const final = await svc.waitForRun(run.runId);
      if (trace) clearInterval(trace);
      const wallMs = performance.now() - started;
      const elu = performance.eventLoopUtilization(elu0).utilization;
      const cpu = process.cpuUsage(cpu0);
      await svc.close();
      const log = (await worker.call<SimRequestLog[]>('requests')).filter((r) => r.endpoint === 'messages');
      const f = figures(final, log, wallMs, estimate.usd.total);
      process.stderr.write(
        `  ${scenario} / ${strategy}: ${round(f.tasksPerSec, 2)} pages/s in ${round(wallMs / 1000)} s; process CPU ${(((cpu.user + cpu.system) / 1000 / wallMs) * 100).toFixed(0)} %, pool thread busy ${Math.round(elu * 100)} %\n`,
      );
      return f;
    };

    // Warm-up, not reported: JIT, the SDK's connection pool and SQLite's statements, so the first
    // timed run does not pay for them.
    {
      const { url } = await sim.call<{ url: string }>('start', { timeScale: SCALE, limits: rpmLimits, seed: 1 } satisfies ClaudeSimOptions);
      await sim.call('registerDirectory', corpusDir);
      const warm = await core.api['projects.create']({ name: 'warm-up', labels, questions });
      for (const id of docs.slice(0, 40)) core.documents.addToProject(warm.id, { id }, new Date().toISOString());
      const svc = createPreannotationService({ db: poolDb, dataDir: core.dataDir, media: core.media, projects: core.projects, settings: { anthropic: () => ({ apiKey: KEY, baseUrl: url }) }, timeScale: SCALE });
      await svc.waitForRun((await svc.start(warm.id)).runId);
      await svc.close();
    }

    const want = (scenario: ScenarioName, st: StrategyName) => !ONLY || ONLY === `${scenario}:${st}`;
    // The sequential baselines take most of the time and almost no CPU: all three run in the
    // background from the start, each against its own simulator (same settings, same seed) on its
    // own thread, while fixed and adaptive run one after the other in the foreground.
    const sequential = new Map<ScenarioName, Promise<RunFigures>>();
    for (const [i, scenario] of (Object.keys(scenarios) as ScenarioName[]).entries()) {
      if (want(scenario, 'sequential')) sequential.set(scenario, runOne(simBackground[i]!, scenario, 'sequential'));
    }
    const foreground = {} as Record<ScenarioName, Partial<Record<StrategyName, RunFigures>>>;
    for (const scenario of Object.keys(scenarios) as ScenarioName[]) {
      foreground[scenario] = {};
      if (want(scenario, 'fixed')) foreground[scenario].fixed = await runOne(sim, scenario, 'fixed');
      if (want(scenario, 'adaptive')) foreground[scenario].adaptive = await runOne(sim, scenario, 'adaptive');
    }
    for (const scenario of Object.keys(scenarios) as ScenarioName[]) {
      const s = scenarios[scenario];
      const seq = await sequential.get(scenario);
      const runs = { ...(seq ? { sequential: seq } : {}), ...foreground[scenario] } as Record<StrategyName, RunFigures>;
      if (Object.keys(runs).length === 0) continue;
      const meanItpm = Object.values(runs).reduce((a, r) => a + r.meanItpmTokens, 0) / Object.keys(runs).length;
      const ceiling =
        scenario === 'rpm'
          ? s.limits.rpm! / 60
          : scenario === 'itpm'
            ? Math.min(s.limits.rpm! / 60, s.limits.itpm! / 60 / meanItpm)
            : (s.limits.rpm! / 60) * (1 - 0.2) * (1 - 2 / 15);
      results[scenario] = { ceilingTasksPerSec: ceiling, runs };
      printScenario(scenario, s.note, ceiling, runs, meanItpm);
    }

    if (ONLY) return;
    const a = results.rpm.runs.adaptive;
    const costError = (a.estimateUsd - a.costUsd) / a.costUsd;
    console.log(
      `\ncost estimate (adaptive, rpm scenario): $${a.estimateUsd.toFixed(4)} estimated before the run vs $${a.costUsd.toFixed(4)} billed by the simulator (${costError >= 0 ? '+' : ''}${(costError * 100).toFixed(1)} %)`,
    );
    const checks = [
      ['adaptive ≥ 90 % of the ceiling (rpm)', a.tasksPerSec >= 0.9 * results.rpm.ceilingTasksPerSec],
      ['adaptive ≥ 90 % of the ceiling (itpm)', results.itpm.runs.adaptive.tasksPerSec >= 0.9 * results.itpm.ceilingTasksPerSec],
      ['adaptive ≥ 2 × fixed (rpm)', a.tasksPerSec >= 2 * results.rpm.runs.fixed.tasksPerSec],
      ['adaptive: no failed page (faults)', results.faults.runs.adaptive.failed === 0],
      ['adaptive: < 2 % 429s after settling (rpm, itpm, faults)', (['rpm', 'itpm', 'faults'] as const).every((k) => results[k].runs.adaptive.rate429AfterSettle < 0.02)],
      ['cost estimate within 15 %', Math.abs(costError) <= 0.15],
    ] as const;
    for (const [what, ok] of checks) console.log(`  ${ok ? 'PASS' : 'MISS'}  ${what}`);

    const detailFile = join(root, 'pool-results.json');
    writeFileSync(detailFile, JSON.stringify({ timeScale: SCALE, pages: PAGES, machine: machine(), load: loadavg(), results, costError }, null, 2));
    console.log(`details: ${detailFile}`);
    const line = {
      scenarios: Object.fromEntries(
        (Object.keys(results) as ScenarioName[]).map((k) => [
          k,
          {
            ceilingTasksPerSec: round(results[k].ceilingTasksPerSec, 3),
            ...Object.fromEntries(
              (Object.keys(results[k].runs) as StrategyName[]).map((st) => {
                const r = results[k].runs[st];
                return [st, { tasksPerSec: round(r.tasksPerSec, 3), failed: r.failed, requests: r.requests, rate429AfterSettle: round(r.rate429AfterSettle, 4) }];
              }),
            ),
          },
        ]),
      ),
    };
    console.log(JSON.stringify(line));
  } finally {
    for (const w of [sim, ...simBackground]) {
      await w.call('close').catch(() => undefined);
      await w.terminate();
    }
    poolDb.close();
    await core.close();
    if (existsSync(work)) rmSync(work, { recursive: true, force: true });
  }
}

function figures(run: PreannotationRun, log: SimRequestLog[], wallMs: number, estimateUsd: number): RunFigures {
  const simS = wallMs / SCALE / 1000;
  const pageOk = log.filter((r) => r.status === 200 && r.documentId !== null);
  // Settled: once a tenth of the pages have their answers.
  const settleAt = pageOk[Math.max(0, Math.ceil(PAGES / 10) - 1)]?.at ?? Infinity;
  const after = log.filter((r) => r.at > settleAt);
  const bucket429 = log.filter((r) => r.cause.startsWith('rate_limit:')).length;
  return {
    tasksPerSec: run.pages.done / simS,
    failed: run.pages.failed,
    requests: log.length,
    rate429AfterSettle: after.length ? after.filter((r) => r.cause.startsWith('rate_limit:')).length / after.length : 0,
    wallS: wallMs / 1000,
    simS,
    done: run.pages.done,
    latency: run.latency,
    pageDuration: run.pageDuration,
    http429: log.filter((r) => r.status === 429).length,
    bucket429,
    burst429: log.filter((r) => r.cause === 'burst429').length,
    injected: log.filter((r) => r.cause.startsWith('injected:')).length,
    retries: run.requests.retries,
    costUsd: run.costUsd,
    estimateUsd,
    meanItpmTokens: pageOk.length ? pageOk.reduce((a, r) => a + r.itpmTokens, 0) / pageOk.length : 0,
  };
}

function printScenario(name: string, note: string, ceiling: number, runs: Record<StrategyName, RunFigures>, meanItpm: number): void {
  console.log(`\nscenario ${name} (${note}) — ceiling ${round(ceiling, 2)} pages/s${name === 'itpm' ? ` (${Math.round(meanItpm)} ITPM tokens per page)` : ''}`);
  console.log('  strategy     pages/s  of ceiling  p50 s  p95 s  p99 s   429s (limit/burst)  injected  retries  failed  requests  429 after settle');
  for (const [k, r] of Object.entries(runs)) {
    const s = (ms: number | null) => (ms === null ? '  -  ' : (ms / 1000).toFixed(2).padStart(5));
    console.log(
      `  ${k.padEnd(11)}  ${r.tasksPerSec.toFixed(2).padStart(7)}  ${`${Math.round((100 * r.tasksPerSec) / ceiling)} %`.padStart(10)}  ${s(r.latency.p50)}  ${s(r.latency.p95)}  ${s(r.latency.p99)}  ${String(r.http429).padStart(5)} (${r.bucket429}/${r.burst429})`.padEnd(82) +
        `  ${String(r.injected).padStart(8)}  ${String(r.retries).padStart(7)}  ${String(r.failed).padStart(6)}  ${String(r.requests).padStart(8)}  ${(100 * r.rate429AfterSettle).toFixed(2).padStart(6)} %`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
