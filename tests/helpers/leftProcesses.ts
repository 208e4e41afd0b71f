import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/**
 * Tests must stop every process they start. Each test run puts a random marker in its environment,
 * which every process it starts (and theirs) inherits; at the end, any process still carrying it
 * was left behind. Linux only: it reads /proc/<pid>/environ, which holds the environment a process
 * was started with (so the runner, which sets the marker after its own start, does not carry it).
 */
export const TEST_RUN_ENV = 'FOLIO_TEST_RUN';

export interface LeftProcess {
  pid: number;
  command: string;
}

/** Whether this system can be scanned for left processes. */
export function canScanProcesses(): boolean {
  return process.platform === 'linux' && existsSync('/proc/self/environ');
}

/** Give this run its marker (kept if a parent run already set one, so a nested runner is checked by the outer one). */
export function markTestRun(): string {
  const marker = process.env[TEST_RUN_ENV] ?? randomBytes(12).toString('hex');
  process.env[TEST_RUN_ENV] = marker;
  return marker;
}

function readProc(pid: string, file: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch {
    return null; // gone meanwhile, or not ours to read
  }
}

/** Live processes started with `marker` in their environment, except `exclude` (zombies have an empty environ and are skipped). */
export function findMarked(marker: string, exclude: Iterable<number> = []): LeftProcess[] {
  const skip = new Set([process.pid, ...exclude]);
  const entry = `${TEST_RUN_ENV}=${marker}`;
  const found: LeftProcess[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || skip.has(Number(name))) continue;
    const environ = readProc(name, 'environ');
    if (!environ?.split('\0').includes(entry)) continue;
    const command = (readProc(name, 'cmdline') ?? '').split('\0').filter(Boolean).join(' ');
    found.push({ pid: Number(name), command: command || `(pid ${name})` });
  }
  return found;
}

/**
 * Wait up to `graceMs` for processes carrying `marker` to end (one may be exiting as the run
 * ends), then SIGKILL those left and return them.
 */
export async function reapLeftProcesses(marker: string, opts: { graceMs?: number; exclude?: Iterable<number> } = {}): Promise<LeftProcess[]> {
  const exclude = [...(opts.exclude ?? [])];
  const deadline = Date.now() + (opts.graceMs ?? 3_000);
  let left = findMarked(marker, exclude);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    left = findMarked(marker, exclude);
  }
  for (const p of left) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // ended between the scan and the kill
    }
  }
  return left;
}

/** The failure message for left processes, one command line each. */
export function describeLeft(left: LeftProcess[], runner: string): string {
  return `${runner} left ${left.length} process(es) running that it started; they were killed. Stop every process a test starts:\n${left.map((p) => `  pid ${p.pid}: ${p.command.slice(0, 500)}`).join('\n')}`;
}

/**
 * A global setup for a test runner: marks the run, and returns the teardown that fails the run
 * (throws) when processes it started are still running.
 */
export function leftProcessCheck(runner: string): () => Promise<void> {
  if (!canScanProcesses()) {
    console.log(`${runner}: not checking for processes left running (needs Linux's /proc).`);
    return async () => undefined;
  }
  const outer = process.env[TEST_RUN_ENV] !== undefined;
  const marker = markTestRun();
  return async () => {
    // A nested run shares its parent's marker: the parent checks, after everything it started has ended.
    if (outer) return console.log(`${runner}: ${TEST_RUN_ENV} was already set, so the run that set it checks for processes left running.`);
    const left = await reapLeftProcesses(marker);
    if (left.length === 0) return;
    // vitest only logs an error thrown at teardown; the exit code is what fails `npm test`.
    process.exitCode = 1;
    throw new Error(describeLeft(left, runner));
  };
}
