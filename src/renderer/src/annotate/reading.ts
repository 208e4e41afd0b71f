import { create } from 'zustand';
import type { Box } from '../../../shared/domain/model';
import type { OcrWord } from '../../../shared/domain/ocr';
import { api } from '../lib/api';
import { useApp } from '../stores/app';
import { toastError, useToasts } from '../stores/toasts';
import { knownWords, loadPageWords, meanConfidence, readingText, wordsInside } from './pageWords';
import { selectOnFill, transcriptionActivity } from './panels/shared';
import { isReadOnly } from './store';
import { annotationStore } from './useAnnotation';

/**
 * A box drawn on the page is read on this computer (`ocr.readRegion`): its transcription is filled
 * with what the page says inside it, and the box is pulled in to the ink, as the person's UI
 * preferences ask (Settings → Drawing boxes). Drawing never waits for it: the answer lands when it
 * comes, on the box as it was drawn — a box moved, resized, deleted or typed into meanwhile keeps
 * what the person did — and joins the drawing's undo step (see the store's fillDrawnBox). When the
 * page's words are already read (pageWords.ts) the text comes from them at once, and only the snap
 * asks the core; a region without a stored word is read as before. Text from the page is marked
 * prefilled until the person edits or confirms it.
 */

interface ReadingState {
  /** Boxes whose reading has not come back yet. */
  reading: ReadonlySet<string>;
}

export const useReading = create<ReadingState>(() => ({ reading: new Set() }));

const mark = (id: string, on: boolean) => {
  const reading = new Set(useReading.getState().reading);
  if (on) reading.add(id);
  else reading.delete(id);
  useReading.setState({ reading });
};

/** A failing reader (no language data, say) is said once in a while, not on every box. */
const QUIET_AFTER_ERROR_MS = 60_000;
let lastErrorAt = -Infinity;

export function readDrawnBox(box: Box): void {
  const ui = useApp.getState().settings?.ui;
  const readText = ui?.readDrawnBoxes ?? true;
  const snap = ui?.snapDrawnBoxes ?? true;
  if (!readText && !snap) return;
  const words = knownWords(box.pageId);
  if (words || !readText) return readRegionOf(box, readText && !fillFromWords(box, words ?? []), snap);
  // The page's words may still be on their way (or not read yet): wait for them, then decide.
  mark(box.id, true);
  void loadPageWords(box.pageId).then(() => {
    mark(box.id, false);
    readRegionOf(box, !fillFromWords(box, knownWords(box.pageId) ?? []), snap);
  });
}

/** Fill a drawn box's text from the stored words mostly inside it; false when none are. */
function fillFromWords(box: Box, words: readonly OcrWord[]): boolean {
  const inside = wordsInside(words, box);
  if (!inside.length) return false;
  const store = annotationStore.getState();
  if (transcriptionActivity(box.id).typed) return true;
  selectOnFill.add(box.id);
  const drawn = { x: box.x, y: box.y, w: box.w, h: box.h };
  if (store.fillDrawnBox(box.id, drawn, { transcription: readingText(inside) })) annotationStore.getState().markPrefilled(box.id, meanConfidence(inside));
  else selectOnFill.delete(box.id);
  return true;
}

function readRegionOf(box: Box, readText: boolean, snap: boolean): void {
  if (!readText && !snap) return;
  const { projectId, documentId } = annotationStore.getState();
  const drawn = { x: box.x, y: box.y, w: box.w, h: box.h };
  mark(box.id, true);
  const request = { projectId, documentId, pageId: box.pageId, ...drawn, ...(readText ? {} : { readText: false }) };
  const read = api()['ocr.readRegion'];
  void read(request)
    .then(
      (result) => {
        const store = annotationStore.getState();
        if (store.documentId !== documentId) return;
        const at = transcriptionActivity(box.id);
        const text = readText && result.text !== '' && !at.typed ? result.text : undefined;
        const rect = snap && result.snapped ? result.snapped : undefined;
        if (text !== undefined) selectOnFill.add(box.id);
        const filled = store.fillDrawnBox(box.id, drawn, { ...(text !== undefined ? { transcription: text } : {}), ...(rect ? { rect } : {}) });
        if (!filled) selectOnFill.delete(box.id);
        else if (text !== undefined && annotationStore.getState().boxes[box.id]?.transcription === text) annotationStore.getState().markPrefilled(box.id, result.confidence);
      },
      (err: unknown) => {
        if (performance.now() - lastErrorAt < QUIET_AFTER_ERROR_MS) return;
        lastErrorAt = performance.now();
        toastError('Folio could not read the box you drew', err);
      },
    )
    .finally(() => mark(box.id, false));
}

/**
 * S: pull every selected, unlocked box in to the ink inside it (one undo step). A box moved or
 * resized while the page was being looked at keeps what the person did.
 */
export async function snapSelection(): Promise<void> {
  const store = annotationStore.getState();
  if (isReadOnly(store)) return store.nudgeReadOnly();
  const boxes = [...store.selection].map((id) => store.boxes[id]).filter((b): b is Box => b !== undefined && !b.locked);
  if (!boxes.length) return;
  const { projectId, documentId } = store;
  const read = api()['ocr.readRegion'];
  for (const b of boxes) mark(b.id, true);
  const results = await Promise.all(
    boxes.map((b) => read({ projectId, documentId, pageId: b.pageId, x: b.x, y: b.y, w: b.w, h: b.h, readText: false }).catch(() => null)),
  ).finally(() => boxes.forEach((b) => mark(b.id, false)));
  const after = annotationStore.getState();
  if (after.documentId !== documentId || isReadOnly(after)) return;
  const updates = boxes.flatMap((b, i) => {
    const now = after.boxes[b.id];
    const snapped = results[i]?.snapped;
    if (!now || !snapped || now.x !== b.x || now.y !== b.y || now.w !== b.w || now.h !== b.h) return [];
    if (snapped.x === b.x && snapped.y === b.y && snapped.w === b.w && snapped.h === b.h) return [];
    return [{ id: b.id, patch: { x: snapped.x, y: snapped.y, w: snapped.w, h: snapped.h } }];
  });
  if (updates.length) after.updateBoxes(updates);
  else useToasts.getState().push({ kind: 'info', title: 'Nothing to snap', message: 'The selected boxes already fit the ink inside them, or hold none.' });
}
