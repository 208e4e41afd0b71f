import { create } from 'zustand';
import type { Box, Prediction } from '../../../shared/domain/model';
import { api } from '../lib/api';
import { useToasts } from '../stores/toasts';
import { isReadOnly } from './store';
import { useAnnotationUi } from './uiStore';
import { annotationStore } from './useAnnotation';

/**
 * The page's own text inside a model's box, read on this computer (`ocr.readRegion`) when the
 * prediction is selected. Where it differs from what the model transcribed, the predictions panel
 * shows it, and one key (O) accepts the prediction with the page's text instead of correcting the
 * model's by hand. The same key reads selected boxes again.
 */

/** Below this the reader is guessing: its text is not offered. */
export const PAGE_TEXT_MIN_CONFIDENCE = 0.5;

type Reading = { state: 'reading' } | { state: 'read'; text: string; confidence: number } | { state: 'failed' };

interface PageTextState {
  documentId: string | null;
  byPrediction: Readonly<Record<string, Reading>>;
}

export const usePageText = create<PageTextState>(() => ({ documentId: null, byPrediction: {} }));

const info = (title: string, message?: string) => useToasts.getState().push({ kind: 'info', title, ...(message ? { message } : {}) });

const pending = new Map<string, Promise<Reading>>();

type Region = Pick<Box, 'pageId' | 'x' | 'y' | 'w' | 'h'>;

async function readRegion(region: Region): Promise<{ text: string; confidence: number }> {
  const { projectId, documentId } = annotationStore.getState();
  const { text, confidence } = await api()['ocr.readRegion']({ projectId, documentId, pageId: region.pageId, x: region.x, y: region.y, w: region.w, h: region.h });
  return { text, confidence };
}

function boxRegion(p: Prediction): Region | null {
  return p.kind === 'box' && p.pageId && p.x !== null && p.y !== null && p.w !== null && p.h !== null && p.w > 0 && p.h > 0 ? { pageId: p.pageId, x: p.x, y: p.y, w: p.w, h: p.h } : null;
}

/** Read a box prediction's region once per document (predictions never move); later calls share it. */
export function readPrediction(p: Prediction): Promise<Reading> {
  const region = boxRegion(p);
  if (!region) return Promise.resolve({ state: 'failed' });
  const { documentId } = annotationStore.getState();
  if (usePageText.getState().documentId !== documentId) {
    pending.clear();
    usePageText.setState({ documentId, byPrediction: {} });
  }
  const known = usePageText.getState().byPrediction[p.id];
  if (known && known.state !== 'reading') return Promise.resolve(known);
  const inFlight = pending.get(p.id);
  if (inFlight) return inFlight;
  const set = (reading: Reading) => {
    if (usePageText.getState().documentId === documentId) usePageText.setState((s) => ({ byPrediction: { ...s.byPrediction, [p.id]: reading } }));
    return reading;
  };
  set({ state: 'reading' });
  const promise = readRegion(region).then(
    ({ text, confidence }) => set({ state: 'read', text, confidence }),
    () => set({ state: 'failed' }),
  );
  pending.set(p.id, promise);
  void promise.finally(() => pending.delete(p.id));
  return promise;
}

/** The page's text for a prediction when it is worth offering: read, confident, and not what the model said. */
export function offeredPageText(p: Prediction, reading: Reading | undefined): string | null {
  if (!reading || reading.state !== 'read' || reading.text === '' || reading.confidence < PAGE_TEXT_MIN_CONFIDENCE) return null;
  const model = (p.transcription ?? '').replace(/\s+/g, ' ').trim();
  return reading.text === model ? null : reading.text;
}

/**
 * O: accept the selected box prediction with the text the page shows; with boxes selected instead,
 * replace their transcriptions with what the page shows inside them (one undo step).
 */
export async function takePageTextForSelection(decide: (id: string, accept: boolean) => void): Promise<void> {
  const ui = useAnnotationUi.getState();
  const store = annotationStore.getState();
  if (isReadOnly(store)) return store.nudgeReadOnly();
  const prediction = store.predictions.find((p) => p.id === ui.selectedPredictionId && p.status === 'pending');
  if (prediction) {
    if (!boxRegion(prediction)) return;
    const reading = await readPrediction(prediction);
    const now = annotationStore.getState().predictions.find((p) => p.id === prediction.id);
    if (!now || now.status !== 'pending') return;
    if (reading.state !== 'read' || reading.text === '') {
      info('Folio found no text to read in that box', reading.state === 'failed' ? 'The page could not be read there.' : 'Correct its text with Enter instead.');
      return;
    }
    const current = useAnnotationUi.getState();
    current.set({ predictionText: { ...current.predictionText, [prediction.id]: reading.text } });
    decide(prediction.id, true);
    return;
  }
  const boxes = [...store.selection].map((id) => store.boxes[id]).filter((b): b is Box => b !== undefined && !b.locked);
  if (!boxes.length) return;
  const documentId = store.documentId;
  const readings = await Promise.all(boxes.map((b) => readRegion(b).catch(() => null)));
  const after = annotationStore.getState();
  if (after.documentId !== documentId || isReadOnly(after)) return;
  const updates = boxes.flatMap((b, i) => {
    const text = readings[i]?.text;
    return text && after.boxes[b.id] && after.boxes[b.id]!.transcription !== text ? [{ id: b.id, patch: { transcription: text } }] : [];
  });
  if (updates.length) after.updateBoxes(updates);
  const unread = readings.filter((r) => !r?.text).length;
  if (unread) info(`Folio found no text in ${unread} of the ${boxes.length} selected box${boxes.length === 1 ? '' : 'es'}`, 'Their transcriptions were left as they were.');
  else if (!updates.length) info('The transcriptions already say what the page shows');
}
