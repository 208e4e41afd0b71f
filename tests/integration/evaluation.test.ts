import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerEvaluateCommand } from '../../src/main/cli/commands/evaluate';
import type { Core } from '../../src/main/core/createCore';
import { pageId } from '../../src/main/core/db/repos/documents';
import { EvaluationService } from '../../src/main/core/evaluation';
import { iou } from '../../src/main/core/review';
import type { PreannotationService } from '../../src/main/core/preannotate';
import { SYNTH_LABELS, SYNTH_QUESTIONS, type SynthDocument } from '../../src/main/core/synth';
import { NO_NOISE, startClaudeSimulator, type ClaudeSimulator, type NoiseOptions } from '../../src/main/sim/claude';
import { fastPolicies } from '../../src/main/core/wandb/http';
import { startWandbSim, type WandbSim } from '../../src/main/sim/wandb/server';
import { createDispatcher } from '../../src/shared/contract/rpc';
import { evaluationJobSchema, type EvaluationJob, type EvaluationJobDetail } from '../../src/shared/domain/evaluation';
import { openTestCore, tempDir } from '../helpers/core';
import { orphanJobs } from '../helpers/jobs';
import { documentIdBySource, serviceFor, SIM_KEY as CLAUDE_KEY, synthProject, writePages } from '../helpers/preannotate';
import { insertGold, truthContent, type Annotator } from '../helpers/review';
import { SIM_ENTITY, SIM_KEY as WANDB_KEY, syncEngineFor } from '../helpers/sync';

/**
 * Evaluation end to end over real HTTP: synthetic documents pre-annotated by the Claude simulator
 * at known noise settings, the generator's ground truth written as gold, evaluated, and logged to
 * the W&B simulator. The simulators' noise is seeded, so every figure here is reproducible; the
 * tolerances below are what the noise model allows, not slack for flakiness.
 */

const SCALE = 0.02;
const CLEAN_MODEL = 'claude-sonnet-5-5';
const NOISY_MODEL = 'claude-haiku-5-5';
/** Miss 20 %, one extra box per ten true ones, 10 % label swaps and transcription typos, 30 % answer typos. */
const NOISE: NoiseOptions = { jitter: 0.03, missRate: 0.2, extraRate: 0.1, labelSwapRate: 0.1, typoRate: 0.1, answerTypoRate: 0.3 };
const LEAD: Annotator = { id: 'lead-1', name: 'Lena (lead)' };

let dir: ReturnType<typeof tempDir>;
let core: Core;
let clean: ClaudeSimulator;
let noisy: ClaudeSimulator;
let wandb: WandbSim;
let pages: { files: string[]; truths: SynthDocument[] };
let docIds: Map<string, string>;
/** Mutable: tests take the W&B key away. */
const env: Record<string, string | undefined> = {};
const events: { event: string; payload: EvaluationJob }[] = [];
const projects: Record<'clean' | 'noisy' | 'bare', string> = { clean: '', noisy: '', bare: '' };

async function preannotate(sim: ClaudeSimulator, projectId: string, model: string, documentIds?: string[]): Promise<void> {
  const svc: PreannotationService = serviceFor(core, { timeScale: SCALE, settings: { anthropic: () => ({ apiKey: CLAUDE_KEY, baseUrl: sim.url }) } });
  try {
    const run = await svc.start(projectId, { model, ...(documentIds ? { documentIds, scope: 'all' as const } : {}) });
    const done = await svc.waitForRun(run.runId);
    expect(done).toMatchObject({ state: 'completed', pages: { failed: 0 } });
  } finally {
    await svc.close();
  }
}

async function projectWithAll(name: string): Promise<string> {
  const p = await core.api['projects.create']({
    name,
    labels: SYNTH_LABELS.map((l) => ({ name: l.name, color: l.color, hotkey: (l.hotkey as '1' | null) ?? null })),
    questions: SYNTH_QUESTIONS.map((text) => ({ text })),
  });
  for (const t of pages.truths) core.documents.addToProject(p.id, { id: docIds.get(t.id)! }, new Date().toISOString());
  return p.id;
}

const goldAll = (projectId: string) => {
  for (const t of pages.truths) {
    const documentId = docIds.get(t.id)!;
    insertGold(core, projectId, documentId, LEAD, truthContent(t, pageId(documentId, 1)));
  }
};

const evaluate = async (req: Parameters<Core['api']['evaluation.start']>[0]): Promise<EvaluationJobDetail> => {
  const job = await core.api['evaluation.start'](req);
  expect(job.state).toBe('queued');
  return core.evaluation.wait(job.jobId);
};

const evaluationRuns = () => [...wandb.state.runs.values()].filter((r) => r.jobType === 'evaluation');

