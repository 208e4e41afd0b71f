import { useMemo } from 'react';
import type { Label, Page } from '../../../../shared/domain/model';
import { useApp } from '../../stores/app';
import { useDocumentView } from '../documentViewStore';
import { useProjects } from '../../stores/projects';
import { navigate, paths, useRoute } from '../../stores/route';
import { resolveKeymap, type Keymap } from '../keymap';
import { annotationStore, useAnnotation } from '../useAnnotation';

const NO_LABELS: Label[] = [];
const NO_OVERRIDES: Record<string, string[]> = {};

/** The project's label set (stable identity until the project changes). */
export function useLabels(projectId: string): Label[] {
  return useProjects((s) => s.byId[projectId]?.project?.labels) ?? NO_LABELS;
}

/** The current project's labels, for components that only know the annotation store. */
export function useCurrentLabels(): Label[] {
  const projectId = useAnnotation((s) => s.projectId);
  return useLabels(projectId);
}

/** Default keys with the user's overrides from settings. */
export function useKeymap(): Keymap {
  const overrides = useApp((s) => s.settings?.ui.keymap) ?? NO_OVERRIDES;
  return useMemo(() => resolveKeymap(overrides), [overrides]);
}

export function labelColor(labels: readonly Label[], name: string | null): string | null {
  if (!name) return null;
  return labels.find((l) => l.name === name)?.color ?? null;
}

/** Pages of the open document (from the document view's store). */
export function documentPages(): Page[] {
  const s = useDocumentView.getState();
  const store = annotationStore.getState();
  return s.key === `${store.projectId}/${store.documentId}` ? (s.doc?.pages ?? []) : [];
}

export function currentPageNumber(): number {
  const route = useRoute.getState().route;
  return route.name === 'document' ? route.page : 1;
}

/** Show the page a box (or prediction) is on, if it is not the one on screen. */
export function showPage(pageId: string | null): void {
  if (!pageId) return;
  const { projectId, documentId } = annotationStore.getState();
  const page = documentPages().find((p) => p.id === pageId);
  if (!page || page.pageNumber === currentPageNumber()) return;
  navigate(paths.document(projectId, documentId, page.pageNumber), { replace: true });
}

/**
 * Run `fn` with the first element matching `selector` once it is in the document (a tab that just
 * switched, a virtual list that just scrolled): tries on the next few animation frames.
 */
export function whenElement<T extends Element = HTMLElement>(selector: string, fn: (el: T) => void, frames = 30): void {
  const attempt = (left: number) => {
    const el = document.querySelector<T & Element>(selector);
    if (el) fn(el as T);
    else if (left > 0) requestAnimationFrame(() => attempt(left - 1));
  };
  attempt(frames);
}

export const cssEscape = (value: string): string => (typeof CSS !== 'undefined' && CSS.escape ? CSS.escape(value) : value.replace(/["\\]/g, '\\$&'));

export function formatConfidence(c: number): string {
  return `${Math.round(c * 100)}%`;
}

/** Boxes whose transcription has typed text not yet in the store. */
export const draftingBoxes = new Set<string>();

/**
 * Boxes whose transcription was just filled from the page: the field shows the text selected when
 * the caret is in it, in the same render, so the next key replaces it rather than appending.
 */
export const selectOnFill = new Set<string>();

/** The transcription field of a box's row, when the row is rendered. */
export function transcriptionField(boxId: string): HTMLInputElement | null {
  return document.querySelector<HTMLInputElement>(`[data-testid="region-row"][data-box-id="${cssEscape(boxId)}"] [data-testid="region-transcription"]`);
}

/**
 * Whether the person is at a box's transcription: `focused` (the caret is in it) and `typed` (it
 * holds text, in the store or still being typed). Text read from the page never replaces theirs.
 */
export function transcriptionActivity(boxId: string): { focused: boolean; typed: boolean } {
  const field = transcriptionField(boxId);
  const focused = field !== null && field === document.activeElement;
  return { focused, typed: draftingBoxes.has(boxId) || (field !== null && field.value !== '') };
}
