import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import { loadModelCatalog, preannotationRunSchema, costEstimateSchema, type PreannotationRun, type PreannotationService } from '../../src/main/core/preannotate';
import { downsizedTier, imageTokens, resizedSize } from '../../src/main/core/preannotate/imageSizing';
import { RunStore } from '../../src/main/core/preannotate/store';
import { buildOutputSchema, buildSystemPrompt } from '../../src/main/core/preannotate/prompt';
import { SYNTH_LABELS, SYNTH_QUESTIONS, SYNTH_TEMPLATES, type SynthDocument } from '../../src/main/core/synth';
import { NO_NOISE, startClaudeSimulator, type ClaudeSimulator } from '../../src/main/sim/claude';
import { openTestCore, tempDir } from '../helpers/core';
import { pagePng } from '../helpers/fixtures';
import { documentIdBySource, predictionRows, serviceFor, synthProject, useSimulator, writePages } from '../helpers/preannotate';

/**
 * The pre-annotation service against the simulator over real HTTP, through the official SDK.
 * Time runs 50× faster in both (timeScale 0.02): every figure below is in simulated time.
 */
const SCALE = 0.02;
const SEED = 41;

let dir: ReturnType<typeof tempDir>;
let core: Core;
let sim: ClaudeSimulator;
let svc: PreannotationService;
/** Three pages that fit the model's limits as they are (sent byte for byte). */
let small: { files: string[]; truths: SynthDocument[] };
/** Portrait and landscape pages larger and smaller than the limit. */
let sized: { files: string[]; truths: SynthDocument[] };
let docIds: Map<string, string>;
let projectCount = 0;

const labelsAndQuestions = {
  labels: SYNTH_LABELS.map((l) => ({ name: l.name, color: l.color, hotkey: (l.hotkey as '1' | null) ?? null })),
  questions: SYNTH_QUESTIONS.map((text) => ({ text })),
};

/** A fresh project holding already imported documents (documents are shared, projects are not). */
async function projectWith(truths: SynthDocument[], extra: Partial<typeof labelsAndQuestions> = {}): Promise<string> {
  const project = await core.api['projects.create']({ name: `P${++projectCount}`, ...labelsAndQuestions, ...extra });
  for (const t of truths) core.documents.addToProject(project.id, { id: docIds.get(t.id)! }, new Date().toISOString());
  return project.id;
}

const run = async (projectId: string, opts: Parameters<PreannotationService['start']>[1] = {}): Promise<PreannotationRun> => {
  const started = await svc.start(projectId, opts);
  return svc.waitForRun(started.runId);
};

const tasksByDoc = (runId: string) => {
  const store = new RunStore(core.db);
  const byDoc = new Map<string, ReturnType<RunStore['tasks']>[number]>();
  for (const t of store.tasks(runId)) byDoc.set(t.documentId, t);
  return { byDoc, attempts: (taskId: string) => store.attempts(runId).filter((a) => a.taskId === taskId).sort((a, b) => a.n - b.n) };
};

beforeAll(async () => {
  dir = tempDir();
  sim = await startClaudeSimulator({ timeScale: SCALE, noise: NO_NOISE, seed: 5 });
  core = await openTestCore(join(dir.path, 'data'));
  await useSimulator(core, sim);
  small = await writePages(join(dir.path, 'small'), SEED, [
    { index: 0, kind: 'invoice', width: 850, height: 1100 },
    { index: 1, kind: 'receipt', width: 400, height: 1000 },
    { index: 2, kind: 'form', width: 850, height: 1100, format: 'jpeg' },
  ]);
  sized = await writePages(join(dir.path, 'sized'), SEED, [
    { index: 10, kind: 'invoice' }, // 1700 × 2200 portrait, over the 4,784-token budget
    { index: 11, kind: 'invoice', width: 3000, height: 2000 }, // landscape, over the 2,576 px edge
    { index: 12, kind: 'form', width: 700, height: 900 }, // portrait, fits
    { index: 13, kind: 'receipt', width: 1100, height: 800 }, // landscape, fits
  ]);
  const seedProject = await synthProject(core, sim, 'All documents', [...small.files, ...sized.files], [...small.truths, ...sized.truths]);
  docIds = documentIdBySource(core, seedProject);
  svc = serviceFor(core, { timeScale: SCALE });
});

afterAll(async () => {
  await svc.close();
  await core.close();
  await sim.close();
  dir.cleanup();
});

