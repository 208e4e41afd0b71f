import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiClient, createDispatcher } from '../../src/shared/contract/rpc';
import { events, type AppApi } from '../../src/shared/contract/methods';
import type { EventName } from '../../src/shared/contract/names';
import type { Core } from '../../src/main/core/createCore';
import type { PreannotationRun } from '../../src/shared/domain/preannotation';
import { startClaudeSimulator, type ClaudeSimulator } from '../../src/main/sim/claude';
import { openTestCore, tempDir } from '../helpers/core';
import { predictionRows, SIM_KEY, synthProject, useSimulator, writePages } from '../helpers/preannotate';

/**
 * Pre-annotation through the app's contract: every call goes through the dispatcher (requests and
 * responses validated against the zod schemas, as over IPC or the host's WebSocket), every event
 * is checked against its schema, and the simulator answers over real HTTP.
 */
let dir: ReturnType<typeof tempDir>;
let sim: ClaudeSimulator;
let files: string[];
let truths: Awaited<ReturnType<typeof writePages>>['truths'];

beforeAll(async () => {
  dir = tempDir();
  // Slow enough (median ~105 ms) that pause and cancel land while pages are in flight.
  sim = await startClaudeSimulator({ timeScale: 0.05, seed: 7 });
  ({ files, truths } = await writePages(
    join(dir.path, 'src'),
    11,
    Array.from({ length: 12 }, (_, index) => ({ index, kind: index % 2 ? ('invoice' as const) : ('receipt' as const), width: 500, height: 700 })),
  ));
});
afterAll(async () => {
  await sim.close();
  dir.cleanup();
});

interface Harness {
  core: Core;
  api: AppApi;
  seen: { event: EventName; payload: unknown }[];
  projectId: string;
}

async function harness(name: string, options: Parameters<typeof openTestCore>[1] = {}): Promise<Harness> {
  const core = await openTestCore(join(dir.path, name), { preannotation: { resumeInterrupted: false, timeScale: 0.05 }, ...options });
  const dispatch = createDispatcher(core.api);
  const api = createApiClient((method, request) => dispatch(method, request));
  const seen: Harness['seen'] = [];
  core.subscribe((event, payload) => {
    // What a transport would forward must match the contract.
    const checked = events[event].safeParse(payload);
    if (!checked.success) throw new Error(`${event} payload outside the contract: ${checked.error.message}`);
    seen.push({ event, payload });
  });
  await useSimulator(core, sim);
  const projectId = await synthProject(core, sim, 'Pre-annotate via API', files, truths);
  return { core, api, seen, projectId };
}

