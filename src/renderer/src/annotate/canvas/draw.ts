import type { Box, Label, Prediction } from '../../../../shared/domain/model';
import type { Rect } from '../geometry';

/**
 * Drawing every box of a page as one Konva shape: boxes are grouped by colour and each group is
 * one path with one stroke, so 10,000 boxes cost a few thousand path commands, not 10,000 nodes.
 * Coordinates are image pixels (the stage carries the zoom); widths are divided by the scale so
 * lines stay 1–2 screen pixels thick at any zoom.
 */

export interface DrawInput {
  boxes: Box[];
  predictions: Prediction[];
  labels: Map<string, Label>;
  selection: ReadonlySet<string>;
  hoverId: string | null;
  highlight: ReadonlySet<string>;
  problems: ReadonlySet<string>;
  selectedPredictionId: string | null;
  showLabels: boolean;
  scale: number;
  visible: Rect;
  lowConfidence: number;
}

export const UNLABELLED = '#8a8f98';
export const PROBLEM = '#e5484d';
export const LOW_CONFIDENCE_COLOR = '#f5a524';
/** Past this many boxes on screen, label text is drawn only on boxes tall enough to read it. */
const TEXT_BUDGET = 1_500;

const inView = (b: { x: number; y: number; w: number; h: number }, v: Rect) => b.x <= v.x + v.w && b.x + b.w >= v.x && b.y <= v.y + v.h && b.y + b.h >= v.y;

function colourOf(labels: Map<string, Label>, label: string | null): string {
  return (label && labels.get(label)?.color) || UNLABELLED;
}

function hexToRgba(hex: string, alpha: number): string {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

export function drawAnnotations(ctx: CanvasRenderingContext2D, input: DrawInput): { drawn: number } {
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

  // Pending predictions: dashed, with their confidence; low confidence in amber with a marker.
  const pending = input.predictions.filter((p) => p.status === 'pending' && p.kind === 'box' && p.x !== null && inView({ x: p.x, y: p.y!, w: p.w!, h: p.h! }, visible));
  ctx.lineWidth = 1.5 * px;
  ctx.setLineDash([6 * px, 4 * px]);
  for (const low of [false, true]) {
    const group = pending.filter((p) => p.confidence < input.lowConfidence === low);
    if (!group.length) continue;
    for (const p of group) {
      ctx.beginPath();
      ctx.rect(p.x!, p.y!, p.w!, p.h!);
      ctx.strokeStyle = low ? LOW_CONFIDENCE_COLOR : colourOf(labels, p.label);
      ctx.lineWidth = (p.id === input.selectedPredictionId ? 3 : 1.5) * px;
      ctx.stroke();
    }
  }
  ctx.setLineDash([]);

  // Text: label names (and confidences) where there is room to read them.
  const fontPx = 11;
  const tall = (h: number) => h * scale >= 14;
  const textBoxes = input.showLabels ? (shown.length <= TEXT_BUDGET ? shown : shown.filter((b) => tall(b.h))) : [];
  const textPredictions = pending.length <= TEXT_BUDGET ? pending : pending.filter((p) => tall(p.h!));
  if (textBoxes.length || textPredictions.length) {
    ctx.font = `${fontPx * px}px system-ui, sans-serif`;
    ctx.textBaseline = 'bottom';
    for (const b of textBoxes.slice(0, TEXT_BUDGET)) {
      if (!b.label) continue;
      const colour = colourOf(labels, b.label);
      const width = ctx.measureText(b.label).width + 6 * px;
      ctx.fillStyle = colour;
      ctx.fillRect(b.x, b.y - (fontPx + 3) * px, width, (fontPx + 3) * px);
      ctx.fillStyle = '#ffffff';
      ctx.fillText(b.label, b.x + 3 * px, b.y - 1.5 * px);
    }
    for (const p of textPredictions.slice(0, TEXT_BUDGET)) {
      const low = p.confidence < input.lowConfidence;
      const text = `${low ? '! ' : ''}${p.label ?? '?'} ${p.confidence.toFixed(2)}`;
      ctx.fillStyle = low ? LOW_CONFIDENCE_COLOR : colourOf(labels, p.label);
      ctx.fillText(text, p.x! + 2 * px, p.y! + p.h! + (fontPx + 2) * px);
    }
  }
  return { drawn: shown.length + pending.length };
}
