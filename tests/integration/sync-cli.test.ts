import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { registerSyncCommand, withSyncStatus } from '../../src/main/cli/commands/sync';
import { readStatus } from '../../src/main/core/status';
import { startWandbSim, type WandbSim } from '../../src/main/sim/wandb/server';
import { openTestCore, tempDir } from '../helpers/core';
import { addDocuments, createSyncProject, SIM_KEY, verifyDocument } from '../helpers/sync';

let dir: ReturnType<typeof tempDir>;
let sim: WandbSim;
let dataDir: string;
const env = () => ({ WANDB_API_KEY: SIM_KEY, WANDB_BASE_URL: sim.url });

beforeEach(async () => {
  dir = tempDir();
  sim = await startWandbSim();
  dataDir = join(dir.path, 'data');
  const core = await openTestCore(dataDir, { env: env() });
  await core.api['settings.update']({ annotatorName: 'Cli' });
  const projectId = await createSyncProject(core);
  for (const d of await addDocuments(core, projectId, { count: 3 })) await verifyDocument(core, projectId, d);
  await core.close();
});
afterEach(async () => {
  process.exitCode = 0;
  await sim.close();
  dir.cleanup();
});

async function run(args: string[]): Promise<string[]> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const program = new Command().exitOverride();
    registerSyncCommand(program, { openCore: () => openTestCore(dataDir, { env: env() }) });
    await program.parseAsync(['node', 'folio', ...args]);
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
  return lines;
}

it('`sync --json` shows the queue; `sync --now --json` builds and reports the job with its links; status gains the jobs', async () => {
  const before = JSON.parse((await run(['sync', '--json'])).at(-1)!) as { status: { outbox: { pending: number } }; config: { batchSize: number }; jobs: unknown[] };
  expect(before.status.outbox.pending).toBe(3);
  expect(before.config.batchSize).toBe(500);
  expect(before.jobs).toEqual([]);

  const now = JSON.parse((await run(['sync', '--now', '--json'])).at(-1)!) as { status: { state: string; outbox: { done: number } }; jobs: { state: string; artifactVersion: string; artifactUrl: string; runUrl: string }[] };
  expect(now.jobs).toHaveLength(1);
  expect(now.jobs[0]).toMatchObject({ state: 'completed', artifactVersion: 'v0', artifactUrl: `${sim.url}/folio-team/biz-doc-vqa/artifacts/dataset/business-ocr-vqa-dataset/v0` });
  expect(now.jobs[0]!.runUrl).toMatch(new RegExp(`^${sim.url}/folio-team/biz-doc-vqa/runs/[a-z0-9]{8}$`));
  expect(now.status.outbox.done).toBe(3);
  expect(process.exitCode).toBe(0);

  const human = await run(['sync']);
  expect(human[0]).toMatch(/^Sync: \w+ — Up to date\. Outbox \(verified versions\): 0 pending, 0 in flight, 0 dead, 3 done\.$/);
  expect(human.some((l) => /completed: 3 verified version\(s\) → v0/.test(l))).toBe(true);

  const core = await openTestCore(dataDir, { env: env() });
  const status = withSyncStatus(readStatus(core.db, dataDir), core);
  expect(status.outbox).toEqual({ pending: 0, inFlight: 0, dead: 0 });
  expect(status.syncJobs[0]).toMatchObject({ state: 'completed', artifactVersion: 'v0' });
  await core.close();
});

it('`sync --now` exits 1 and says what to do when the key is wrong', async () => {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  const program = new Command().exitOverride();
  registerSyncCommand(program, { openCore: () => openTestCore(dataDir, { env: { WANDB_API_KEY: 'local-' + 'z'.repeat(40), WANDB_BASE_URL: sim.url } }) });
  await program.parseAsync(['node', 'folio', 'sync', '--now']);
  log.mockRestore();
  err.mockRestore();
  expect(process.exitCode).toBe(1);
  expect(lines.join('\n')).toMatch(/failed: 3 verified version\(s\) — W&B at .* rejected the API key/);
});
