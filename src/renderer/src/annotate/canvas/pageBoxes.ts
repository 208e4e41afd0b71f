import type { Box } from '../../../../shared/domain/model';
import { SpatialIndex } from '../geometry';

/**
 * The boxes of one page with their spatial index, updated by difference: boxes keep their object
 * identity until they change, so after a keystroke in one transcription only that box is looked
 * at again, and `drawVersion` moves only when something the canvas draws has changed.
 */
export interface PageBoxes {
  pageId: string;
  boxes: Box[];
  index: SpatialIndex;
  drawVersion: number;
}

let last: { pageId: string; byId: Record<string, Box>; order: readonly string[]; result: PageBoxes } | null = null;

const drawnFieldsDiffer = (a: Box, b: Box) => a.x !== b.x || a.y !== b.y || a.w !== b.w || a.h !== b.h || a.label !== b.label || a.hidden !== b.hidden || a.pageId !== b.pageId;

export function pageBoxes(pageId: string, pageSize: number, order: readonly string[], byId: Record<string, Box>): PageBoxes {
  if (last && last.pageId === pageId && last.byId === byId && last.order === order) return last.result;
  const boxes: Box[] = [];
  for (const id of order) {
    const b = byId[id];
    if (b && b.pageId === pageId) boxes.push(b);
  }
  let index: SpatialIndex;
  let drawVersion: number;
  if (last && last.pageId === pageId) {
    index = last.result.index;
    drawVersion = last.result.drawVersion;
    let drawChanged = last.order !== order && last.result.boxes.length !== boxes.length;
    const before = last.byId;
    const seen = new Set<string>();
    for (const b of boxes) {
      seen.add(b.id);
      const old = before[b.id];
      if (old === b) continue;
      if (!old || old.pageId !== pageId || drawnFieldsDiffer(old, b)) {
        index.set(b.id, b);
        drawChanged = true;
      }
    }
    for (const b of last.result.boxes) {
      if (!seen.has(b.id)) {
        index.delete(b.id);
        drawChanged = true;
      }
    }
    if (drawChanged) drawVersion++;
  } else {
    index = new SpatialIndex(Math.max(64, Math.round(pageSize / 64)));
    for (const b of boxes) index.set(b.id, b);
    drawVersion = (last?.result.drawVersion ?? 0) + 1;
  }
  const result = { pageId, boxes, index, drawVersion };
  last = { pageId, byId, order, result };
  return result;
}
