import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { registerFormatsCommands } from '../../src/main/cli/commands/formats';
import { openTestCore, tempDir } from '../helpers/core';
import { createLabelledProject, seedOnePageDocs } from '../helpers/formats';

let dir: ReturnType<typeof tempDir>;
let dataDir: string;
let documentIds: string[];

beforeEach(async () => {
  dir = tempDir('folio-formats-cli-');
  dataDir = join(dir.path, 'data');
  const core = await openTestCore(dataDir);
  await core.api['settings.update']({ annotatorName: 'Cli' });
  const projectId = await createLabelledProject(core, 'Invoices');
  documentIds = (await seedOnePageDocs(core, projectId, 3)).map((d) => d.documentId);
  // A second project holding the same documents, nothing annotated.
  const other = await createLabelledProject(core, 'Copy');
  for (const id of documentIds) core.documents.addToProject(other, { id }, new Date().toISOString());
  await core.close();
});
afterEach(() => {
  process.exitCode = 0;
  dir.cleanup();
});

async function run(args: string[]): Promise<{ lines: string[]; exitCode: number }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  process.exitCode = 0;
  try {
    const program = new Command().exitOverride();
    registerFormatsCommands(program, { openCore: () => openTestCore(dataDir) });
    await program.parseAsync(['node', 'folio', ...args]);
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
  return { lines, exitCode: Number(process.exitCode ?? 0) };
}

it('`export --json` writes the export and ends with one JSON line; `import-annotations --json` reads it into another project', async () => {
  const out = join(dir.path, 'coco-out');
  const exported = await run(['export', '--project', 'Invoices', '--format', 'coco', '--out', out, '--json']);
  const summary = JSON.parse(exported.lines.at(-1)!) as { state: string; done: number; boxes: number; files: string[]; format: string };
  expect(summary).toMatchObject({ state: 'completed', done: 3, format: 'coco', files: ['annotations.json'] });
  expect(summary.boxes).toBeGreaterThan(0);
  expect(exported.exitCode).toBe(0);
  expect(readdirSync(join(out, 'images'))).toHaveLength(3);

  const imported = await run(['import-annotations', '--project', 'Copy', '--format', 'coco', join(out, 'annotations.json'), '--json']);
  const result = JSON.parse(imported.lines.at(-1)!) as { state: string; documents: { imported: number }; boxes: number; problems: unknown[] };
  expect(result).toMatchObject({ state: 'completed', documents: { imported: 3, unchanged: 0, skipped: 0 }, boxes: summary.boxes, problems: [] });
  expect(imported.exitCode).toBe(0);

  // Human output, and exit code 2 when something was refused.
  const again = await run(['import-annotations', '--project', 'Copy', '--format', 'coco', join(out, 'annotations.json'), '--annotator', 'Somebody Else', '--as', 'annotations']);
  const qa = (JSON.parse(exported.lines.at(-1)!) as { qa: number }).qa;
  expect(again.lines[0]).toBe(`Read 3 item(s): 3 document(s) imported (${summary.boxes} box(es), ${qa} QA pair(s)), 0 unchanged, 0 skipped; 0 problem(s).`);

  // The same file again under the file's own annotator changes nothing.
  const unchanged = await run(['import-annotations', '--project', 'Copy', '--format', 'coco', join(out, 'annotations.json')]);
  expect(unchanged.lines[0]).toMatch(/0 document\(s\) imported .* 3 unchanged, 0 skipped/);
  expect(unchanged.exitCode).toBe(0);
  expect(again.exitCode).toBe(0);
}, 120_000);

it('rejects unknown formats and projects with a clear message', async () => {
  await expect(run(['export', '--project', 'Invoices', '--format', 'pdf', '--out', join(dir.path, 'x')])).rejects.toThrow(/expected a format: coco, labelstudio, voc, yolo, jsonl/);
  await expect(run(['export', '--project', 'Nope', '--format', 'coco', '--out', join(dir.path, 'x')])).rejects.toThrow(/No project called "Nope"; projects: /);
  await expect(run(['import-annotations', '--project', 'Copy', '--format', 'coco', join(dir.path, 'missing.json')])).rejects.toThrow(/does not exist/);
  expect(documentIds).toHaveLength(3);
});

it('exit code 2 when items were refused, listing them', async () => {
  const out = join(dir.path, 'jsonl-out');
  await run(['export', '--project', 'Invoices', '--format', 'jsonl', '--out', out, '--json']);
  // Into a project whose label set lacks the labels: every box is refused.
  const core = await openTestCore(dataDir);
  const bare = (await core.api['projects.create']({ name: 'Bare', labels: [{ name: 'only', color: '#123456' }] })).id;
  for (const id of documentIds) core.documents.addToProject(bare, { id }, new Date().toISOString());
  await core.close();
  const result = await run(['import-annotations', '--project', 'Bare', '--format', 'jsonl', join(out, 'documents.jsonl')]);
  expect(result.exitCode).toBe(2);
  expect(result.lines.slice(1).every((l) => /^ {2}(error|warning): .*documents\.jsonl: line \d+: /.test(l) || /^ {2}… and \d+ more/.test(l))).toBe(true);
  expect(result.lines.some((l) => l.includes('unknown label'))).toBe(true);
});
