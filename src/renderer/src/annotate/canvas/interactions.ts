import type Konva from 'konva';
import type { Box, Page, Prediction } from '../../../../shared/domain/model';
import { useViewer } from '../../stores/viewer';
import { clampRect, MIN_BOX_SIZE, rectFromPoints, type Rect, type SpatialIndex } from '../geometry';
import type { OcrWord } from '../../../../shared/domain/ocr';
import { meanConfidence, readingText, wordAt, wordsBounds, wordsTouching } from '../pageWords';
import { readDrawnBox } from '../reading';
import { useAnnotationUi } from '../uiStore';
import { annotationStore } from '../useAnnotation';

/**
 * What a press on the page becomes until release: drawing a box, a marquee selection, or moving
 * the selected boxes. One handler per interaction (as cvat-canvas has), each with its own state;
 * the layers' pointer code (useStagePointer) only decides which one a press starts. Resizing
 * belongs to the transformer (SelectionLayer), whose geometry rules are here too.
 */

export interface Point {
  x: number;
  y: number;
}

/** Screen pixels a press may move before it becomes a drag. */
export const DRAG_THRESHOLD = 3;
/** Screen pixels around the pointer that still count as "on" a box edge. */
const HIT_TOLERANCE = 3;

export interface Interaction {
  move(p: Point): void;
  end(p: Point): void;
}

/** What the interactions draw on and read: the page, the draft rectangle, the selection's nodes. */
export interface InteractionSurface {
  page: Page;
  showDraft(r: Rect | null, dashed: boolean): void;
  selectionLayer(): Konva.Layer | null;
  transformer(): Konva.Transformer | null;
  /** Box ids whose bounds may meet a rectangle. */
  query(r: Rect): Iterable<string>;
  /** A press that did not move the boxes: a click on whatever is under `p`. */
  click(p: Point): void;
  /** The Konva node id of a box's selection rectangle. */
  selectionNodeId(boxId: string): string;
}

const scale = () => useViewer.getState().scale;

/** Drag out a new box (kept on the page); a box too small to see is taken as a click and dropped. */
export function drawInteraction(surface: InteractionSurface, from: Point): Interaction {
  const { page } = surface;
  const start = { x: Math.min(Math.max(from.x, 0), page.width), y: Math.min(Math.max(from.y, 0), page.height) };
  const rectTo = (p: Point) => clampRect(rectFromPoints(start.x, start.y, p.x, p.y), page.width, page.height);
  return {
    move: (p) => surface.showDraft(rectTo(p), false),
    end: (p) => {
      surface.showDraft(null, false);
      const r = rectTo(p);
      const s = scale();
      if (r.w * s < 4 || r.h * s < 4 || r.w < MIN_BOX_SIZE || r.h < MIN_BOX_SIZE) return;
      const box: Box = { id: crypto.randomUUID(), pageId: page.id, label: useAnnotationUi.getState().activeLabel, ...r, transcription: '', locked: false, hidden: false, originPredictionId: null };
      annotationStore.getState().addBoxes([box]);
      // The page's text inside it arrives a moment later; the next box can be drawn meanwhile.
      if (annotationStore.getState().boxes[box.id]) readDrawnBox(box);
    },
  };
}

/**
 * Alt+click on a word: a box exactly around it with its text; Alt+drag: one box around every word
 * the dragged rectangle touches, its text theirs in reading order. The box gets the label for new
 * boxes and is marked prefilled (its text is the reader's); one undo step.
 */
export function wordBoxInteraction(surface: InteractionSurface, start: Point, words: readonly OcrWord[]): Interaction {
  return {
    move: (p) => surface.showDraft(rectFromPoints(start.x, start.y, p.x, p.y), true),
    end: (p) => {
      surface.showDraft(null, true);
      const r = rectFromPoints(start.x, start.y, p.x, p.y);
      const s = scale();
      const isClick = r.w * s < DRAG_THRESHOLD && r.h * s < DRAG_THRESHOLD;
      const hit = isClick ? wordAt(words, p, HIT_TOLERANCE / s) : null;
      const chosen = isClick ? (hit ? [hit] : []) : wordsTouching(words, r);
      const bounds = wordsBounds(chosen);
      if (!bounds) return;
      const { page } = surface;
      const rect = clampRect(bounds, page.width, page.height);
      const box: Box = { id: crypto.randomUUID(), pageId: page.id, label: useAnnotationUi.getState().activeLabel, ...rect, transcription: readingText(chosen), locked: false, hidden: false, originPredictionId: null };
      const store = annotationStore.getState();
      store.addBoxes([box]);
      if (annotationStore.getState().boxes[box.id]) annotationStore.getState().markPrefilled(box.id, meanConfidence(chosen));
    },
  };
}

