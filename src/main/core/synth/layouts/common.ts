import { type Face } from '../fonts';
import { type LabelName } from '../labels';
import { type PageBuilder } from '../plan';
import { type Facts } from '../qa';
import { type Rng } from '../random';

/** Pieces shared by the three layouts: palettes, stamps, signatures, caption/value pairs. */

export const INKS = ['#111111', '#1b1b1f', '#22252a', '#0f1a2b', '#2a2a2a'];
export const ACCENTS = ['#1f3a93', '#0b6e4f', '#8b1e3f', '#2d3142', '#5b2a86', '#006d77', '#9c4a12', '#3a3a3a'];
export const PEN_INKS = ['#1a3d8f', '#0c2f73', '#202020', '#1d4e89'];
export const MUTED = ['#555555', '#5f6368', '#4a4f57', '#666666'];

export function mix(hex: string, toward: string, t: number): string {
  const a = parseInt(hex.slice(1), 16), b = parseInt(toward.slice(1), 16);
  const ch = (v: number, s: number): number => (v >> s) & 0xff;
  const c = [16, 8, 0].map((s) => Math.round(ch(a, s) + (ch(b, s) - ch(a, s)) * t));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}
export const tint = (hex: string, t: number): string => mix(hex, '#ffffff', t);

/** A rubber stamp ("PAID"), rotated and semi-transparent; its box encloses the rotated frame. */
export function drawStamp(b: PageBuilder, r: Rng, word: string, cx: number, cy: number, size: number): string {
  const face: Face = r.pick(['sansBold', 'serifBold', 'monoBold']);
  const color = r.pick(['#c0282d', '#b3131b', '#d03a2f', '#1d4fa0']);
  const angle = ((r.chance(0.5) ? -1 : 1) * r.float(8, 24) * Math.PI) / 180;
  const m = b.measure(word, face, size);
  const lw = Math.max(1, size * 0.09);
  const w = m.width + size * 0.9, h = size * 1.55;
  const firstWord = b.wordCount;
  b.rotated(cx, cy, angle, r.float(0.62, 0.85), () => {
    b.rect(cx - w / 2, cy - h / 2, w, h, { stroke: color, lineWidth: lw });
    const inset = size * 0.16;
    b.rect(cx - w / 2 + inset, cy - h / 2 + inset, w - 2 * inset, h - 2 * inset, { stroke: color, lineWidth: lw * 0.5 });
    b.text(word, cx, cy + (m.ascent - m.descent) / 2, face, size, { color, align: 'center' });
  });
  const cos = Math.cos(angle), sin = Math.sin(angle);
  const hw = w / 2 + lw / 2, hh = h / 2 + lw / 2;
  const pts: number[] = [];
  for (const [dx, dy] of [[-hw, -hh], [hw, -hh], [hw, hh], [-hw, hh]] as const) pts.push(cx + dx * cos - dy * sin, cy + dx * sin + dy * cos);
  const id = b.box('stamp', word, pts);
  b.attachWords(firstWord, id);
  return id;
}

/** A handwritten-looking scribble: looping stroke plus an underline flourish. */
export function drawSignature(b: PageBuilder, r: Rng, x: number, baseline: number, width: number, height: number): string {
  const color = r.pick(PEN_INKS);
  const lw = Math.max(1, height * r.float(0.045, 0.07));
  const loops = r.int(4, 8);
  const p1 = r.float(0, Math.PI * 2), p2 = r.float(0, Math.PI * 2);
  const stroke: number[] = [];
  const n = 90;
  for (let i = 0; i <= n; i++) {
    const t = i / n;
    const px = x + width * t * 0.85 + (width / loops) * 0.32 * Math.sin(2 * Math.PI * loops * t + p1);
    const py = baseline - height * (0.45 + 0.4 * Math.sin(2 * Math.PI * loops * t * 1.07 + p2)) * (1 - 0.35 * t);
    stroke.push(px, py);
  }
  const flourish: number[] = [];
  const fy = baseline + height * r.float(0.02, 0.12);
  for (let i = 0; i <= 20; i++) {
    const t = i / 20;
    flourish.push(x + width * (0.9 - 0.8 * t), fy - height * 0.12 * Math.sin(Math.PI * t));
  }
  b.path(stroke, color, lw);
  b.path(flourish, color, lw * 0.8);
  return b.box('signature', '', [...stroke, ...flourish], lw / 2);
}


export interface Run {
  text: string;
  face: Face;
  size: number;
  color: string;
  label?: LabelName;
}

/** Draws runs of text side by side on one baseline (e.g. an unboxed caption then a boxed value). */
export function runs(b: PageBuilder, parts: Run[], x: number, y: number, align: 'left' | 'right' | 'center' = 'left'): (string | null)[] {
  const widths = parts.map((p) => b.measure(p.text, p.face, p.size).width);
  const total = widths.reduce((s, w) => s + w, 0);
  let cx = align === 'left' ? x : align === 'right' ? x - total : x - total / 2;
  return parts.map((p, i) => {
    const ext = b.text(p.text, cx, y, p.face, p.size, p.label ? { color: p.color, label: p.label } : { color: p.color });
    cx += widths[i] ?? 0;
    return ext.id;
  });
}

/** A layout draws one page kind at layout scale `u`; it reports whether everything fit. */
export interface LayoutResult {
  facts: Facts;
  fits: boolean;
}
export type LayoutFn = (b: PageBuilder, seed: number, u: number, lineItems: number | undefined) => LayoutResult;

/** Largest size <= `size` at which `text` is at most `maxWidth` wide. */
export function fitSize(b: PageBuilder, text: string, face: Face, size: number, maxWidth: number): number {
  if (maxWidth <= 0) return Math.max(1, size * 0.25);
  const w = b.measure(text, face, size).width;
  return w <= maxWidth ? size : Math.max(1, size * (maxWidth / w) * 0.99);
}
