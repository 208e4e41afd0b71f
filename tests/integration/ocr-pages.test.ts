import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import type { OcrJob } from '../../src/shared/domain/ocr';
import { openTestCore, tempDir } from '../helpers/core';
import { orphanJobs } from '../helpers/jobs';
import { importSynthPages, type ImportedSynthPage } from '../helpers/ocr';

/** The words of the page's field texts that its OCR found with exactly that text. */
function fieldWordsFound(p: ImportedSynthPage, words: readonly { text: string }[]): number {
  const truth = p.truth.boxes.flatMap((b) => b.text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)));
  const found = new Map<string, number>();
  for (const w of words) found.set(w.text, (found.get(w.text) ?? 0) + 1);
  let hits = 0;
  for (const w of truth) {
    const n = found.get(w) ?? 0;
    if (n > 0) {
      hits++;
      found.set(w, n - 1);
    }
  }
  return hits / truth.length;
}

describe('reading the words on every page (page OCR jobs)', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: Core;
  let projectId: string;
  let pages: ImportedSynthPage[];
  const events: { name: string; job: OcrJob }[] = [];

  beforeAll(async () => {
    dir = tempDir('folio-ocr-pages-');
    core = await openTestCore(join(dir.path, 'data'));
    core.subscribe((name, payload) => {
      if (name === 'ocr.progress' || name === 'ocr.finished') events.push({ name, job: payload as OcrJob });
    });
    projectId = (await core.api['projects.create']({ name: 'Scans' })).id;
    pages = await importSynthPages(core, projectId, dir.path, [
      { seed: 5, index: 0, kind: 'invoice' },
      { seed: 5, index: 0, kind: 'receipt' },
      { seed: 5, index: 0, kind: 'form' },
    ]);
  }, 120_000);

  afterAll(async () => {
    await core?.close();
    dir?.cleanup();
  });

  it('reads every page in one run, with progress, and keeps words tied to the page', async () => {
    const before = await core.api['ocr.status']({ projectId });
    expect(before).toMatchObject({ pagesTotal: 3, pagesRead: 0, paused: false, onImport: true, job: null });
    expect(await core.api['ocr.pageWords']({ projectId, documentId: pages[0]!.documentId, pageId: pages[0]!.page.id })).toBeNull();

    const job = await core.ocrJobs.run(projectId);
    expect(job).toMatchObject({ state: 'completed', pagesTotal: 3, pagesDone: 3, pagesFailed: 0, paused: false });
    expect(job.wordsFound).toBeGreaterThan(100);
    expect(events.some((e) => e.name === 'ocr.finished' && e.job.jobId === job.jobId)).toBe(true);
    expect(events.filter((e) => e.name === 'ocr.progress').map((e) => e.job.pagesDone)).toContain(3);

    const status = await core.api['ocr.status']({ projectId });
    expect(status).toMatchObject({ pagesTotal: 3, pagesRead: 3, job: { jobId: job.jobId, state: 'completed' } });

    for (const p of pages) {
      const words = (await core.api['ocr.pageWords']({ projectId, documentId: p.documentId, pageId: p.page.id }))!;
      expect(words.imageSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(fieldWordsFound(p, words.words), p.truth.id).toBeGreaterThanOrEqual(0.75);
      for (const w of words.words) {
        expect(w.x + w.w).toBeLessThanOrEqual(p.page.width);
        expect(w.y + w.h).toBeLessThanOrEqual(p.page.height);
        expect(words.lines[w.line]).toBeDefined();
      }
      // A line's text is its words'.
      const line = words.lines[0]!;
      expect(line.text).toBe(words.words.slice(line.words[0], line.words[1] + 1).map((w) => w.text).join(' '));
    }

    // A second run finds nothing to read.
    const again = await core.ocrJobs.run(projectId);
    expect(again).toMatchObject({ state: 'completed', pagesTotal: 0, pagesDone: 0 });
  }, 180_000);

  it('pre-annotates offline from the words (Local OCR): boxes with text, replaced on a second run', async () => {
    const job = await core.ocrJobs.run(projectId, { granularity: 'line', scope: 'new' });
    expect(job).toMatchObject({ state: 'completed', pagesDone: 0, documentsPredicted: 3, prediction: { granularity: 'line', scope: 'new' } });
    expect(job.predictionsMade).toBeGreaterThan(60);
    const list = await core.api['documents.list']({ projectId });
    expect(list.items.every((d) => d.status === 'pre_annotated')).toBe(true);
    const form = pages.find((p) => p.truth.kind === 'form')!;
    const state = await core.api['annotations.get']({ projectId, documentId: form.documentId });
    const boxes = state.predictions.filter((p) => p.model === 'local-ocr');
    expect(boxes.length).toBeGreaterThan(10);
    expect(boxes.every((b) => b.kind === 'box' && b.status === 'pending' && b.transcription && b.w! > 0)).toBe(true);
    // Most of the form's field texts are inside some predicted line (the bench measures accuracy).
    const texts = boxes.map((b) => b.transcription!);
    const fields = form.truth.boxes.filter((b) => /[A-Za-z]{3}/.test(b.text));
    expect(fields.filter((f) => texts.some((t) => t.includes(f.text))).length / fields.length).toBeGreaterThan(0.5);

    // Everything new is pre-annotated now; `all` predicts again and replaces, never doubles.
    const again = await core.ocrJobs.run(projectId, { granularity: 'line', scope: 'all' });
    expect(again.predictionsMade).toBe(job.predictionsMade);
    const after = await core.api['annotations.get']({ projectId, documentId: form.documentId });
    expect(after.predictions.filter((p) => p.model === 'local-ocr')).toHaveLength(boxes.length);
    expect((await core.ocrJobs.run(projectId, { granularity: 'line', scope: 'new' })).documentsPredicted).toBe(0);

    // The same documents in a second project get predictions of their own there.
    const second = (await core.api['projects.create']({ name: 'Scans again' })).id;
    for (const p of pages) core.documents.addToProject(second, { id: p.documentId }, new Date().toISOString());
    const there = await core.ocrJobs.run(second, { granularity: 'line', scope: 'new' });
    expect(there).toMatchObject({ pagesDone: 0, documentsPredicted: 3, predictionsMade: job.predictionsMade });
  }, 120_000);

  it('finds documents by the words on their pages, whatever the query holds', async () => {
    const invoice = pages.find((p) => p.truth.kind === 'invoice')!;
    const words = (await core.api['ocr.pageWords']({ projectId, documentId: invoice.documentId, pageId: invoice.page.id }))!;
    const word = words.words.find((w) => /^[A-Za-z]{6,}$/.test(w.text) && !pages.some((p) => p !== invoice && p.truth.boxes.some((b) => b.text.includes(w.text))))!;
    expect(word, 'a long word only the invoice has').toBeDefined();
    const hit = await core.api['documents.list']({ projectId, search: word.text.slice(0, 5).toLowerCase() });
    expect(hit.items.map((d) => d.id)).toContain(invoice.documentId);
    // Query syntax in a search is text, not FTS5 operators.
    for (const search of ['"', 'NEAR(', 'a OR b*', '-)(:^']) {
      await expect(core.api['documents.list']({ projectId, search })).resolves.toBeDefined();
    }
    const none = await core.api['documents.list']({ projectId, search: 'qqqzzzxxy' });
    expect(none.total).toBe(0);
  });

  it('forgets a page’s words when its image changes', async () => {
    const p = pages[1]!;
    core.db.prepare('UPDATE pages SET levels = levels WHERE id = ?').run(p.page.id);
    expect(await core.api['ocr.pageWords']({ projectId, documentId: p.documentId, pageId: p.page.id })).toBeNull();
    expect((await core.api['ocr.status']({ projectId })).pagesRead).toBe(2);
    // Search no longer finds it by text it no longer has words for.
    const job = await core.ocrJobs.run(projectId);
    expect(job).toMatchObject({ state: 'completed', pagesDone: 1 });
  }, 120_000);

  it('answers a page outside the project with a specific error', async () => {
    await expect(core.api['ocr.pageWords']({ projectId, documentId: pages[0]!.documentId, pageId: 'nope' })).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/^pageId: nope is not a page of/) });
    await expect(core.api['ocr.status']({ projectId: 'missing' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('pauses after the page in hand, stays paused for imports, and resumes where it stopped', async () => {
    core.db.prepare('DELETE FROM page_ocr').run();
    core.ocrJobs.start(projectId);
    await new Promise((r) => setTimeout(r, 50));
    const paused = await core.api['ocr.pause']({ projectId });
    expect(paused.paused).toBe(true);
    expect(paused.job).toMatchObject({ state: 'cancelled', paused: true });
    expect(paused.pagesRead).toBeLessThan(3);
    const readWhenPaused = paused.pagesRead;

    // A paused project's imports do not start reading.
    core.ocrJobs.afterImport(projectId);
    expect((await core.api['ocr.status']({ projectId })).job?.jobId).toBe(paused.job!.jobId);

    const resumed = await core.api['ocr.resume']({ projectId });
    expect(resumed.paused).toBe(false);
    expect(resumed.job).toMatchObject({ state: 'running' });
    await core.ocrJobs.idle();
    const done = await core.api['ocr.status']({ projectId });
    expect(done).toMatchObject({ pagesRead: 3, job: { state: 'completed', pagesDone: 3 - readWhenPaused } });
  }, 180_000);

  it('stops on request; the setting for imports is the project’s', async () => {
    core.db.prepare('DELETE FROM page_ocr').run();
    core.ocrJobs.start(projectId);
    const stopped = await core.api['ocr.stop']({ projectId });
    expect(stopped).toMatchObject({ paused: false, job: { state: 'cancelled', paused: false } });
    const off = await core.api['ocr.settings.update']({ projectId, onImport: false });
    expect(off.onImport).toBe(false);
    expect((await core.api['ocr.status']({ projectId })).onImport).toBe(false);
    await core.api['ocr.settings.update']({ projectId, onImport: true });
  }, 120_000);

  it('goes on after a crash where it stopped, and not in a paused project', async () => {
    core.db.prepare('DELETE FROM page_ocr').run();
    const job = core.ocrJobs.start(projectId);
    // The process "dies" mid-run: its row still says running, owned by a process that is gone.
    core.db.prepare("UPDATE jobs SET state = 'running', finished_at = NULL WHERE id = ?").run(job.jobId);
    await core.ocrJobs.stop(projectId);
    core.db.prepare("UPDATE jobs SET state = 'running', finished_at = NULL, error = NULL WHERE id = ?").run(job.jobId);
    orphanJobs(core.db, [job.jobId]);
    await core.close();

    core = await openTestCore(join(dir.path, 'data'), { ocr: { background: true } });
    const status = await core.api['ocr.status']({ projectId });
    expect(status.job).toMatchObject({ state: 'running' });
    expect(status.job!.jobId).not.toBe(job.jobId);
    const old = core.ocrJobs.get(job.jobId);
    expect(old).toMatchObject({ state: 'failed', error: expect.stringMatching(/^interrupted: /) });
    await core.ocrJobs.idle();
    expect((await core.api['ocr.status']({ projectId })).pagesRead).toBe(3);

    // Paused: a restart leaves it alone.
    core.db.prepare('DELETE FROM page_ocr').run();
    await core.api['ocr.pause']({ projectId });
    await core.close();
    core = await openTestCore(join(dir.path, 'data'), { ocr: { background: true } });
    const after = await core.api['ocr.status']({ projectId });
    expect(after).toMatchObject({ paused: true, pagesRead: 0 });
    expect(after.job?.state).not.toBe('running');
  }, 240_000);
});
