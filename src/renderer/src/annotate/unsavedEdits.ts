import type { Change } from './changes';

/** Ids of the boxes, QA pairs and predictions a save request sends. */
export interface UnsavedIds {
  boxIds: string[];
  qaIds: string[];
  predictionIds: string[];
}

export interface UnsavedEdits {
  /** A committed change (or an undo/redo of one): its ids are sent by the next save. */
  mark(change: Change): void;
  any(): boolean;
  /** Every unsaved id, for one save request; they count as saved until `restore`. */
  take(): UnsavedIds;
  /** The save failed: its ids are unsaved again (nothing is lost). */
  restore(ids: UnsavedIds): void;
  clear(): void;
}

/** What autosave still has to send: ids only, so the request carries the newest state of each. */
export function createUnsavedEdits(): UnsavedEdits {
  const boxes = new Set<string>();
  const qa = new Set<string>();
  const predictions = new Set<string>();
  const clear = () => {
    boxes.clear();
    qa.clear();
    predictions.clear();
  };
  return {
    mark(change) {
      for (const c of change.boxes) boxes.add(c.id);
      for (const c of change.qa) qa.add(c.id);
      for (const c of change.predictions) predictions.add(c.id);
    },
    any: () => boxes.size > 0 || qa.size > 0 || predictions.size > 0,
    take() {
      const ids = { boxIds: [...boxes], qaIds: [...qa], predictionIds: [...predictions] };
      clear();
      return ids;
    },
    restore(ids) {
      for (const id of ids.boxIds) boxes.add(id);
      for (const id of ids.qaIds) qa.add(id);
      for (const id of ids.predictionIds) predictions.add(id);
    },
    clear,
  };
}
