import { create } from 'zustand';
import type { Box } from '../../../shared/domain/model';
import { api } from '../lib/api';
import { useApp } from '../stores/app';
import { toastError } from '../stores/toasts';
import { selectOnFill, transcriptionActivity } from './panels/shared';
import { annotationStore } from './useAnnotation';

/**
 * A box drawn on the page is read on this computer (`ocr.readRegion`): its transcription is filled
 * with what the page says inside it, and the box is pulled in to the ink, as the person's UI
 * preferences ask (Settings → Drawing boxes). Drawing never waits for it: the answer lands when it
 * comes, on the box as it was drawn — a box moved, resized, deleted or typed into meanwhile keeps
 * what the person did — and joins the drawing's undo step (see the store's fillDrawnBox).
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
      },
      (err: unknown) => {
        if (performance.now() - lastErrorAt < QUIET_AFTER_ERROR_MS) return;
        lastErrorAt = performance.now();
        toastError('Folio could not read the box you drew', err);
      },
    )
    .finally(() => mark(box.id, false));
}