beforeEach(() => {
  sim.clearFaults();
  sim.setLimits({});
});

describe('pre-annotation: requests and coordinates', () => {
  it('maps boxes back to original pixels on portrait and landscape pages larger and smaller than the limit', async () => {
    const projectId = await projectWith(sized.truths);
    const result = await run(projectId);
    expect(result).toMatchObject({ state: 'completed', pages: { total: 4, done: 4, failed: 0 }, simulated: true });
    const { byDoc } = tasksByDoc(result.runId);
    const rows = predictionRows(core, projectId);
    for (const truth of sized.truths) {
      const task = byDoc.get(docIds.get(truth.id)!)!;
      const expected = resizedSize(truth.width, truth.height, { maxEdge: 2576, maxTokens: 4784 });
      expect(task.detail?.sent).toEqual({ ...expected, asIs: expected.width === truth.width && expected.height === truth.height });
      // Rounding in the sent image is the only error left: half a sent pixel, per axis.
      const tolX = (0.5 * truth.width) / expected.width + 1e-6;
      const tolY = (0.5 * truth.height) / expected.height + 1e-6;
      const boxes = rows.filter((r) => r.document_id === docIds.get(truth.id) && r.kind === 'box');
      expect(boxes.length).toBe(truth.boxes.length);
      for (const t of truth.boxes) {
        const candidates = boxes.filter((b) => b.label === t.label && b.transcription === t.text);
        const best = candidates.reduce((a, b) => (Math.abs(b.x! - t.x) + Math.abs(b.y! - t.y) < Math.abs(a.x! - t.x) + Math.abs(a.y! - t.y) ? b : a));
        expect(Math.abs(best.x! - t.x)).toBeLessThanOrEqual(tolX);
        expect(Math.abs(best.y! - t.y)).toBeLessThanOrEqual(tolY);
        expect(Math.abs(best.x! + best.w! - (t.x + t.width))).toBeLessThanOrEqual(tolX);
        expect(Math.abs(best.y! + best.h! - (t.y + t.height))).toBeLessThanOrEqual(tolY);
      }
      expect(expected.width < truth.width || truth.width * truth.height < 1_000_000).toBe(true);
    }
    // The large pages were really resized and the small ones really sent as they are.
    expect(sized.truths.map((t) => byDoc.get(docIds.get(t.id)!)!.detail!.sent!.asIs)).toEqual([false, false, true, true]);
  });

  it('stores question answers with evidence that points at the boxes holding them', async () => {
    const projectId = await projectWith(small.truths);
    await run(projectId);
    const rows = predictionRows(core, projectId);
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const truth of small.truths) {
      const docQa = rows.filter((r) => r.document_id === docIds.get(truth.id) && r.kind === 'qa');
      expect(docQa.length).toBe(truth.qa.length);
      for (const q of truth.qa) {
        const got = docQa.find((r) => r.question === q.question)!;
        expect(got.answer).toBe(q.answer);
        const evidence = JSON.parse(got.evidence!) as string[];
        expect(evidence.length).toBe(q.evidenceBoxIds.length);
        if (q.answer !== null) expect(evidence.map((id) => byId.get(id)!.transcription).join(' ')).toBe(q.answer);
      }
    }
    const statuses = core.db.prepare('SELECT status FROM project_documents WHERE project_id = ?').all(projectId) as { status: string }[];
    expect(statuses.map((s) => s.status)).toEqual(['pre_annotated', 'pre_annotated', 'pre_annotated']);
    // The canvas reads them through the annotations API.
    const state = await core.api['annotations.get']({ projectId, documentId: docIds.get(small.truths[0]!.id)! });
    expect(state.predictions.filter((p) => p.kind === 'box').length).toBe(small.truths[0]!.boxes.length);
  });

  it('reports status, cost and performance in the proposed contract and exports them beside the run', async () => {
    const projectId = await projectWith(small.truths);
    sim.resetLog();
    const events: string[] = [];
    const result = await run(projectId);
    expect(() => preannotationRunSchema.parse(result)).not.toThrow();
    expect(result.requests).toMatchObject({ ok: 4, retries: 0, rateLimited: 0, errorRate: 0 }); // 3 pages + the cache warm-up
    // Every token the simulator billed is in the run's totals, cache reads and writes included.
    const billed = sim.requests().filter((r) => r.endpoint === 'messages' && r.status === 200);
    expect(result.tokens.input).toBe(billed.reduce((a, r) => a + r.inputTokens, 0));
    expect(result.tokens.output).toBe(billed.reduce((a, r) => a + r.outputTokens, 0));
    expect(result.tokens.cacheRead).toBe(billed.reduce((a, r) => a + r.cacheRead, 0));
    expect(result.tokens.cacheWrite5m).toBe(billed.reduce((a, r) => a + r.cacheWrite, 0));
    expect(result.tokens.cacheRead).toBeGreaterThan(0);
    const p = loadModelCatalog().models['claude-sonnet-5-5']!.pricesPerMTok;
    const t = result.tokens;
    expect(result.costUsd).toBeCloseTo((t.input * p.input + t.output * p.output + t.cacheRead * p.cacheRead + t.cacheWrite5m * p.cacheWrite5m) / 1e6, 6);
    expect(result.latency.count).toBe(3);
    expect(result.histogram.reduce((a, b) => a + b.count, 0)).toBe(3);
    expect(result.estimate?.pages).toBe(3);
    expect(result.statsFile).not.toBeNull();
    const exported = JSON.parse(readFileSync(result.statsFile!, 'utf8')) as { run: PreannotationRun; tasks: unknown[]; attempts: unknown[] };
    expect(exported.run.runId).toBe(result.runId);
    expect(exported.tasks).toHaveLength(3);
    expect(exported.attempts).toHaveLength(3);
    expect(events).toEqual([]);
  });

  it('emits progress events while running and a finished event at the end', async () => {
    const projectId = await projectWith(small.truths);
    const events: { event: string; payload: unknown }[] = [];
    const evSvc = serviceFor(core, { timeScale: SCALE, emit: (event, payload) => events.push({ event, payload }) });
    try {
      const started = await evSvc.start(projectId, { concurrency: 1 });
      const done = await evSvc.waitForRun(started.runId);
      await new Promise((r) => setTimeout(r, 300));
      const progress = events.filter((e) => e.event === 'preannotate.progress').map((e) => e.payload as PreannotationRun);
      expect(progress.length).toBeGreaterThanOrEqual(2);
      for (const p of progress) expect(() => preannotationRunSchema.parse(p)).not.toThrow();
      const fractions = progress.map((p) => p.progress);
      expect(fractions).toEqual([...fractions].sort((a, b) => a - b));
      expect(events.find((e) => e.event === 'preannotate.finished')?.payload).toMatchObject({ runId: done.runId, state: 'completed' });
      expect(events.some((e) => e.event === 'documents.changed')).toBe(true);
    } finally {
      await evSvc.close();
    }
  });
});

