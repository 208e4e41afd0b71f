import type Konva from 'konva';
import type { Box, Page } from '../../../../shared/domain/model';
import { useViewer } from '../../stores/viewer';
import { clampRect, MIN_BOX_SIZE, rectFromPoints, type Rect } from '../geometry';
import { readDrawnBox } from '../reading';
import { useAnnotationUi } from '../uiStore';
import { annotationStore } from '../useAnnotation';

/**
 * What a press on the page becomes until release: drawing a box, a marquee selection, or moving
 * the selected boxes. One handler per interaction (as cvat-canvas has), each with its own state;
 * the layers' pointer code only decides which one a press starts. Resizing belongs to the
 * transformer (AnnotationLayers' onTransformEnd).
 */

export interface Point {
  x: number;
  y: number;
}

/** Screen pixels a press may move before it becomes a drag. */
export const DRAG_THRESHOLD = 3;

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
