import { useStore } from 'zustand';
import { api } from '../lib/api';
import { createAnnotationStore, type AnnotationStore } from './store';

/** The one annotation store of the document view (the renderer edits one document at a time). */
export const annotationStore = createAnnotationStore(api());

export function useAnnotation<T>(selector: (s: AnnotationStore) => T): T {
  return useStore(annotationStore, selector);
}

/** Save before the page goes away; the browser may still cut this short, autosave has already run by then. */
window.addEventListener('beforeunload', () => void annotationStore.getState().flush());
