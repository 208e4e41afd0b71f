import { useApp } from '../stores/app';
import { useViewer } from '../stores/viewer';
import { actionById, type ActionContext, type ActionEnv, type ActionId, type PanelOperations } from './actions';
import { acceptAboveThreshold, answerFromEvidence, applyLabel, decidePrediction, editPredictionText, linkSelectedEvidence, rejectRest, stepPrediction } from './panels';
import { takePageTextForSelection } from './pageText';
import { toggleWordsLayer } from './pageWords';
import { snapSelection } from './reading';
import { isReadOnly } from './store';
import { useAnnotationUi } from './uiStore';
import { annotationStore } from './useAnnotation';

const panels: PanelOperations = {
  acceptAboveThreshold,
  answerFromEvidence,
  applyLabel,
  decidePrediction,
  editPredictionText,
  linkSelectedEvidence,
  rejectRest,
  stepPrediction,
  takePageTextForSelection: () => void takePageTextForSelection(decidePrediction),
  toggleWords: toggleWordsLayer,
  snapSelection: () => void snapSelection(),
};

const toggleBoxLabels = () => void useApp.getState().setUi({ showBoxLabels: !(useApp.getState().settings?.ui.showBoxLabels ?? true) });

/**
 * Run an action of the registry (actions.ts) against the stores as they are now. The document view
 * maps a key event to an action id (keymap.ts) and calls this; buttons call the same store and
 * panel functions, so a shortcut and its button can never disagree. Returns false when the action
 * does not apply, so the key can do its default.
 */
export function runAction(id: ActionId, ctx: ActionContext): boolean {
  const action = actionById(id);
  const store = annotationStore.getState();
  const readOnly = isReadOnly(store);
  if (readOnly && action.edits) {
    store.nudgeReadOnly();
    return true;
  }
  const env: ActionEnv = { ...ctx, store, readOnly, ui: useAnnotationUi.getState(), viewer: useViewer.getState(), panels, toggleBoxLabels };
  if (action.enabled && !action.enabled(env)) return false;
  return action.perform(env) !== false;
}
