/**
 * Coordinate conventions of each format, in one place. Folio stores a box as x, y, w, h in
 * original image pixels (floats), where the image's top-left corner is (0, 0) and pixel i spans
 * [i, i + 1) — the same continuous frame COCO uses.
 */

export interface PixelBox {
  x: number;
  y: number;
  w: number;
  h: number;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** Round to `digits` decimals (COCO's bbox and area: 1/1000 px is far below any annotation's precision). */
export const roundTo = (v: number, digits: number): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/**
 * Pascal VOC: integer pixel indices, 1-based, both ends inclusive. The VOC devkit counts the
 * top-left pixel as (1, 1) and loaders undo it (Detectron/torchvision subtract 1 from xmin and
 * ymin, and take width as xmax − xmin + 1). So a box covering continuous [x, x + w) covers the
 * 0-based pixels round(x) … round(x + w) − 1, which VOC writes as xmin = round(x) + 1 and
 * xmax = round(x + w): each edge moves by at most half a pixel, never by truncation.
 */
export function toVoc(b: PixelBox, width: number, height: number): { xmin: number; ymin: number; xmax: number; ymax: number } {
  const xmin = clamp(Math.round(b.x) + 1, 1, width);
  const ymin = clamp(Math.round(b.y) + 1, 1, height);
  // A box thinner than a pixel still covers the pixel it starts in.
  const xmax = clamp(Math.max(Math.round(b.x + b.w), xmin), 1, width);
  const ymax = clamp(Math.max(Math.round(b.y + b.h), ymin), 1, height);
  return { xmin, ymin, xmax, ymax };
}

/** The inverse of toVoc: VOC's inclusive 1-based pixel indices back to Folio's continuous frame. */
export function fromVoc(v: { xmin: number; ymin: number; xmax: number; ymax: number }): PixelBox {
  return { x: v.xmin - 1, y: v.ymin - 1, w: v.xmax - v.xmin + 1, h: v.ymax - v.ymin + 1 };
}

/** YOLO: class, then centre x, centre y, width, height as fractions of the image size, 6 decimals. */
export function toYolo(classId: number, b: PixelBox, width: number, height: number): string {
  const f = (v: number) => clamp(v, 0, 1).toFixed(6);
  return `${classId} ${f((b.x + b.w / 2) / width)} ${f((b.y + b.h / 2) / height)} ${f(b.w / width)} ${f(b.h / height)}`;
}

export function fromYolo(cx: number, cy: number, w: number, h: number, width: number, height: number): PixelBox {
  return { x: (cx - w / 2) * width, y: (cy - h / 2) * height, w: w * width, h: h * height };
}

/** Label Studio: percent of original_width/original_height (0–100), top-left corner before rotation. */
export function toPercent(b: PixelBox, width: number, height: number): { x: number; y: number; width: number; height: number } {
  return { x: (b.x / width) * 100, y: (b.y / height) * 100, width: (b.w / width) * 100, height: (b.h / height) * 100 };
}

/**
 * A Label Studio rectangle back to pixels. Its rotation (degrees, clockwise on screen, about the
 * top-left corner, in pixel space) is applied and the rotated rectangle's axis-aligned bounds are
 * returned: Folio's boxes are axis-aligned.
 */
export function fromPercent(v: { x: number; y: number; width: number; height: number; rotation?: number }, width: number, height: number): PixelBox {
  const x = (v.x / 100) * width;
  const y = (v.y / 100) * height;
  const w = (v.width / 100) * width;
  const h = (v.height / 100) * height;
  const deg = v.rotation ?? 0;
  if (!deg || deg % 360 === 0) return { x, y, w, h };
  const t = (deg * Math.PI) / 180;
  const cos = Math.cos(t);
  const sin = Math.sin(t);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const [dx, dy] of [
    [0, 0],
    [w, 0],
    [w, h],
    [0, h],
  ] as const) {
    xs.push(x + dx * cos - dy * sin);
    ys.push(y + dx * sin + dy * cos);
  }
  const x0 = Math.min(...xs);
  const y0 = Math.min(...ys);
  return { x: x0, y: y0, w: Math.max(...xs) - x0, h: Math.max(...ys) - y0 };
}

/** A file-name-safe stem: letters, digits, dot, dash and underscore; at most 80 characters. */
export function safeStem(name: string): string {
  const stem = name.replace(/\.[^./\\]*$/, '');
  const safe = stem.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 80);
  return safe || 'page';
}

/**
 * The exported name of a page image: the source file's stem, the first 8 hex digits of the
 * document id (so two files of the same name never collide) and the page number.
 * Import recognises the pattern and finds the page again by it.
 */
export function exportImageStem(sourceName: string, documentId: string, pageNumber: number): string {
  return `${safeStem(sourceName)}-${documentId.slice(0, 8)}-p${pageNumber}`;
}

/** The document-id prefix and page number of a name made by exportImageStem, if it is one. */
export function parseExportImageStem(name: string): { idPrefix: string; pageNumber: number } | null {
  const m = /-([0-9a-f]{8})-p(\d+)(?:\.[A-Za-z0-9]+)?$/.exec(name);
  return m ? { idPrefix: m[1]!, pageNumber: Number(m[2]) } : null;
}

export function xmlEscape(text: string): string {
  // Characters XML 1.0 cannot hold at all are dropped rather than written as invalid XML.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '').replace(/[&<>"']/g, (c) => `&${({ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' } as const)[c as '&']};`);
}
