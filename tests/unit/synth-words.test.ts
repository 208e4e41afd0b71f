import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { generatePage, generateTruth, renderPage, type SynthBox, type SynthDocument, type SynthWord } from '../../src/main/core/synth';
import { type DrawOp, type PagePlan } from '../../src/main/core/synth/plan';
import { buildPage } from '../../src/main/core/synth/truth';

/** Word boxes: every drawn word, tight around its ink, grouped into the field boxes. */

const sample = (): SynthDocument[] => Array.from({ length: 60 }, (_, i) => generateTruth(Math.floor(i / 10) * 7919 - 3, i % 10));
const wordsOf = (doc: SynthDocument): SynthWord[] => doc.words ?? [];

async function grey(image: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(image).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

const overlaps = (a: { x: number; y: number; width: number; height: number }, b: SynthBox): boolean =>
  b.x < a.x + a.width && a.x < b.x + b.width && b.y < a.y + a.height && a.y < b.y + b.height;

function luminance(colour: string): number {
  const v = parseInt(colour.slice(1, 7), 16);
  return 0.299 * ((v >> 16) & 0xff) + 0.587 * ((v >> 8) & 0xff) + 0.114 * (v & 0xff);
}

/**
 * Pixels covered by what the plan draws besides text (rules, frames, dark fills, signatures,
 * barcodes), each piece as the page-rotated bounds of a short segment so long rules stay thin.
 */
function nonTextMask(plan: PagePlan): Uint8Array {
  const { width: W, height: H } = plan;
  const mask = new Uint8Array(W * H);
  const pageCos = Math.cos(plan.rotation), pageSin = Math.sin(plan.rotation);
  const mark = (pts: number[], pad: number, groups: { cx: number; cy: number; angle: number }[]): void => {
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let i = 0; i < pts.length; i += 2) {
      let x = pts[i] as number, y = pts[i + 1] as number;
      for (let g = groups.length - 1; g >= 0; g--) {
        const { cx, cy, angle } = groups[g] as { cx: number; cy: number; angle: number };
        const dx = x - cx, dy = y - cy;
        x = cx + dx * Math.cos(angle) - dy * Math.sin(angle);
        y = cy + dx * Math.sin(angle) + dy * Math.cos(angle);
      }
      const dx = x - W / 2, dy = y - H / 2;
      const px = W / 2 + dx * pageCos - dy * pageSin, py = H / 2 + dx * pageSin + dy * pageCos;
      minX = Math.min(minX, px); maxX = Math.max(maxX, px); minY = Math.min(minY, py); maxY = Math.max(maxY, py);
    }
    const p = pad + 2; // anti-aliasing
    for (let y = Math.max(0, Math.floor(minY - p)); y < Math.min(H, Math.ceil(maxY + p)); y++) {
      for (let x = Math.max(0, Math.floor(minX - p)); x < Math.min(W, Math.ceil(maxX + p)); x++) mask[y * W + x] = 1;
    }
  };
  const segment = (x1: number, y1: number, x2: number, y2: number, width: number, groups: { cx: number; cy: number; angle: number }[]): void => {
    const n = Math.max(1, Math.ceil(Math.hypot(x2 - x1, y2 - y1) / 20));
    for (let k = 0; k < n; k++) {
      const a = k / n, b = (k + 1) / n;
      mark([x1 + (x2 - x1) * a, y1 + (y2 - y1) * a, x1 + (x2 - x1) * b, y1 + (y2 - y1) * b], width / 2, groups);
    }
  };
  const walk = (ops: DrawOp[], groups: { cx: number; cy: number; angle: number }[]): void => {
    for (const op of ops) {
      if (op.op === 'line') segment(op.x1, op.y1, op.x2, op.y2, op.width, groups);
      else if (op.op === 'path') {
        for (let i = 2; i < op.points.length; i += 2) {
          segment(op.points[i - 2] as number, op.points[i - 1] as number, op.points[i] as number, op.points[i + 1] as number, op.width, groups);
        }
      } else if (op.op === 'rect') {
        if (op.fill && luminance(op.fill) < 160) mark([op.x, op.y, op.x + op.w, op.y, op.x + op.w, op.y + op.h, op.x, op.y + op.h], 0, groups);
        if (op.stroke) {
          const c = [op.x, op.y, op.x + op.w, op.y, op.x + op.w, op.y + op.h, op.x, op.y + op.h, op.x, op.y];
          for (let i = 2; i < c.length; i += 2) segment(c[i - 2] as number, c[i - 1] as number, c[i] as number, c[i + 1] as number, op.lineWidth ?? 1, groups);
        }
      } else if (op.op === 'group') walk(op.ops, [...groups, { cx: op.cx, cy: op.cy, angle: op.angle }]);
    }
  };
  walk(plan.ops, []);
  return mask;
}