const waitFor = async (api: AppApi, runId: string, done: (r: PreannotationRun) => boolean, timeoutMs = 30_000): Promise<PreannotationRun> => {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const run = await api['preannotate.get']({ runId });
    if (done(run)) return run;
    if (Date.now() > until) throw new Error(`run ${runId} still ${run.state} (${run.pages.done}/${run.pages.total})`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('pre-annotation through the contract', () => {
  it('lists models, estimates, runs to completion with progress events, and leaves predictions per page', async () => {
    const h = await harness('complete');
    try {
      const models = await h.api['preannotate.models']({});
      expect(models.filter((m) => m.isDefault)).toHaveLength(1);

      const estimate = await h.api['preannotate.estimate']({ projectId: h.projectId });
      expect(estimate).toMatchObject({ pages: 12, mode: 'online' });
      expect(estimate.usd.total).toBeGreaterThan(0);

      const started = await h.api['preannotate.start']({ projectId: h.projectId, concurrency: 'auto' });
      expect(started).toMatchObject({ state: 'running', simulated: false, pages: { total: 12 } });
      expect(started.estimate?.pages).toBe(12);

      const finished = await waitFor(h.api, started.runId, (r) => r.state !== 'running');
      expect(finished).toMatchObject({ state: 'completed', simulated: true, progress: 1, pages: { done: 12, failed: 0 } });
      expect(finished.costUsd).toBeGreaterThan(0);
      expect(finished.histogram.reduce((n, b) => n + b.count, 0)).toBe(finished.latency.count);

      const progress = h.seen.filter((e) => e.event === 'preannotate.progress').map((e) => e.payload as PreannotationRun);
      expect(progress.length).toBeGreaterThan(0);
      // The bar only moves forward.
      const done = progress.map((p) => p.pages.done);
      expect(done).toEqual([...done].sort((a, b) => a - b));
      expect(h.seen.some((e) => e.event === 'preannotate.finished' && (e.payload as PreannotationRun).state === 'completed')).toBe(true);
      expect(h.seen.some((e) => e.event === 'documents.changed')).toBe(true);

      const rows = predictionRows(h.core, h.projectId);
      expect(new Set(rows.map((r) => r.document_id)).size).toBe(12);
      expect((await h.api['preannotate.list']({ projectId: h.projectId })).map((r) => r.runId)).toContain(started.runId);

      // The documents' own view carries the predictions the canvas draws.
      const doc = (await h.api['documents.list']({ projectId: h.projectId, limit: 1 })).items[0]!;
      const state = await h.api['annotations.get']({ projectId: h.projectId, documentId: doc.id });
      expect(state.predictions.length).toBeGreaterThan(0);
    } finally {
      await h.core.close();
    }
  });

  it('uses the model and effort saved in settings unless the request names others', async () => {
    const h = await harness('settings');
    try {
      const models = await h.api['preannotate.models']({});
      const other = models.find((m) => !m.isDefault && m.efforts.includes('low'));
      expect(other, 'the model table offers a second model with effort levels').toBeDefined();
      const view = await h.api['settings.update']({ preannotation: { model: other!.id, effort: 'low', maxTokens: 2048 } });
      expect(view.preannotation).toEqual({ model: other!.id, effort: 'low', maxTokens: 2048 });
      const estimate = await h.api['preannotate.estimate']({ projectId: h.projectId });
      expect(estimate.model).toBe(other!.id);
      const first = (await h.api['documents.list']({ projectId: h.projectId, limit: 1 })).items[0]!;
      const run = await h.api['preannotate.start']({ projectId: h.projectId, documentIds: [first.id] });
      expect(run).toMatchObject({ model: other!.id, effort: 'low', maxTokens: 2048, pages: { total: 1 } });
      await h.api['preannotate.cancel']({ runId: run.runId });
      await h.api['settings.update']({ preannotation: { model: null, effort: null, maxTokens: null } });
      expect((await h.api['preannotate.estimate']({ projectId: h.projectId })).model).toBe(models.find((m) => m.isDefault)!.id);
    } finally {
      await h.core.close();
    }
  });

  it('pauses, resumes and cancels; refuses what makes no sense with a clear reason', async () => {
    const h = await harness('controls');
    try {
      const run = await h.api['preannotate.start']({ projectId: h.projectId, concurrency: 1 });
      const paused = await h.api['preannotate.pause']({ runId: run.runId });
      expect(paused.state).toBe('paused');
      expect(paused.pages.done).toBeLessThan(12);
      const atPause = paused.pages.done;
      await new Promise((r) => setTimeout(r, 300));
      expect((await h.api['preannotate.get']({ runId: run.runId })).pages.done).toBe(atPause);

      await h.api['preannotate.resume']({ runId: run.runId });
      await waitFor(h.api, run.runId, (r) => r.pages.done > atPause);
      const cancelled = await h.api['preannotate.cancel']({ runId: run.runId });
      expect(cancelled.state).toBe('cancelled');
      expect(cancelled.pages.cancelled).toBeGreaterThan(0);
      expect(cancelled.pages.done + cancelled.pages.failed + cancelled.pages.cancelled).toBe(12);

      await expect(h.api['preannotate.get']({ runId: 'no-such-run' })).rejects.toMatchObject({ code: 'not_found' });
      await expect(h.api['preannotate.start']({ projectId: h.projectId, concurrency: 0 })).rejects.toMatchObject({
        code: 'invalid_request',
        message: expect.stringContaining('concurrency'),
      });
      await expect(h.api['preannotate.start']({ projectId: h.projectId, effort: 'extreme' as 'low' })).rejects.toMatchObject({
        message: expect.stringContaining('effort'),
      });
    } finally {
      await h.core.close();
    }
  });

  it('without a key: says where to add one and starts nothing', async () => {
    const h = await harness('nokey');
    try {
      await h.api['settings.setSecret']({ name: 'anthropicApiKey', value: null });
      await expect(h.api['preannotate.start']({ projectId: h.projectId })).rejects.toMatchObject({
        code: 'invalid_request',
        message: expect.stringContaining('Settings'),
      });
      expect(await h.api['preannotate.list']({ projectId: h.projectId })).toEqual([]);
    } finally {
      await h.core.close();
    }
  });

  it('the app continues a run that was executing when it quit', async () => {
    const h = await harness('resume');
    const run = await h.api['preannotate.start']({ projectId: h.projectId, concurrency: 1 });
    await waitFor(h.api, run.runId, (r) => r.pages.done >= 2);
    await h.core.close(); // quit: the run stays `running`
    // Settings live with the installation; the test's stores are in memory, so hand the key over.
    const again = await openTestCore(join(dir.path, 'resume'), {
      env: { ANTHROPIC_API_KEY: SIM_KEY, ANTHROPIC_BASE_URL: sim.url },
      preannotation: { resumeInterrupted: true, timeScale: 0.05 },
    });
    try {
      const api = createApiClient((m, r) => createDispatcher(again.api)(m, r));
      const done = await waitFor(api, run.runId, (r) => r.state !== 'running');
      expect(done).toMatchObject({ state: 'completed', pages: { done: 12, failed: 0 } });
      // Every page's predictions exactly once.
      const perPage = new Map<string, Set<string>>();
      for (const row of predictionRows(again, h.projectId)) {
        const runs = perPage.get(row.page_id) ?? new Set<string>();
        runs.add(row.run_id ?? '');
        perPage.set(row.page_id, runs);
      }
      expect(perPage.size).toBe(12);
    } finally {
      await again.close();
    }
  });
});
