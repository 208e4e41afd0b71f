import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseFile, type Core } from '../../src/main/core/createCore';
import { contentDigest } from '../../src/main/core/exchange';
import { readStoredContent } from '../../src/main/core/exchange/apply';
import { generateTruth } from '../../src/main/core/synth';
import { Rng } from '../../src/main/core/synth/random';
import { startWandbSim, type WandbSim } from '../../src/main/sim/wandb/server';
import { openTestCore, tempDir } from '../helpers/core';
import { pagePng } from '../helpers/fixtures';
import { takeSuggested, truthContent, verifyAs, type Annotator, type Content } from '../helpers/review';
import { addDocuments, createSyncProject, SIM_KEY, syncEngineFor } from '../helpers/sync';
import { generationProblem } from '../helpers/writePaths';

/**
 * kill -9 at random points of every write path: a child process runs import, save, verify,
 * resolve, bundle import or pull on a copy of a prepared data folder and is killed after a
 * seeded random delay within the time the step takes. After each kill the database must pass
 * `PRAGMA integrity_check` and `foreign_key_check`, nothing may be half-written (every saved
 * annotation is one whole save, every verified one has its outbox row, every gold its lineage,
 * every received version its whole content, every document its page files, no staging left, no
 * job still "running"), and running the same step again must finish the work.
 * KILL9_SEED=<n> repeats a run; KILL9_KILLS=<n> kills per write path (default 3).
 */
const seed = Number(process.env.KILL9_SEED ?? Math.floor(Math.random() * 2 ** 31));
const KILLS = Number(process.env.KILL9_KILLS ?? 3);
const CHILD = join(import.meta.dirname, '..', 'helpers', 'writePathsChild.ts');
const rng = new Rng(seed);

const alice: Annotator = { id: 'ann-alice', name: 'Alice' };
const bob: Annotator = { id: 'ann-bob', name: 'Bob' };

let dir: ReturnType<typeof tempDir>;
let sim: WandbSim;
/** Prepared data folders (closed), copied for every run. */
const templates: Record<string, { dataDir: string; projectId: string }> = {};
let importFolder: string;
let bundleFile: string;
/** The content of every version the bundle and the pull carry, by annotation id. */
const received = new Map<string, string>();

const counts = (db: Database.Database) =>
  Object.fromEntries(['documents', 'pages', 'annotations', 'boxes', 'qa_pairs', 'gold_lineage'].map((t) => [t, (db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n]));

/** A plain page of the size the generated document says (bundles and pulls check page sizes). */
async function pageImage(i: number): Promise<{ bytes: Buffer; ext: 'png' }> {
  const { width, height } = generateTruth(7, i);
  return { bytes: await sharp({ create: { width, height, channels: 3, background: { r: (i * 53) % 256, g: 200, b: 90 } } }).png().toBuffer(), ext: 'png' };
}

function bobsView(c: Content): Content {
  return { boxes: c.boxes.map((b, i) => (i === 0 ? { ...b, label: b.label === 'email' ? 'phone' : 'email' } : b)), qa: c.qa };
}

async function prepare(name: string, build: (core: Core, projectId: string) => Promise<void>, env: Record<string, string> = {}): Promise<void> {
  const dataDir = join(dir.path, 'templates', name);
  const core = await openTestCore(dataDir, { env });
  await core.api['settings.update']({ annotatorName: name });
  const projectId = await createSyncProject(core, 'Invoices');
  await build(core, projectId);
  await core.close();
  templates[name] = { dataDir, projectId };
}

beforeAll(async () => {
  dir = tempDir('folio-kill9-');
  sim = await startWandbSim();
  const simEnv = { WANDB_API_KEY: SIM_KEY, WANDB_BASE_URL: sim.url };
  await prepare('documents', async (core, projectId) => void (await addDocuments(core, projectId, { count: 3 })));
  await prepare('empty', async () => undefined, simEnv);
  // Two annotators who disagree on every document: the lead's review queue, and what is sent on.
  await prepare(
    'review',
    async (core, projectId) => {
      for (const d of await addDocuments(core, projectId, { count: 4, image: pageImage })) {
        verifyAs(core, projectId, d.documentId, alice, truthContent(d.truth, d.pageId));
        verifyAs(core, projectId, d.documentId, bob, bobsView(truthContent(d.truth, d.pageId)));
      }
      await core.api['projects.update']({ projectId, requiredAnnotators: 2 });
      for (const row of core.db.prepare("SELECT id FROM annotations WHERE status = 'verified'").all() as { id: string }[]) received.set(row.id, contentDigest(readStoredContent(core.db, row.id)));
      bundleFile = join(dir.path, 'review.folio.tar.gz');
      await core.api['bundle.export']({ projectId, path: bundleFile });
      const engine = syncEngineFor(core, sim);
      const { jobs } = await engine.syncNow();
      await engine.stop();
      expect(jobs.every((j) => j.state === 'completed')).toBe(true);
    },
    simEnv,
  );
  importFolder = join(dir.path, 'pages');
  mkdirSync(importFolder);
  for (let i = 0; i < 6; i++) writeFileSync(join(importFolder, `page-${i}.png`), await pagePng(i, 2400, 3200));
}, 180_000);

afterAll(async () => {
  await sim?.close();
  dir?.cleanup();
});

interface ChildRun {
  /** Resolves when the child exits; `killed` when this test killed it. */
  exited: Promise<{ code: number | null; killed: boolean; output: string }>;
  /** Resolves once the child has opened the core. */
  ready: Promise<void>;
  kill(): void;
}

function runChild(dataDir: string, mode: string, projectId: string, arg?: string): ChildRun {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir, mode, projectId, ...(arg ? [arg] : [])], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let killed = false;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (c: Buffer) => {
    output += c.toString();
    if (/^ready$/m.test(output)) markReady();
  });
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<{ code: number | null; killed: boolean; output: string }>((resolve) => child.on('exit', (code) => resolve({ code, killed, output })));
  void exited.then(markReady);
  return {
    exited,
    ready,
    kill: () => {
      killed = true;
      child.kill('SIGKILL');
    },
  };
}

