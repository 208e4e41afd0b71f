import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseFile, type Core } from '../../src/main/core/createCore';
import { analyseProject } from '../../src/main/core/review/analysis';
import { ReviewWorkerHost } from '../../src/main/core/review/worker/host';
import { openTestCore, tempDir } from '../helpers/core';
import { truthContent, verifyAs } from '../helpers/review';
import { addDocuments, createSyncProject } from '../helpers/sync';

/**
 * Whole-project review analyses on the review worker thread, with its own read-only connection:
 * the same answer as in-process, a dead worker fails its analysis with a message and the next one
 * starts a new worker, and the app's queue and agreement really are computed there.
 */
describe('review analyses on their worker thread', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: Core;
  let project: { id: string; name: string };

  beforeAll(async () => {
    dir = tempDir();
    core = await openTestCore(join(dir.path, 'data'));
    const projectId = await createSyncProject(core, 'Invoices');
    project = { id: projectId, name: 'Invoices' };
    const docs = await addDocuments(core, projectId, { count: 4 });
    for (const [i, d] of docs.entries()) {
      const content = truthContent(d.truth, d.pageId);
      verifyAs(core, projectId, d.documentId, { id: 'ann-alice', name: 'Alice' }, content);
      if (i % 2 === 0) content.boxes[0]!.label = content.boxes[0]!.label === 'total' ? 'date' : 'total';
      verifyAs(core, projectId, d.documentId, { id: 'ann-bob', name: 'Bob' }, content);
    }
  });
  afterAll(async () => {
    await core.close();
    dir.cleanup();
  });

  it('answers exactly what the in-process analysis answers, with and without the model', async () => {
    const host = new ReviewWorkerHost({ dbFile: databaseFile(core.dataDir) });
    try {
      for (const model of [false, true]) expect(await host.analyse(project, model)).toEqual(analyseProject(core.db, project, model));
      expect(host.thread?.threadId).toBeGreaterThan(0);
      expect(host.answered).toBe(2);
    } finally {
      await host.close();
    }
  });

  it('fails the analysis a dying worker was running, saying so, and starts a new worker for the next', async () => {
    const host = new ReviewWorkerHost({ dbFile: databaseFile(core.dataDir) });
    try {
      await host.analyse(project, false);
      const first = host.thread!;
      const pending = host.analyse(project, false).then(
        () => null,
        (err: unknown) => err,
      );
      await first.terminate();
      expect(await pending).toMatchObject({ code: 'unavailable', message: expect.stringMatching(/review analysis stopped unexpectedly/) });
      expect(await host.analyse(project, false)).toEqual(analyseProject(core.db, project, false));
      expect(host.thread).not.toBe(first);
    } finally {
      await host.close();
    }
  });

  it('fails the analysis with the reason when its connection cannot open the database', async () => {
    const host = new ReviewWorkerHost({ dbFile: join(dir.path, 'no-such-folder', 'folio.db') });
    try {
      await expect(host.analyse(project, false)).rejects.toThrow(/^The review analysis stopped unexpectedly \(Folio cannot open its database .*no-such-folder.*\); open the page again\.$/);
    } finally {
      await host.close();
    }
  });

  it('is where the app computes the review queue and the agreement figures', async () => {
    const before = core.review.analyses;
    const [queue, agreement] = await Promise.all([core.api['review.queue']({ projectId: project.id, state: 'all' }), core.api['review.agreement']({ projectId: project.id })]);
    expect(core.review.analyses).toBe(before + 1);
    expect(queue.totals.open).toBe(2);
    expect(agreement.annotators.map((a) => a.name)).toEqual(['Alice', 'Bob']);
    expect(core.review.offThreadAnalyses).toBeGreaterThan(0);
  });
});
