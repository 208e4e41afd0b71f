import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import type { PreannotationRun, PreannotationService } from '../../src/main/core/preannotate';
import { RunStore } from '../../src/main/core/preannotate/store';
import type { SynthDocument } from '../../src/main/core/synth';
import { DEFAULT_NOISE, startClaudeSimulator, type ClaudeSimulator, type FaultKind } from '../../src/main/sim/claude';
import { wordsByTruthBox } from '../../src/main/sim/claude/grounded';
import { openTestCore, tempDir } from '../helpers/core';
import { documentIdBySource, predictionRows, serviceFor, synthProject, useSimulator, writePages } from '../helpers/preannotate';

/**
 * Grounded pre-annotation end to end: generated pages are imported, their words read by the
 * core's OCR, then pre-annotated against the simulator in both modes. The simulator answers with
 * its default noise (boxes a few percent off, as a real model draws them); grounded boxes are
 * built from the words read, so their geometry is the reader's.
 */
const SCALE = 0.02;
const SEED = 43;

let dir: ReturnType<typeof tempDir>;
let core: Core;
let sim: ClaudeSimulator;
let coordinate: PreannotationService;
let grounded: PreannotationService;
let pages: { files: string[]; truths: SynthDocument[] };
let projectId: string;
let docIds: Map<string, string>;

const run = async (svc: PreannotationService, opts: Parameters<PreannotationService['start']>[1] = {}): Promise<PreannotationRun> => {
  const started = await svc.start(projectId, { scope: 'all', ...opts });
  return svc.waitForRun(started.runId);
};

const iou = (a: { x: number; y: number; w: number; h: number }, b: { x: number; y: number; width: number; height: number }): number => {
  const ix = Math.max(0, Math.min(a.x + a.w, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.h, b.y + b.height) - Math.max(a.y, b.y));
  const inter = ix * iy;
  return inter / (a.w * a.h + b.width * b.height - inter);
};
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2) : NaN;
};

/** Each text truth box: the best IoU of a predicted box with its label on its page, and whether the words read spell it. */
function scores(): { iou: number; wordsFound: boolean; scan: boolean }[] {
  const rows = predictionRows(core, projectId).filter((r) => r.kind === 'box');
  const out: { iou: number; wordsFound: boolean; scan: boolean }[] = [];
  for (const t of pages.truths) {
    const documentId = docIds.get(t.id)!;
    const page = rows.filter((r) => r.document_id === documentId);
    const words = core.ocrStore.pageWords(page[0]?.page_id ?? '')?.words ?? [];
    const given = words.map((w, i) => ({ id: String(i), ...w }));
    const byBox = wordsByTruthBox(t, t, given);
    for (const b of t.boxes.filter((x) => x.text)) {
      const best = Math.max(0, ...page.filter((r) => r.label === b.label).map((r) => iou({ x: r.x!, y: r.y!, w: r.w!, h: r.h! }, b)));
      const read = (byBox.get(b.id) ?? []).map((i) => given[Number(i)]!.text).join(' ');
      out.push({ iou: best, wordsFound: read === b.text, scan: t.scan !== undefined });
    }
  }
  return out;
}

const taskDetails = (runId: string) => new RunStore(core.db).tasks(runId).map((t) => ({ documentId: t.documentId, state: t.state, dropped: t.detail?.dropped }));

beforeAll(async () => {
  dir = tempDir('folio-grounded-');
  sim = await startClaudeSimulator({ timeScale: SCALE, noise: DEFAULT_NOISE, seed: 9 });
  core = await openTestCore(join(dir.path, 'data'), { preannotation: { resumeInterrupted: false, timeScale: SCALE } });
  await useSimulator(core, sim);
  pages = await writePages(join(dir.path, 'pages'), SEED, [
    { index: 0, kind: 'invoice' },
    { index: 1, kind: 'receipt' },
    { index: 2, kind: 'form' },
    { index: 3, kind: 'invoice', scan: true },
  ]);
  projectId = await synthProject(core, sim, 'Grounded', pages.files, pages.truths);
  docIds = documentIdBySource(core, projectId);
  const job = await core.ocrJobs.run(projectId);
  expect(job).toMatchObject({ state: 'completed', pagesDone: pages.files.length });
  coordinate = serviceFor(core, { timeScale: SCALE });
  // The core's own service: it reads the words the core stored.
  grounded = core.preannotation;
}, 240_000);

afterAll(async () => {
  await coordinate?.close();
  await core?.close();
  await sim?.close();
  dir?.cleanup();
});

