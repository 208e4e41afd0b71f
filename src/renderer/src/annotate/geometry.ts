export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Boxes smaller than this (image pixels) are treated as a click, not a drawn box. */
export const MIN_BOX_SIZE = 2;

/** Keep a rectangle inside the page, never with a negative size. */
export function clampRect(r: Rect, pageWidth: number, pageHeight: number): Rect {
  const w = Math.min(Math.max(0, r.w), pageWidth);
  const h = Math.min(Math.max(0, r.h), pageHeight);
  const x = Math.min(Math.max(0, r.x), pageWidth - w);
  const y = Math.min(Math.max(0, r.y), pageHeight - h);
  return { x, y, w, h };
}

/** A rectangle from two corners dragged in any direction. */
export function rectFromPoints(ax: number, ay: number, bx: number, by: number): Rect {
  return { x: Math.min(ax, bx), y: Math.min(ay, by), w: Math.abs(bx - ax), h: Math.abs(by - ay) };
}

export function intersects(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

export function contains(outer: Rect, inner: Rect): boolean {
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.w <= outer.x + outer.w && inner.y + inner.h <= outer.y + outer.h;
}

/**
 * A uniform grid over the page so "which boxes are in this viewport / under this marquee" costs
 * the boxes nearby, not all 10,000 on a dense page.
 */
export class SpatialIndex {
  private readonly cells = new Map<number, Set<string>>();
  private readonly where = new Map<string, number[]>();

  constructor(private readonly cellSize = 256) {}

  private keys(r: Rect): number[] {
    const keys: number[] = [];
    const x0 = Math.floor(r.x / this.cellSize);
    const y0 = Math.floor(r.y / this.cellSize);
    const x1 = Math.floor((r.x + Math.max(r.w, 0)) / this.cellSize);
    const y1 = Math.floor((r.y + Math.max(r.h, 0)) / this.cellSize);
    for (let cx = x0; cx <= x1; cx++) for (let cy = y0; cy <= y1; cy++) keys.push(cx * 100_003 + cy);
    return keys;
  }

  set(id: string, r: Rect): void {
    this.delete(id);
    const keys = this.keys(r);
    for (const k of keys) {
      let cell = this.cells.get(k);
      if (!cell) this.cells.set(k, (cell = new Set()));
      cell.add(id);
    }
    this.where.set(id, keys);
  }

  delete(id: string): void {
    for (const k of this.where.get(id) ?? []) this.cells.get(k)?.delete(id);
    this.where.delete(id);
  }

  /** Ids whose cells overlap `r` (a superset: callers test the exact rectangle). */
  query(r: Rect): Set<string> {
    const out = new Set<string>();
    for (const k of this.keys(r)) for (const id of this.cells.get(k) ?? []) out.add(id);
    return out;
  }
}
