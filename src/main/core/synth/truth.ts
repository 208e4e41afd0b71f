import { drawForm } from './layouts/form';
import { drawInvoice } from './layouts/invoice';
import { drawReceipt } from './layouts/receipt';
import { type LayoutFn } from './layouts/common';
import { PageBuilder, type PagePlan } from './plan';
import { buildQa } from './qa';
import { mixSeed, Rng } from './random';
import { resolveScan } from './scan';
import { type SynthDocument, type SynthKind, type TruthOptions } from './types';

/** Turns (seed, index, options) into ground truth plus the draw plan the renderer replays. */

const LAYOUTS: Record<SynthKind, { draw: LayoutFn; width: number; height: number }> = {
  invoice: { draw: drawInvoice, width: 1700, height: 2200 }, // US letter at 200 DPI
  receipt: { draw: drawReceipt, width: 800, height: 2000 },
  form: { draw: drawForm, width: 1700, height: 2200 },
};

const PAPERS: [string, string][] = [
  ['#fbfaf6', '#f0eee7'],
  ['#f7f7f5', '#ebebe8'],
  ['#fdfcf8', '#f3f0e8'],
  ['#f2f1ed', '#e7e5df'],
  ['#f9f9fb', '#eeeef2'],
];

const MAX_ROTATION_DEG = 1.2;

export interface BuiltPage {
  doc: SynthDocument;
  plan: PagePlan;
}

function checkOptions(seed: number, index: number, opts: TruthOptions): void {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`synth: seed must be a safe integer, got ${seed}`);
  if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`synth: index must be a non-negative integer, got ${index}`);
  for (const k of ['width', 'height'] as const) {
    const v = opts[k];
    if (v !== undefined && (!Number.isInteger(v) || v < 64 || v > 32767)) throw new RangeError(`synth: ${k} must be an integer in [64, 32767], got ${v}`);
  }
  const n = opts.lineItems;
  if (n !== undefined && (!Number.isInteger(n) || n < 0 || n > 20000)) throw new RangeError(`synth: lineItems must be an integer in [0, 20000], got ${n}`);
}

export function buildPage(seed: number, index: number, opts: TruthOptions = {}): BuiltPage {
  checkOptions(seed, index, opts);
  const scan = resolveScan(opts.scan, seed, index);
  const master = new Rng(mixSeed(seed, index));
  // Every draw here happens whatever the options say, so overriding one option (kind, size,
  // lineItems) never changes the others: that is what lets renderPage rebuild a page from its truth.
  const naturalKind = master.weighted<SynthKind>([['invoice', 0.45], ['receipt', 0.3], ['form', 0.25]]);
  const layoutSeed = master.int(0, 0x7fffffff);
  const qaRng = master.fork(3);
  const noiseSeed = master.int(0, 0x7fffffff);
  const pageRotation = (master.float(-MAX_ROTATION_DEG, MAX_ROTATION_DEG) * Math.PI) / 180;
  const paper = master.pick(PAPERS);

  const kind = opts.kind ?? naturalKind;
  const layout = LAYOUTS[kind];
  const width = opts.width ?? layout.width;
  const height = opts.height ?? layout.height;
  const unit0 = Math.min(width / layout.width, height / layout.height);

  // Shrink the layout scale until everything fits (odd aspect ratios, very long tables).
  let unit = unit0;
  let builder = new PageBuilder(width, height);
  let result = layout.draw(builder, layoutSeed, unit, opts.lineItems);
  for (let attempt = 0; attempt < 8 && !fits(builder, result.fits); attempt++) {
    unit *= 0.85;
    builder = new PageBuilder(width, height);
    result = layout.draw(builder, layoutSeed, unit, opts.lineItems);
  }

  // A scan's skew turns truth and pixels together, so both stay exact.
  const rotation = pageRotation + (scan ? (scan.skewDegrees * Math.PI) / 180 : 0);
  const boxes = builder.finalize(rotation);
  const doc: SynthDocument = {
    id: `${kind}-${seed}-${index}`,
    kind,
    width,
    height,
    boxes,
    words: builder.finalizeWords(rotation),
    qa: buildQa(qaRng, kind, result.facts, boxes),
  };
  if (scan) doc.scan = scan;
  const plan: PagePlan = { width, height, rotation, scan, paper: { from: paper[0], to: paper[1] }, noiseSeed, unit, ops: builder.ops };
  return { doc, plan };
}

/** The layout's own verdict, plus: no box may come near the page edge before rotation. */
function fits(b: PageBuilder, layoutFits: boolean): boolean {
  if (!layoutFits) return false;
  const e = b.extent();
  const inset = Math.min(b.width, b.height) * 0.01;
  return e.minX >= inset && e.minY >= inset && e.maxX <= b.width - inset && e.maxY <= b.height - inset;
}

const ID_PATTERN = /^(invoice|receipt|form)-(-?\d+)-(\d+)$/;

/**
 * Rebuilds the page a truth document came from (e.g. one read back from JSON). The line-item
 * count is recovered from the boxes; the rebuilt truth must match exactly.
 */
export function rebuildPage(doc: SynthDocument): BuiltPage {
  const m = ID_PATTERN.exec(doc.id);
  if (!m) throw new Error(`synth: "${doc.id}" is not a synthetic document id`);
  const lineItems = doc.boxes.filter((b) => b.label === 'line_item_description').length;
  const built = buildPage(Number(m[2]), Number(m[3]), { kind: doc.kind, width: doc.width, height: doc.height, lineItems, ...(doc.scan ? { scan: doc.scan } : {}) });
  if (JSON.stringify(built.doc) !== JSON.stringify(doc)) {
    throw new Error(`synth: document ${doc.id} differs from what the generator produces; only unmodified generated truth can be rendered`);
  }
  return built;
}
