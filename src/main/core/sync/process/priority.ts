import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { constants, getPriority, setPriority } from 'node:os';
import type { PriorityReport } from './messages';

/**
 * Make a whole process background work: it gets every idle CPU cycle, and gives the CPU up at once
 * when the app (verify, editing) wants it.
 *
 * - Linux: SCHED_IDLE for every thread, through util-linux's `chrt` (Node has no
 *   sched_setscheduler). Nice 19 alone is not enough on a 2-core laptop: the kernel lets a nice-19
 *   thread finish its time slice before a waking verify runs (a few ms), while a SCHED_IDLE thread
 *   is preempted on wakeup. The kernel also gives SCHED_IDLE threads the idle I/O class. Without
 *   `chrt`, every thread gets nice 19 instead (Linux keeps a nice value per thread, so each task
 *   of the process is changed; threads created later inherit it from their creator).
 * - macOS and Windows: the process's priority is the lowest (one call covers all its threads).
 *
 * Called by the sync process on itself once Node has started its threads. It can never take the
 * priority back up (an unprivileged process may not), which is what a sync process wants.
 *
 * The trade-off, measured (docs/BENCHMARKS.md, sync): on an idle machine SCHED_IDLE keeps verify's
 * p99 under 5 ms (3.4–4.7 ms) where nice 19 for every thread does not reliably (4.0–5.3 ms). On a
 * machine saturated by other programs, a SCHED_IDLE process that holds SQLite's write lock barely
 * runs, and a save waited 575 ms for it once; its write transactions are short for that reason.
 */
export function lowerToBackground(pid: number): PriorityReport {
  if (process.platform !== 'linux') {
    try {
      setPriority(pid, constants.priority.PRIORITY_LOW); // 19: Windows' idle priority class
      return { applied: `nice ${getPriority(pid)}`, note: 'whole process' };
    } catch (err) {
      return { applied: null, note: `could not be lowered: ${(err as Error).message}` };
    }
  }
  try {
    execFileSync('chrt', ['--all-tasks', '--idle', '--pid', '0', String(pid)], { stdio: 'ignore', timeout: 5_000 });
    return { applied: 'idle', note: `SCHED_IDLE for every thread of process ${pid}` };
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'chrt is not installed' : `chrt failed: ${(err as Error).message}`;
    try {
      const tasks = readdirSync(`/proc/${pid}/task`);
      for (const tid of tasks) setPriority(Number(tid), 19);
      return { applied: 'nice 19', note: `${why}; nice 19 for ${tasks.length} threads of process ${pid}` };
    } catch (err2) {
      return { applied: null, note: `${why}; nice could not be lowered either: ${(err2 as Error).message}` };
    }
  }
}