beforeAll(async () => {
  dir = tempDir();
  [clean, noisy, wandb] = await Promise.all([
    startClaudeSimulator({ timeScale: SCALE, noise: NO_NOISE, seed: 5 }),
    startClaudeSimulator({ timeScale: SCALE, noise: NOISE, seed: 11 }),
    startWandbSim(),
  ]);
  env.WANDB_API_KEY = WANDB_KEY;
  env.WANDB_BASE_URL = wandb.url;
  core = await openTestCore(join(dir.path, 'data'), { env, evaluation: { schedule: false } });
  core.subscribe((event, payload) => {
    if (event === 'evaluation.progress' || event === 'evaluation.finished') events.push({ event, payload: payload as EvaluationJob });
  });
  await core.api['settings.update']({ annotatorName: 'Ada' });
  // Pages small enough to be sent as they are: the only geometric error left is rounding to whole pixels.
  const kinds = ['invoice', 'receipt', 'form'] as const;
  pages = await writePages(
    join(dir.path, 'pages'),
    23,
    Array.from({ length: 18 }, (_, index) => {
      const kind = kinds[index % 3]!;
      return { index, kind, ...(kind === 'receipt' ? { width: 400, height: 900 } : { width: 850, height: 1100 }) };
    }),
  );
  projects.clean = await synthProject(core, clean, 'Clean', pages.files, pages.truths);
  for (const t of pages.truths) noisy.truth.register(t);
  docIds = documentIdBySource(core, projects.clean);
  projects.noisy = await projectWithAll('Noisy');
  projects.bare = await projectWithAll('Bare');
  await preannotate(clean, projects.clean, CLEAN_MODEL);
  await preannotate(noisy, projects.noisy, NOISY_MODEL);
  await preannotate(clean, projects.bare, CLEAN_MODEL, [docIds.get(pages.truths[0]!.id)!, docIds.get(pages.truths[1]!.id)!]);
  goldAll(projects.clean);
  goldAll(projects.noisy);
}, 180_000);

afterAll(async () => {
  await core?.close();
  await Promise.all([clean?.close(), noisy?.close(), wandb?.close()]);
  dir?.cleanup();
});