describe('pre-annotation: error classification', () => {
  const id = (i: number) => small.truths[i]!.id;

  it('retries a 429 after its retry-after', async () => {
    sim.inject({ kind: 'rate_limit', documentId: id(0), retryAfterSeconds: 3 });
    const result = await run(await projectWith(small.truths));
    expect(result.pages).toMatchObject({ done: 3, failed: 0 });
    expect(result.requests.rateLimited).toBe(1);
    const { byDoc, attempts } = tasksByDoc(result.runId);
    const a = attempts(byDoc.get(docIds.get(id(0))!)!.id);
    expect(a.map((x) => [x.status, x.outcome, x.reason])).toEqual([
      [429, 'retry', 'rate_limit'],
      [200, 'ok', null],
    ]);
    // The second attempt went out no sooner than retry-after (simulated ms) after the 429 came back.
    expect(a[1]!.sentMs - (a[0]!.sentMs + a[0]!.latencyMs)).toBeGreaterThanOrEqual(3000);
  });

  it('retries 529 overloaded, 500 and connection resets', async () => {
    sim.inject({ kind: 'overloaded', documentId: id(0) });
    sim.inject({ kind: 'server_error', documentId: id(1) });
    sim.inject({ kind: 'reset', documentId: id(2) });
    const result = await run(await projectWith(small.truths));
    expect(result.pages).toMatchObject({ done: 3, failed: 0 });
    expect(result.requests.errors).toEqual({ overloaded: 1, server_error: 1, connection: 1 });
    expect(result.requests.retries).toBe(3);
  });

  it('cuts a stalled body off at the per-attempt deadline and retries', async () => {
    sim.inject({ kind: 'stall_body', documentId: id(1) });
    const result = await run(await projectWith(small.truths), { attemptDeadlineMs: 30_000 });
    expect(result.pages).toMatchObject({ done: 3, failed: 0 });
    const { byDoc, attempts } = tasksByDoc(result.runId);
    expect(attempts(byDoc.get(docIds.get(id(1))!)!.id).map((x) => x.reason)).toEqual(['deadline', null]);
  });

  it('downsizes a page once after a 400 for its image size, and fails it if that is refused too', async () => {
    sim.inject({ kind: 'image_too_large', documentId: id(0) });
    const result = await run(await projectWith(small.truths));
    expect(result.pages).toMatchObject({ done: 3, failed: 0 });
    const { byDoc } = tasksByDoc(result.runId);
    const task = byDoc.get(docIds.get(id(0))!)!;
    const truth = small.truths[0]!;
    expect(task.downsized).toBe(true);
    const sent = task.detail!.sent!;
    // 850 × 1100 already fits the standard tier, so the retry goes out at three quarters of its size.
    expect(sent).toEqual({ ...resizedSize(truth.width, truth.height, downsizedTier(truth, 1568)), asIs: false });
    expect(sent.width).toBeLessThan(truth.width);
    expect(imageTokens(sent.width, sent.height)).toBeLessThanOrEqual(1568);
    // Still mapped to the original page exactly.
    const rows = predictionRows(core, result.projectId).filter((r) => r.document_id === docIds.get(id(0)) && r.kind === 'box');
    const t = truth.boxes[0]!;
    const b = rows.find((r) => r.transcription === t.text && r.label === t.label)!;
    expect(Math.abs(b.x! - t.x)).toBeLessThanOrEqual((0.5 * truth.width) / sent.width + 1e-6);

    sim.inject({ kind: 'image_too_large', documentId: id(1), times: 2 });
    const again = await run(await projectWith(small.truths));
    expect(again.pages).toMatchObject({ done: 2, failed: 1 });
    expect(again.failures[0]!.message).toContain('even after downsizing');
  });

  it('retries malformed or truncated output once, then fails only that page', async () => {
    sim.inject({ kind: 'malformed', documentId: id(0) });
    sim.inject({ kind: 'truncated', documentId: id(1) });
    sim.inject({ kind: 'malformed', documentId: id(2), times: 2 });
    const result = await run(await projectWith(small.truths));
    expect(result.pages).toMatchObject({ done: 2, failed: 1 });
    expect(result.requests.errors).toEqual({ malformed: 3, truncated: 1 });
    expect(result.failures).toEqual([expect.objectContaining({ documentId: docIds.get(id(2)), message: expect.stringContaining('malformed twice') })]);
    // A malformed answer is still billed: its tokens are in the cost.
    const { byDoc } = tasksByDoc(result.runId);
    expect(byDoc.get(docIds.get(id(2))!)!.tokens.output).toBeGreaterThan(0);
  });

  it('fails a page the model refuses, and any other error fails only its page', async () => {
    sim.inject({ kind: 'refusal', documentId: id(0) });
    sim.inject({ kind: 'bad_request', documentId: id(1), times: Infinity });
    const result = await run(await projectWith(small.truths));
    expect(result).toMatchObject({ state: 'completed', pages: { done: 1, failed: 2 } });
    const messages = result.failures.map((f) => f.message).join('\n');
    expect(messages).toContain('declined');
    expect(messages).toContain('400 invalid_request_error');
  });

  it.each([
    ['unauthorized', 'authentication', 'API key'],
    ['forbidden', 'permission', 'may not use this model'],
    ['spend_limit', 'spend_limit', 'spend limit'],
  ] as const)('stops the whole run on %s with what to do, and resumes after', async (kind, code, hint) => {
    sim.inject({ kind, documentId: id(1), times: Infinity });
    const projectId = await projectWith(small.truths);
    const stopped = await run(projectId, { concurrency: 1 });
    expect(stopped.state).toBe('stopped');
    expect(stopped.stopReason).toMatchObject({ code, message: expect.stringContaining(hint) });
    expect(stopped.pages).toMatchObject({ done: 1, failed: 0, queued: 2 });
    // No retries of a stopping error, not even the SDK's own.
    expect(sim.requests().filter((r) => r.cause === `injected:${kind}`)).toHaveLength(1);
    sim.clearFaults();
    await svc.resume(stopped.runId);
    const resumed = await svc.waitForRun(stopped.runId);
    expect(resumed).toMatchObject({ state: 'completed', stopReason: null, pages: { done: 3, failed: 0 } });
  });

  it('drops and counts labels outside the project and boxes with no area', async () => {
    sim.inject({ kind: 'off_schema_labels', documentId: id(0) });
    sim.inject({ kind: 'degenerate_boxes', documentId: id(1) });
    const result = await run(await projectWith(small.truths));
    expect(result.pages.done).toBe(3);
    expect(result.dropped.unknownLabel).toBe(Math.ceil(small.truths[0]!.boxes.length / 3));
    expect(result.dropped.degenerate).toBe(2);
    const rows = predictionRows(core, result.projectId);
    expect(rows.some((r) => r.label === 'not_a_project_label')).toBe(false);
    expect(rows.every((r) => r.kind === 'qa' || (r.w! >= 1 && r.h! >= 1))).toBe(true);
  });
});

