import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { registerOcrCommand } from '../../src/main/cli/commands/ocr';
import { openTestCore, tempDir } from '../helpers/core';
import { importSynthPages } from '../helpers/ocr';

let dir: ReturnType<typeof tempDir>;
let dataDir: string;

beforeAll(async () => {
  dir = tempDir('folio-ocr-cli-');
  dataDir = join(dir.path, 'data');
  const core = await openTestCore(dataDir);
  const project = await core.api['projects.create']({ name: 'Receipts', labels: [{ name: 'total', color: '#d03030' }, { name: 'date', color: '#3060d0' }] });
  await importSynthPages(core, project.id, dir.path, [
    { seed: 3, index: 0, kind: 'receipt' },
    { seed: 3, index: 1, kind: 'receipt' },
  ]);
  await core.close();
}, 120_000);
afterAll(() => {
  process.exitCode = 0;
  dir.cleanup();
});

async function run(args: string[]): Promise<{ lines: string[]; errors: string; exitCode: number }> {
  const lines: string[] = [];
  let errors = '';
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    errors += String(chunk);
    return true;
  });
  process.exitCode = 0;
  try {
    const program = new Command().exitOverride();
    registerOcrCommand(program, { openCore: () => openTestCore(dataDir) });
    await program.parseAsync(['node', 'folio', ...args]);
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
  return { lines, errors, exitCode: Number(process.exitCode ?? 0) };
}

it('`ocr --status` says how many pages have words; `ocr --predict --json` reads them all and pre-annotates', async () => {
  const status = await run(['ocr', '--project', 'Receipts', '--status', '--json']);
  expect(JSON.parse(status.lines.at(-1)!)).toMatchObject({ pagesTotal: 2, pagesRead: 0, onImport: true, paused: false });

  const read = await run(['ocr', '--project', 'Receipts', '--predict', '--json']);
  expect(read.exitCode).toBe(0);
  const summary = JSON.parse(read.lines.at(-1)!) as { pagesRead: number; pagesTotal: number; job: { state: string; pagesDone: number; documentsPredicted: number; predictionsMade: number } };
  expect(summary).toMatchObject({ pagesRead: 2, pagesTotal: 2, job: { state: 'completed', pagesDone: 2, documentsPredicted: 2 } });
  expect(summary.job.predictionsMade).toBeGreaterThan(10);
  expect(read.errors).toMatch(/Local OCR pre-annotated 2 document\(s\)/);

  const again = await run(['ocr', '--project', 'Receipts']);
  expect(again.lines.join('\n')).toMatch(/Every page of "Receipts" has words already/);
}, 180_000);

it('`ocr --on-import off` sets the project setting; bad input names the option or the project', async () => {
  const off = await run(['ocr', '--project', 'Receipts', '--on-import', 'off', '--json']);
  expect(JSON.parse(off.lines.at(-1)!)).toMatchObject({ onImport: false });
  await expect(run(['ocr', '--project', 'Receipts', '--on-import', 'maybe'])).rejects.toThrow(/expected on or off/);
  await expect(run(['ocr', '--project', 'Receipts', '--predict', 'paragraph'])).rejects.toThrow(/expected line or word/);
  await expect(run(['ocr', '--project', 'Nope'])).rejects.toThrow(/No project called "Nope"; projects: "Receipts"/);
});
