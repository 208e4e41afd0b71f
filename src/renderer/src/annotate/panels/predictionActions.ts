import type { Prediction } from '../../../../shared/domain/model';
import { useApp } from '../../stores/app';
import { toastSuccess } from '../../stores/toasts';
import { LOW_CONFIDENCE, useAnnotationUi } from '../uiStore';
import { annotationStore } from '../useAnnotation';
import { formatConfidence, showPage } from './shared';

/**
 * Deciding model predictions, from keys, the canvas and the predictions list alike. Deciding the
 * selected prediction selects the next undecided one, so a page of predictions is reviewed with one
 * key each: A accepts, X rejects, a label's number accepts it with that label.
 */

export const DEFAULT_ACCEPT_THRESHOLD = 0.8;

const edit = () => annotationStore.getState();

export function acceptThreshold(): number {
  return useApp.getState().settings?.ui.acceptThreshold ?? DEFAULT_ACCEPT_THRESHOLD;
}

/** Undecided predictions in the order the list shows them (only low ones while that filter is on). */
export function undecided(predictions: Prediction[] = edit().predictions): Prediction[] {
  const lowOnly = useAnnotationUi.getState().lowConfidenceOnly;
  return predictions.filter((p) => p.status === 'pending' && (!lowOnly || p.confidence < LOW_CONFIDENCE));
}

export function selectPrediction(p: Prediction | null): void {
  useAnnotationUi.getState().set({ selectedPredictionId: p?.id ?? null });
  if (p) {
    edit().select([]);
    showPage(p.pageId);
  }
}

/** Select the next (or previous) undecided prediction after the selected one. */
export function stepPrediction(delta: 1 | -1): boolean {
  const list = undecided();
  if (!list.length) return false;
  const at = list.findIndex((p) => p.id === useAnnotationUi.getState().selectedPredictionId);
  const next = at < 0 ? (delta > 0 ? list[0] : list[list.length - 1]) : list[(at + delta + list.length) % list.length];
  selectPrediction(next ?? null);
  return true;
}

/**
 * Accept or reject one prediction (a box's label or text may be corrected as it is accepted). When
 * it was the selected one, the next undecided prediction is selected.
 */
export function decidePrediction(id: string, accept: boolean, correction: { label?: string | null } = {}): void {
  const ui = useAnnotationUi.getState();
  const before = undecided();
  const at = before.findIndex((p) => p.id === id);
  const typed = ui.predictionText[id];
  if (accept) edit().acceptPredictions([id], { [id]: { ...correction, ...(typed !== undefined ? { transcription: typed } : {}) } });
  else edit().rejectPredictions([id]);
  const decided = edit().predictions.find((p) => p.id === id);
  if (!decided || decided.status === 'pending') return; // refused (read-only)
  // An accepted answer becomes the current question, so C or Q act on it next.
  if (decided.kind === 'qa' && decided.status === 'accepted') {
    const pair = edit().qa.find((q) => q.originPredictionId === id);
    if (pair) edit().setActiveQa(pair.id);
  }
  const { [id]: _done, ...rest } = ui.predictionText;
  ui.set({ predictionText: rest });
  if (ui.selectedPredictionId !== id) return;
  const after = undecided();
  selectPrediction(after[at] ?? after[at - 1] ?? null);
}

/**
 * Accept every pending prediction at or above the threshold in settings, then select the first one
 * left to decide (the review goes on from there). Returns how many were accepted.
 */
export function acceptAboveThreshold(): number {
  const threshold = acceptThreshold();
  const ids = edit()
    .predictions.filter((p) => p.status === 'pending' && p.confidence >= threshold)
    .map((p) => p.id);
  if (ids.length) {
    edit().acceptPredictions(ids);
    if (edit().predictions.some((p) => ids.includes(p.id) && p.status === 'pending')) return 0; // refused (read-only)
    toastSuccess(`Accepted ${ids.length} prediction${ids.length === 1 ? '' : 's'}`, `Confidence ${formatConfidence(threshold)} or more. Undo brings them back.`);
  }
  selectPrediction(undecided()[0] ?? null);
  return ids.length;
}

/** Reject every prediction still undecided (after the right ones were accepted). Returns how many. */
export function rejectRest(): number {
  const ids = edit()
    .predictions.filter((p) => p.status === 'pending')
    .map((p) => p.id);
  if (ids.length) {
    edit().rejectPredictions(ids);
    useAnnotationUi.getState().set({ selectedPredictionId: null });
    toastSuccess(`Rejected ${ids.length} prediction${ids.length === 1 ? '' : 's'}`, 'Undo brings them back.');
  }
  return ids.length;
}
