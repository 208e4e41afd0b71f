import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerAnnotateCommand } from '../../src/main/cli/commands/annotate';
import type { SynthDocument } from '../../src/main/core/synth';
import { startClaudeSimulator, type ClaudeSimulator } from '../../src/main/sim/claude';
import { openTestCore, tempDir } from '../helpers/core';
import { SIM_KEY, serviceFor, synthProject, writePages } from '../helpers/preannotate';

/** `folio annotate` end to end: a real core on disk, the simulator over HTTP, output as printed. */
let dir: ReturnType<typeof tempDir>;
let sim: ClaudeSimulator;
let dataDir: string;
let pages: { files: string[]; truths: SynthDocument[] };

const openCore = () => openTestCore(dataDir, { env: { ANTHROPIC_API_KEY: SIM_KEY, ANTHROPIC_BASE_URL: sim.url } });

async function folio(...args: string[]): Promise<{ lines: string[]; exitCode: number | undefined }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  process.exitCode = undefined;
  try {
    const program = new Command().name('folio').exitOverride();
    registerAnnotateCommand(program, { openCore });
    await program.parseAsync(['node', 'folio', ...args]);
    return { lines, exitCode: typeof process.exitCode === 'number' ? process.exitCode : undefined };
  } finally {
    log.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

beforeAll(async () => {
  dir = tempDir();
  dataDir = join(dir.path, 'data');
  sim = await startClaudeSimulator({ timeScale: 0.02 });
  pages = await writePages(join(dir.path, 'src'), 5, [0, 1, 2, 3].map((index) => ({ index, kind: 'receipt' as const, width: 400, height: 900 })));
  const core = await openCore();
  await synthProject(core, sim, 'Receipts', pages.files, pages.truths);
  await core.close();
});
afterAll(async () => {
  await sim.close();
  dir.cleanup();
});

describe('folio annotate', () => {
  it('prints the estimate, then pre-annotates and ends with one JSON line', async () => {
    const estimate = await folio('annotate', '--project', 'receipts', '--estimate-only', '--json');
    const e = JSON.parse(estimate.lines.at(-1)!) as { estimate: { pages: number; usd: { total: number } } };
    expect(e.estimate.pages).toBe(4);
    expect(e.estimate.usd.total).toBeGreaterThan(0);

    const { lines, exitCode } = await folio('annotate', '--project', 'Receipts', '--concurrency', '2', '--json');
    const summary = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
    expect(summary).toMatchObject({ project: 'Receipts', state: 'completed', simulated: true, pages: { total: 4, done: 4, failed: 0 }, stopReason: null });
    expect(summary.costUsd as number).toBeGreaterThan(0);
    expect(exitCode).toBe(0);

    await expect(folio('annotate', '--project', 'Receipts')).rejects.toThrow('run over all documents (scope "all", or --all on the command line)');
  }, 60_000);

  it('resumes the run an earlier process left behind', async () => {
    const core = await openCore();
    const extra = await writePages(join(dir.path, 'more'), 6, [0, 1, 2, 3, 4, 5].map((index) => ({ index, kind: 'receipt' as const, width: 400, height: 900 })));
    const projectId = await synthProject(core, sim, 'More', extra.files, extra.truths);
    const svc = serviceFor(core);
    const started = await svc.start(projectId, { concurrency: 1 });
    await svc.close(); // quit at once: the run stays "running"
    await core.close();
    const { lines, exitCode } = await folio('annotate', '--project', 'More');
    expect(lines[0]).toMatch(new RegExp(`^Resuming run ${started.runId}`));
    expect(lines.some((l) => /^Run completed: 6 page\(s\) pre-annotated, 0 failed/.test(l))).toBe(true);
    expect(exitCode).toBe(0);
  }, 60_000);

  it('says what is wrong with bad arguments', async () => {
    await expect(folio('annotate', '--project', 'Nope')).rejects.toThrow('No project called "Nope"; projects: ');
    await expect(folio('annotate', '--project', 'Receipts', '--concurrency', 'lots')).rejects.toThrow('expected "auto" or a whole number from 1 to 256');
    await expect(folio('annotate', '--project', 'Receipts', '--effort', 'extreme')).rejects.toThrow('--effort: expected low, medium, high, xhigh or max, got "extreme"');
    await expect(folio('annotate', '--project', 'Receipts', '--all', '--model', 'gpt-4')).rejects.toThrow(/model: "gpt-4" is not in .*models\.json/);
  });
});
