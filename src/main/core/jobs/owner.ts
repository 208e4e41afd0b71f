import { readFileSync } from 'node:fs';

/**
 * Which process owns a background job. The app and the CLI (or two CLIs) open the same database,
 * and each marks the jobs a crash left queued or running as failed when it starts; a job whose
 * owner is still alive is not interrupted and must be left alone.
 *
 * A job records its owner as the process id plus, on Linux, a start token: the kernel's boot id
 * and the process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat). Why not
 * the pid alone: pids are reused, so after a crash another process (anything, not only Folio) may
 * carry the dead owner's pid and keep its job "running" forever. Why not a random per-process
 * token: no other process can check it. pid + start time is what the kernel itself uses to tell
 * two processes with the same id apart, and the boot id covers a reboot that hands out the same
 * pid at the same tick. Trade-offs, on purpose:
 * - Where /proc is missing (macOS, Windows) the token is null and only the pid is compared: a
 *   reused pid keeps a dead job "running" until that process ends. Failing a live job is worse
 *   (its work is lost under its feet) than showing a dead one a while longer.
 * - The check sees processes of this machine and this pid namespace only. SQLite in WAL mode does
 *   not work across machines anyway; two containers sharing one data folder are not supported.
 * - A process of another user answers `kill(pid, 0)` with EPERM: it exists, so it counts as alive
 *   (its start token, when readable, still tells a reused pid apart).
 */
export interface JobOwner {
  pid: number;
  /** `<boot id>:<start ticks>` on Linux, else null (pid only). */
  start: string | null;
}

function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || null;
  } catch {
    return null;
  }
}

/** The start token of a running process, or null where it cannot be read. */
export function processStartToken(pid: number): string | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so split after the last ')'.
  // The fields after it start at field 3 (state); starttime is field 22.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = fields[22 - 3];
  if (!ticks || !/^\d+$/.test(ticks)) return null;
  const boot = bootId();
  return boot ? `${boot}:${ticks}` : null;
}

let self: JobOwner | null = null;

/** This process, as recorded on the jobs it creates. */
export function currentOwner(): JobOwner {
  if (!self || self.pid !== process.pid) self = { pid: process.pid, start: processStartToken(process.pid) };
  return self;
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the process that recorded `owner` is still running. This process counts as alive (its
 * jobs are its own business). When both the recorded and the current start token are known they
 * must match; when either is unknown, the pid alone decides (see above).
 */
export function ownerAlive(owner: { pid: number | null; start: string | null }): boolean {
  const { pid, start } = owner;
  if (pid === null || !Number.isInteger(pid) || pid <= 0) return false;
  const me = currentOwner();
  if (pid === me.pid) return start === null || me.start === null || start === me.start;
  if (!pidExists(pid)) return false;
  if (start === null) return true;
  const now = processStartToken(pid);
  return now === null || now === start;
}
