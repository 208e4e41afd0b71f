import { createCanvas, type SKRSContext2D } from '@napi-rs/canvas';
import { cssFont, ensureFonts, type Face } from './fonts';
import { type LabelName } from './labels';
import { type ScanSettings, type SynthBox, type SynthWord } from './types';

/**
 * A page is built as a list of draw operations plus ground-truth boxes in *unrotated* page
 * coordinates. `finalize` applies the page rotation to the boxes; the renderer applies the same
 * rotation to the canvas, so truth and pixels agree exactly.
 */

export type DrawOp =
  | { op: 'text'; text: string; x: number; y: number; font: string; color: string }
  | { op: 'line'; x1: number; y1: number; x2: number; y2: number; color: string; width: number; dash?: number[] }
  | { op: 'rect'; x: number; y: number; w: number; h: number; fill?: string; stroke?: string; lineWidth?: number }
  | { op: 'path'; points: number[]; color: string; width: number }
  /** Children drawn rotated by `angle` (radians) about (cx, cy), at `alpha` opacity. */
  | { op: 'group'; cx: number; cy: number; angle: number; alpha: number; ops: DrawOp[] };

export interface PagePlan {
  width: number;
  height: number;
  /** Radians, about the page centre (a scanned variant's skew included). */
  rotation: number;
  /** Degradation applied to the finished image of a scanned variant. */
  scan: ScanSettings | null;
  paper: { from: string; to: string };
  noiseSeed: number;
  /** Scale of the layout relative to the default page, used to size the speckle. */
  unit: number;
  ops: DrawOp[];
}

export interface TextExtent {
  left: number;
  right: number;
  top: number;
  bottom: number;
  /** Advance width, for placing the next run of text. */
  advance: number;
  /** Truth box id, when the text was labelled. */
  id: string | null;
}

interface PendingBox {
  id: string;
  label: LabelName;
  text: string;
  /** Flat x,y pairs that the box must enclose (before page rotation). */
  points: number[];
  /** Extra margin after rotation, e.g. half a stroke width. */
  pad: number;
}

interface PendingWord {
  text: string;
  /** The four corners of the word's ink box, already through any enclosing rotated groups. */
  points: number[];
  boxId: string | null;
}

/** A rotated group's transform, so words drawn inside it can be boxed where they land. */
interface GroupTransform {
  cx: number;
  cy: number;
  angle: number;
}

export interface TextOptions {
  color: string;
  align?: 'left' | 'right' | 'center';
  label?: LabelName;
}

export interface Metrics {
  width: number;
  left: number;
  right: number;
  ascent: number;
  descent: number;
}

// One 1x1 context per font, so measuring never re-parses a font string, plus a memo of results:
// tables measure every cell while fitting and again when drawing.
const contexts = new Map<string, SKRSContext2D>();
const memo = new Map<string, Metrics>();
const MEMO_LIMIT = 50_000;

/** Text metrics from a 1x1 canvas: cheap, and identical to what the full-size canvas draws. */
export function measure(text: string, font: string): Metrics {
  const key = `${font}\u0000${text}`;
  const hit = memo.get(key);
  if (hit) return hit;
  let ctx = contexts.get(font);
  if (!ctx) {
    ensureFonts();
    if (contexts.size > 256) contexts.clear();
    ctx = createCanvas(1, 1).getContext('2d');
    ctx.font = font;
    contexts.set(font, ctx);
  }
  const m = ctx.measureText(text);
  const out: Metrics = {
    width: m.width,
    left: m.actualBoundingBoxLeft,
    right: m.actualBoundingBoxRight,
    ascent: m.actualBoundingBoxAscent,
    descent: m.actualBoundingBoxDescent,
  };
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, out);
  return out;
}

export class PageBuilder {
  readonly ops: DrawOp[] = [];
  private readonly pending: PendingBox[] = [];
  private readonly pendingWords: PendingWord[] = [];
  private readonly groups: GroupTransform[] = [];
  private target: DrawOp[] = this.ops;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {}

  /** Draws `text` with its baseline at y; returns its ink extent (and truth box id if labelled). */
  text(text: string, x: number, y: number, face: Face, size: number, opts: TextOptions): TextExtent {
    const font = cssFont(face, size);
    const m = measure(text, font);
    const align = opts.align ?? 'left';
    const x0 = align === 'left' ? x : align === 'right' ? x - m.width : x - m.width / 2;
    this.target.push({ op: 'text', text, x: x0, y, font, color: opts.color });
    const ext = { left: x0 - m.left, right: x0 + m.right, top: y - m.ascent, bottom: y + m.descent };
    let id: string | null = null;
    if (opts.label) {
      id = this.box(opts.label, text, [ext.left, ext.top, ext.right, ext.top, ext.right, ext.bottom, ext.left, ext.bottom]);
    }
    this.addWords(text, x0, y, font, m, id);
    return { ...ext, advance: m.width, id };
  }

  /**
   * One word per run of non-space characters, boxed by the run's own ink extent at its pen
   * position within the drawn string (the advance of the text before it).
   */
  private addWords(text: string, x0: number, y: number, font: string, whole: Metrics, boxId: string | null): void {
    for (const match of text.matchAll(/\S+/g)) {
      const word = match[0];
      const start = match.index;
      const m = word.length === text.length ? whole : measure(word, font);
      const pen = x0 + (start === 0 ? 0 : measure(text.slice(0, start), font).width);
      const left = pen - m.left, right = pen + m.right, top = y - m.ascent, bottom = y + m.descent;
      this.pendingWords.push({ text: word, points: this.throughGroups([left, top, right, top, right, bottom, left, bottom]), boxId });
    }
  }