/** Select the visible boxes a dragged rectangle touches (added to the selection with Shift); a click on nothing clears it. */
export function marqueeInteraction(surface: InteractionSurface, start: Point, additive: boolean): Interaction {
  return {
    move: (p) => surface.showDraft(rectFromPoints(start.x, start.y, p.x, p.y), true),
    end: (p) => {
      surface.showDraft(null, true);
      const store = annotationStore.getState();
      const r = rectFromPoints(start.x, start.y, p.x, p.y);
      const s = scale();
      if (r.w * s < DRAG_THRESHOLD && r.h * s < DRAG_THRESHOLD) {
        if (!additive) store.select([]);
        return;
      }
      const ids = [...surface.query(r)].filter((id) => {
        const b = annotationStore.getState().boxes[id];
        return b && !b.hidden && b.x < r.x + r.w && b.x + b.w > r.x && b.y < r.y + r.h && b.y + b.h > r.y;
      });
      store.select(ids, additive ? 'add' : 'replace');
    },
  };
}

/**
 * Drag the selected boxes (their original geometry in `origins`): the selection's nodes follow the
 * pointer, and the model changes once, on release, so a drag is one undo step. A press that never
 * passes DRAG_THRESHOLD is a click.
 */
export function moveInteraction(surface: InteractionSurface, start: Point, origins: ReadonlyMap<string, Box>): Interaction {
  const { page } = surface;
  let moved = false;
  const movedRect = (b: Box, p: Point) => clampRect({ x: b.x + (p.x - start.x), y: b.y + (p.y - start.y), w: b.w, h: b.h }, page.width, page.height);
  return {
    move: (p) => {
      if (!moved && Math.hypot(p.x - start.x, p.y - start.y) * scale() < DRAG_THRESHOLD) return;
      moved = true;
      const layer = surface.selectionLayer();
      for (const [id, b] of origins) {
        const r = movedRect(b, p);
        layer?.findOne(`#${surface.selectionNodeId(id)}`)?.position({ x: r.x, y: r.y });
      }
      surface.transformer()?.forceUpdate();
      layer?.batchDraw();
    },
    end: (p) => {
      if (!moved) return surface.click(p);
      annotationStore.getState().updateBoxes([...origins].map(([id, b]) => ({ id, patch: movedRect(b, p) })));
    },
  };
}

/** Box ids are UUIDs or imported ids: make them safe inside a Konva "#id" selector. */
export function selectionNodeId(boxId: string): string {
  return `sel-${boxId.replace(/[^a-zA-Z0-9_-]/g, '_')}`;
}

/** The smallest visible box under the point (nested fields win over the table around them). */
export function hitBox(p: Point, index: SpatialIndex, boxesById: Readonly<Record<string, Box>>): Box | null {
  const tol = HIT_TOLERANCE / scale();
  let best: Box | null = null;
  for (const id of index.query({ x: p.x - tol, y: p.y - tol, w: 2 * tol, h: 2 * tol })) {
    const b = boxesById[id];
    if (!b || b.hidden) continue;
    if (p.x >= b.x - tol && p.x <= b.x + b.w + tol && p.y >= b.y - tol && p.y <= b.y + b.h + tol) {
      if (!best || b.w * b.h < best.w * best.h) best = b;
    }
  }
  return best;
}

/** The smallest shown prediction under the point. */
export function hitPrediction(p: Point, predictions: readonly Prediction[]): Prediction | null {
  const tol = HIT_TOLERANCE / scale();
  let best: Prediction | null = null;
  for (const pr of predictions) {
    if (pr.x === null || pr.y === null || pr.w === null || pr.h === null) continue;
    if (p.x >= pr.x - tol && p.x <= pr.x + pr.w + tol && p.y >= pr.y - tol && p.y <= pr.y + pr.h + tol) {
      if (!best || pr.w * pr.h < best.w! * best.h!) best = pr;
    }
  }
  return best;
}

/** Screen-space box the transformer proposes while resizing. */
export interface ScreenBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Keep a resize on the page and not smaller than a couple of pixels (both boxes in screen pixels). */
export function keepResizeOnPage<B extends ScreenBox>(page: Page, oldBox: B, newBox: B): B {
  const { scale: s, x, y } = useViewer.getState();
  const right = x + page.width * s;
  const bottom = y + page.height * s;
  if (newBox.width < MIN_BOX_SIZE * s || newBox.height < MIN_BOX_SIZE * s) return oldBox;
  if (newBox.x < x - 0.5 || newBox.y < y - 0.5 || newBox.x + newBox.width > right + 0.5 || newBox.y + newBox.height > bottom + 0.5) return oldBox;
  return newBox;
}

/**
 * A resize done: each selected box takes its node's transformed geometry (kept on the page), the
 * node's scale goes back to 1, and the model changes once for the whole selection.
 */
export function endResize(page: Page, layer: Konva.Layer, boxes: readonly Box[]): void {
  const updates = boxes.flatMap((b) => {
    const node = layer.findOne(`#${selectionNodeId(b.id)}`);
    if (!node) return [];
    const r = clampRect({ x: node.x(), y: node.y(), w: Math.max(MIN_BOX_SIZE, node.width() * node.scaleX()), h: Math.max(MIN_BOX_SIZE, node.height() * node.scaleY()) }, page.width, page.height);
    node.setAttrs({ scaleX: 1, scaleY: 1, width: r.w, height: r.h, x: r.x, y: r.y });
    return [{ id: b.id, patch: r }];
  });
  annotationStore.getState().updateBoxes(updates);
}
