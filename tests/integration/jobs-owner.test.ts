import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import { openDatabase } from '../../src/main/core/db/open';
import { JobsRepo } from '../../src/main/core/db/repos/jobs';
import { currentOwner, ownerAlive, processStartToken } from '../../src/main/core/jobs/owner';
import { openTestCore, tempDir } from '../helpers/core';
import { deadPid, orphanJobs } from '../helpers/jobs';

/**
 * Jobs belong to the process that created them: a Folio that starts fails the jobs a dead process
 * left queued or running, never those of another Folio still running them (the app and a CLI share
 * one database). Over real processes: a child creates the jobs and is killed with SIGKILL.
 */

const CHILD = join(import.meta.dirname, '..', 'helpers', 'jobOwnerChild.ts');
const KINDS = ['import', 'export', 'annotations_import', 'exchange_pull', 'evaluation'] as const;
const hasProc = existsSync('/proc/self/stat');

let dir: ReturnType<typeof tempDir>;
let core: Core | null = null;
let child: ChildProcess | null = null;
const dataDir = () => join(dir.path, 'data');

beforeEach(() => {
  dir = tempDir();
});

afterEach(async () => {
  child?.kill('SIGKILL');
  child = null;
  await core?.close();
  core = null;
  dir.cleanup();
});

/** Start the child holding one job of each kind; resolves with its pid once the jobs are written. */
function startOwner(projectId: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, ['--import', 'tsx', CHILD, dataDir(), projectId], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    c.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      if (/^ready \d+\n/m.test(out)) resolve(c);
    });
    c.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    c.on('exit', (code) => reject(new Error(`the job owner exited (${code}) before it was ready: ${err}`)));
  });
}

const states = (c: Core) =>
  Object.fromEntries(KINDS.map((k) => [k, c.db.prepare('SELECT state, error, owner_pid FROM jobs WHERE id = ?').get(`child-${k}`) as { state: string; error: string | null; owner_pid: number }]));

describe('job ownership', () => {
  it('leaves the jobs of a Folio still running alone at start, and fails them once that process is gone', async () => {
    core = await openTestCore(dataDir());
    const projectId = (await core.api['projects.create']({ name: 'Shared' })).id;
    await core.close();
    core = null;

    child = await startOwner(projectId);
    // A second Folio starts (the app while `folio pull` runs): the running jobs are not its to fail.
    core = await openTestCore(dataDir());
    for (const [kind, row] of Object.entries(states(core))) {
      expect(row, kind).toMatchObject({ state: kind === 'evaluation' ? 'queued' : 'running', error: null, owner_pid: child.pid });
    }
    await core.close();
    core = null;

    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    child = null;
    core = await openTestCore(dataDir());
    for (const [kind, row] of Object.entries(states(core))) {
      expect(row.state, kind).toBe('failed');
      expect(row.error, kind).toMatch(/^interrupted: Folio stopped while this (job|evaluation) ran/);
    }
  }, 60_000);

  it('fails a job whose recorded pid now belongs to another process (pid reuse)', async () => {
    const init = processStartToken(1);
    if (!init) return void console.warn('skipped: no readable /proc/1/stat on this system, so owners are compared by pid only');
    core = await openTestCore(dataDir());
    const jobs = new JobsRepo(core.db);
    const now = new Date().toISOString();
    jobs.create({ id: 'reused', kind: 'export', projectId: null, params: {} }, now);
    jobs.create({ id: 'same', kind: 'export', projectId: null, params: {} }, now);
    // Another live process (pid 1 always exists), but with a start token that is not its own.
    core.db.prepare('UPDATE jobs SET owner_pid = 1, owner_start = ? WHERE id = ?').run(init, 'same');
    core.db.prepare('UPDATE jobs SET owner_pid = 1, owner_start = ? WHERE id = ?').run(`${init}0`, 'reused');
    expect(jobs.failInterrupted('export', now)).toBe(1);
    expect(jobs.get('reused')).toMatchObject({ state: 'failed', error: 'interrupted: Folio stopped while this job ran' });
    expect(jobs.get('same')!.state).toBe('running');
  });

  it('records this process as the owner, with its start token where /proc has one', async () => {
    core = await openTestCore(dataDir());
    const jobs = new JobsRepo(core.db);
    jobs.create({ id: 'mine', kind: 'import', projectId: null, params: { paths: [] } }, new Date().toISOString());
    const row = jobs.get('mine')!;
    expect(row.owner_pid).toBe(process.pid);
    expect(row.owner_start).toEqual(hasProc ? expect.stringMatching(/^[0-9a-f-]{36}:\d+$/) : null);
    expect(row.owner_start).toBe(currentOwner().start);
    expect(ownerAlive({ pid: row.owner_pid, start: row.owner_start })).toBe(true);
    expect(ownerAlive({ pid: deadPid(), start: null })).toBe(false);
    expect(ownerAlive({ pid: null, start: null })).toBe(false);
    // Jobs of this process survive a reopen (they are its own); a dead owner's do not.
    await core.close();
    core = await openTestCore(dataDir());
    expect(new JobsRepo(core.db).get('mine')!.state).toBe('running');
    orphanJobs(core.db, ['mine']);
    await core.close();
    core = await openTestCore(dataDir());
    expect(new JobsRepo(core.db).get('mine')).toMatchObject({ state: 'failed', error: 'interrupted: Folio stopped while this job ran' });
  });

  it('moves the pid evaluation jobs kept in their params to the owner column when the database is upgraded', () => {
    const file = join(dir.path, 'folio.db');
    const old = openDatabase(file, { targetVersion: 6 });
    const insert = old.prepare("INSERT INTO jobs (id, kind, state, params, created_at) VALUES (?, ?, 'queued', ?, 't')");
    insert.run('eval', 'evaluation', JSON.stringify({ model: 'm', pid: 4242 }));
    insert.run('eval-without', 'evaluation', JSON.stringify({ model: 'm' }));
    insert.run('export', 'export', JSON.stringify({ pid: 4242 }));
    old.close();
    const db = openDatabase(file);
    expect(db.prepare('SELECT id, owner_pid, owner_start FROM jobs ORDER BY id').all()).toEqual([
      { id: 'eval', owner_pid: 4242, owner_start: null },
      { id: 'eval-without', owner_pid: null, owner_start: null },
      { id: 'export', owner_pid: null, owner_start: null },
    ]);
    db.close();
  });
});