describe('pre-annotation: control', () => {
  let many: { files: string[]; truths: SynthDocument[] };
  beforeAll(async () => {
    many = await writePages(
      join(dir.path, 'many'),
      SEED + 1,
      Array.from({ length: 10 }, (_, index) => ({ index, kind: 'receipt' as const, width: 400, height: 900 })),
    );
    const p = await synthProject(core, sim, 'Many', many.files, many.truths);
    for (const [k, v] of documentIdBySource(core, p)) docIds.set(k, v);
  });

  const waitUntil = async (cond: () => boolean, what: string) => {
    for (let i = 0; i < 2000 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
    if (!cond()) throw new Error(`timed out waiting for ${what}`);
  };

  it('pauses (letting requests in flight finish), then resumes where it stopped', async () => {
    const projectId = await projectWith(many.truths);
    const started = await svc.start(projectId, { concurrency: 2 });
    await waitUntil(() => svc.status(started.runId).pages.done >= 3, '3 pages');
    const paused = await svc.pause(started.runId);
    expect(paused.state).toBe('paused');
    expect(paused.pages.inFlight).toBe(0);
    const sentWhilePaused = sim.requests().length;
    await new Promise((r) => setTimeout(r, 200));
    expect(sim.requests().length).toBe(sentWhilePaused);
    await svc.resume(started.runId);
    const done = await svc.waitForRun(started.runId);
    expect(done.pages).toMatchObject({ done: 10, failed: 0 });
    expect(predictionRows(core, projectId).filter((r) => r.kind === 'box').length).toBe(many.truths.reduce((a, t) => a + t.boxes.length, 0));
  });

  it('cancels: requests in flight are aborted, the rest is not sent, ingested pages stay', async () => {
    const projectId = await projectWith(many.truths);
    const started = await svc.start(projectId, { concurrency: 2 });
    await waitUntil(() => svc.status(started.runId).pages.done >= 2, '2 pages');
    const cancelled = await svc.cancel(started.runId);
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.pages.cancelled).toBeGreaterThan(0);
    expect(cancelled.pages.done + cancelled.pages.cancelled).toBe(10);
    const pagesWithPredictions = new Set(predictionRows(core, projectId).map((r) => r.page_id));
    expect(pagesWithPredictions.size).toBe(cancelled.pages.done);
    await expect(svc.resume(started.runId)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('after a quit, runs resume on the next start and no page is ingested twice', async () => {
    const projectId = await projectWith(many.truths);
    const first = serviceFor(core, { timeScale: SCALE });
    const started = await first.start(projectId, { concurrency: 3 });
    await waitUntil(() => first.status(started.runId).pages.done >= 3, '3 pages');
    await first.close(); // quit with requests in flight
    const second = serviceFor(core, { timeScale: SCALE });
    try {
      expect(second.status(started.runId).state).toBe('running');
      expect(second.resumeInterrupted()).toEqual([started.runId]);
      const done = await second.waitForRun(started.runId);
      expect(done.pages).toMatchObject({ done: 10, failed: 0 });
      const rows = predictionRows(core, projectId);
      for (const t of many.truths) {
        const mine = rows.filter((r) => r.document_id === docIds.get(t.id) && r.kind === 'box');
        expect(mine.length).toBe(t.boxes.length);
        expect(new Set(mine.map((r) => r.id.split(':')[0])).size).toBe(1);
      }
    } finally {
      await second.close();
    }
  });

  it('stops when the first pages all fail the same way, and retries them on resume', async () => {
    // The cache warm-up takes the first injected error (and fails softly); the next five are pages.
    sim.inject({ kind: 'bad_request', times: 6 });
    const projectId = await projectWith(many.truths);
    const stopped = await run(projectId, { concurrency: 1 });
    expect(stopped).toMatchObject({ state: 'stopped', stopReason: { code: 'repeated_failure', message: expect.stringContaining('first 5 pages all failed the same way') } });
    expect(stopped.pages).toMatchObject({ failed: 5, done: 0 });
    const resumed = await svc.waitForRun((await svc.resume(stopped.runId)).runId);
    expect(resumed).toMatchObject({ state: 'completed', pages: { done: 10, failed: 0 } });
  });

  it('a re-run replaces pending predictions and keeps the ones an annotator used', async () => {
    const projectId = await projectWith(small.truths.slice(0, 1));
    const documentId = docIds.get(small.truths[0]!.id)!;
    const first = await run(projectId);
    await core.api['settings.update']({ annotatorName: 'Ada' });
    const used = predictionRows(core, projectId).find((r) => r.kind === 'box')!;
    await core.api['annotations.save']({
      projectId,
      documentId,
      baseRevision: 0,
      upsertBoxes: [{ id: 'b1', pageId: used.page_id, label: used.label, x: used.x!, y: used.y!, w: used.w!, h: used.h!, transcription: used.transcription!, locked: false, hidden: false, originPredictionId: used.id }],
      predictionStatus: [{ id: used.id, status: 'accepted' }],
    });
    await expect(svc.start(projectId)).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringContaining('over all documents') });
    const second = await run(projectId, { scope: 'all' });
    const rows = predictionRows(core, projectId);
    expect(rows.find((r) => r.id === used.id)).toBeDefined();
    expect(rows.filter((r) => r.run_id === first.runId)).toHaveLength(1);
    expect(rows.filter((r) => r.run_id === second.runId).length).toBe(small.truths[0]!.boxes.length + small.truths[0]!.qa.length);
    // The document is in progress: a re-run does not move it back to pre_annotated.
    expect((await core.api['documents.get']({ projectId, documentId })).status).toBe('in_progress');
  });
});

describe('pre-annotation: pages the model found nothing on', () => {
  it('stay new and say so; "new documents" does not send them again; a re-run that finds nothing puts a pre-annotated document back to new', async () => {
    const truth = small.truths[0]!;
    const projectId = await projectWith([truth]);
    const blankDir = join(dir.path, 'blank');
    mkdirSync(blankDir, { recursive: true });
    writeFileSync(join(blankDir, 'blank.png'), await pagePng(1, 600, 800));
    expect((await core.importer.run(projectId, [join(blankDir, 'blank.png')])).imported).toBe(1);
    const first = await run(projectId);
    expect(first).toMatchObject({ state: 'completed', pages: { total: 2, done: 2, failed: 0 } });

    const list = await core.api['documents.list']({ projectId });
    const blank = list.items.find((d) => d.sourceName === 'blank.png')!;
    expect(blank).toMatchObject({ status: 'new', nothingFound: { model: first.model, pages: 1 } });
    expect(list.items.find((d) => d.id === docIds.get(truth.id))).toMatchObject({ status: 'pre_annotated', nothingFound: null });
    expect(list.counts).toMatchObject({ new: 1, pre_annotated: 1 });
    expect((await core.api['documents.get']({ projectId, documentId: blank.id })).nothingFound).toMatchObject({ model: first.model });

    // "New documents": the model already looked at the blank page, so there is nothing to send.
    expect((await svc.estimate(projectId, { countTokens: false })).pages).toBe(0);
    await expect(svc.start(projectId)).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringContaining('found nothing') });
    expect((await svc.estimate(projectId, { scope: 'all', countTokens: false })).pages).toBe(2);

    // The model stops recognising the invoice (a truth of another shape under its name): a re-run finds nothing there either.
    sim.truth.register({ ...truth, width: truth.width * 3 }, truth.id);
    try {
      await run(projectId, { scope: 'all' });
    } finally {
      sim.truth.register(truth);
    }
    const after = await core.api['documents.list']({ projectId });
    expect(after.items.map((d) => [d.sourceName === 'blank.png' ? 'blank' : 'invoice', d.status, d.nothingFound?.pages ?? null])).toEqual([
      ['invoice', 'new', 1],
      ['blank', 'new', 1],
    ]);
    expect(predictionRows(core, projectId)).toEqual([]);
  });

  it('a document an older version marked pre-annotated without any prediction is new again at the next start', async () => {
    const projectId = await projectWith(small.truths.slice(1, 2));
    const documentId = docIds.get(small.truths[1]!.id)!;
    core.db.prepare("UPDATE project_documents SET status = 'pre_annotated' WHERE project_id = ? AND document_id = ?").run(projectId, documentId);
    expect(core.documents.settlePredictionStatuses()).toBe(1);
    expect((await core.api['documents.get']({ projectId, documentId })).status).toBe('new');
    expect(core.documents.settlePredictionStatuses()).toBe(0);
  });
});