  /** Maps points drawn inside the current rotated groups to page coordinates (innermost first). */
  private throughGroups(points: number[]): number[] {
    for (let g = this.groups.length - 1; g >= 0; g--) {
      const { cx, cy, angle } = this.groups[g] as GroupTransform;
      const cos = Math.cos(angle), sin = Math.sin(angle);
      for (let i = 0; i < points.length; i += 2) {
        const dx = (points[i] as number) - cx, dy = (points[i + 1] as number) - cy;
        points[i] = cx + dx * cos - dy * sin;
        points[i + 1] = cy + dx * sin + dy * cos;
      }
    }
    return points;
  }

  /** Words drawn so far; with attachWords, lets a caller box text it drew unlabelled (a stamp). */
  get wordCount(): number {
    return this.pendingWords.length;
  }

  /** Makes the unattached words drawn since `since` part of truth box `boxId`. */
  attachWords(since: number, boxId: string): void {
    for (let i = since; i < this.pendingWords.length; i++) {
      const w = this.pendingWords[i] as PendingWord;
      if (w.boxId === null) w.boxId = boxId;
    }
  }

  measure(text: string, face: Face, size: number): Metrics {
    return measure(text, cssFont(face, size));
  }

  /** Registers a truth box enclosing `points` (unrotated page coordinates). */
  box(label: LabelName, text: string, points: number[], pad = 0): string {
    const id = `b${this.pending.length + 1}`;
    this.pending.push({ id, label, text, points, pad });
    return id;
  }

  line(x1: number, y1: number, x2: number, y2: number, color: string, width: number, dash?: number[]): void {
    this.target.push(dash ? { op: 'line', x1, y1, x2, y2, color, width, dash } : { op: 'line', x1, y1, x2, y2, color, width });
  }

  rect(x: number, y: number, w: number, h: number, style: { fill?: string; stroke?: string; lineWidth?: number }): void {
    this.target.push({ op: 'rect', x, y, w, h, ...style });
  }

  /** A filled rectangle drawn beneath everything already issued (e.g. the scanner bed). */
  underlay(x: number, y: number, w: number, h: number, fill: string): void {
    this.ops.unshift({ op: 'rect', x, y, w, h, fill });
  }

  path(points: number[], color: string, width: number): void {
    this.target.push({ op: 'path', points, color, width });
  }

  /** Ops issued inside `fn` are drawn rotated about (cx, cy); boxes are the caller's job. */
  rotated(cx: number, cy: number, angle: number, alpha: number, fn: () => void): void {
    const group: DrawOp = { op: 'group', cx, cy, angle, alpha, ops: [] };
    const outer = this.target;
    this.target.push(group);
    this.target = group.ops;
    this.groups.push({ cx, cy, angle });
    try {
      fn();
    } finally {
      this.target = outer;
      this.groups.pop();
    }
  }

  /** Union of all truth boxes before rotation, to check that a layout fits the page. */
  extent(): { minX: number; minY: number; maxX: number; maxY: number } {
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (const b of this.pending) {
      for (let i = 0; i < b.points.length; i += 2) {
        const x = b.points[i] as number, y = b.points[i + 1] as number;
        minX = Math.min(minX, x - b.pad); maxX = Math.max(maxX, x + b.pad);
        minY = Math.min(minY, y - b.pad); maxY = Math.max(maxY, y + b.pad);
      }
    }
    return { minX, minY, maxX, maxY };
  }

  /**
   * Rotates every box's points about the page centre, takes the axis-aligned bounds, rounds
   * outward to 1/100 px and clamps to the page. A box squeezed to nothing by clamping is dropped.
   */
  finalize(rotation: number): SynthBox[] {
    const out: SynthBox[] = [];
    for (const b of this.pending) {
      const r = this.finalBounds(b.points, b.pad, rotation);
      if (r) out.push({ id: b.id, label: b.label, ...r, text: b.text });
    }
    return out;
  }

  /** The words, placed exactly like the boxes (same rotation, rounding and clamping). */
  finalizeWords(rotation: number): SynthWord[] {
    const out: SynthWord[] = [];
    this.pendingWords.forEach((w, i) => {
      const r = this.finalBounds(w.points, 0, rotation);
      if (r) out.push({ id: `w${i + 1}`, text: w.text, ...r, boxId: w.boxId });
    });
    return out;
  }

  private finalBounds(points: number[], pad: number, rotation: number): { x: number; y: number; width: number; height: number } | null {
    const cx = this.width / 2, cy = this.height / 2;
    const cos = Math.cos(rotation), sin = Math.sin(rotation);
    let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
    for (let i = 0; i < points.length; i += 2) {
      const dx = (points[i] as number) - cx, dy = (points[i + 1] as number) - cy;
      const x = cx + dx * cos - dy * sin, y = cy + dx * sin + dy * cos;
      minX = Math.min(minX, x); maxX = Math.max(maxX, x);
      minY = Math.min(minY, y); maxY = Math.max(maxY, y);
    }
    const x0 = clamp(Math.floor((minX - pad) * 100) / 100, 0, this.width);
    const y0 = clamp(Math.floor((minY - pad) * 100) / 100, 0, this.height);
    const x1 = clamp(Math.ceil((maxX + pad) * 100) / 100, 0, this.width);
    const y1 = clamp(Math.ceil((maxY + pad) * 100) / 100, 0, this.height);
    if (x1 - x0 < 0.5 || y1 - y0 < 0.5) return null;
    return { x: x0, y: y0, width: Math.min(round2(x1 - x0), this.width - x0), height: Math.min(round2(y1 - y0), this.height - y0) };
  }
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
const round2 = (v: number): number => Math.round(v * 100) / 100;
