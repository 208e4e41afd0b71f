import type { GreyImage, PixelRect } from '../media/pageRegion';

/**
 * Where the ink is in a grey crop: Otsu's threshold splits paper from print, and the bounding box
 * of the dark pixels is what a drawn box snaps to (as good as the union of OCR word boxes on the
 * generated pages, and it needs no OCR). Pure functions on pixel buffers.
 */

/** Class means closer than this (grey levels) are one surface with noise on it, not print on paper. */
export const MIN_INK_CONTRAST = 48;

export interface InkThreshold {
  /** Pixels at or below this grey level are ink (above it, when `inverted`). */
  threshold: number;
  /** Light print on a dark ground (a banner): the paper is the darker class, being the larger one. */
  inverted: boolean;
  /** Mean grey of the ink and of the paper. */
  inkMean: number;
  paperMean: number;
}

/**
 * Otsu's threshold over the pixels of `within` (all of the image by default); null when there is
 * no ink. Of the two classes, the larger is the paper.
 */
export function otsu(image: GreyImage, within: PixelRect = { x: 0, y: 0, w: image.width, h: image.height }): InkThreshold | null {
  const histogram = new Float64Array(256);
  for (let y = within.y; y < within.y + within.h; y++) {
    const row = y * image.width;
    for (let x = within.x; x < within.x + within.w; x++) histogram[image.data[row + x]!]!++;
  }
  const total = within.w * within.h;
  if (total === 0) return null;
  let sumAll = 0;
  for (let g = 0; g < 256; g++) sumAll += g * histogram[g]!;
  let weightDark = 0;
  let sumDark = 0;
  let best = -1;
  let threshold = -1;
  for (let g = 0; g < 255; g++) {
    weightDark += histogram[g]!;
    if (weightDark === 0) continue;
    const weightLight = total - weightDark;
    if (weightLight === 0) break;
    sumDark += g * histogram[g]!;
    const meanDark = sumDark / weightDark;
    const meanLight = (sumAll - sumDark) / weightLight;
    const between = weightDark * weightLight * (meanDark - meanLight) ** 2;
    if (between > best) {
      best = between;
      threshold = g;
    }
  }
  if (threshold < 0) return null;
  let dark = 0;
  let darkSum = 0;
  for (let g = 0; g <= threshold; g++) {
    dark += histogram[g]!;
    darkSum += g * histogram[g]!;
  }
  const darkMean = darkSum / dark;
  const lightMean = (sumAll - darkSum) / (total - dark);
  if (lightMean - darkMean < MIN_INK_CONTRAST) return null;
  const inverted = dark > total / 2;
  return { threshold, inverted, inkMean: inverted ? lightMean : darkMean, paperMean: inverted ? darkMean : lightMean };
}

interface Component {
  area: number;
  /** Pixels of the component inside the region. */
  inside: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Ink pixels (1) of an image: grey at or below the threshold, or above it for light print on dark. */
function inkMask(image: GreyImage, { threshold, inverted }: InkThreshold): Uint8Array {
  const mask = new Uint8Array(image.width * image.height);
  for (let i = 0; i < mask.length; i++) if (image.data[i]! <= threshold !== inverted) mask[i] = 1;
  return mask;
}

/** 8-connected components of the mask's ink. */
function components(mask: Uint8Array, width: number, height: number, within: PixelRect): Component[] {
  const seen = new Uint8Array(width * height);
  const stack = new Int32Array(width * height);
  const out: Component[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (seen[start] || mask[start] !== 1) continue;
    seen[start] = 1;
    let top = 0;
    stack[top++] = start;
    const c: Component = { area: 0, inside: 0, x0: width, y0: height, x1: 0, y1: 0 };
    while (top > 0) {
      const i = stack[--top]!;
      const x = i % width;
      const y = (i - x) / width;
      c.area++;
      if (x >= within.x && x < within.x + within.w && y >= within.y && y < within.y + within.h) c.inside++;
      if (x < c.x0) c.x0 = x;
      if (x + 1 > c.x1) c.x1 = x + 1;
      if (y < c.y0) c.y0 = y;
      if (y + 1 > c.y1) c.y1 = y + 1;
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= height) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= width) continue;
          const j = ny * width + nx;
          if (!seen[j] && mask[j] === 1) {
            seen[j] = 1;
            stack[top++] = j;
          }
        }
      }
    }
    out.push(c);
  }
  return out;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/**
 * A ruled line of a form or table, or a piece of one (a slanted, anti-aliased rule crosses the
 * threshold in short thin pieces): much longer than thick, and either longer than a few letters
 * are tall or a hairline taller than any letter (an I or an l is as thin); rules joined at a
 * corner; or thin and crossing the whole crop. Never part of what a box drawn round a field should hug.
 */
function isRule(c: Component, textHeight: number, image: GreyImage): boolean {
  const w = c.x1 - c.x0;
  const h = c.y1 - c.y0;
  const long = Math.max(w, h);
  const short = Math.min(w, h);
  if (long >= 8 * short && (long >= 3 * textHeight || (long >= 1.5 * textHeight && short <= Math.max(2, 0.12 * textHeight)))) return true;
  // Rules meeting at a corner of a cell: long, and hardly any of their bounding box is ink.
  if (long >= 3 * textHeight && c.area <= 0.12 * w * h) return true;
  const crosses = w >= h ? c.x0 === 0 && c.x1 === image.width : c.y0 === 0 && c.y1 === image.height;
  return crosses && long >= 4 * short;
}

