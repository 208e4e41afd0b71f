import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Core } from '../../src/main/core/createCore';
import { iou, levenshtein } from '../../src/main/core/review/metrics';
import { generatePage, type SynthBox, type SynthDocument, type SynthKind, type TruthOptions } from '../../src/main/core/synth';
import type { Page } from '../../src/shared/domain/model';

export interface ImportedSynthPage {
  documentId: string;
  page: Page;
  truth: SynthDocument;
}

/** Generated pages written as PNG files and imported the way a person imports scans (pyramids, tiles). */
export async function importSynthPages(
  core: Core,
  projectId: string,
  dir: string,
  specs: { seed: number; index: number; kind: SynthKind; size?: Pick<TruthOptions, 'width' | 'height'> }[],
): Promise<ImportedSynthPage[]> {
  const truths = new Map<string, SynthDocument>();
  const files: string[] = [];
  for (const spec of specs) {
    const { truth, png } = await generatePage(spec.seed, spec.index, { kind: spec.kind, ...spec.size });
    const file = join(dir, `${truth.id}.png`);
    writeFileSync(file, png);
    files.push(file);
    truths.set(`${truth.id}.png`, truth);
  }
  const jobId = core.importer.start(projectId, files);
  await core.importer.idle();
  const job = core.importer.get(jobId);
  if (job.state !== 'completed' || job.imported !== files.length) throw new Error(`the synthetic pages did not import: ${JSON.stringify(job)}`);
  const { items } = await core.api['documents.list']({ projectId, limit: 1000 });
  const out: ImportedSynthPage[] = [];
  for (const item of items) {
    const truth = truths.get(item.sourceName);
    if (!truth) continue;
    const doc = await core.api['documents.get']({ projectId, documentId: item.id });
    out.push({ documentId: item.id, page: doc.pages[0]!, truth });
  }
  return out.sort((a, b) => a.truth.id.localeCompare(b.truth.id));
}

export interface BoxReading {
  page: string;
  label: string;
  truth: string;
  text: string;
  confidence: number;
  ms: number;
  /** Round trip as the caller saw it (the core's own `ms` leaves out waiting in the queue). */
  wallMs: number;
}

/** Every truth box with text, read one after another through the contract as a drawn box would be. */
export async function readTruthBoxes(core: Core, projectId: string, pages: ImportedSynthPage[], filter: (box: SynthBox) => boolean = () => true): Promise<BoxReading[]> {
  const out: BoxReading[] = [];
  for (const { documentId, page, truth } of pages) {
    for (const box of truth.boxes) {
      if (!box.text || !filter(box)) continue;
      const started = performance.now();
      const r = await core.api['ocr.readRegion']({ projectId, documentId, pageId: page.id, x: box.x, y: box.y, w: box.width, h: box.height });
      out.push({ page: truth.id, label: box.label, truth: box.text, text: r.text, confidence: r.confidence, ms: r.ms, wallMs: performance.now() - started });
    }
  }
  return out;
}

/** Checkbox glyphs (☐ ☒) are marks, not letters: tesseract's English model has no such characters. */
export const CHECKBOX = /[☐☒]/;

export interface LooseReading {
  truth: SynthBox;
  drawn: { x: number; y: number; w: number; h: number };
  text: string;
  snapped: { x: number; y: number; w: number; h: number } | null;
  /** IoU of the snapped box with the truth box (0 without a snap). */
  snapIou: number;
}

/**
 * Every text box (no checkbox glyphs) drawn `grow` pixels too large on each side, as a hurried
 * person draws, where that takes in no other field (which would rightly be kept).
 */
export async function readLooseBoxes(core: Core, projectId: string, pages: ImportedSynthPage[], grow: number): Promise<LooseReading[]> {
  const out: LooseReading[] = [];
  const contains = (o: SynthBox, i: SynthBox) => i.x >= o.x && i.y >= o.y && i.x + i.width <= o.x + o.width && i.y + i.height <= o.y + o.height;
  for (const { documentId, page, truth } of pages) {
    for (const b of truth.boxes) {
      if (!b.text || CHECKBOX.test(b.text)) continue;
      const drawn = { x: b.x - grow, y: b.y - grow, w: b.width + 2 * grow, h: b.height + 2 * grow };
      const touches = (o: SynthBox) => o.x < drawn.x + drawn.w && o.x + o.width > drawn.x && o.y < drawn.y + drawn.h && o.y + o.height > drawn.y;
      if (truth.boxes.some((o) => o !== b && touches(o) && !contains(o, b) && !contains(b, o))) continue;
      const r = await core.api['ocr.readRegion']({ projectId, documentId, pageId: page.id, ...drawn });
      out.push({ truth: b, drawn, text: r.text, snapped: r.snapped, snapIou: r.snapped ? iou(r.snapped, { x: b.x, y: b.y, w: b.width, h: b.height }) : 0 });
    }
  }
  return out;
}

export interface ReadingScore {
  boxes: number;
  exact: number;
  /** Share of boxes read exactly. */
  exactRate: number;
  /** Character error rate: edit distance summed over boxes ÷ characters of truth. */
  cer: number;
  /** Median of the per-box character error rates. */
  medianBoxCer: number;
}

export function scoreReadings(readings: readonly BoxReading[]): ReadingScore {
  let exact = 0;
  let edits = 0;
  let chars = 0;
  const perBox: number[] = [];
  for (const r of readings) {
    if (r.text === r.truth) exact++;
    const d = levenshtein(r.text, r.truth);
    const n = Array.from(r.truth).length;
    edits += d;
    chars += n;
    perBox.push(d / Math.max(1, n));
  }
  perBox.sort((a, b) => a - b);
  return {
    boxes: readings.length,
    exact,
    exactRate: readings.length ? exact / readings.length : 0,
    cer: chars ? edits / chars : 0,
    medianBoxCer: perBox[Math.floor(perBox.length / 2)] ?? 0,
  };
}

export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
