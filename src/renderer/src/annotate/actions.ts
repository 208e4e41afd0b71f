import type { Label, Page } from '../../../shared/domain/model';
import { useApp } from '../stores/app';
import { useViewer } from '../stores/viewer';
import { acceptAboveThreshold, answerFromEvidence, applyLabel, decidePrediction, editPredictionText, linkSelectedEvidence, rejectRest, stepPrediction } from './panels';
import { takePageTextForSelection } from './pageText';
import { isReadOnly } from './store';
import { useAnnotationUi } from './uiStore';
import { annotationStore } from './useAnnotation';

/**
 * What each keymap action does in the annotation view. The document view maps a key event to an
 * action id (keymap.ts) and calls `runAction`; buttons call the same functions, so a shortcut and
 * its button can never disagree.
 */
export interface ActionContext {
  page: Page;
  labels: Label[];
  nextDocument(): void;
  previousDocument(): void;
  backToList(): void;
  verify(): void;
  nextQuestion(): void;
  previousQuestion(): void;
  focusAnswer(): void;
}

const ZOOM_STEP = 1.25;

/**
 * Actions that change the annotation: on a read-only (verified) document they only point at Edit.
 * (Arrow keys are not here: with nothing movable they pan.)
 */
const EDITING = new Set([
  'tool.draw',
  'edit.undo',
  'edit.redo',
  'edit.delete',
  'edit.duplicate',
  'edit.paste',
  'box.toggleLock',
  'box.toggleHidden',
  'label.picker',
  'qa.linkEvidence',
  'qa.answerFromEvidence',
  'prediction.accept',
  'prediction.reject',
  'prediction.usePageText',
  'prediction.acceptAbove',
  'prediction.rejectRest',
]);

