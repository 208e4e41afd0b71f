import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import type { SyncStatus } from '../../src/main/core/sync';
import { startWandbSim, type WandbSim } from '../../src/main/sim/wandb/server';
import { openTestCore, tempDir } from '../helpers/core';
import { addDocuments, createSyncProject, SIM_KEY, verifyDocument } from '../helpers/sync';

/**
 * The app's sync service: the engine in a worker thread with its own connection, behind the
 * main-thread SyncWorkerHost. What the app relies on: verify keeps working while a build runs on
 * the other thread, status events come back, a dead worker shows in the status and comes back on
 * "Sync now", and closing the core ends the thread.
 */
describe('sync in its worker thread', () => {
  let dir: ReturnType<typeof tempDir>;
  let sim: WandbSim;
  let core: Core;
  let projectId: string;
  let events: SyncStatus[];

  beforeEach(async () => {
    dir = tempDir();
    sim = await startWandbSim();
    core = await openTestCore(join(dir.path, 'data'), {
      env: { WANDB_API_KEY: SIM_KEY, WANDB_BASE_URL: sim.url },
      sync: { autoStart: false, engine: { fastRetries: { baseDelayMs: 5, maxDelayMs: 50, timeoutMs: 10_000 }, tickMs: 60_000 } },
    });
    events = [];
    core.subscribe((event, payload) => {
      if (event === 'sync.changed') events.push(payload as SyncStatus);
    });
    await core.api['settings.update']({ annotatorName: 'Ada' });
    projectId = await createSyncProject(core);
  });
  afterEach(async () => {
    await core.close();
    await sim.close();
    dir.cleanup();
  });

  const verifyCount = async (n: number, start: number) => {
    for (const d of await addDocuments(core, projectId, { count: n, start })) await verifyDocument(core, projectId, d);
  };
  const outboxStates = () => Object.fromEntries((core.db.prepare('SELECT state, COUNT(*) AS n FROM outbox GROUP BY state').all() as { state: string; n: number }[]).map((r) => [r.state, r.n]));

  it('builds on the worker while the main thread keeps verifying; later verifies wait for the next build', { timeout: 120_000 }, async () => {
    await core.api['sync.config.update']({ batchSize: 20 });
    await verifyCount(20, 0);
    await core.sync.start(); // the start build sends the first 20
    expect(core.sync.info?.threadId).toBeGreaterThan(0);
    await core.sync.idle();
    await verifyCount(40, 20);

    const building = core.sync.syncNow();
    // The annotator goes on while the build runs: every verify succeeds (no SQLITE_BUSY from the worker's connection).
    await verifyCount(15, 100);
    const first = await building;
    expect(first.jobs.map((j) => [j.state, j.documents])).toEqual([
      ['completed', 20],
      ['completed', 20],
    ]);
    // Documents verified after "Sync now" started are not squeezed into it as tiny extra versions.
    expect(outboxStates()).toEqual({ done: 60, pending: 15 });
    const second = await core.sync.syncNow();
    expect(second.jobs.map((j) => [j.state, j.documents])).toEqual([['completed', 15]]);
    expect(outboxStates()).toEqual({ done: 75 });

    // Status comes from the worker, through the API and as events, and counts a verify at once.
    expect(await core.api['sync.status']({})).toMatchObject({ state: 'idle', outbox: { pending: 0, done: 75 } });
    expect(events.some((s) => s.state === 'syncing')).toBe(true);
    await verifyCount(1, 200);
    const status = await core.sync.status();
    expect(status.outbox).toMatchObject({ pending: 1, done: 75 });
    // A burst of verifies: events are throttled, but the last count always arrives.
    await verifyCount(4, 300);
    await until(() => events.at(-1)?.outbox.pending === 5);
  });

  it('lowers the worker thread’s priority on Linux, not the main thread’s', async () => {
    await core.sync.start();
    const info = core.sync.info!;
    if (process.platform !== 'linux') {
      expect(info.priority.nice).toBeNull();
      return;
    }
    const nice = (tid: string) => Number(readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ')[16]);
    const workerTid = String(info.osThreadId);
    expect(nice(workerTid)).toBe(19);
    expect(nice(String(process.pid))).toBe(0);
  });

  it('reports a crashed worker in the status, fails waiting calls, and restarts on Sync now', { timeout: 60_000 }, async () => {
    await verifyCount(3, 0);
    await core.sync.start();
    // W&B answers slowly, so this build is still running when the worker dies.
    sim.faults.add({ route: 'graphql', action: { kind: 'delay', ms: 2_000 }, times: 1 });
    const waiting = core.sync.syncNow().then(
      () => null,
      (err: unknown) => err,
    );
    // An uncaught error inside the worker (a message it does not understand) kills the thread.
    const exited = new Promise((r) => core.sync.thread!.once('exit', r));
    core.sync.thread!.postMessage({ type: 'no-such-message' });
    await exited;
    expect(await waiting).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/sync worker stopped unexpectedly/) });
    const crashed = await core.api['sync.status']({});
    expect(crashed).toMatchObject({ state: 'needs_attention', message: expect.stringMatching(/stopped unexpectedly \(.*unknown message.*\).*press Sync now to restart/) });
    expect(events.at(-1)).toMatchObject({ state: 'needs_attention' });
    await expect(core.api['sync.jobs']({})).rejects.toThrow(/press Sync now/);

    // Sync now brings it back: a new thread, the engine running again, the waiting work sent.
    const again = await core.sync.syncNow();
    expect(again.jobs.map((j) => [j.state, j.documents])).toEqual([['completed', 3]]);
    expect((await core.sync.status()).state).toBe('idle');

    // Ended from outside (not by stop()): also a crash, also reported.
    const thread = core.sync.thread!;
    await thread.terminate();
    expect(await core.sync.status()).toMatchObject({ state: 'needs_attention', message: expect.stringMatching(/exit code 1/) });
    await core.sync.restart();
    expect((await core.sync.status()).state).toBe('idle');
  });

  it('close() stops the engine and ends the worker thread', async () => {
    await core.sync.start();
    const thread = core.sync.thread!;
    const exited = new Promise<number>((r) => thread.once('exit', r));
    // Auto-checkpoint is the worker's job while it runs, and back on the main connection after.
    expect(core.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    await core.sync.stop();
    expect(await exited).toBeTypeOf('number');
    expect(core.sync.thread).toBeNull();
    expect(core.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);

    await core.sync.start();
    const second = core.sync.thread!;
    const secondExited = new Promise<number>((r) => second.once('exit', r));
    await core.close();
    await secondExited;
    expect(core.sync.thread).toBeNull();
    core = await openTestCore(join(dir.path, 'data')); // for afterEach
  });
});

async function until(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