describe('evaluation against gold', () => {
  it('lists the models with predictions for the picker', async () => {
    const models = await core.api['evaluation.models']({ projectId: projects.clean });
    expect(models).toHaveLength(1);
    expect(models[0]).toMatchObject({ model: CLEAN_MODEL, documents: 18, source: 'preannotation' });
    expect(models[0]!.boxes).toBeGreaterThan(18 * 10);
    expect(models[0]!.predictions).toBe(models[0]!.boxes + models[0]!.answers);
  });

  it('scores a noise-free model perfectly: EM = F1 = ANLS = 1, every box found, IoU ≈ 1', async () => {
    // A committed dataset version of the project, so the run has an input to declare.
    const verifier = syncEngineFor(core, wandb);
    await verifyTruth(projects.clean, pages.truths[0]!);
    const { jobs } = await verifier.syncNow();
    await verifier.stop();
    expect(jobs[0]).toMatchObject({ state: 'completed', artifactVersion: 'v0' });

    events.length = 0;
    const job = await evaluate({ projectId: projects.clean, model: CLEAN_MODEL });
    expect(job.error).toBeNull();
    expect(job.state).toBe('completed');
    const m = job.metrics!;
    console.log('noise-free:', JSON.stringify({ ...m, coverage: job.coverage }));
    expect(job.coverage).toEqual({ total: 18, evaluated: 18, againstGold: 18, againstVerified: 0, noReference: 0, noPredictions: 0 });
    expect(m.answers.questions).toBeGreaterThan(18 * 3);
    expect(m.answers).toMatchObject({ exactMatch: 1, tokenF1: 1, anls: 1 });
    expect(m.boxes).toMatchObject({ precision: 1, recall: 1, f1: 1, labelAccuracy: 1 });
    expect(m.boxes.reference).toBe(pages.truths.reduce((n, t) => n + t.boxes.length, 0));
    // The simulator answers in whole pixels of the image it received (these pages are sent as
    // they are): rounding each edge of the truth is all that is left, so the mean IoU is exactly
    // that of the truth against its rounded self — about 0.94, because text boxes are ~12 px tall.
    const rounded = pages.truths.flatMap((t) =>
      t.boxes.map((b) => {
        const [x1, y1, x2, y2] = [Math.round(b.x), Math.round(b.y), Math.round(b.x + b.width), Math.round(b.y + b.height)];
        return iou({ x: b.x, y: b.y, w: b.width, h: b.height }, { x: x1, y: y1, w: x2 - x1, h: y2 - y1 });
      }),
    );
    expect(m.boxes.meanIou!).toBeCloseTo(rounded.reduce((a, b) => a + b, 0) / rounded.length, 9);
    expect(m.boxes.meanIou!).toBeGreaterThan(0.9);
    expect(m.transcriptions.exactMatch).toBe(1);
    for (const [, s] of Object.entries(job.perLabel!)) expect(s).toMatchObject({ precision: 1, recall: 1, f1: 1 });
    expect(job.documents).toHaveLength(18);
    for (const d of job.documents) expect(d).toMatchObject({ reference: 'gold', referenceBy: 'gold (Lena (lead))', boxes: { recall: 1, precision: 1 }, answers: { exactMatch: 1 } });
    expect(job.modelVersion).toMatch(/^\d{4}-\d{2}-\d{2}\.[0-9a-f]{8}$/);
    expect(job.dataset).toMatchObject({ version: 'v0', versionIndex: 0, entity: SIM_ENTITY, project: 'biz-doc-vqa', collection: 'business-ocr-vqa-dataset' });

    // Recorded as a job: queued → running → completed, with progress events on the way.
    const states = events.filter((e) => e.payload.jobId === job.jobId).map((e) => `${e.event}:${e.payload.state}`);
    expect(states[0]).toBe('evaluation.progress:queued');
    expect(states).toContain('evaluation.progress:running');
    expect(states.at(-1)).toBe('evaluation.finished:completed');

    // The W&B run: job type, tags, input artifact, summary, and the per-document table file.
    expect(job.wandb).toMatchObject({ status: 'logged', message: null, datasetUsed: true, entity: SIM_ENTITY, project: 'biz-doc-vqa' });
    const run = wandb.state.run(SIM_ENTITY, 'biz-doc-vqa', job.wandb!.runId!)!;
    expect(job.wandb!.runUrl).toBe(`${wandb.url}/${SIM_ENTITY}/biz-doc-vqa/runs/${run.name}`);
    expect(run).toMatchObject({ jobType: 'evaluation', tags: [CLEAN_MODEL, job.modelVersion], complete: true, exitcode: 0 });
    expect(run.config).toMatchObject({ model: { value: CLEAN_MODEL }, model_version: { value: job.modelVersion }, dataset: { value: `${SIM_ENTITY}/biz-doc-vqa/business-ocr-vqa-dataset:v0` } });
    const artifact = wandb.state.resolveName(SIM_ENTITY, 'biz-doc-vqa', 'business-ocr-vqa-dataset:v0')!;
    expect(artifact.id).toBe(job.dataset!.artifactId);
    expect([...artifact.usedBy]).toEqual([`${SIM_ENTITY}/biz-doc-vqa/${run.name}`]);
    const summary = JSON.parse(run.summary!) as Record<string, unknown>;
    expect(summary).toMatchObject({ exact_match: 1, token_f1: 1, anls: 1, box_recall: 1, box_precision: 1, mean_iou: m.boxes.meanIou, documents: 18 });
    const tableRef = summary.per_document as { _type: string; path: string; nrows: number; sha256: string };
    expect(tableRef).toMatchObject({ _type: 'table-file', nrows: 18, path: job.wandb!.tableFile });
    expect(run.uploaded).toContain(tableRef.path);
    const table = JSON.parse(wandb.state.readObject(run.files.get(tableRef.path)!)!.toString('utf8')) as { _type: string; columns: string[]; data: unknown[][] };
    expect(table._type).toBe('table');
    expect(table.data).toHaveLength(18);
    expect(table.columns.slice(0, 3)).toEqual(['document_id', 'source_name', 'reference']);
    expect(table.data.map((r) => r[0]).sort()).toEqual(job.documents.map((d) => d.documentId).sort());
  });

  it('measures the injected noise: recall ≈ 1 − miss rate, precision and label accuracy as the extra and swap rates say', async () => {
    const job = await evaluate({ projectId: projects.noisy, model: NOISY_MODEL, modelVersion: 'noisy-1', against: 'gold' });
    expect(job.state).toBe('completed');
    const m = job.metrics!;
    console.log('noisy:', JSON.stringify(m));
    const n = m.boxes.reference;
    // Each true box is missed independently with probability 0.2, so recall is a binomial
    // proportion: 4 standard deviations (about 0.08 for these ~400 boxes) bound it, plus 0.01
    // for an invented box that happens to land on a missed one (they are placed at random).
    const sd = (p: number, k: number) => Math.sqrt((p * (1 - p)) / k);
    expect(Math.abs(m.boxes.recall! - (1 - NOISE.missRate))).toBeLessThan(4 * sd(1 - NOISE.missRate, n) + 0.01);
    // Extra boxes: floor(boxes × 0.1 + U) per page ≈ 0.1 per true box; precision = found / (found + extra).
    const expectedPrecision = (1 - NOISE.missRate) / (1 - NOISE.missRate + NOISE.extraRate);
    expect(Math.abs(m.boxes.precision! - expectedPrecision)).toBeLessThan(4 * sd(expectedPrecision, m.boxes.predicted) + 0.01);
    // A swap draws another label from the project's labels: accuracy of matched pairs ≈ 0.9.
    expect(Math.abs(m.boxes.labelAccuracy! - (1 - NOISE.labelSwapRate))).toBeLessThan(4 * sd(1 - NOISE.labelSwapRate, m.boxes.matched));
    // Edges move by N(0, 3 % of the box's size): IoU stays well above 0.5 but clearly below 1.
    expect(m.boxes.meanIou).toBeGreaterThan(0.8);
    expect(m.boxes.meanIou).toBeLessThan(0.97);
    // A typo changes one character of 30 % of the answers; SQuAD normalisation forgives a doubled
    // punctuation mark, so EM is at least 1 − 0.3 (within the binomial bound) and at most 1.
    const q = m.answers.questions;
    expect(m.answers.exactMatch!).toBeGreaterThan(1 - NOISE.answerTypoRate - 4 * sd(NOISE.answerTypoRate, q));
    expect(m.answers.exactMatch!).toBeLessThan(1);
    // One wrong character keeps most of an answer's tokens and characters.
    expect(m.answers.tokenF1!).toBeGreaterThanOrEqual(m.answers.exactMatch!);
    expect(m.answers.anls!).toBeGreaterThan(m.answers.exactMatch!);
    expect(m.transcriptions.exactMatch!).toBeLessThan(1);
    // Per label adds up to the overall counts.
    const labels = Object.values(job.perLabel!);
    expect(labels.reduce((s, l) => s + l.reference, 0)).toBe(m.boxes.reference);
    expect(labels.reduce((s, l) => s + l.predicted, 0)).toBe(m.boxes.predicted);
    expect(labels.reduce((s, l) => s + l.matched, 0)).toBe(Math.round(m.boxes.labelAccuracy! * m.boxes.matched));
    // No dataset version was ever synced for this project: the run has no input.
    expect(job.dataset).toBeNull();
    const run = wandb.state.run(SIM_ENTITY, 'biz-doc-vqa', job.wandb!.runId!)!;
    expect(run.tags).toEqual([NOISY_MODEL, 'noisy-1']);
    expect(JSON.parse(run.summary!)).toMatchObject({ box_recall: m.boxes.recall, exact_match: m.answers.exactMatch, label_accuracy: m.boxes.labelAccuracy });
  });

  it('lists jobs newest first and returns one with its per-document rows', async () => {
    const list = await core.api['evaluation.list']({ projectId: projects.noisy });
    expect(list.length).toBeGreaterThanOrEqual(1);
    expect(list.map((j) => j.createdAt)).toEqual([...list.map((j) => j.createdAt)].sort().reverse());
    expect('documents' in list[0]!).toBe(false);
    const detail = await core.api['evaluation.get']({ jobId: list[0]!.jobId });
    expect(detail.documents).toHaveLength(18);
    // What the services return is inside the contract, as every transport checks.
    const dispatch = createDispatcher(core.api);
    for (const [method, request] of [
      ['evaluation.list', { projectId: projects.noisy }],
      ['evaluation.get', { jobId: detail.jobId }],
      ['evaluation.models', { projectId: projects.noisy }],
      ['evaluation.schedule.get', { projectId: projects.noisy }],
    ] as const) {
      expect(await dispatch(method, request), method).toMatchObject({ ok: true });
    }
    expect(await dispatch('evaluation.start', { projectId: projects.noisy, model: NOISY_MODEL, against: 'everything' })).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
    for (const e of events) evaluationJobSchema.parse(e.payload);
    const all = await core.api['evaluation.list']({ projectId: projects.clean });
    expect(all.every((j) => j.projectId === projects.clean)).toBe(true);
  });
});

