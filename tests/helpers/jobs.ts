import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import type { Db } from '../../src/main/core/db/open';

/**
 * A process id no process has: above the kernel's pid_max where that can be read (Linux), else
 * the id of a child that has already exited.
 */
export function deadPid(): number {
  try {
    const max = Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8').trim());
    if (Number.isInteger(max) && max > 0 && max < 2 ** 31 - 1) return max + 1;
  } catch {
    /* not Linux */
  }
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

/**
 * Make jobs look as if the process that owned them had died: a test "crashes" by reopening a core
 * in the same process, whose own jobs a starting Folio rightly leaves alone (jobs/owner.ts).
 */
export function orphanJobs(db: Db, ids: readonly string[]): void {
  const set = db.prepare('UPDATE jobs SET owner_pid = ?, owner_start = NULL WHERE id = ?');
  const pid = deadPid();
  for (const id of ids) set.run(pid, id);
}
