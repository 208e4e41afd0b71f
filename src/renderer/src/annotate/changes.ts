import type { Box, Prediction, QaPair } from '../../../shared/domain/model';

/**
 * Every edit is a Change: the before and after of each box, QA pair and prediction status it
 * touches. Applying `after` does it, applying `before` undoes it, and the ids it touches are what
 * autosave sends. A drag or a multi-box move is one Change, so it is one undo step.
 */
export interface Change {
  boxes: { id: string; before: Box | null; after: Box | null }[];
  qa: { id: string; before: QaPair | null; after: QaPair | null }[];
  predictions: { id: string; before: Prediction['status']; after: Prediction['status'] }[];
}

export const emptyChange = (): Change => ({ boxes: [], qa: [], predictions: [] });

export function invert(change: Change): Change {
  return {
    boxes: change.boxes.map((c) => ({ id: c.id, before: c.after, after: c.before })),
    qa: change.qa.map((c) => ({ id: c.id, before: c.after, after: c.before })),
    predictions: change.predictions.map((c) => ({ id: c.id, before: c.after, after: c.before })),
  };
}

export function isEmpty(change: Change): boolean {
  return change.boxes.length === 0 && change.qa.length === 0 && change.predictions.length === 0;
}

/** Boxes compare by value: a "move" that ends where it started is not an edit. */
export function sameBox(a: Box | null, b: Box | null): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return (
    a.pageId === b.pageId &&
    a.label === b.label &&
    a.x === b.x &&
    a.y === b.y &&
    a.w === b.w &&
    a.h === b.h &&
    a.transcription === b.transcription &&
    a.locked === b.locked &&
    a.hidden === b.hidden &&
    a.originPredictionId === b.originPredictionId
  );
}

export function sameQa(a: QaPair | null, b: QaPair | null): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return (
    a.question === b.question &&
    a.answer === b.answer &&
    a.unanswerable === b.unanswerable &&
    a.source === b.source &&
    a.templateId === b.templateId &&
    a.originPredictionId === b.originPredictionId &&
    a.evidenceBoxIds.length === b.evidenceBoxIds.length &&
    a.evidenceBoxIds.every((id, i) => b.evidenceBoxIds[i] === id)
  );
}

/** Drop entries that change nothing, so undo never has empty steps. */
export function prune(change: Change): Change {
  return {
    boxes: change.boxes.filter((c) => !sameBox(c.before, c.after)),
    qa: change.qa.filter((c) => !sameQa(c.before, c.after)),
    predictions: change.predictions.filter((c) => c.before !== c.after),
  };
}
