import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import type { SyncStatusView as SyncStatus } from '../../src/shared/domain/sync';
import { startWandbSim, type WandbSim } from '../../src/main/sim/wandb/server';
import { openTestCore, tempDir } from '../helpers/core';
import { addDocuments, createSyncProject, SIM_ENTITY, SIM_KEY, syncEngineFor, verifyDocument } from '../helpers/sync';

/**
 * The app's sync service: the engine in its own background process with its own connection,
 * behind SyncProcessHost. What the app relies on: verify keeps working while a build runs in the
 * other process, status events come back, the process never competes with the app for a CPU, a
 * dead process shows in the status and comes back on "Sync now", closing the core ends it, and it
 * never outlives a killed app.
 */
describe('sync in its own process', () => {
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
      sync: { autoStart: false, measureEventLoop: true, engine: { fastRetries: { baseDelayMs: 5, maxDelayMs: 50, timeoutMs: 10_000 }, tickMs: 60_000 } },
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

  it('builds in the sync process while the app keeps verifying; later verifies wait for the next build', { timeout: 120_000 }, async () => {
    await core.api['sync.config.update']({ batchSize: 20 });
    await verifyCount(20, 0);
    await core.sync.start(); // the start build sends the first 20
    expect(core.sync.info?.pid).toBe(core.sync.process?.pid);
    expect(core.sync.info?.pid).not.toBe(process.pid);
    await core.sync.idle();
    await verifyCount(40, 20);

    const building = core.sync.syncNow();
    // The annotator goes on while the build runs: every verify succeeds (no SQLITE_BUSY from the sync process's connection).
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

    // Status comes from the sync process, through the API and as events, and counts a verify at once.
    expect(await core.api['sync.status']({})).toMatchObject({ state: 'idle', outbox: { pending: 0, done: 75 } });
    expect(events.some((s) => s.state === 'syncing')).toBe(true);
    await verifyCount(1, 200);
    const status = await core.sync.status();
    expect(status.outbox).toMatchObject({ pending: 1, done: 75 });
    // A burst of verifies: events are throttled, but the last count always arrives.
    await verifyCount(4, 300);
    await until(() => events.at(-1)?.outbox.pending === 5);
    // The sync process's own event-loop delay, for benchmarks: a reading, then a fresh histogram.
    const loop = (await core.sync.eventLoopDelay())!;
    expect(loop.maxMs).toBeGreaterThan(0);
    expect(loop.p99Ms).toBeLessThanOrEqual(loop.maxMs);
  });

  it('runs every thread of the sync process as background work on Linux, and none of the app’s', async () => {
    await core.sync.start();
    const info = core.sync.info!;
    if (process.platform !== 'linux') {
      expect(info.priority.note).toBe('whole process');
      return;
    }
    // /proc/<pid>/task/<tid>/stat: field 19 is the nice value, field 41 the scheduling policy (5: SCHED_IDLE).
    const threads = (pid: number) =>
      readdirSync(`/proc/${pid}/task`).map((tid) => {
        const f = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        return { nice: Number(f[16]), policy: Number(f[38]) };
      });
    const sync = threads(info.pid);
    expect(sync.length).toBeGreaterThan(3); // its main thread, V8's and libuv's helpers
    if (info.priority.applied === 'idle') expect(sync.every((t) => t.policy === 5)).toBe(true);
    else {
      // Only where util-linux's chrt is missing.
      expect(info.priority).toMatchObject({ applied: 'nice 19', note: expect.stringMatching(/chrt/) });
      expect(sync.every((t) => t.nice === 19)).toBe(true);
    }
    expect(threads(process.pid).every((t) => t.policy === 0 && t.nice === 0)).toBe(true);
  });

  it('reports a crashed sync process in the status, fails waiting calls, and restarts on Sync now', { timeout: 60_000 }, async () => {
    await verifyCount(3, 0);
    await core.sync.start();
    // W&B answers slowly, so this build is still running when the process dies.
    sim.faults.add({ route: 'graphql', action: { kind: 'delay', ms: 2_000 }, times: 1 });
    const waiting = core.sync.syncNow().then(
      () => null,
      (err: unknown) => err,
    );
    // An uncaught error inside the sync process (a message it does not understand) ends it.
    const child = core.sync.process!;
    const exited = new Promise((r) => child.onExit(r));
    child.post({ type: 'no-such-message' } as never);
    await exited;
    expect(await waiting).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/sync process stopped unexpectedly/) });
    const crashed = await core.api['sync.status']({});
    expect(crashed).toMatchObject({ state: 'needs_attention', message: expect.stringMatching(/stopped unexpectedly \(.*unknown message.*exit code 70\).*press Sync now to restart/) });
    expect(events.at(-1)).toMatchObject({ state: 'needs_attention' });
    await expect(core.api['sync.jobs']({})).rejects.toThrow(/press Sync now/);

    // Sync now brings it back: a new process, the engine running again, the waiting work sent.
    const again = await core.sync.syncNow();
    expect(again.jobs.map((j) => [j.state, j.documents])).toEqual([['completed', 3]]);
    expect((await core.sync.status()).state).toBe('idle');
    expect(core.sync.process!.pid).not.toBe(child.pid);

    // Killed from outside (not by stop()): also a crash, also reported.
    const second = core.sync.process!;
    const killed = new Promise((r) => second.onExit(r));
    process.kill(second.pid!, 'SIGKILL');
    await killed;
    expect(await core.sync.status()).toMatchObject({ state: 'needs_attention', message: expect.stringMatching(/signal SIGKILL/) });
    await core.sync.restart();
    expect((await core.sync.status()).state).toBe('idle');
  });

  it('close() stops the engine and ends the sync process', async () => {
    await core.sync.start();
    const child = core.sync.process!;
    const exited = new Promise<string>((r) => child.onExit(r));
    // Auto-checkpoint is the sync process's job while it runs, and back on the app's connection after.
    expect(core.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    await core.sync.stop();
    expect(await exited).toBe('signal SIGTERM');
    expect(alive(child.pid!)).toBe(false);
    expect(core.sync.process).toBeNull();
    expect(core.db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);

    await core.sync.start();
    const second = core.sync.process!;
    await core.close();
    expect(alive(second.pid!)).toBe(false);
    expect(core.sync.process).toBeNull();
    core = await openTestCore(join(dir.path, 'data')); // for afterEach
  });

  it('one engine builds per data folder: a `sync --now` beside the app waits its turn, and takes over from a killed one', { timeout: 120_000 }, async () => {
    await core.api['sync.config.update']({ batchSize: 5 });
    await verifyCount(10, 0);
    await core.sync.start(); // the app's sync process holds the folder's sync lease
    await core.sync.idle();
    const appPid = core.sync.info!.pid;
    await verifyCount(10, 100);
    // The app is mid-build (W&B answers its uploads slowly) when the CLI asks to sync.
    sim.faults.add({ route: 'upload', action: { kind: 'delay', ms: 300 }, times: 20 });
    const appBuild = core.sync.syncNow();
    await until(() => outboxStates().in_flight === 5, 20_000);
    const cli = syncEngineFor(core, sim);
    const refused = await cli.syncNow();
    expect(refused.jobs).toEqual([]);
    expect(refused.status).toMatchObject({ state: 'other_process', message: expect.stringContaining(`Another Folio process (pid ${appPid}) is syncing this data folder`) });
    // The CLI reset none of the app's in-flight rows and failed none of its jobs.
    expect(outboxStates().in_flight).toBe(5);
    expect((await appBuild).jobs.map((j) => j.state)).toEqual(['completed', 'completed']);
    expect(outboxStates()).toEqual({ done: 20 });

    // The app's sync process is killed mid-build: the next engine takes the lease over from the
    // dead process, recovers its in-flight batch, and every version lands exactly once.
    await verifyCount(10, 200);
    sim.faults.add({ route: 'upload', action: { kind: 'delay', ms: 300 }, times: 20 });
    void core.sync.syncNow().catch(() => undefined);
    await until(() => outboxStates().in_flight === 5, 20_000);
    const killed = new Promise((r) => core.sync.process!.onExit(r));
    process.kill(appPid, 'SIGKILL');
    await killed;
    const takeover = await cli.syncNow();
    expect(takeover.status.state).not.toBe('other_process');
    expect(takeover.jobs.every((j) => j.state === 'completed')).toBe(true);
    expect(outboxStates()).toEqual({ done: 30 });
    const rows = sim.dataset({ entity: SIM_ENTITY, project: 'biz-doc-vqa', collection: 'business-ocr-vqa-dataset' })!.rows;
    const keys = rows.map((r) => `${String(r.annotation_id)}@${String(r.annotation_version)}`);
    expect(new Set(keys).size).toBe(30);
    expect(keys).toHaveLength(30);

    // While the CLI holds the lease the app says who syncs; once the CLI stops, the app builds again.
    await core.sync.restart();
    expect(await core.sync.status()).toMatchObject({ state: 'other_process' });
    await cli.stop();
    await verifyCount(5, 300);
    expect((await core.sync.syncNow()).jobs.map((j) => [j.state, j.documents])).toEqual([['completed', 5]]);
  });

  it('ends the sync process when the app is killed, instead of syncing on as an orphan', { timeout: 60_000 }, async () => {
    const app = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', 'crash', 'syncHostParent.ts'), join(dir.path, 'other')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const syncPid = await new Promise<number>((resolve, reject) => {
      let out = '';
      app.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /sync process (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      app.on('exit', (code) => reject(new Error(`the app stand-in exited with ${code}`)));
    });
    expect(alive(syncPid)).toBe(true);
    app.kill('SIGKILL');
    await until(() => !alive(syncPid), 10_000);
  });
});

/** Whether a process exists (and is not a zombie waiting for its parent). */
function alive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z';
  } catch {
    if (process.platform === 'linux') return false;
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

async function until(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
