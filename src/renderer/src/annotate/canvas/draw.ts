import type { Box, Label, Prediction } from '../../../../shared/domain/model';
import { contains, intersects, SpatialIndex, type Rect } from '../geometry';
import { placeBeside, type InkMap } from './labelRoom';

/**
 * Drawing every box of a page as one Konva shape: boxes are grouped by colour and each group is
 * one path with one stroke, so 10,000 boxes cost a few thousand path commands, not 10,000 nodes.
 * Coordinates are image pixels (the stage carries the zoom); widths are divided by the scale so
 * lines stay 1–2 screen pixels thick at any zoom. Label text follows a level of detail by zoom
 * (drawLabels) so it never covers the page's own text.
 */

/** Label spots kept between frames by the caller (one per page canvas). */
export interface LabelLayout {
  key: readonly unknown[];
  spots: Map<string, Rect | null>;
  taken: SpatialIndex;
  /** Text widths in CSS pixels at FONT_PX: they do not depend on the zoom. */
  widths: Map<string, number>;
}

export const newLabelLayout = (): LabelLayout => ({ key: [], spots: new Map(), taken: new SpatialIndex(), widths: new Map() });

/** A label drawn on the canvas, in image pixels. */
export interface DrawnText {
  id: string;
  kind: 'box' | 'prediction';
  text: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface DrawInput {
  boxes: Box[];
  predictions: Prediction[];
  labels: Map<string, Label>;
  selection: ReadonlySet<string>;
  hoverId: string | null;
  highlight: ReadonlySet<string>;
  problems: ReadonlySet<string>;
  selectedPredictionId: string | null;
  hoverPredictionId: string | null;
  /** Label text on boxes and predictions (T); colours and markers are drawn either way. */
  showLabels: boolean;
  /** The zoom is changing: no label text until it rests. */
  zooming: boolean;
  scale: number;
  visible: Rect;
  lowConfidence: number;
  page: { width: number; height: number };
  /** Where the page has ink; until it is known no label text is drawn. */
  ink: InkMap | null;
  /** Boxes and predictions near a rectangle (a superset), which label text must not cover. */
  near(r: Rect): Iterable<Rect>;
  layout: LabelLayout;
}

export const UNLABELLED = '#8a8f98';
export const PROBLEM = '#e5484d';
export const LOW_CONFIDENCE_COLOR = '#f5a524';
/** Label text: font and tag height in CSS pixels, whatever the zoom. */
const FONT_PX = 11;
const FONT_FAMILY = 'system-ui, sans-serif';
const TAG_PX = 15;
const PAD_PX = 3;
const GAP_PX = 2;
/** Boxes shorter than this on screen get no label text: at that zoom the page could not be read around it. */
export const MIN_TEXT_BOX_PX = 12;
/** Most label spots worked out per zoom level; past it, the remaining boxes keep only their colour. */
const MAX_LABELS = 1_500;
/** Time a frame may spend finding label spots, ms. */
const PLACE_BUDGET_MS = 6;
/** Radius of the low-confidence marker on a prediction's corner, CSS pixels. */
const MARKER_PX = 3.5;

const inView = (b: { x: number; y: number; w: number; h: number }, v: Rect) => b.x <= v.x + v.w && b.x + b.w >= v.x && b.y <= v.y + v.h && b.y + b.h >= v.y;

function colourOf(labels: Map<string, Label>, label: string | null): string {
  return (label && labels.get(label)?.color) || UNLABELLED;
}

function hexToRgba(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

export interface DrawResult {
  drawn: number;
  texts: DrawnText[];
  /** Some labels were left for the next frame (their spots took this frame's budget): draw again. */
  incomplete: boolean;
}

export function drawAnnotations(ctx: CanvasRenderingContext2D, input: DrawInput): DrawResult {
  const { scale, visible, labels } = input;
  const px = 1 / scale;
  const shown = input.boxes.filter((b) => !b.hidden && !input.selection.has(b.id) && inView(b, visible));

  // Fills and strokes, one path per colour.
  const groups = new Map<string, Box[]>();
  for (const b of shown) {
    const c = colourOf(labels, b.label);
    let g = groups.get(c);
    if (!g) groups.set(c, (g = []));
    g.push(b);
  }
  ctx.lineWidth = 1.5 * px;
  for (const [colour, group] of groups) {
    ctx.beginPath();
    for (const b of group) ctx.rect(b.x, b.y, b.w, b.h);
    ctx.fillStyle = hexToRgba(colour, 0.1);
    ctx.fill();
    ctx.strokeStyle = colour;
    ctx.setLineDash(colour === UNLABELLED ? [4 * px, 3 * px] : []);
    ctx.stroke();
  }
  ctx.setLineDash([]);

  // Emphasis on top: problems from a refused verify, evidence of the question in focus, hover.
  let byId: Map<string, Box> | null = null;
  const emphasise = (ids: Iterable<string>, colour: string, width: number) => {
    byId ??= new Map(shown.map((b) => [b.id, b]));
    ctx.beginPath();
    let any = false;
    for (const id of ids) {
      const b = byId.get(id);
      if (b) {
        ctx.rect(b.x, b.y, b.w, b.h);
        any = true;
      }
    }
    if (!any) return;
    ctx.lineWidth = width * px;
    ctx.strokeStyle = colour;
    ctx.stroke();
  };
  if (input.problems.size) emphasise(input.problems, PROBLEM, 3);
  if (input.highlight.size) emphasise(input.highlight, '#0091ff', 3);
  if (input.hoverId) emphasise([input.hoverId], '#0091ff', 2.5);

  // Pending predictions: dashed; low confidence in amber with a marker on the corner.
  const pending = input.predictions.filter((p) => p.status === 'pending' && p.kind === 'box' && p.x !== null && inView({ x: p.x, y: p.y!, w: p.w!, h: p.h! }, visible));
  ctx.setLineDash([6 * px, 4 * px]);
  for (const p of pending) {
    const low = p.confidence < input.lowConfidence;
    ctx.beginPath();
    ctx.rect(p.x!, p.y!, p.w!, p.h!);
    ctx.strokeStyle = low ? LOW_CONFIDENCE_COLOR : colourOf(labels, p.label);
    ctx.lineWidth = (p.id === input.selectedPredictionId ? 3 : p.id === input.hoverPredictionId ? 2.5 : 1.5) * px;
    ctx.stroke();
  }
  ctx.setLineDash([]);
  const lows = pending.filter((p) => p.confidence < input.lowConfidence);
  if (lows.length) {
    ctx.beginPath();
    for (const p of lows) {
      ctx.moveTo(p.x! + p.w! + MARKER_PX * px, p.y!);
      ctx.arc(p.x! + p.w!, p.y!, MARKER_PX * px, 0, 2 * Math.PI);
    }
    ctx.fillStyle = LOW_CONFIDENCE_COLOR;
    ctx.fill();
  }

  // Label text for every visible labelled box, the selected ones (drawn on their own layer) included;
  // none while the zoom is moving: its spots depend on the zoom.
  if (!input.showLabels || !input.ink || input.zooming) return { drawn: shown.length + pending.length, texts: [], incomplete: false };
  const labelled = input.boxes.filter((b) => !b.hidden && b.label && inView(b, visible));
  return { drawn: shown.length + pending.length, ...drawLabels(ctx, input, labelled, pending) };
}

/** What a prediction's label says on the canvas: its label and confidence, flagged when low. */
export function predictionText(p: Pick<Prediction, 'label' | 'confidence'>, lowConfidence: number): string {
  return `${p.confidence < lowConfidence ? '! ' : ''}${p.label ?? '?'} ${p.confidence.toFixed(2)}`;
}

/** A box or prediction named in words, for the hover label and the status bar. */
export function describeBox(b: Pick<Box, 'label' | 'transcription'>): string {
  const text = b.transcription.length > 40 ? `${b.transcription.slice(0, 39)}…` : b.transcription;
  return `${b.label ?? 'No label'}${text ? ` · “${text}”` : ''}`;
}

export function describePrediction(p: Pick<Prediction, 'label' | 'confidence'>, lowConfidence: number): string {
  return `${p.label ?? 'No label'} ${p.confidence.toFixed(2)} · prediction${p.confidence < lowConfidence ? ', low confidence' : ''}`;
}

/**
 * Label text, level of detail by zoom: only on boxes at least MIN_TEXT_BOX_PX tall on screen, and
 * only on a spot beside the box with no ink of the page, no other box and no other label (see
 * labelRoom.ts). Where there is no such spot the box keeps only its colour; hover and the status
 * bar still name it. Spots are kept while the zoom and the boxes stay the same, so panning neither
 * recomputes nor reshuffles them; while the zoom moves there is no text, and once it rests the
 * spots are found a few milliseconds per frame at a time.
 */
function drawLabels(ctx: CanvasRenderingContext2D, input: DrawInput, boxes: Box[], pending: Prediction[]): { texts: DrawnText[]; incomplete: boolean } {
  const { scale, labels, layout } = input;
  const ink = input.ink!;
  const px = 1 / scale;
  const key = [scale, input.boxes, input.predictions, ink, labels, input.lowConfidence];
  if (layout.key.length !== key.length || layout.key.some((k, i) => k !== key[i])) {
    layout.key = key;
    layout.spots.clear();
    layout.taken = new SpatialIndex(Math.max(16, 160 * px));
  }
  const tall = (h: number) => h * scale >= MIN_TEXT_BOX_PX;
  const tagH = TAG_PX * px;
  // Finding spots is the costly part: past the budget, the rest wait for the next frame.
  const deadline = performance.now() + PLACE_BUDGET_MS;
  let incomplete = false;
  const widthOf = (text: string) => {
    let w = layout.widths.get(text);
    if (w === undefined) {
      const drawing = ctx.font;
      ctx.font = `${FONT_PX}px ${FONT_FAMILY}`;
      layout.widths.set(text, (w = ctx.measureText(text).width + 2 * PAD_PX));
      ctx.font = drawing;
    }
    return w;
  };
  const spotFor = (id: string, subject: Rect, text: string): Rect | null => {
    let spot = layout.spots.get(id);
    if (spot !== undefined) return spot;
    if (layout.spots.size >= MAX_LABELS) return null;
    if (performance.now() > deadline) {
      incomplete = true;
      return null;
    }
    const fits = (r: Rect) => {
      if (r.x < 0 || r.y < 0 || r.x + r.w > input.page.width || r.y + r.h > input.page.height) return false;
      if (ink.inked(r)) return false;
      // Another box in the way, unless it holds this one (a table around its cells).
      for (const o of input.near(r)) if (intersects(o, r) && !contains(o, subject)) return false;
      for (const other of layout.taken.query(r)) if (intersects(layout.spots.get(other)!, r)) return false;
      return true;
    };
    spot = placeBeside(subject, widthOf(text) * px, tagH, GAP_PX * px, fits);
    layout.spots.set(id, spot);
    if (spot) layout.taken.set(id, spot);
    return spot;
  };

  // Where each label goes first, then one pass drawing them (fewer state changes).
  const texts: DrawnText[] = [];
  const colours = new Map<string, string>();
  for (const b of boxes) {
    if (!tall(b.h)) continue;
    const spot = spotFor(b.id, b, b.label!);
    if (!spot) continue;
    texts.push({ id: b.id, kind: 'box', text: b.label!, ...spot });
    colours.set(b.id, colourOf(labels, b.label));
  }
  for (const p of pending) {
    if (!tall(p.h!)) continue;
    const text = predictionText(p, input.lowConfidence);
    const spot = spotFor(p.id, { x: p.x!, y: p.y!, w: p.w!, h: p.h! }, text);
    if (!spot) continue;
    texts.push({ id: p.id, kind: 'prediction', text, ...spot });
    colours.set(p.id, p.confidence < input.lowConfidence ? LOW_CONFIDENCE_COLOR : colourOf(labels, p.label));
  }
  // Drawn in screen space at one font size: a font sized in image pixels changes with every zoom
  // step, and each new size costs the browser a font lookup and fresh glyphs.
  const m = ctx.getTransform();
  const ratio = m.a * px;
  ctx.save();
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.font = `${FONT_PX}px ${FONT_FAMILY}`;
  ctx.textBaseline = 'middle';
  ctx.lineWidth = 1;
  for (const t of texts) {
    const x = Math.round((m.a * t.x + m.e) / ratio);
    const y = Math.round((m.d * t.y + m.f) / ratio);
    const w = Math.round(t.w * scale);
    const h = Math.round(t.h * scale);
    const colour = colours.get(t.id)!;
    if (t.kind === 'box') {
      ctx.fillStyle = colour;
      ctx.fillRect(x, y, w, h);
      ctx.fillStyle = '#ffffff';
    } else {
      ctx.fillStyle = 'rgba(255, 255, 255, 0.94)';
      ctx.fillRect(x, y, w, h);
      ctx.strokeStyle = colour;
      ctx.strokeRect(x + 0.5, y + 0.5, w - 1, h - 1);
      ctx.fillStyle = colour;
    }
    ctx.fillText(t.text, x + PAD_PX, y + h / 2);
  }
  ctx.restore();
  return { texts, incomplete };
}