/** Bounding boxes' gap (0 when they overlap). */
const gap = (a: Component, b: Component): number => Math.max(0, a.x0 - b.x1, b.x0 - a.x1, a.y0 - b.y1, b.y0 - a.y1);

/** A speck this close to a letter (× the text height) is a full stop, a dot or an accent; further away it is dirt. */
const SPECK_REACH = 0.4;
/** Most components a crop may have for the speck test (it compares every pair). */
const MAX_SPECK_TEST = 3_000;

export interface InkBox {
  /** The ink's bounding box in the image's pixels (may reach into the margin around `within`). */
  box: PixelRect;
  /** Rows of text (bands of ink one above the other), in the image's pixels. */
  lines: { y: number; h: number }[];
  threshold: InkThreshold;
}

/**
 * The ink of the region `within` (the drawn box, inside a crop with a margin around it): the
 * threshold comes from the region alone; then each connected blob of ink counts when most of it
 * lies inside the region — a descender the box clipped is taken in whole, a sliver of the next
 * line that pokes in is not — unless it is a ruled line or a speck of dirt far from any text.
 * The box can therefore reach past the region only into the margin. Null when no ink is left.
 */
export function findInk(image: GreyImage, within: PixelRect): InkBox | null {
  const threshold = otsu(image, within);
  if (!threshold) return null;
  const { width, height } = image;
  const mostlyInside = (c: Component) => c.inside * 2 >= c.area;
  const first = components(inkMask(image, threshold), width, height, within).filter(mostlyInside);
  if (!first.length) return null;
  // Letters are the usual blob: their median height sizes what counts as too long for text.
  const textHeight = median(first.filter((c) => c.area >= 4).map((c) => c.y1 - c.y0)) || median(first.map((c) => c.y1 - c.y0));
  let kept = first.filter((c) => !isRule(c, textHeight, image));
  const speck = Math.max(6, 0.05 * textHeight * textHeight);
  if (kept.length <= MAX_SPECK_TEST) {
    const solid = kept.filter((c) => c.area > speck);
    kept = kept.filter((c) => c.area > speck || solid.some((s) => gap(c, s) <= SPECK_REACH * textHeight));
  }
  if (!kept.length) return null;
  const box = kept.reduce((b, c) => ({ x0: Math.min(b.x0, c.x0), y0: Math.min(b.y0, c.y0), x1: Math.max(b.x1, c.x1), y1: Math.max(b.y1, c.y1) }), {
    x0: Infinity,
    y0: Infinity,
    x1: -Infinity,
    y1: -Infinity,
  });
  return { box: { x: box.x0, y: box.y0, w: box.x1 - box.x0, h: box.y1 - box.y0 }, lines: textLines(kept), threshold };
}

/** Bands of ink one above the other: the blobs' vertical extents, overlapping ones merged. */
function textLines(kept: Component[]): { y: number; h: number }[] {
  const spans = kept.map((c) => ({ y0: c.y0, y1: c.y1 })).sort((a, b) => a.y0 - b.y0);
  const bands: { y: number; h: number }[] = [];
  let current = { ...spans[0]! };
  for (const s of spans.slice(1)) {
    if (s.y0 < current.y1) current.y1 = Math.max(current.y1, s.y1);
    else {
      bands.push({ y: current.y0, h: current.y1 - current.y0 });
      current = { ...s };
    }
  }
  bands.push({ y: current.y0, h: current.y1 - current.y0 });
  return mergeAccents(bands);
}

/**
 * A dot over an i or an accent is a short band just above its line; joined to it, the count of
 * bands is the count of text lines.
 */
function mergeAccents(lines: { y: number; h: number }[]): { y: number; h: number }[] {
  if (lines.length < 2) return lines;
  const tallest = Math.max(...lines.map((l) => l.h));
  const out: { y: number; h: number }[] = [];
  for (const line of lines) {
    const prev = out.at(-1);
    const gap = prev ? line.y - (prev.y + prev.h) : Infinity;
    if (prev && (prev.h < tallest * 0.35 || line.h < tallest * 0.35) && gap < tallest * 0.3) {
      prev.h = line.y + line.h - prev.y;
    } else {
      out.push({ ...line });
    }
  }
  return out;
}

/**
 * The box grown by up to `maxGrow` pixels on each side where the row or column just outside it
 * holds the faint edge of its letters: anti-aliased pixels lighter than the ink threshold but
 * clearly darker than paper (halfway between the two). A box drawn round the letters as printed
 * takes them in; without this the box sits about a pixel inside on every side.
 */
export function includeFringe(image: GreyImage, box: PixelRect, { threshold, inverted }: InkThreshold, maxGrow = 1): PixelRect {
  if (inverted) return box;
  const fringe = threshold + (255 - threshold) / 2;
  const dark = (x0: number, y0: number, x1: number, y1: number): boolean => {
    if (x0 < 0 || y0 < 0 || x1 > image.width || y1 > image.height) return false;
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (image.data[y * image.width + x]! < fringe) return true;
    return false;
  };
  let { x, y, w, h } = box;
  for (let step = 0; step < maxGrow; step++) {
    if (dark(x, y - 1, x + w, y)) {
      y--;
      h++;
    }
    if (dark(x, y + h, x + w, y + h + 1)) h++;
    if (dark(x - 1, y, x, y + h)) {
      x--;
      w++;
    }
    if (dark(x + w, y, x + w + 1, y + h)) w++;
  }
  return { x, y, w, h };
}
