import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AppApi } from '../../../shared/contract/methods';
import { applyChange } from './store/applyChange';
import { boxSlice } from './store/boxSlice';
import { History } from './store/history';
import { historySlice } from './store/historySlice';
import { predictionSlice } from './store/predictionSlice';
import { qaSlice } from './store/qaSlice';
import { reconcileQuestions } from './store/questions';
import { Saver } from './store/saver';
import { selectionSlice } from './store/selectionSlice';
import { sessionSlice } from './store/sessionSlice';
import type { StoreShared } from './store/shared';
import type { AnnotationStore } from './store/types';

export { AUTOSAVE_DELAY_MS, MAX_UNSAVED_MS } from './store/saver';
export { isReadOnly } from './store/types';
export type { AnnotationData, AnnotationStore, GeometryOf, PageOnScreen, PageSize, QuestionContext, SaveRefusal, SaveState } from './store/types';

/**
 * The annotation being edited: boxes, QA pairs and prediction decisions for one document, with
 * undo/redo and autosave. Built from slices (see store/): every edit goes through the history
 * slice's `commit(change)`, the History keeps the undo steps and where the verified content is,
 * and the Saver sends edits in the background, so drawing never waits for the disk.
 */
export function createAnnotationStore(api: AppApi): StoreApi<AnnotationStore> {
  return createStore<AnnotationStore>()((set, get) => {
    const history = new History();
    const saver = new Saver(api, get, set, history);
    const shared: StoreShared = {
      api,
      history,
      saver,
      apply: (change) => applyChange(get, set, change),
      reconcile: () => reconcileQuestions(get, set),
    };
    return {
      ...sessionSlice(set, get, shared),
      ...historySlice(set, get, shared),
      ...selectionSlice(set, get, shared),
      ...boxSlice(set, get, shared),
      ...qaSlice(set, get, shared),
      ...predictionSlice(set, get, shared),
    };
  });
}
