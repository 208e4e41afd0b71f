import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import { importLimits } from '../../src/main/core/media/limits';
import { sourceEntry } from '../../src/main/core/util/sourceEntry';
import type { ImportJob } from '../../src/shared/domain/model';
import { openTestCore, tempDir } from '../helpers/core';
import { multiPagePdf } from '../helpers/fixtures';
import { hugePagesPdf } from '../helpers/hostileFiles';

/**
 * A PDF of a few hundred bytes can ask for pages 40 inches square: rendered at Folio's largest size
 * they take seconds each. That work runs on worker threads, so the thread serving the UI keeps
 * answering; cancelling stops the thread mid-page; a crashing renderer fails one file.
 */
describe('rendering hostile PDFs', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: Core | null = null;
  let projectId: string;
  const open = async (overrides: Parameters<typeof openTestCore>[1] = {}) => {
    core = await openTestCore(join(dir.path, 'data'), overrides);
    projectId = (await core.api['projects.create']({ name: 'Statements' })).id;
    return core;
  };
  const leftOnDisk = (c: Core) => {
    const staging = join(c.media.root, '.staging');
    const docs = join(c.media.root, 'docs');
    return {
      staging: existsSync(staging) ? readdirSync(staging) : [],
      documents: existsSync(docs) ? readdirSync(docs).flatMap((shard) => readdirSync(join(docs, shard))) : [],
    };
  };

  beforeEach(() => {
    dir = tempDir('folio-adversarial-');
  });
  afterEach(async () => {
    await core?.close();
    core = null;
    dir.cleanup();
  });

  it('keeps the core thread answering within 500 ms while a 3-page PDF of 2,880 pt pages renders for seconds', async () => {
    const c = await open();
    const file = join(dir.path, 'posters.pdf');
    const pdf = hugePagesPdf(3, 2_880);
    writeFileSync(file, pdf);
    expect(pdf.length).toBeLessThan(700);

    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = Date.now();
    const job = await c.importer.run(projectId, [file]);
    const elapsed = Date.now() - started;
    delay.disable();
    const maxBlockedMs = delay.max / 1e6;

    expect(job).toMatchObject({ state: 'completed', imported: 1, pages: 3, failed: [] });
    const [item] = (await c.api['documents.list']({ projectId })).items;
    const doc = await c.api['documents.get']({ projectId, documentId: item!.id });
    // Each page rendered at the largest size Folio renders: the work is real, not skipped.
    expect(doc.pages.map((p) => [p.width, p.height])).toEqual(Array(3).fill([importLimits.pdfMaxRenderSide, importLimits.pdfMaxRenderSide]));
    console.info(`posters.pdf: imported in ${elapsed} ms; the core thread was blocked at most ${maxBlockedMs.toFixed(0)} ms`);
    expect(maxBlockedMs).toBeLessThan(500);
    expect(elapsed).toBeGreaterThan(4 * maxBlockedMs);
  }, 240_000);

  it('stops the rendering thread at once when the import is cancelled, leaving nothing staged', async () => {
    const c = await open();
    const file = join(dir.path, 'posters.pdf');
    writeFileSync(file, hugePagesPdf(3, 2_880));
    const jobId = c.importer.start(projectId, [file]);
    // Cancel while the second page renders: the first page's pyramid is complete (its thumbnail is
    // the last file written), and the worker was then asked for page 2, seconds of work.
    const staging = join(c.media.root, '.staging');
    const firstPageDone = () => existsSync(staging) && readdirSync(staging).some((s) => existsSync(join(staging, s, 'p1', 'thumb.jpg')));
    while (!firstPageDone()) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    expect(c.importer.pdf.threads).toBe(1);
    const asked = Date.now();
    expect(c.importer.cancel(jobId)).toBe(true);
    const job: ImportJob = await c.importer.finished(jobId);
    const stoppedMs = Date.now() - asked;

    expect(job).toMatchObject({ state: 'cancelled', imported: 0, pages: 0 });
    expect(stoppedMs).toBeLessThan(1_000);
    // The thread itself ends once the native call it is in (a PNG encode, a pixel copy) returns.
    const until = Date.now() + 5_000;
    while (c.importer.pdf.threads > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    expect(c.importer.pdf.threads).toBe(0);
    expect(leftOnDisk(c)).toEqual({ staging: [], documents: [] });
  }, 120_000);

  it('turns a crashed renderer into a failure of that one PDF and goes on importing', async () => {
    const c = await open({ pdfWorker: sourceEntry(new URL('../helpers/pdfWorkerCrashing.ts', import.meta.url)) });
    const crash = join(dir.path, 'crash.pdf');
    const good = join(dir.path, 'statement.pdf');
    writeFileSync(crash, await multiPagePdf(2, 'Crash'));
    writeFileSync(good, await multiPagePdf(2, 'Statement'));

    const first = await c.importer.run(projectId, [crash, good]);
    expect(first).toMatchObject({ state: 'completed', imported: 1, pages: 2 });
    expect(first.failed).toEqual([{ path: crash, reason: expect.stringMatching(/^the PDF renderer stopped unexpectedly while reading this PDF \(.*the renderer hit a fault.*\)$/) }]);
    // The importer is not dead: the next import renders on a new thread.
    const again = join(dir.path, 'again.pdf');
    writeFileSync(again, await multiPagePdf(1, 'Again'));
    expect(await c.importer.run(projectId, [again])).toMatchObject({ state: 'completed', imported: 1, pages: 1, failed: [] });
    expect(leftOnDisk(c).staging).toEqual([]);
  }, 120_000);
});