/** Returns false when the action does not apply (so the key can do its default). */
export function runAction(id: string, ctx: ActionContext): boolean {
  const store = annotationStore.getState();
  const ui = useAnnotationUi.getState();
  const viewer = useViewer.getState();
  const { page } = ctx;
  const PAN = 80;
  const onScreen = { pageId: page.id, width: page.width, height: page.height };
  const nudge = (dx: number, dy: number) => store.nudgeSelection(onScreen, dx, dy);
  const resize = (dw: number, dh: number) => store.resizeSelection(onScreen, dw, dh);
  if (isReadOnly(store) && (EDITING.has(id) || id.startsWith('label.slot') || id.startsWith('box.narrower') || id.startsWith('box.wider') || id.startsWith('box.shorter') || id.startsWith('box.taller'))) {
    store.nudgeReadOnly();
    return true;
  }
  switch (id) {
    case 'tool.select':
      ui.set({ tool: 'select' });
      return true;
    case 'tool.draw':
      ui.set({ tool: 'draw' });
      return true;
    case 'view.fitPage':
      viewer.fitPage();
      return true;
    case 'view.fitWidth':
      viewer.fitWidth();
      return true;
    case 'view.actualSize':
      viewer.actualSize();
      return true;
    case 'view.zoomIn':
      viewer.zoomBy(ZOOM_STEP);
      return true;
    case 'view.zoomOut':
      viewer.zoomBy(1 / ZOOM_STEP);
      return true;
    case 'view.toggleLabels':
      void useApp.getState().setUi({ showBoxLabels: !(useApp.getState().settings?.ui.showBoxLabels ?? true) });
      return true;
    case 'view.lowConfidence':
      ui.set({ lowConfidenceOnly: !ui.lowConfidenceOnly, showPredictions: true });
      return true;
    case 'edit.undo':
      store.undo();
      return true;
    case 'edit.redo':
      store.redo();
      return true;
    case 'edit.selectAll':
      store.select(store.order.filter((bid) => store.boxes[bid]?.pageId === page.id && !store.boxes[bid]?.hidden));
      return true;
    case 'edit.deselect':
      // Esc steps out of one mode at a time and never leaves the document (U does).
      if (ui.linkingEvidence) ui.set({ linkingEvidence: false });
      else if (ui.selectedPredictionId) ui.set({ selectedPredictionId: null });
      else if (store.selection.size) store.select([]);
      else if (ui.tool === 'draw') ui.set({ tool: 'select' });
      return true;
    case 'edit.delete':
      if (!store.selection.size) return false;
      store.deleteBoxes([...store.selection]);
      return true;
    case 'edit.duplicate':
      return store.duplicateBoxes([...store.selection], 10, page).length > 0;
    case 'edit.copy':
      return store.copyBoxes([...store.selection]) > 0;
    case 'edit.paste':
      return store.pasteBoxes({ pageId: page.id, width: page.width, height: page.height }).length > 0;
    case 'box.nudgeLeft':
      return nudge(-1, 0) || (viewer.panBy(PAN, 0), true);
    case 'box.nudgeRight':
      return nudge(1, 0) || (viewer.panBy(-PAN, 0), true);
    case 'box.nudgeUp':
      return nudge(0, -1) || (viewer.panBy(0, PAN), true);
    case 'box.nudgeDown':
      return nudge(0, 1) || (viewer.panBy(0, -PAN), true);
    case 'box.nudgeLeft10':
      return nudge(-10, 0) || (viewer.panBy(PAN * 4, 0), true);
    case 'box.nudgeRight10':
      return nudge(10, 0) || (viewer.panBy(-PAN * 4, 0), true);
    case 'box.nudgeUp10':
      return nudge(0, -10) || (viewer.panBy(0, PAN * 4), true);
    case 'box.nudgeDown10':
      return nudge(0, 10) || (viewer.panBy(0, -PAN * 4), true);
    case 'box.narrower':
      return resize(-1, 0);
    case 'box.wider':
      return resize(1, 0);
    case 'box.shorter':
      return resize(0, -1);
    case 'box.taller':
      return resize(0, 1);
    case 'box.narrower10':
      return resize(-10, 0);
    case 'box.wider10':
      return resize(10, 0);
    case 'box.shorter10':
      return resize(0, -10);
    case 'box.taller10':
      return resize(0, 10);
    case 'box.transcribe': {
      const prediction = ui.selectedPredictionId ? store.predictions.find((p) => p.id === ui.selectedPredictionId) : undefined;
      if (prediction && !isReadOnly(store)) {
        // Correct a prediction's text before accepting it.
        editPredictionText(prediction);
        return true;
      }
      const first = [...store.selection][0];
      if (!first) return false;
      ui.requestFocus('transcription', first);
      return true;
    }
    case 'box.toggleLock':
      return store.toggleSelectionLocked();
    case 'box.toggleHidden':
      return store.toggleSelectionHidden();
    case 'label.picker':
      ui.set({ labelPickerOpen: true });
      return true;
    case 'qa.next':
      ctx.nextQuestion();
      return true;
    case 'qa.previous':
      ctx.previousQuestion();
      return true;
    case 'qa.answer':
      ctx.focusAnswer();
      return true;
    case 'qa.linkEvidence':
      return linkSelectedEvidence() > 0;
    case 'qa.answerFromEvidence': {
      // On a selected proposed answer: accept it with its evidence's text instead of the model's.
      const prediction = ui.selectedPredictionId ? store.predictions.find((p) => p.id === ui.selectedPredictionId) : undefined;
      if (prediction?.kind === 'qa') decidePrediction(prediction.id, true);
      answerFromEvidence();
      return true;
    }
    case 'prediction.accept':
      if (!ui.selectedPredictionId) return false;
      decidePrediction(ui.selectedPredictionId, true);
      return true;
    case 'prediction.reject':
      if (!ui.selectedPredictionId) return false;
      decidePrediction(ui.selectedPredictionId, false);
      return true;
    case 'prediction.usePageText':
      if (!ui.selectedPredictionId && annotationStore.getState().selection.size === 0) return false;
      void takePageTextForSelection(decidePrediction);
      return true;
    case 'prediction.next':
      return stepPrediction(1);
    case 'prediction.previous':
      return stepPrediction(-1);
    case 'prediction.acceptAbove':
      acceptAboveThreshold();
      return true;
    case 'prediction.rejectRest':
      rejectRest();
      return true;
    case 'document.next':
      ctx.nextDocument();
      return true;
    case 'document.previous':
      ctx.previousDocument();
      return true;
    case 'document.back':
      ctx.backToList();
      return true;
    case 'document.edit':
      store.unlockEdit();
      return true;
    case 'document.verify':
      ctx.verify();
      return true;
    case 'help.toggle':
      ui.set({ helpOpen: !ui.helpOpen });
      return true;
    default: {
      const slot = /^label\.slot(\d)$/.exec(id);
      if (slot) {
        const label = ctx.labels.find((l) => l.hotkey === slot[1]);
        if (!label) return false;
        applyLabel(label.name);
        return true;
      }
      return false;
    }
  }
}
