import { createHash } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/main/core/db/open';
import type { SynthDocument } from '../../src/main/core/synth';
import { NO_NOISE, startClaudeSimulator, type ClaudeSimulator } from '../../src/main/sim/claude';
import { openTestCore, tempDir } from '../helpers/core';
import { documentIdBySource, serviceFor, SIM_KEY, synthProject, writePages } from '../helpers/preannotate';
import { Rng } from '../../src/main/core/synth/random';

/**
 * A process pre-annotating is killed with SIGKILL mid-run and started again, several times; at the
 * end every page must have its predictions exactly once. In batch mode the process is killed
 * while a batch runs, and once with the batch id lost (as if it died inside the create call): the
 * restart must find the batch, not send a second one, and ingest its results exactly once.
 * Seeded: PREANNOTATE_CRASH_SEED=<n> repeats a run.
 */
const SCALE = 0.05;
const PAGES = 24;
const KILLS = Number(process.env.PREANNOTATE_CRASH_KILLS ?? 3);
const seed = Number(process.env.PREANNOTATE_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
// Inside node_modules so the bundle resolves its external packages; one folder per checkout and
// run, since worktrees may share node_modules and a bundle from another checkout has other migrations.
const childBundle = join(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'folio-tests', `${createHash('sha1').update(import.meta.dirname).digest('hex').slice(0, 12)}-${process.pid}`, 'preannotate-child.mjs');

let dir: ReturnType<typeof tempDir>;
let sim: ClaudeSimulator;
let pages: { files: string[]; truths: SynthDocument[] };

beforeAll(async () => {
  mkdirSync(join(childBundle, '..'), { recursive: true });
  await build({ entryPoints: [join(import.meta.dirname, '..', 'helpers', 'preannotateChild.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: childBundle, logLevel: 'error' });
  dir = tempDir('folio-preannotate-crash-');
  sim = await startClaudeSimulator({ timeScale: SCALE, noise: NO_NOISE, batchProcessingMs: 30_000 });
  pages = await writePages(join(dir.path, 'src'), 77, Array.from({ length: PAGES }, (_, index) => ({ index, kind: 'receipt' as const, width: 400, height: 900 })));
  for (const t of pages.truths) sim.truth.register(t);
});
afterAll(async () => {
  rmSync(join(childBundle, '..'), { recursive: true, force: true });
  await sim?.close();
  dir?.cleanup();
});

function startChild(dataDir: string, projectId: string, mode: 'online' | 'batch') {
  const child: ChildProcess = spawn(process.execPath, [childBundle, dataDir, sim.url, SIM_KEY, projectId, mode, String(SCALE)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const listeners = new Set<() => void>();
  child.stdout!.on('data', (c: Buffer) => {
    out += c.toString();
    for (const l of listeners) l();
  });
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const lastDone = () => Math.max(-1, ...[...out.matchAll(/^done (\d+)$/gm)].map((m) => Number(m[1])));
  const until = (cond: () => boolean) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (cond()) {
          listeners.delete(check);
          resolve();
        }
      };
      listeners.add(check);
      void exited.then(() => (cond() ? resolve() : reject(new Error(`child exited early:\n${out}`))));
      check();
    });
  return { child, exited, output: () => out, lastDone, until };
}

async function setup(name: string) {
  const dataDir = join(dir.path, name);
  const core = await openTestCore(dataDir);
  const projectId = await synthProject(core, null, name, pages.files, pages.truths);
  const docs = documentIdBySource(core, projectId);
  await core.close();
  return { dataDir, projectId, docs };
}

function check(dataDir: string, projectId: string, docs: Map<string, string>) {
  const db = openDatabase(join(dataDir, 'folio.db'), { readonly: true });
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const rows = db.prepare('SELECT id, document_id, kind FROM predictions WHERE project_id = ?').all(projectId) as { id: string; document_id: string; kind: string }[];
    for (const t of pages.truths) {
      const mine = rows.filter((r) => r.document_id === docs.get(t.id));
      // Not lost, not doubled: exactly the answer's boxes and answers, all from one task.
      expect({ page: t.id, boxes: mine.filter((r) => r.kind === 'box').length, qa: mine.filter((r) => r.kind === 'qa').length }).toEqual({ page: t.id, boxes: t.boxes.length, qa: t.qa.length });
      expect(new Set(mine.map((r) => r.id.split(':')[0])).size).toBe(1);
    }
    const states = db.prepare('SELECT state, COUNT(*) AS n FROM preannotation_tasks GROUP BY state').all() as { state: string; n: number }[];
    expect(states).toEqual([{ state: 'done', n: PAGES }]);
    expect(db.prepare('SELECT state FROM preannotation_runs').all()).toEqual([{ state: 'completed' }]);
  } finally {
    db.close();
  }
}

describe('pre-annotation survives SIGKILL', () => {
  it(`online: ${KILLS} kills at random points, then a clean finish (seed ${seed})`, { timeout: 240_000 }, async () => {
    console.log(`pre-annotation crash test: seed ${seed} (PREANNOTATE_CRASH_SEED=${seed} repeats this run)`);
    const seeded = new Rng(seed);
    const random = () => seeded.next();
    const { dataDir, projectId, docs } = await setup('online');
    // One request per 3 simulated seconds: the run takes a few real seconds, so kills spread over it.
    sim.setLimits({ rpm: 20, burstSeconds: 3 });
    let killedAt: number[] = [];
    let floor = 0;
    for (let k = 0; k < KILLS; k++) {
      const c = startChild(dataDir, projectId, 'online');
      const target = floor + 1 + Math.floor(random() * Math.max(1, (PAGES - floor) / (KILLS - k + 1)));
      await c.until(() => c.lastDone() >= target);
      // Kill at a random moment after the target, with requests in flight.
      await new Promise((r) => setTimeout(r, Math.floor(random() * 60)));
      c.child.kill('SIGKILL');
      const { signal } = await c.exited;
      expect(signal).toBe('SIGKILL');
      killedAt.push(c.lastDone());
      floor = c.lastDone();
    }
    const last = startChild(dataDir, projectId, 'online');
    const { code } = await last.exited;
    expect(code, last.output()).toBe(0);
    expect(last.output()).toContain('"state":"completed"');
    console.log(`killed after ${killedAt.join(', ')} page(s) done`);
    killedAt = [];
    sim.setLimits({});
    check(dataDir, projectId, docs);
  });

  it('a run another live process executes is left to it when Folio starts, and resumed once that process is gone', { timeout: 120_000 }, async () => {
    const { dataDir, projectId, docs } = await setup('shared');
    sim.setLimits({ rpm: 20, burstSeconds: 3 });
    const cli = startChild(dataDir, projectId, 'online');
    await cli.until(() => cli.lastDone() >= 2);
    // The app starts on the same data folder while the CLI pre-annotates.
    const app = await openTestCore(dataDir, { env: { ANTHROPIC_API_KEY: SIM_KEY, ANTHROPIC_BASE_URL: sim.url } });
    const svc = serviceFor(app, { timeScale: SCALE });
    try {
      expect(svc.resumeInterrupted()).toEqual([]);
      const [run] = svc.listRuns(projectId);
      expect(app.db.prepare('SELECT owner_pid FROM preannotation_runs WHERE id = ?').get(run!.runId)).toEqual({ owner_pid: cli.child.pid });
      // The CLI goes on undisturbed (its in-flight pages were not put back in the queue under it).
      const before = cli.lastDone();
      await cli.until(() => cli.lastDone() > before);
      cli.child.kill('SIGKILL');
      await cli.exited;
      // Once the CLI is gone, the next start takes the run over.
      expect(svc.resumeInterrupted()).toEqual([run!.runId]);
      expect((await svc.waitForRun(run!.runId)).state).toBe('completed');
    } finally {
      await svc.close();
      await app.close();
      sim.setLimits({});
    }
    check(dataDir, projectId, docs);
  });

  it('batch: killed while the batch runs and once with its id lost; one batch, results ingested once', { timeout: 240_000 }, async () => {
    const { dataDir, projectId, docs } = await setup('batch');
    const before = sim.batchIds().length;
    const batchRow = () => {
      const db = openDatabase(join(dataDir, 'folio.db'), { readonly: true });
      try {
        return db.prepare('SELECT id, state, remote_id FROM preannotation_batches').all() as { id: string; state: string; remote_id: string | null }[];
      } finally {
        db.close();
      }
    };
    const first = startChild(dataDir, projectId, 'batch');
    await first.until(() => /started/.test(first.output()));
    for (let i = 0; i < 500 && !batchRow().some((b) => b.remote_id); i++) await new Promise((r) => setTimeout(r, 20));
    first.child.kill('SIGKILL');
    await first.exited;
    expect(batchRow()).toEqual([expect.objectContaining({ state: 'submitted' })]);

    // As if the process had died inside the create call: the API has the batch, Folio not its id.
    const rw = openDatabase(join(dataDir, 'folio.db'), { skipMigrations: true });
    rw.prepare("UPDATE preannotation_batches SET state = 'creating', remote_id = NULL").run();
    rw.close();

    const second = startChild(dataDir, projectId, 'batch');
    await second.until(() => /resumed/.test(second.output()));
    await new Promise((r) => setTimeout(r, 100));
    second.child.kill('SIGKILL');
    await second.exited;

    const third = startChild(dataDir, projectId, 'batch');
    const { code } = await third.exited;
    expect(code, third.output()).toBe(0);
    expect(sim.batchIds().length - before).toBe(1);
    expect(batchRow()).toEqual([expect.objectContaining({ state: 'ingested', remote_id: expect.stringMatching(/^msgbatch_/) })]);
    check(dataDir, projectId, docs);

    // Reading the results again (a crash after some lines were ingested) changes nothing.
    const again = openDatabase(join(dataDir, 'folio.db'), { skipMigrations: true });
    again.prepare("UPDATE preannotation_batches SET state = 'submitted'").run();
    again.prepare("UPDATE preannotation_runs SET state = 'running', finished_at = NULL").run();
    again.close();
    const fourth = startChild(dataDir, projectId, 'batch');
    expect((await fourth.exited).code, fourth.output()).toBe(0);
    check(dataDir, projectId, docs);
  });
});
