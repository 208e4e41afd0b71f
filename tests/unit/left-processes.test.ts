import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canScanProcesses, describeLeft, findMarked, reapLeftProcesses, TEST_RUN_ENV } from '../helpers/leftProcesses';

/** The check that fails `npm test` when a test leaves a process running must itself catch one. */
describe.skipIf(!canScanProcesses())('the left-process check', () => {
  const waitUntil = async (check: () => boolean) => {
    const deadline = Date.now() + 5_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('finds, names and kills an orphaned grandchild that carries the run’s marker, and nothing else', async () => {
    const marker = randomBytes(8).toString('hex');
    // The shell exits at once, leaving its sleep re-parented: what a test that forgets a detached child leaves behind.
    const shell = spawn('sh', ['-c', 'sleep 300 >/dev/null 2>&1 & echo $!'], { env: { ...process.env, [TEST_RUN_ENV]: marker }, stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    shell.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await new Promise((r) => shell.once('close', r));
    const orphan = Number(out.trim());
    // An unmarked process, and one with another run's marker, are not this run's.
    const unmarked = spawn('sleep', ['300'], { env: { ...process.env, [TEST_RUN_ENV]: `${marker}-other` }, stdio: 'ignore' });
    try {
      await waitUntil(() => findMarked(marker).length === 1);
      const left = await reapLeftProcesses(marker, { graceMs: 200 });
      expect(left).toEqual([{ pid: orphan, command: 'sleep 300' }]);
      expect(describeLeft(left, 'vitest')).toContain(`pid ${orphan}: sleep 300`);
      await waitUntil(() => findMarked(marker).length === 0);
      expect(unmarked.exitCode).toBeNull();
    } finally {
      unmarked.kill('SIGKILL');
      try {
        process.kill(orphan, 'SIGKILL');
      } catch {
        // already killed by the check
      }
    }
  });

  it('does not report a process that ends within the grace period', async () => {
    const marker = randomBytes(8).toString('hex');
    const child = spawn('sleep', ['0.3'], { env: { ...process.env, [TEST_RUN_ENV]: marker }, stdio: 'ignore' });
    const exited = new Promise((r) => child.once('exit', r));
    await waitUntil(() => findMarked(marker).length === 1);
    expect(await reapLeftProcesses(marker, { graceMs: 3_000 })).toEqual([]);
    await exited;
  });
});