describe('predictions imported from a file', () => {
  it('evaluates a model whose predictions came from a COCO file, under the name given at import', async () => {
    // Every fourth true box left out, the rest exactly where the truth has them.
    let id = 0;
    const coco = {
      images: pages.truths.map((t, i) => ({ id: i + 1, file_name: `${t.id}.png`, width: t.width, height: t.height })),
      annotations: pages.truths.flatMap((t, i) =>
        t.boxes.filter((_, k) => k % 4 !== 3).map((b) => ({ id: ++id, image_id: i + 1, category_id: SYNTH_LABELS.findIndex((l) => l.name === b.label) + 1, bbox: [b.x, b.y, b.width, b.height], score: 0.9, transcription: b.text })),
      ),
      categories: SYNTH_LABELS.map((l, i) => ({ id: i + 1, name: l.name })),
    };
    const file = join(dir.path, 'pages', 'detector.coco.json');
    writeFileSync(file, JSON.stringify(coco));
    const imported = await core.annotationsImport.run({ projectId: projects.clean, format: 'coco', file, as: 'predictions', model: 'detector-v2' });
    expect(imported.predictions).toBe(id);

    const models = await core.api['evaluation.models']({ projectId: projects.clean });
    expect(models.find((m) => m.model === 'detector-v2')).toMatchObject({ source: 'import', boxes: id, answers: 0, documents: 18 });
    const job = await evaluate({ projectId: projects.clean, model: 'detector-v2', modelVersion: 'coco-1' });
    expect(job.state).toBe('completed');
    const total = pages.truths.reduce((n, t) => n + t.boxes.length, 0);
    expect(job.metrics!.boxes).toMatchObject({ reference: total, predicted: id, matched: id, precision: 1, recall: id / total, labelAccuracy: 1 });
    expect(job.metrics!.boxes.meanIou).toBeCloseTo(1, 9);
    // No answers in the file: only the questions gold leaves unanswered agree.
    expect(job.metrics!.answers.exactMatch!).toBeLessThan(0.5);
  });

  it('logs a model whose name is longer than a W&B tag may be, with tags cut to 64 characters that stay distinct', async () => {
    // W&B (and the simulator) refuse a run with a tag over 64 characters; names from an import may have up to 200.
    const stem = 'acme-research/document-layout-detector-finetuned-on-business-invoices-and-receipts';
    const names = [`${stem}-2026-03-release-candidate-with-extended-label-set`, `${stem}-2026-04-release-candidate-with-extended-label-set`];
    const coco = {
      images: pages.truths.map((t, i) => ({ id: i + 1, file_name: `${t.id}.png`, width: t.width, height: t.height })),
      annotations: pages.truths.flatMap((t, i) => t.boxes.slice(0, 2).map((b, k) => ({ id: i * 10 + k + 1, image_id: i + 1, category_id: SYNTH_LABELS.findIndex((l) => l.name === b.label) + 1, bbox: [b.x, b.y, b.width, b.height], score: 0.9 }))),
      categories: SYNTH_LABELS.map((l, i) => ({ id: i + 1, name: l.name })),
    };
    const file = join(dir.path, 'pages', 'long-names.coco.json');
    writeFileSync(file, JSON.stringify(coco));
    const tags: string[][] = [];
    for (const model of names) {
      expect(model.length).toBeGreaterThan(64);
      await core.annotationsImport.run({ projectId: projects.clean, format: 'coco', file, as: 'predictions', model });
      const job = await evaluate({ projectId: projects.clean, model, modelVersion: 'release candidate   2' });
      expect(job.state).toBe('completed');
      expect(job.wandb).toMatchObject({ status: 'logged', message: null });
      const run = wandb.state.run(SIM_ENTITY, 'biz-doc-vqa', job.wandb!.runId!)!;
      expect(run.config).toMatchObject({ model: { value: model }, model_version: { value: 'release candidate   2' } });
      expect(run.tags).toHaveLength(2);
      expect(run.tags[1]).toBe('release candidate 2');
      expect([...run.tags[0]!].length).toBe(64);
      expect(run.tags[0]!.startsWith(model.slice(0, 50))).toBe(true);
      tags.push(run.tags);
    }
    expect(tags[0]![0]).not.toBe(tags[1]![0]);
  });
});