describe('grounded pre-annotation', () => {
  it('boxes built from the words read fit the truth better than drawn coordinates', async () => {
    expect((await run(coordinate)).pages).toMatchObject({ done: 4, failed: 0 });
    const drawn = scores();
    const g = await run(grounded);
    expect(g.pages).toMatchObject({ done: 4, failed: 0 });
    const fromWords = scores();
    const found = fromWords.filter((s) => s.wordsFound).map((s) => s.iou);
    const share = (xs: number[]) => xs.filter((v) => v >= 0.95).length / xs.length;
    const figures = {
      coordinate: { median: median(drawn.map((s) => s.iou)), share95: share(drawn.map((s) => s.iou)) },
      grounded: { median: median(fromWords.map((s) => s.iou)), share95: share(fromWords.map((s) => s.iou)) },
      groundedWhereWordsFound: { boxes: found.length, of: fromWords.length, median: median(found), share95: share(found) },
      groundedWhereWordsFoundCleanPages: (() => {
        const clean = fromWords.filter((s) => s.wordsFound && !s.scan).map((s) => s.iou);
        return { boxes: clean.length, median: median(clean), share95: share(clean) };
      })(),
    };
    console.log(`grounded pre-annotation IoU with the truth: ${JSON.stringify(figures)}`);
    expect(found.length).toBeGreaterThan(fromWords.length / 2);
    // The floor is the reader's: its word boxes sit about a pixel inside the generator's boxes
    // (antialiased edges), which alone costs a few percent IoU on 18-pixel-high text.
    expect(figures.groundedWhereWordsFound.median).toBeGreaterThanOrEqual(0.93);
    expect(figures.grounded.median).toBeGreaterThan(figures.coordinate.median);
    expect(figures.grounded.share95).toBeGreaterThan(figures.coordinate.share95);

    // Transcriptions are the words read, joined in reading order; nothing to repair on a clean answer.
    const rows = predictionRows(core, projectId).filter((r) => r.kind === 'box');
    expect(rows.every((r) => r.transcription !== null && r.transcription.length > 0)).toBe(true);
    for (const t of taskDetails(g.runId)) expect(t.dropped?.grounding).toEqual({ unknownIds: 0, sharedIds: 0, emptyGroups: 0 });
    // Answers point at the boxes holding them.
    const byId = new Map(rows.map((r) => [r.id, r]));
    const qa = predictionRows(core, projectId).filter((r) => r.kind === 'qa' && r.answer);
    expect(qa.length).toBeGreaterThan(0);
    expect(qa.filter((q) => (JSON.parse(q.evidence!) as string[]).every((id) => byId.has(id))).length).toBe(qa.length);
  });

  it('counts the words lists in the estimate', async () => {
    const withWords = await grounded.estimate(projectId, { scope: 'all', countTokens: false });
    const without = await coordinate.estimate(projectId, { scope: 'all', countTokens: false });
    expect(withWords.tokens.input).toBeGreaterThan(without.tokens.input + 4 * 500);
  });

  it('goes grounded in batch mode too', async () => {
    const r = await run(grounded, { batch: true, batchPollMs: 500 });
    expect(r).toMatchObject({ mode: 'batch', state: 'completed', pages: { done: 4, failed: 0 } });
    for (const t of taskDetails(r.runId)) expect(t.dropped?.grounding).toEqual({ unknownIds: 0, sharedIds: 0, emptyGroups: 0 });
    const rows = predictionRows(core, projectId).filter((p) => p.kind === 'box' && p.run_id === r.runId);
    expect(rows.length).toBeGreaterThan(50);
    expect(rows.every((p) => Number.isInteger(p.x) && Number.isInteger(p.w))).toBe(true);
  });

  const faults: [FaultKind, (d: NonNullable<ReturnType<typeof taskDetails>[number]['dropped']>) => void][] = [
    ['grounded_wrong_ids', (d) => expect(d.grounding!.sharedIds).toBeGreaterThan(0)],
    [
      'grounded_unknown_ids',
      (d) => {
        expect(d.grounding!.unknownIds).toBeGreaterThan(2);
        expect(d.grounding!.emptyGroups).toBe(1);
        expect(d.invalid).toBe(2); // the entity of unknown ids only, and the empty one
        expect(d.danglingEvidence).toBeGreaterThanOrEqual(1);
      },
    ],
    [
      'grounded_overlapping_groups',
      (d) => {
        expect(d.grounding!.sharedIds).toBeGreaterThan(0);
        // The repeated group (all its words already taken), and single-word entities whose word the one before took.
        expect(d.invalid).toBeGreaterThanOrEqual(1);
      },
    ],
  ];
  for (const [kind, check] of faults) {
    it(`repairs or refuses ${kind} item by item; the page is still ingested`, async () => {
      const target = pages.truths[0]!;
      sim.inject({ kind, documentId: target.id });
      const r = await run(grounded, { documentIds: [docIds.get(target.id)!] });
      expect(r.pages).toMatchObject({ done: 1, failed: 0 });
      const detail = taskDetails(r.runId)[0]!;
      check(detail.dropped!);
      const rows = predictionRows(core, projectId).filter((p) => p.kind === 'box' && p.document_id === docIds.get(target.id));
      expect(rows.length).toBeGreaterThan(5);
      expect(rows.every((p) => p.w! > 0 && p.h! > 0 && p.transcription)).toBe(true);
    });
  }
});