/** Ink span of a word inside its box, and whether the box is worth checking (dark text, no stamp over it). */
function inkSpan(data: Buffer, width: number, w: SynthWord): { minX: number; maxX: number; minY: number; maxY: number } | null {
  const x0 = Math.floor(w.x), y0 = Math.floor(w.y), x1 = Math.ceil(w.x + w.width), y1 = Math.ceil(w.y + w.height);
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  const values: number[] = [];
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const v = data[y * width + x] as number;
      values.push(v);
      if (v < 190) {
        minX = Math.min(minX, x); maxX = Math.max(maxX, x);
        minY = Math.min(minY, y); maxY = Math.max(maxY, y);
      }
    }
  }
  values.sort((p, q) => p - q);
  if ((values[Math.floor(values.length * 0.9)] as number) < 128) return null; // light text on a dark band
  return minX === Infinity ? null : { minX, maxX, minY, maxY };
}

/**
 * Checks every word box's edges have ink within `slack` px. The box of a word on a rotated page is
 * the bounds of the rotated ink box, so its corners may be empty: the other axis gets the tilt too.
 */
export function expectTightWords(doc: SynthDocument, data: Buffer, width: number, rotation: number, slack: number): number {
  const stamps = doc.boxes.filter((b) => b.label === 'stamp');
  const sin = Math.abs(Math.sin(rotation));
  let checked = 0;
  for (const w of wordsOf(doc)) {
    if (w.height < 10 || w.width < 4) continue;
    if (stamps.some((s) => overlaps(w, s) && s.id !== w.boxId)) continue;
    if (stamps.some((s) => s.id === w.boxId)) continue; // a stamp is semi-transparent and drawn over other ink
    const span = inkSpan(data, width, w);
    if (!span) continue;
    const where = `${doc.id} ${w.id} "${w.text}"`;
    const sx = slack + w.height * sin, sy = slack + w.width * sin;
    expect(span.minX - w.x, `${where} left`).toBeLessThanOrEqual(sx);
    expect(w.x + w.width - (span.maxX + 1), `${where} right`).toBeLessThanOrEqual(sx);
    expect(span.minY - w.y, `${where} top`).toBeLessThanOrEqual(sy);
    expect(w.y + w.height - (span.maxY + 1), `${where} bottom`).toBeLessThanOrEqual(sy);
    checked++;
  }
  return checked;
}

/** At least 99 % of the dark pixels (< 128) lie in a word box or on a drawn non-text mark. */
function expectInkCovered(doc: SynthDocument, plan: PagePlan, data: Buffer, width: number, height: number): void {
  const covered = nonTextMask(plan);
  for (const w of wordsOf(doc)) {
    for (let y = Math.max(0, Math.floor(w.y) - 1); y < Math.min(height, Math.ceil(w.y + w.height) + 1); y++) {
      for (let x = Math.max(0, Math.floor(w.x) - 1); x < Math.min(width, Math.ceil(w.x + w.width) + 1); x++) covered[y * width + x] = 1;
    }
  }
  let dark = 0, outside = 0;
  for (let i = 0; i < data.length; i++) {
    if ((data[i] as number) >= 128) continue;
    dark++;
    if (!covered[i]) outside++;
  }
  expect(dark, doc.id).toBeGreaterThan(1000);
  expect(outside / dark, `${doc.id}: ${outside} of ${dark} dark pixels outside words and marks`).toBeLessThan(0.01);
}