/** A fresh copy of a template to run a write path on. */
function copyOf(template: string, run: string): { dataDir: string; projectId: string } {
  const t = templates[template]!;
  const dataDir = join(dir.path, 'runs', run);
  cpSync(t.dataDir, dataDir, { recursive: true });
  return { dataDir, projectId: t.projectId };
}

/** The database file itself: intact by SQLite's own checks. */
function assertDatabaseIntact(dataDir: string, where: string): void {
  const db = new Database(databaseFile(dataDir));
  try {
    expect(db.pragma('integrity_check', { simple: true }), `${where}: integrity_check`).toBe('ok');
    expect(db.pragma('foreign_key_check'), `${where}: foreign_key_check`).toEqual([]);
  } finally {
    db.close();
  }
}

/** Nothing half-written, as Folio sees it after starting again (its recovery has run). */
function assertNothingHalfWritten(core: Core, where: string): void {
  const db = core.db;
  expect(db.prepare("SELECT kind, id FROM jobs WHERE state IN ('queued', 'running')").all(), `${where}: jobs left running`).toEqual([]);
  const staging = join(core.media.root, '.staging');
  expect(existsSync(staging) ? readdirSync(staging) : [], `${where}: staging left`).toEqual([]);
  for (const page of db.prepare('SELECT document_id, page_number, levels, thumbnail FROM pages').all() as { document_id: string; page_number: number; levels: string; thumbnail: string }[]) {
    for (const path of [page.thumbnail, ...(JSON.parse(page.levels) as { path: string }[]).map((l) => l.path)]) {
      expect(existsSync(core.media.absolute(path)), `${where}: ${page.document_id} page ${page.page_number}: ${path} is missing`).toBe(true);
    }
  }
  const annotations = db.prepare('SELECT a.id, a.kind, a.status, an.name FROM annotations a JOIN annotators an ON an.id = a.annotator_id').all() as { id: string; kind: string; status: string; name: string }[];
  const outbox = db.prepare('SELECT COUNT(*) AS n FROM outbox WHERE entity_id = ?');
  const lineage = db.prepare('SELECT COUNT(*) AS n FROM gold_lineage WHERE annotation_id = ?');
  for (const a of annotations) {
    const content = readStoredContent(db, a.id);
    if (received.has(a.id)) {
      expect(contentDigest(content), `${where}: received version ${a.id} is not whole`).toBe(received.get(a.id));
      continue;
    }
    if (a.name === 'Kit') expect(generationProblem(content), `${where}: ${a.status} annotation ${a.id}`).toBeNull();
    // Work made here is on its way to W&B the moment it is verified, in the same transaction.
    const sentOn = a.status === 'verified' && (a.name === 'Kit' || a.kind === 'gold');
    if (sentOn) expect((outbox.get(a.id) as { n: number }).n, `${where}: verified ${a.kind} ${a.id} has no outbox row`).toBe(1);
    if (a.kind === 'gold' && a.status === 'verified') expect((lineage.get(a.id) as { n: number }).n, `${where}: gold ${a.id} has no lineage`).toBe(1);
  }
}

interface WritePath {
  template: string;
  mode: string;
  arg?: () => string;
  /** Runs until killed (true), or finishes by itself (false: killed within the time one run takes). */
  endless: boolean;
  /** After recovery, run the step to its end and check it did all its work. */
  finish(core: Core, projectId: string): Promise<void>;
}

