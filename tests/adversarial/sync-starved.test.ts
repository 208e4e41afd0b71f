import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { databaseFile, type Core } from '../../src/main/core/createCore';
import { startWandbSim, type WandbSim } from '../../src/main/sim/wandb/server';
import { openTestCore, tempDir } from '../helpers/core';
import { addDocuments, createSyncProject, SIM_ENTITY, SIM_KEY, verifyDocument } from '../helpers/sync';

/**
 * The sync process runs at background priority, so on a busy machine the scheduler may not run it
 * for as long as other programs want the CPUs. Stopping it (SIGSTOP) is that starvation at its
 * worst. Throughout a build it is stopped again and again — each time right after another
 * connection was seen holding SQLite's write lock, when there was one, else wherever it was — and
 * while it is stopped the annotator adds, saves and verifies a document. Each of those must finish
 * while the sync process is still stopped; after it runs again every verified version must reach
 * W&B exactly once.
 */

let dir: ReturnType<typeof tempDir>;
let sim: WandbSim;
let core: Core;
let probe: Database.Database;
let stoppedPid: number | null = null;

beforeEach(async () => {
  dir = tempDir('folio-starved-');
  sim = await startWandbSim();
  core = await openTestCore(join(dir.path, 'data'), {
    env: { WANDB_API_KEY: SIM_KEY, WANDB_BASE_URL: sim.url },
    sync: { autoStart: false, engine: { fastRetries: { baseDelayMs: 5, maxDelayMs: 50, timeoutMs: 10_000 }, tickMs: 60_000 } },
  });
  probe = new Database(databaseFile(join(dir.path, 'data')));
  probe.pragma('busy_timeout = 0');
});
afterEach(async () => {
  // A stopped process would never answer stop(): let it run before closing.
  if (stoppedPid !== null) process.kill(stoppedPid, 'SIGCONT');
  stoppedPid = null;
  probe.close();
  await core.close();
  await sim.close();
  dir.cleanup();
});

/** Whether another connection holds the write lock now (BEGIN IMMEDIATE refused at once). */
function writeLockHeld(): boolean {
  try {
    probe.exec('BEGIN IMMEDIATE');
    probe.exec('ROLLBACK');
    return false;
  } catch (err) {
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return true;
    throw err;
  }
}

/** Look for the write lock held by another connection for up to `ms` (a busy loop: the sync process has the other core). */
function catchWriteLock(ms: number): boolean {
  const end = performance.now() + ms;
  while (performance.now() < end) if (writeLockHeld()) return true;
  return false;
}

const processState = (pid: number): string => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0]!;

async function stop(pid: number): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  stoppedPid = pid;
  while (processState(pid) !== 'T') await new Promise((r) => setTimeout(r, 1));
}
function resume(pid: number): void {
  process.kill(pid, 'SIGCONT');
  stoppedPid = null;
}

it.skipIf(process.platform !== 'linux')('saving and verifying never wait for a starved (stopped) sync process, at any point of a build', { timeout: 180_000 }, async () => {
  await core.api['settings.update']({ annotatorName: 'Ada' });
  const projectId = await createSyncProject(core);
  await core.api['sync.config.update']({ batchSize: 4 });
  const expected = new Set<string>();
  let next = 0;
  const verifyOne = async () => {
    const [doc] = await addDocuments(core, projectId, { count: 1, start: next++ });
    const v = await verifyDocument(core, projectId, doc!);
    expected.add(`${v.annotationId}@${v.version}`);
  };
  for (let i = 0; i < 24; i++) await verifyOne();

  let finished = false;
  const building = core.sync.syncNow().finally(() => (finished = true));
  const pid = core.sync.process!.pid!;
  let stops = 0;
  let stopsHoldingLock = 0;
  while (!finished) {
    const caught = catchWriteLock(30);
    await stop(pid);
    if (caught && writeLockHeld()) stopsHoldingLock++;
    stops++;
    // The annotator goes on while sync cannot run: a new document, saved and verified.
    await verifyOne();
    expect(processState(pid), 'the sync process ran before the save and verify finished').toBe('T');
    resume(pid);
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 20)));
  }
  const built = await building;
  expect(built.jobs.length).toBeGreaterThanOrEqual(6);
  expect(built.jobs.every((j) => j.state === 'completed')).toBe(true);
  expect(stops).toBeGreaterThanOrEqual(10);
  // The sync process's connection never held the write lock: it has no writes of its own.
  expect(stopsHoldingLock).toBe(0);

  // What was verified while it was stopped goes with the next build; all of it exactly once.
  const after = await core.sync.syncNow();
  expect(after.jobs.every((j) => j.state === 'completed')).toBe(true);
  expect(core.db.prepare('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state').all()).toEqual([{ state: 'done', n: expected.size }]);
  const rows = sim.dataset({ entity: SIM_ENTITY, project: 'biz-doc-vqa', collection: 'business-ocr-vqa-dataset' })!.rows;
  const keys = rows.map((r) => `${String(r.annotation_id)}@${String(r.annotation_version)}`);
  expect(keys).toHaveLength(expected.size);
  expect(new Set(keys)).toEqual(expected);
  console.log(`starved sync: ${stops} stops during a build of ${built.jobs.length} versions, ${expected.size} versions synced exactly once`);
});