describe('synth: words', () => {
  it('splits every field box into its words, in reading order, inside the box', () => {
    for (const doc of sample()) {
      const words = wordsOf(doc);
      expect(words.length, doc.id).toBeGreaterThan(doc.boxes.length);
      expect(new Set(words.map((w) => w.id)).size).toBe(words.length);
      const ids = new Set(doc.boxes.map((b) => b.id));
      for (const w of words) {
        expect(w.text, `${doc.id} ${w.id}`).toMatch(/^\S+$/);
        expect(w.width).toBeGreaterThan(0);
        expect(w.height).toBeGreaterThan(0);
        if (w.boxId !== null) expect(ids.has(w.boxId), `${doc.id} ${w.id} -> ${w.boxId}`).toBe(true);
      }
      for (const b of doc.boxes) {
        const mine = words.filter((w) => w.boxId === b.id);
        expect(mine.map((w) => w.text).join(' '), `${doc.id} ${b.id} ${b.label}`).toBe(b.text);
        for (const w of mine) {
          const where = `${doc.id} ${b.id} ${w.id} "${w.text}"`;
          expect(w.x, where).toBeGreaterThanOrEqual(b.x - 2);
          expect(w.y, where).toBeGreaterThanOrEqual(b.y - 2);
          expect(w.x + w.width, where).toBeLessThanOrEqual(b.x + b.width + 2);
          expect(w.y + w.height, where).toBeLessThanOrEqual(b.y + b.height + 2);
        }
      }
      // Printed text that is no field has words too: titles, captions, column headers.
      expect(words.some((w) => w.boxId === null), doc.id).toBe(true);
    }
  });

  it('survives a JSON round trip: renderPage accepts the copy with its words', async () => {
    const truth = generateTruth(8, 3, { kind: 'form' });
    const copy = JSON.parse(JSON.stringify(truth)) as SynthDocument;
    expect((await renderPage(copy)).equals(await renderPage(truth))).toBe(true);
    const moved = { ...copy, words: wordsOf(copy).map((w, i) => (i === 0 ? { ...w, x: w.x + 1 } : w)) };
    await expect(renderPage(moved)).rejects.toThrow(/differs/);
  });

  it('covers every dark pixel with a word box or a drawn mark, and hugs the ink', async () => {
    let checked = 0;
    for (const [seed, index, kind] of [[11, 4, 'invoice'], [1, 2, 'form'], [5, 1, 'receipt'], [3, 0, 'invoice'], [40, 7, 'form'], [6, 6, 'receipt']] as const) {
      const { doc, plan } = buildPage(seed, index, { kind });
      const { data, width, height } = await grey(await renderPage(doc));
      expectInkCovered(doc, plan, data, width, height);
      checked += expectTightWords(doc, data, width, plan.rotation, 2);
    }
    expect(checked).toBeGreaterThan(300);
  });
});

describe('synth: scanned variants', () => {
  it('skews truth and pixels together, degrades to JPEG and is deterministic per seed', async () => {
    const plain = generateTruth(21, 4, { kind: 'form' });
    const { truth, png } = await generatePage(21, 4, { kind: 'form', scan: true });
    expect(truth.scan).toMatchObject({ noise: 8, blur: 0.6, jpegQuality: 70 });
    expect(Math.abs(truth.scan?.skewDegrees ?? 0)).toBeGreaterThanOrEqual(1);
    expect(Math.abs(truth.scan?.skewDegrees ?? 0)).toBeLessThanOrEqual(2);
    const meta = await sharp(png).metadata();
    expect(meta.format).toBe('jpeg');
    expect([meta.width, meta.height]).toEqual([plain.width, plain.height]);
    // Same texts and ids, other places.
    expect(truth.boxes.map((b) => [b.id, b.text])).toEqual(plain.boxes.map((b) => [b.id, b.text]));
    expect(truth.boxes.map((b) => b.y)).not.toEqual(plain.boxes.map((b) => b.y));
    expect(truth.qa).toEqual(plain.qa);
    const again = await generatePage(21, 4, { kind: 'form', scan: true });
    expect(again.truth).toEqual(truth);
    expect(again.png.equals(png)).toBe(true);
    const other = await generatePage(21, 4, { kind: 'form', scan: { seed: 99 } });
    expect(other.truth.scan?.skewDegrees).not.toBe(truth.scan?.skewDegrees);
    // The degraded truth reads back from JSON and renders to the same bytes.
    expect((await renderPage(JSON.parse(JSON.stringify(truth)) as SynthDocument)).equals(png)).toBe(true);
    for (const b of truth.boxes) {
      const mine = wordsOf(truth).filter((w) => w.boxId === b.id);
      expect(mine.map((w) => w.text).join(' ')).toBe(b.text);
    }
  });

  it('keeps word boxes tight on the skewed page (no noise, no blur, JPEG quality 100)', async () => {
    let checked = 0;
    for (const [seed, index, kind] of [[21, 4, 'form'], [11, 4, 'invoice'], [5, 1, 'receipt']] as const) {
      const opts = { kind, scan: { noise: 0, blur: 0, jpegQuality: 100 } };
      const { doc, plan } = buildPage(seed, index, opts);
      const image = await renderPage(doc);
      expect((await sharp(image).metadata()).format).toBe('jpeg');
      const { data, width, height } = await grey(image);
      expectInkCovered(doc, plan, data, width, height);
      checked += expectTightWords(doc, data, width, plan.rotation, 3);
    }
    expect(checked).toBeGreaterThan(150);
  });

  it('refuses settings out of range', () => {
    expect(() => generateTruth(1, 1, { scan: { noise: -1 } })).toThrow(/noise/);
    expect(() => generateTruth(1, 1, { scan: { blur: 0.1 } })).toThrow(/blur/);
    expect(() => generateTruth(1, 1, { scan: { skewDegrees: 45 } })).toThrow(/skew/);
    expect(() => generateTruth(1, 1, { scan: { jpegQuality: 0 } })).toThrow(/jpegQuality/);
    expect(generateTruth(1, 1, { scan: { jpegQuality: null } }).scan?.jpegQuality).toBeNull();
  });
});