describe('pre-annotation: estimates, settings and bad input', () => {
  it('estimates from the image formula and the prompt, at half price in batch mode', async () => {
    const projectId = await projectWith(sized.truths);
    const online = await svc.estimate(projectId, { countTokens: false });
    expect(() => costEstimateSchema.parse(online)).not.toThrow();
    const expectedImages = sized.truths.reduce((a, t) => {
      const s = resizedSize(t.width, t.height, { maxEdge: 2576, maxTokens: 4784 });
      return a + imageTokens(s.width, s.height);
    }, 0);
    expect(online.basis.imageTokens).toBe(expectedImages);
    expect(online.basis).toMatchObject({ prefixCached: true, outputSource: 'prior', textCounting: 'approximate' });
    const counted = await svc.estimate(projectId);
    expect(counted.basis.textCounting).toBe('count_tokens');
    const batch = await svc.estimate(projectId, { batch: true });
    expect(batch.mode).toBe('batch');
    expect(batch.usd.total).toBeCloseTo(counted.usd.total / 2, 9);
    const haiku = await svc.estimate(projectId, { model: 'claude-haiku-5-5', countTokens: false });
    expect(haiku.usd.total).toBeLessThan(online.usd.total / 10);
  });

  it('refuses bad input with a specific message', async () => {
    const projectId = await projectWith(small.truths);
    await expect(svc.start(projectId, { model: 'claude-unknown-1' })).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringMatching(/model: "claude-unknown-1" is not in .*models\.json/) });
    await expect(svc.start(projectId, { concurrency: 0 })).rejects.toMatchObject({ message: expect.stringContaining('concurrency: must be "auto" or an integer') });
    await expect(svc.start(projectId, { model: 'claude-haiku-4-5', effort: 'high', maxTokens: 100 })).rejects.toMatchObject({ message: expect.stringContaining('maxTokens') });
    await expect(svc.start('no-such-project')).rejects.toMatchObject({ code: 'not_found' });
    const bare = await core.api['projects.create']({ name: 'No labels' });
    await expect(svc.start(bare.id)).rejects.toMatchObject({ message: expect.stringContaining('no labels and no question templates') });
    expect(() => svc.status('nope')).toThrow(/No pre-annotation run/);

    const noKeyCore = await openTestCore(join(dir.path, 'nokey'));
    try {
      const p = await noKeyCore.api['projects.create']({ name: 'x', ...labelsAndQuestions });
      const noKey = serviceFor(noKeyCore);
      await expect(noKey.start(p.id)).rejects.toMatchObject({ message: expect.stringContaining('No Anthropic API key') });
      await noKey.close();
    } finally {
      await noKeyCore.close();
    }

    const first = await svc.start(projectId, { concurrency: 1 });
    await expect(svc.start(projectId)).rejects.toMatchObject({ code: 'conflict', details: { runId: first.runId } });
    await svc.cancel(first.runId);
  });

  it('reads the model table from the data folder, naming the file and field of a mistake', () => {
    const file = join(dir.path, 'models-bad.json');
    const good = JSON.parse(readFileSync(loadModelCatalog().file, 'utf8')) as { models: Record<string, { pricesPerMTok: Record<string, unknown> }> };
    good.models['claude-sonnet-5-5']!.pricesPerMTok.output = 'ten';
    writeFileSync(file, JSON.stringify(good));
    expect(() => loadModelCatalog({ file })).toThrow(`${file}: models.claude-sonnet-5-5.pricesPerMTok.output: Invalid input: expected number, received string`);
    writeFileSync(file, '{ nope');
    expect(() => loadModelCatalog({ file })).toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not valid JSON`));
    const userDir = join(dir.path, 'userdata');
    writeFileSync(join(dir.path, 'x'), '');
    expect(existsSync(join(userDir, 'models.json'))).toBe(false);
    expect(loadModelCatalog({ dataDir: userDir }).file).toMatch(/resources[\\/]models\.json$/);
  });

  it('accepts projects with many labels and questions (the schema stays within the API’s rules)', async () => {
    const extraLabels = Array.from({ length: 100 }, (_, i) => ({ name: `extra_field_${i}`, color: '#123456', hotkey: null }));
    const extraQuestions = Array.from({ length: 60 }, (_, i) => ({ text: `Extra question ${i} about "{line_item_description}"?` }));
    const projectId = await projectWith(small.truths, {
      labels: [...labelsAndQuestions.labels, ...extraLabels],
      questions: [...labelsAndQuestions.questions, ...extraQuestions],
    });
    const result = await run(projectId);
    expect(result).toMatchObject({ state: 'completed', pages: { done: 3, failed: 0 } });
    expect(result.predictions.boxes).toBe(small.truths.reduce((a, t) => a + t.boxes.length, 0));
  });
});

describe('pre-annotation: document types', () => {
  it('asks Claude what each document is and stores it where nobody said, never over the annotator', async () => {
    const questions = SYNTH_TEMPLATES.map((t) => ({ text: t.text, required: t.required, kinds: t.kinds }));
    // What Claude is asked: the type among the output, and which questions fit which type.
    expect(buildOutputSchema({ labels: [], questions })).toMatchObject({ required: ['document_type', 'boxes', 'qa'], properties: { document_type: { enum: ['invoice', 'receipt', 'form', 'other'] } } });
    const system = buildSystemPrompt({ labels: SYNTH_LABELS, questions });
    expect(system).toContain('- What is the invoice number? (invoices only)');
    expect(system).toContain('- What is the date of the document? (receipts, forms only)');
    expect(system).toContain('- What is the total amount?\n');
    expect(system).toContain('document_type says what the document is');

    const projectId = await projectWith(small.truths, { questions });
    const [invoice, receipt, form] = small.truths.map((t) => docIds.get(t.id)!);
    await core.api['documents.setType']({ projectId, documentId: form!, docType: 'invoice' }); // the annotator's word
    const result = await run(projectId, { scope: 'all' });
    expect(result).toMatchObject({ state: 'completed', pages: { done: 3, failed: 0 } });
    const types = Object.fromEntries((await core.api['documents.list']({ projectId })).items.map((d) => [d.id, d.docType]));
    expect(types).toEqual({ [invoice!]: 'invoice', [receipt!]: 'receipt', [form!]: 'invoice' });
    const sources = core.db.prepare('SELECT document_id, doc_type_source FROM project_documents WHERE project_id = ?').all(projectId) as { document_id: string; doc_type_source: string }[];
    expect(Object.fromEntries(sources.map((r) => [r.document_id, r.doc_type_source]))).toEqual({ [invoice!]: 'model', [receipt!]: 'model', [form!]: 'annotator' });
  });
});

describe('pre-annotation: batch mode', () => {
  it('submits a batch, polls it and ingests the results at batch prices', async () => {
    const projectId = await projectWith(small.truths);
    const result = await run(projectId, { batch: true, batchPollMs: 2000 });
    expect(result).toMatchObject({ mode: 'batch', state: 'completed', simulated: true, pages: { done: 3, failed: 0 } });
    expect(result.batches).toEqual([expect.objectContaining({ state: 'ingested', requestCount: 3, remoteId: expect.stringMatching(/^msgbatch_/) })]);
    const p = loadModelCatalog().models['claude-sonnet-5-5']!.pricesPerMTok;
    const t = result.tokens;
    const half = (t.input * p.batchInput + t.output * p.batchOutput + (t.cacheRead * p.cacheRead + t.cacheWrite5m * p.cacheWrite5m) * 0.5) / 1e6;
    expect(result.costUsd).toBeCloseTo(half, 6);
    expect(predictionRows(core, projectId).filter((r) => r.kind === 'box').length).toBe(small.truths.reduce((a, t2) => a + t2.boxes.length, 0));
  });

  it('sends errored and expired requests again in a next batch, and fails invalid ones', async () => {
    sim.inject({ kind: 'server_error', endpoint: 'batch', documentId: small.truths[0]!.id });
    sim.inject({ kind: 'batch_expired', endpoint: 'batch', documentId: small.truths[1]!.id });
    sim.inject({ kind: 'bad_request', endpoint: 'batch', documentId: small.truths[2]!.id, times: Infinity });
    const result = await run(await projectWith(small.truths), { batch: true, batchPollMs: 2000 });
    expect(result.pages).toMatchObject({ done: 2, failed: 1 });
    expect(result.batches.map((b) => b.requestCount)).toEqual([3, 2]);
    expect(result.failures[0]!.message).toContain('invalid_request_error');
  });
});
