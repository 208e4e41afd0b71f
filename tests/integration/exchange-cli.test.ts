import { join } from 'node:path';
import { Command } from 'commander';
import sharp from 'sharp';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { registerExchangeCommands } from '../../src/main/cli/commands/exchange';
import { generateTruth } from '../../src/main/core/synth';
import { startWandbSim, type WandbSim } from '../../src/main/sim/wandb/server';
import { openTestCore, tempDir } from '../helpers/core';
import { truthContent, verifyAs } from '../helpers/review';
import { addDocuments, createSyncProject, SIM_KEY, syncEngineFor } from '../helpers/sync';

/** `folio pull`, `export-bundle` and `import-bundle` with --json: the last line is one JSON object; exit codes. */

let dir: ReturnType<typeof tempDir>;
let sim: WandbSim;
const env = () => ({ WANDB_API_KEY: SIM_KEY, WANDB_BASE_URL: sim.url });

beforeEach(async () => {
  dir = tempDir();
  sim = await startWandbSim();
  // Ada verifies two documents and syncs them; the lead has an empty project of the same name.
  const ada = await openTestCore(join(dir.path, 'ada'), { env: env() });
  await ada.api['settings.update']({ annotatorName: 'Ada' });
  const projectId = await createSyncProject(ada, 'Invoices');
  const image = async (i: number) => {
    const { width, height } = generateTruth(7, i);
    return { bytes: await sharp({ create: { width, height, channels: 3, background: { r: i * 40, g: 10, b: 10 } } }).png().toBuffer(), ext: 'png' as const };
  };
  const me = ada.settings.annotator();
  for (const d of await addDocuments(ada, projectId, { count: 2, image })) verifyAs(ada, projectId, d.documentId, { id: me.id, name: 'Ada' }, truthContent(d.truth, d.pageId));
  const engine = syncEngineFor(ada, sim);
  await engine.syncNow();
  await engine.stop();
  await ada.close();
  const lead = await openTestCore(join(dir.path, 'lead'), { env: env() });
  await createSyncProject(lead, 'Invoices');
  await lead.close();
});
afterEach(async () => {
  process.exitCode = 0;
  await sim.close();
  dir.cleanup();
});

async function run(dataDir: string, args: string[]): Promise<{ lines: string[]; errors: string[] }> {
  const lines: string[] = [];
  const errors: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
    errors.push(String(chunk));
    return true;
  });
  try {
    const program = new Command().exitOverride();
    registerExchangeCommands(program, { openCore: () => openTestCore(join(dir.path, dataDir), { env: env() }) });
    await program.parseAsync(['node', 'folio', ...args]);
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
  return { lines, errors };
}

it('exports and imports a bundle, then pulls: what the bundle brought is already here; a second pull reads nothing', { timeout: 60_000 }, async () => {
  const file = join(dir.path, 'invoices.folio.tar.gz');
  const exported = JSON.parse((await run('ada', ['export-bundle', '--project', 'Invoices', '--out', file, '--json'])).lines.at(-1)!) as { path: string; documents: number; versions: number };
  expect(exported).toMatchObject({ path: file, documents: 2, versions: 2 });
  expect(process.exitCode).toBe(0);

  const imported = JSON.parse((await run('lead', ['import-bundle', file, '--json'])).lines.at(-1)!) as { projectName: string; projectCreated: boolean; imported: number; documentsCreated: number };
  expect(imported).toMatchObject({ projectName: 'Invoices', projectCreated: false, imported: 2, documentsCreated: 2 });
  expect(process.exitCode).toBe(0);

  const pulled = JSON.parse((await run('lead', ['pull', '--project', 'Invoices', '--json'])).lines.at(-1)!) as { project: string; state: string; versionsSeen: number; imported: number; skipped: number };
  expect(pulled).toMatchObject({ project: 'Invoices', state: 'completed', versionsSeen: 2, imported: 0, skipped: 2 });
  expect(process.exitCode).toBe(0);

  const human = await run('lead', ['pull', '--project', 'Invoices']);
  expect(human.lines[0]).toMatch(/^Pulled "Invoices" from .*: 0 new of 1 artifact version\(s\), 0 partition\(s\) read\.$/);
  expect(process.exitCode).toBe(0);
});

it('says which projects exist when the name is wrong, and exits 1', async () => {
  const { lines } = await run('lead', ['pull', '--project', 'Nope']).catch((e: unknown) => ({ lines: [String(e)], errors: [] }));
  expect(lines.join('\n')).toMatch(/No project called "Nope"; projects: "Invoices"/);
});
