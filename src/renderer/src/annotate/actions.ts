import type { Label, Page } from '../../../shared/domain/model';
import { useApp } from '../stores/app';
import { useViewer, ZOOM_STEP } from '../stores/viewer';
import { clampRect } from './geometry';
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

/** Selected boxes on this page that may change (locked ones stay put; none while read-only). */
function movable(page: Page) {
  const s = annotationStore.getState();
  if (isReadOnly(s)) return [];
  return [...s.selection].flatMap((id) => {
    const b = s.boxes[id];
    return b && b.pageId === page.id && !b.locked ? [b] : [];
  });
}

function nudge(page: Page, dx: number, dy: number): boolean {
  const boxes = movable(page);
  if (!boxes.length) return false;
  annotationStore.getState().updateBoxes(
    boxes.map((b) => ({ id: b.id, patch: clampRect({ x: b.x + dx, y: b.y + dy, w: b.w, h: b.h }, page.width, page.height) })),
    { coalesceKey: 'nudge' },
  );
  return true;
}

function resize(page: Page, dw: number, dh: number): boolean {
  const boxes = movable(page);
  if (!boxes.length) return false;
  annotationStore.getState().updateBoxes(
    boxes.map((b) => ({ id: b.id, patch: clampRect({ x: b.x, y: b.y, w: Math.max(1, b.w + dw), h: Math.max(1, b.h + dh) }, page.width, page.height) })),
    { coalesceKey: 'resize' },
  );
  return true;
}

/** Returns false when the action does not apply (so the key can do its default). */
export function runAction(id: string, ctx: ActionContext): boolean {
  const store = annotationStore.getState();
  const ui = useAnnotationUi.getState();
  const viewer = useViewer.getState();
  const { page } = ctx;
  const PAN = 80;
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
      return nudge(page, -1, 0) || (viewer.panBy(PAN, 0), true);
    case 'box.nudgeRight':
      return nudge(page, 1, 0) || (viewer.panBy(-PAN, 0), true);
    case 'box.nudgeUp':
      return nudge(page, 0, -1) || (viewer.panBy(0, PAN), true);
    case 'box.nudgeDown':
      return nudge(page, 0, 1) || (viewer.panBy(0, -PAN), true);
    case 'box.nudgeLeft10':
      return nudge(page, -10, 0) || (viewer.panBy(PAN * 4, 0), true);
    case 'box.nudgeRight10':
      return nudge(page, 10, 0) || (viewer.panBy(-PAN * 4, 0), true);
    case 'box.nudgeUp10':
      return nudge(page, 0, -10) || (viewer.panBy(0, PAN * 4), true);
    case 'box.nudgeDown10':
      return nudge(page, 0, 10) || (viewer.panBy(0, -PAN * 4), true);
    case 'box.narrower':
      return resize(page, -1, 0);
    case 'box.wider':
      return resize(page, 1, 0);
    case 'box.shorter':
      return resize(page, 0, -1);
    case 'box.taller':
      return resize(page, 0, 1);
    case 'box.narrower10':
      return resize(page, -10, 0);
    case 'box.wider10':
      return resize(page, 10, 0);
    case 'box.shorter10':
      return resize(page, 0, -10);
    case 'box.taller10':
      return resize(page, 0, 10);
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
    case 'box.toggleLock': {
      const ids = [...store.selection].filter((bid) => store.boxes[bid]);
      if (!ids.length) return false;
      const lock = !ids.every((bid) => store.boxes[bid]!.locked);
      store.updateBoxes(ids.map((bid) => ({ id: bid, patch: { locked: lock } })));
      return true;
    }
    case 'box.toggleHidden': {
      const ids = [...store.selection].filter((bid) => store.boxes[bid]);
      if (!ids.length) return false;
      const hide = !ids.every((bid) => store.boxes[bid]!.hidden);
      store.updateBoxes(ids.map((bid) => ({ id: bid, patch: { hidden: hide } })));
      return true;
    }
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
