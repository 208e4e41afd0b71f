import type { Rect } from '../geometry';

/**
 * Where label text may go on a page without covering what is printed on it. The page image is
 * reduced to a coarse map of "ink" (anything that differs clearly from the paper: text, rules,
 * stamps, coloured bands), summed so that asking whether a rectangle touches ink costs four reads.
 * A label is only drawn on a spot with no ink, no other box and no other label.
 */

/** Longest side of the map in cells; a letter page gets cells of about 2 image pixels. */
export const INK_MAP_SIZE = 1024;
/** The smallest long side of the image the map is read from (see inkSourceLevel). */
export const INK_SOURCE_MIN = 640;
/** How much darker than the paper around it a pixel must be to count as ink (luminance, 0–255). */
const INK_CONTRAST = 32;
/** The paper is judged over blocks of this many cells (about 35 image pixels on a letter page). */
const BLOCK = 16;

export class InkMap {
  constructor(
    readonly cols: number,
    readonly rows: number,
    /** Image pixels per cell, across and down. */
    readonly cellW: number,
    readonly cellH: number,
    /** Summed-area table of inked cells, (cols + 1) × (rows + 1). */
    readonly sums: Int32Array,
  ) {}

  /** Whether any inked cell lies within `r` (image pixels) grown by `margin` cells on each side. */
  inked(r: Rect, margin = 1): boolean {
    const c0 = Math.max(0, Math.floor(r.x / this.cellW) - margin);
    const r0 = Math.max(0, Math.floor(r.y / this.cellH) - margin);
    const c1 = Math.min(this.cols, Math.ceil((r.x + r.w) / this.cellW) + margin);
    const r1 = Math.min(this.rows, Math.ceil((r.y + r.h) / this.cellH) + margin);
    if (c1 <= c0 || r1 <= r0) return false;
    const w = this.cols + 1;
    const s = this.sums;
    return s[r1 * w + c1]! - s[r0 * w + c1]! - s[r1 * w + c0]! + s[r0 * w + c0]! > 0;
  }
}

/**
 * The ink map of a page from its image (`width` × `height` RGBA pixels, any pyramid level at least
 * `cols` wide). A cell is ink when its darkest pixel is clearly darker than the paper around it,
 * the brightest pixel within about BLOCK cells: so a paper gradient, a receipt photographed on a
 * table or white text on a coloured band are judged against their own background. A single inked
 * cell with fewer than two inked neighbours is a speck of dust, not print.
 */
export function inkMapFromPixels(rgba: ArrayLike<number>, width: number, height: number, cols: number, rows: number, pageWidth: number, pageHeight: number): InkMap {
  if (rgba.length < width * height * 4) throw new Error(`ink map: expected ${width * height * 4} RGBA values for ${width} × ${height}, got ${rgba.length}`);
  if (cols > width || rows > height || cols < 1 || rows < 1) throw new Error(`ink map: ${cols} × ${rows} cells cannot be made from ${width} × ${height} pixels`);
  const n = cols * rows;
  const darkest = new Uint8Array(n).fill(255);
  const brightest = new Uint8Array(n);
  const column = new Int32Array(width);
  for (let x = 0; x < width; x++) column[x] = Math.floor((x * cols) / width);
  for (let y = 0, i = 0; y < height; y++) {
    const row = Math.floor((y * rows) / height) * cols;
    for (let x = 0; x < width; x++, i += 4) {
      const v = (rgba[i]! * 77 + rgba[i + 1]! * 150 + rgba[i + 2]! * 29) >> 8;
      const c = row + column[x]!;
      if (v < darkest[c]!) darkest[c] = v;
      if (v > brightest[c]!) brightest[c] = v;
    }
  }
  // The paper near each cell: the brightest pixel of its block and the eight blocks around it.
  const bCols = Math.ceil(cols / BLOCK);
  const bRows = Math.ceil(rows / BLOCK);
  const blockMax = new Uint8Array(bCols * bRows);
  for (let y = 0; y < rows; y++) for (let x = 0; x < cols; x++) {
    const b = Math.floor(y / BLOCK) * bCols + Math.floor(x / BLOCK);
    if (brightest[y * cols + x]! > blockMax[b]!) blockMax[b] = brightest[y * cols + x]!;
  }
  const paper = new Uint8Array(bCols * bRows);
  for (let by = 0; by < bRows; by++) for (let bx = 0; bx < bCols; bx++) {
    let m = 0;
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
      const yy = by + dy;
      const xx = bx + dx;
      if (yy >= 0 && yy < bRows && xx >= 0 && xx < bCols && blockMax[yy * bCols + xx]! > m) m = blockMax[yy * bCols + xx]!;
    }
    paper[by * bCols + bx] = m;
  }
  const inked = new Uint8Array(n);
  for (let y = 0; y < rows; y++) for (let x = 0; x < cols; x++) {
    if (paper[Math.floor(y / BLOCK) * bCols + Math.floor(x / BLOCK)]! - darkest[y * cols + x]! > INK_CONTRAST) inked[y * cols + x] = 1;
  }
  const w = cols + 1;
  const sums = new Int32Array(w * (rows + 1));
  for (let y = 0; y < rows; y++) {
    let run = 0;
    for (let x = 0; x < cols; x++) {
      if (inked[y * cols + x] && neighbours(inked, cols, rows, x, y) >= 2) run++;
      sums[(y + 1) * w + x + 1] = sums[y * w + x + 1]! + run;
    }
  }
  return new InkMap(cols, rows, pageWidth / cols, pageHeight / rows, sums);
}