describe('evaluation without W&B, and refusals', () => {
  it('completes offline at once (one quick probe, no retries) and says W&B could not be reached', async () => {
    // A port nothing listens on: connections are refused, as on a machine without a network.
    const probe = createServer();
    const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as AddressInfo).port)));
    await new Promise((resolve) => probe.close(resolve));
    // The SDK's retry policies, not fast test ones: retrying a refused connection would take 2 + 4 + 8 s per try.
    for (const entity of [null, SIM_ENTITY]) {
      const svc = new EvaluationService({
        db: core.db,
        projects: core.projects,
        settings: { wandb: () => ({ apiKey: WANDB_KEY, baseUrl: `http://127.0.0.1:${port}`, entity, project: 'biz-doc-vqa' }) },
        folioVersion: 'test',
      });
      try {
        const t0 = performance.now();
        const job = await svc.run({ projectId: projects.clean, model: CLEAN_MODEL });
        const logging = Date.parse(job.finishedAt!) - Date.parse(job.startedAt!);
        expect(job.state).toBe('completed');
        expect(job.wandb).toMatchObject({ status: 'skipped', runId: null });
        expect(job.wandb!.message).toBe(`W&B logging skipped: 127.0.0.1:${port} cannot be reached (offline?). The metrics are kept in Folio; run the evaluation again to log it.`);
        expect(performance.now() - t0, `entity ${entity}`).toBeLessThan(3_000);
        expect(logging).toBeLessThan(3_000);
      } finally {
        await svc.close();
      }
    }
  });

  it('still rides out 5xx and 429 from a W&B that answers, with the usual retries', async () => {
    const before = wandb.faults.log.length;
    wandb.faults.add({ route: 'graphql', operation: 'Viewer', action: { kind: 'status', status: 503 }, times: 2 });
    wandb.faults.add({ route: 'graphql', operation: 'UpsertBucket', action: { kind: 'status', status: 429, retryAfter: '0.05' }, times: 1 });
    wandb.faults.add({ route: 'graphql', operation: 'UpsertBucket', action: { kind: 'status', status: 502 }, times: 1 });
    const svc = new EvaluationService({ db: core.db, projects: core.projects, settings: core.settings, folioVersion: 'test', wandb: { policies: fastPolicies() } });
    try {
      const job = await svc.run({ projectId: projects.clean, model: CLEAN_MODEL });
      expect(job.state).toBe('completed');
      expect(job.wandb).toMatchObject({ status: 'logged', message: null });
      // The probe met the first 503 and let the logging go on; the Viewer and UpsertBucket requests retried the rest.
      expect(wandb.faults.log.slice(before).map((f) => `${f.operation} ${f.kind}`)).toEqual(['Viewer status', 'Viewer status', 'UpsertBucket status', 'UpsertBucket status']);
      expect(wandb.state.run(SIM_ENTITY, 'biz-doc-vqa', job.wandb!.runId!)).toMatchObject({ complete: true, exitcode: 0 });
    } finally {
      wandb.faults.clear();
      await svc.close();
    }
  });

  it('completes without a key and says the W&B logging was skipped and why', async () => {
    const before = evaluationRuns().length;
    const key = env.WANDB_API_KEY;
    delete env.WANDB_API_KEY;
    try {
      const job = await evaluate({ projectId: projects.clean, model: CLEAN_MODEL });
      expect(job.state).toBe('completed');
      expect(job.metrics!.answers.exactMatch).toBe(1);
      expect(job.wandb).toMatchObject({ status: 'skipped', runId: null, runUrl: null });
      expect(job.wandb!.message).toMatch(/^W&B logging skipped: no W&B API key\. .*run the evaluation again to log it; the metrics are kept in Folio\.$/);
    } finally {
      env.WANDB_API_KEY = key;
    }
    expect(evaluationRuns().length).toBe(before);
  });

  it('completes when W&B answers 401, with the W&B part failed and a message saying what to fix', async () => {
    wandb.faults.add({ route: 'graphql', action: { kind: 'unauthorized' }, times: 1 });
    const job = await evaluate({ projectId: projects.clean, model: CLEAN_MODEL, modelVersion: 'bad-key' });
    wandb.faults.clear();
    expect(job.state).toBe('completed');
    expect(job.metrics!.boxes.recall).toBe(1);
    expect(job.wandb).toMatchObject({ status: 'failed', runId: null });
    expect(job.wandb!.message).toContain('rejected the API key (HTTP 401)');
    expect(job.wandb!.message).toContain('Settings → Weights & Biases');
    expect(evaluationRuns().some((r) => r.tags.includes('bad-key'))).toBe(false);
  });

  it('fails the job with a clear reason when there is neither gold nor a verified version', async () => {
    const job = await evaluate({ projectId: projects.bare, model: CLEAN_MODEL });
    expect(job.state).toBe('failed');
    expect(job.error).toBe('Nothing to evaluate against in "Bare": no document has a gold version or a verified version. Verify documents or resolve gold versions in review first.');
    expect(job.metrics).toBeNull();
    expect(job.finishedAt).not.toBeNull();
  });

  it('evaluates against verified versions where there is no gold', async () => {
    // The model was run on documents 0 and 1; document 2, verified first, has the only reference.
    await verifyTruth(projects.bare, pages.truths[2]!);
    const none = await evaluate({ projectId: projects.bare, model: CLEAN_MODEL });
    expect(none.state).toBe('failed');
    expect(none.error).toMatch(/^None of the 1 document\(s\) of "Bare" with a gold version or a verified version has predictions of model "claude-sonnet-5-5"/);
    await verifyTruth(projects.bare, pages.truths[1]!);
    const job = await evaluate({ projectId: projects.bare, model: CLEAN_MODEL });
    expect(job.coverage).toMatchObject({ evaluated: 1, againstVerified: 1, againstGold: 0, noReference: 16, noPredictions: 1 });
    expect(job.documents[0]).toMatchObject({ reference: 'verified', referenceBy: 'Ada', referenceVersion: 1 });
    expect(job.metrics!.answers.exactMatch).toBe(1);
    const gold = await evaluate({ projectId: projects.bare, model: CLEAN_MODEL, against: 'gold' });
    expect(gold.error).toMatch(/no document has a gold version\. Verify documents or resolve gold versions in review first, or evaluate against verified versions/);
  });

  it('fails the jobs a stopped Folio left running at the next start, but not those of a Folio still running', async () => {
    const store = core.evaluation.store;
    const params = { model: CLEAN_MODEL, modelVersion: null, against: 'gold' as const, trigger: 'manual' as const };
    store.createJob('left-by-dead', projects.clean, params, new Date().toISOString());
    orphanJobs(core.db, ['left-by-dead']); // as if the process that queued it had died
    store.createJob('still-running', projects.clean, params, new Date().toISOString());
    store.running('still-running', new Date().toISOString());
    const restarted = new EvaluationService({ db: core.db, projects: core.projects, settings: core.settings, folioVersion: 'test' });
    await restarted.close();
    expect(store.get('left-by-dead')).toMatchObject({ state: 'failed', error: 'interrupted: Folio stopped while this evaluation ran; start it again' });
    expect(store.get('still-running')!.state).toBe('running');
    store.finish('still-running', 'failed', null, 'test job', new Date().toISOString());
  });

  it('refuses an unknown project or a model without predictions before queueing anything', async () => {
    const known = (await core.api['evaluation.models']({ projectId: projects.clean })).map((m) => `"${m.model}" (${m.predictions})`).join(', ');
    await expect(core.api['evaluation.start']({ projectId: projects.clean, model: 'gpt-nothing' })).rejects.toMatchObject({
      code: 'not_found',
      message: `No predictions of model "gpt-nothing" in "Clean"; models with predictions: ${known}`,
    });
    expect(known).toContain(`"${CLEAN_MODEL}"`);
    await expect(core.api['evaluation.start']({ projectId: 'nope', model: CLEAN_MODEL })).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('folio evaluate', () => {
  async function folio(...args: string[]): Promise<{ lines: string[]; exitCode: number | undefined }> {
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    process.exitCode = undefined;
    try {
      const program = new Command().name('folio').exitOverride();
      registerEvaluateCommand(program, { openCore: () => openTestCore(core.dataDir, { env, evaluation: { schedule: false } }) });
      await program.parseAsync(['node', 'folio', ...args]);
      return { lines, exitCode: typeof process.exitCode === 'number' ? process.exitCode : undefined };
    } finally {
      log.mockRestore();
      err.mockRestore();
      process.exitCode = undefined;
    }
  }

  it('prints readable tables, and with --json one final JSON line', async () => {
    const human = await folio('evaluate', '--project', 'Noisy', '--model', NOISY_MODEL, '--model-version', 'cli-1');
    expect(human.exitCode).toBe(0);
    expect(human.lines[0]).toBe(`Evaluation of "${NOISY_MODEL}" cli-1 in "Noisy" against gold-or-verified: completed`);
    expect(human.lines.some((l) => /^boxes \(IoU ≥ 0\.5\)\s+\d+\s+\d+\s+\d+\s+0\.\d{3}\s+0\.\d{3}/.test(l))).toBe(true);
    expect(human.lines.some((l) => /^Answers: \d+ question\(s\); exact match 0\.\d{3}, token F1 0\.\d{3}, ANLS 0\.\d{3}$/.test(l))).toBe(true);
    expect(human.lines.some((l) => l.startsWith('Label ') && l.includes('recall'))).toBe(true);
    expect(human.lines.at(-1)).toMatch(new RegExp(`^W&B: logged as run [a-z0-9]{8} \\(job type evaluation\\)  ${wandb.url.replace(/[.]/g, '\\.')}/`));

    const json = await folio('evaluate', '--project', 'Clean', '--model', CLEAN_MODEL, '--against', 'gold', '--json');
    expect(json.exitCode).toBe(0);
    const job = JSON.parse(json.lines.at(-1)!) as EvaluationJobDetail;
    expect(job).toMatchObject({ state: 'completed', against: 'gold', metrics: { answers: { exactMatch: 1 } }, wandb: { status: 'logged' } });
    expect(job.documents).toHaveLength(18);

    const failed = await folio('evaluate', '--project', 'Bare', '--model', CLEAN_MODEL, '--against', 'gold', '--json');
    expect(failed.exitCode).toBe(1);
    expect(JSON.parse(failed.lines.at(-1)!)).toMatchObject({ state: 'failed', error: expect.stringContaining('Nothing to evaluate against') });
  });
});

describe('the weekly schedule', () => {
  it('is off by default, computes its next run in local time, runs each slot once and never a slot that passed before it was switched on', async () => {
    let now = new Date(2026, 11, 9, 10, 0); // Wednesday 9 December 2026, 10:00 local
    const svc = new EvaluationService({ db: core.db, projects: core.projects, settings: core.settings, folioVersion: 'test', clock: { now: () => now } });
    try {
      expect(svc.schedule(projects.noisy)).toEqual({
        projectId: projects.noisy,
        enabled: false,
        weekday: 1,
        time: '03:00',
        models: [],
        against: 'gold-or-verified',
        lastRunAt: null,
        nextRunAt: null,
      });
      const on = svc.updateSchedule({ projectId: projects.noisy, enabled: true });
      expect(on.nextRunAt).toBe(new Date(2026, 11, 14, 3, 0).toISOString()); // Monday 03:00
      expect(svc.tick()).toEqual([]);

      now = new Date(2026, 11, 14, 2, 59);
      expect(svc.tick()).toEqual([]);
      now = new Date(2026, 11, 14, 3, 0);
      expect(svc.schedule(projects.noisy).nextRunAt).toBe(new Date(2026, 11, 14, 3, 0).toISOString()); // due now
      const started = svc.tick();
      expect(started).toHaveLength(1); // every model with predictions: just the noisy one
      expect(svc.tick()).toEqual([]); // once per slot
      await svc.idle();
      const job = svc.get(started[0]!);
      expect(job).toMatchObject({ trigger: 'schedule', model: NOISY_MODEL, state: 'completed', against: 'gold-or-verified' });
      expect(svc.schedule(projects.noisy)).toMatchObject({ lastRunAt: new Date(2026, 11, 14, 3, 0).toISOString(), nextRunAt: new Date(2026, 11, 21, 3, 0).toISOString() });

      // Folio was closed over Monday 21st: the missed slot runs once when it is next checked.
      now = new Date(2026, 11, 23, 9, 30);
      expect(svc.tick()).toHaveLength(1);
      expect(svc.tick()).toEqual([]);
      await svc.idle();

      // Moved to Friday 18:30 on a Saturday: the Friday just past does not run; the next one does.
      now = new Date(2026, 11, 26, 12, 0);
      expect(svc.updateSchedule({ projectId: projects.noisy, weekday: 5, time: '18:30', models: [NOISY_MODEL, 'gone-model'] }).nextRunAt).toBe(new Date(2027, 0, 1, 18, 30).toISOString());
      expect(svc.tick()).toEqual([]);
      now = new Date(2027, 0, 1, 18, 31);
      const jobs = svc.tick();
      expect(jobs).toHaveLength(2);
      await svc.idle();
      // A model that no longer has predictions is recorded as a failed scheduled job, not thrown away.
      const [a, b] = jobs.map((id) => svc.get(id));
      expect(a).toMatchObject({ model: NOISY_MODEL, state: 'completed' });
      expect(b).toMatchObject({ model: 'gone-model', state: 'failed', trigger: 'schedule', error: expect.stringContaining('No predictions of model "gone-model"') });

      expect(svc.updateSchedule({ projectId: projects.noisy, enabled: false }).nextRunAt).toBeNull();
      now = new Date(2027, 0, 8, 19, 0);
      expect(svc.tick()).toEqual([]);
    } finally {
      await svc.close();
    }
  });

  it('validates schedule updates through the contract', async () => {
    await expect(core.api['evaluation.schedule.update']({ projectId: projects.clean, time: '25:00' })).rejects.toMatchObject({ code: 'invalid_request', message: expect.stringContaining('time: the time must look like 03:00') });
    await expect(core.api['evaluation.schedule.update']({ projectId: projects.clean, weekday: 7 })).rejects.toMatchObject({ code: 'invalid_request' });
    const view = await core.api['evaluation.schedule.get']({ projectId: projects.clean });
    expect(view).toMatchObject({ enabled: false, weekday: 1, time: '03:00' });
  });
});

/**
 * Verify a document's ground truth as the installation's annotator, through the app's API. The
 * project's template questions are answered with the truth's answer to the same question (or
 * marked unanswerable where the truth has none), so verify accepts it.
 */
async function verifyTruth(projectId: string, truth: SynthDocument): Promise<string> {
  const documentId = docIds.get(truth.id)!;
  const content = truthContent(truth, pageId(documentId, 1));
  // The boxes first: line-item templates are asked once per description box.
  const first = await core.api['annotations.get']({ projectId, documentId });
  await core.api['annotations.save']({ projectId, documentId, baseRevision: first.revision, upsertBoxes: content.boxes });
  const state = await core.api['annotations.get']({ projectId, documentId });
  const templates = state.qa.filter((q) => q.templateId !== null);
  const qa = content.qa.map((q) => {
    const t = templates.find((x) => x.question === q.question);
    return t ? { ...q, id: t.id, templateId: t.templateId, source: 'template' as const } : q;
  });
  for (const t of templates) if (!qa.some((q) => q.id === t.id)) qa.push({ ...t, answer: '', unanswerable: true });
  await core.api['annotations.save']({ projectId, documentId, baseRevision: state.revision, upsertQa: qa });
  // The annotator did the page from scratch: the model's predictions stay undecided, on purpose.
  const result = await core.api['annotations.verify']({ projectId, documentId, acknowledge: ['undecided_predictions'] });
  expect(result.result).toBe('verified');
  return documentId;
}
