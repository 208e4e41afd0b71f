import { useStore } from 'zustand';
import { api } from '../lib/api';
import { createAnnotationStore, type AnnotationStore } from './store';
import { useAnnotationUi } from './uiStore';

/** The one annotation store of the document view (the renderer edits one document at a time). */
export const annotationStore = createAnnotationStore(api());

export function useAnnotation<T>(selector: (s: AnnotationStore) => T): T {
  return useStore(annotationStore, selector);
}

/** Save before the page goes away; the browser may still cut this short, autosave has already run by then. */
window.addEventListener('beforeunload', () => void annotationStore.getState().flush());

// One thing is selected at a time: selecting boxes ends the selection of a prediction, so A, X and
// O act on what the person just picked, not on a prediction chosen before.
annotationStore.subscribe((s, prev) => {
  if (s.selection !== prev.selection && s.selection.size > 0 && useAnnotationUi.getState().selectedPredictionId !== null) {
    useAnnotationUi.getState().set({ selectedPredictionId: null });
  }
});