function neighbours(inked: Uint8Array, cols: number, rows: number, x: number, y: number): number {
  let k = 0;
  for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
    const yy = y + dy;
    const xx = x + dx;
    if ((dx || dy) && yy >= 0 && yy < rows && xx >= 0 && xx < cols) k += inked[yy * cols + xx]!;
  }
  return k;
}

/**
 * The pyramid level to read a page's ink from: the smallest whose long side reaches INK_SOURCE_MIN
 * pixels (or the largest, on a smaller page). Finer costs decoding and scanning time; coarser
 * thins rules and small print out of sight. The map then has at most that level's resolution.
 */
export function inkSourceLevel<L extends { width: number; height: number }>(levels: readonly L[]): L {
  const long = (l: L) => Math.max(l.width, l.height);
  const bySize = [...levels].sort((a, b) => long(a) - long(b));
  const largest = bySize.at(-1);
  if (!largest) throw new Error('a page has at least one pyramid level');
  return bySize.find((l) => long(l) >= Math.min(long(largest), INK_SOURCE_MIN)) ?? largest;
}

/** The map's size in cells for a page: the long side gets INK_MAP_SIZE cells (never more than pixels). */
export function inkMapSize(pageWidth: number, pageHeight: number): { cols: number; rows: number } {
  const f = Math.min(1, INK_MAP_SIZE / Math.max(pageWidth, pageHeight));
  return { cols: Math.max(1, Math.round(pageWidth * f)), rows: Math.max(1, Math.round(pageHeight * f)) };
}

/**
 * The first spot beside `subject` where a w × h label fits, all in image pixels: above it, below
 * it, to its right, to its left, then above and below aligned to its right edge. Never inside it:
 * the box holds the text being labelled.
 */
export function placeBeside(subject: Rect, w: number, h: number, gap: number, fits: (r: Rect) => boolean): Rect | null {
  const { x, y } = subject;
  const right = subject.x + subject.w;
  const bottom = subject.y + subject.h;
  const middle = y + (subject.h - h) / 2;
  const spots: Rect[] = [
    { x, y: y - gap - h, w, h },
    { x, y: bottom + gap, w, h },
    { x: right + 2 * gap, y: middle, w, h },
    { x: x - 2 * gap - w, y: middle, w, h },
    { x: right - w, y: y - gap - h, w, h },
    { x: right - w, y: bottom + gap, w, h },
  ];
  for (const spot of spots) if (fits(spot)) return spot;
  return null;
}