const paths: Record<string, WritePath> = {
  save: {
    template: 'documents',
    mode: 'save',
    endless: true,
    arg: () => firstDocument('documents'),
    finish: async (core, projectId) => {
      const state = await core.api['annotations.get']({ projectId, documentId: firstDocument('documents') });
      expect(state.boxes.length === 0 || generationProblem(state) === null).toBe(true);
    },
  },
  verify: {
    template: 'documents',
    mode: 'verify',
    endless: true,
    finish: async (core, projectId) => {
      const { items } = await core.api['documents.list']({ projectId, limit: 100 });
      for (const d of items) expect((await core.api['annotations.verify']({ projectId, documentId: d.id, acknowledge: ['no_boxes', 'undecided_predictions'] })).result).not.toBe('refused');
    },
  },
  import: {
    template: 'empty',
    mode: 'import',
    endless: false,
    arg: () => importFolder,
    finish: async (core, projectId) => {
      core.importer.start(projectId, [importFolder]);
      await core.importer.idle();
      expect((await core.api['documents.list']({ projectId, limit: 100 })).total).toBe(6);
    },
  },
  resolve: {
    template: 'review',
    mode: 'resolve',
    endless: false,
    finish: async (core, projectId) => {
      await core.api['settings.update']({ annotatorName: 'Lead' });
      const { items } = await core.api['review.queue']({ projectId, state: 'open' });
      for (const item of items) {
        const doc = await core.api['review.document']({ projectId, documentId: item.documentId });
        const basedOn = doc.versions.map((v) => ({ sourceId: v.source.id, annotationId: v.annotationId, version: v.version }));
        await core.api['review.resolve']({ projectId, documentId: item.documentId, basedOn, ...takeSuggested(doc) });
      }
      expect((await core.api['review.queue']({ projectId, state: 'all' })).totals).toMatchObject({ documents: 4, resolved: 4 });
    },
  },
  bundle: {
    template: 'empty',
    mode: 'bundle',
    endless: false,
    arg: () => bundleFile,
    finish: async (core) => {
      await core.api['bundle.import']({ path: bundleFile });
      expect(counts(core.db)).toMatchObject({ documents: 4, annotations: 8 });
    },
  },
  pull: {
    template: 'empty',
    mode: 'pull',
    endless: false,
    arg: () => sim.url,
    finish: async (core, projectId) => {
      const job = await core.pulls.run(projectId);
      expect(job.state).toBe('completed');
      expect(counts(core.db)).toMatchObject({ documents: 4, annotations: 8 });
    },
  },
};

function firstDocument(template: string): string {
  const db = new Database(databaseFile(templates[template]!.dataDir), { readonly: true });
  try {
    return (db.prepare('SELECT id FROM documents ORDER BY id LIMIT 1').get() as { id: string }).id;
  } finally {
    db.close();
  }
}

describe(`kill -9 at random points of every write path (KILL9_SEED=${seed})`, () => {
  for (const [name, path] of Object.entries(paths)) {
    it(`${name}: the database stays intact and nothing is half-written`, { timeout: 240_000 }, async () => {
      const env = name === 'pull' ? { WANDB_API_KEY: SIM_KEY, WANDB_BASE_URL: sim.url } : {};
      // How long one whole run takes after the core is open, so kills land across all of it.
      let span = 2_500;
      if (!path.endless) {
        const { dataDir, projectId } = copyOf(path.template, `${name}-whole`);
        const run = runChild(dataDir, path.mode, projectId, path.arg?.());
        await run.ready;
        const started = performance.now();
        const end = await run.exited;
        expect(end.code, `a whole ${name} run failed:\n${end.output}`).toBe(0);
        span = performance.now() - started;
      }
      for (let k = 0; k < KILLS; k++) {
        const where = `${name}, kill ${k + 1} (KILL9_SEED=${seed})`;
        const { dataDir, projectId } = copyOf(path.template, `${name}-${k}`);
        const run = runChild(dataDir, path.mode, projectId, path.arg?.());
        await run.ready;
        const delay = rng.next() * span;
        await new Promise((resolve) => setTimeout(resolve, delay));
        run.kill();
        const end = await run.exited;
        if (!end.killed || end.code !== null) expect(end.code, `${where}: the child failed before the kill:\n${end.output}`).toBe(0);
        assertDatabaseIntact(dataDir, where);
        const core = await openTestCore(dataDir, { env });
        try {
          assertNothingHalfWritten(core, where);
          await path.finish(core, projectId);
          assertNothingHalfWritten(core, `${where}, finished`);
        } finally {
          await core.close();
        }
        assertDatabaseIntact(dataDir, `${where}, finished`);
      }
    });
  }
});
