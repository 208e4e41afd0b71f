import type { Label, Page } from '../../../shared/domain/model';
import { ZOOM_STEP } from '../lib/viewport';
import type { useViewer } from '../stores/viewer';
import type * as Panels from './panels';
import type { AnnotationStore } from './store';
import type { AnnotationUiState } from './uiStore';

/**
 * Every action of the annotation view, one object each: its id, title, help group, default keys,
 * and what it does. The key dispatch (runAction.ts), the help overlay and the keymap settings all
 * read this table, so a shortcut, its title and its behaviour can never drift apart. The table
 * imports no store: what an action touches arrives in its ActionEnv, so the keymap (and its
 * tests) can read titles and keys without starting the app.
 */

export type ActionGroup = 'Tools' | 'View' | 'Edit' | 'Boxes' | 'Labels' | 'Questions' | 'Predictions' | 'Documents' | 'Help';

/** What the document view supplies to an action. */
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

/** The panels' operations an action may run (the same ones their buttons run). */
export type PanelOperations = Pick<
  typeof Panels,
  'acceptAboveThreshold' | 'answerFromEvidence' | 'applyLabel' | 'decidePrediction' | 'editPredictionText' | 'linkSelectedEvidence' | 'rejectRest' | 'stepPrediction'
> & { takePageTextForSelection(): void; toggleWords(pageId: string): void; snapSelection(): void };

/** Everything an action reads or changes, as it is when the key is pressed. */
export interface ActionEnv extends ActionContext {
  store: AnnotationStore;
  /** The document is verified and Edit was not asked for (see isReadOnly). */
  readOnly: boolean;
  ui: AnnotationUiState;
  viewer: ReturnType<typeof useViewer.getState>;
  panels: PanelOperations;
  toggleBoxLabels(): void;
}

export interface Action<Id extends string = string> {
  id: Id;
  title: string;
  group: ActionGroup;
  keys: string[];
  /** Changes the annotation: on a read-only (verified) document it only points at Edit. */
  edits?: true;
  /** When false the action does not apply, and the key does its default. */
  enabled?(env: ActionEnv): boolean;
  /** Returns false when it turned out not to apply (the key then does its default). */
  perform(env: ActionEnv): boolean | void;
}

/** Titles and keys only: what the help and the settings list. */
export type ActionSpec = Pick<Action, 'id' | 'title' | 'group' | 'keys'>;

const action = <Id extends string>(a: Action<Id>): Action<Id> => a;

const PAN = 80;

const pageOnScreen = ({ page }: ActionEnv) => ({ pageId: page.id, width: page.width, height: page.height });

/** Arrows move the selection; with nothing movable they pan the page the other way. */
function nudge<Id extends string>(id: Id, title: string, key: string, dx: number, dy: number): Action<Id> {
  const step = Math.max(Math.abs(dx), Math.abs(dy)) === 1 ? PAN : PAN * 4;
  const pan = (d: number) => (d === 0 ? 0 : d < 0 ? step : -step);
  return action({
    id,
    title,
    group: 'Boxes',
    keys: [key],
    perform: (env) => env.store.nudgeSelection(pageOnScreen(env), dx, dy) || (env.viewer.panBy(pan(dx), pan(dy)), true),
  });
}

function resize<Id extends string>(id: Id, title: string, key: string, dw: number, dh: number): Action<Id> {
  return action({ id, title, group: 'Boxes', keys: [key], edits: true, perform: (env) => env.store.resizeSelection(pageOnScreen(env), dw, dh) });
}

const selectedPrediction = ({ store, ui }: ActionEnv) => (ui.selectedPredictionId ? store.predictions.find((p) => p.id === ui.selectedPredictionId) : undefined);

const SLOTS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;

const labelSlots = SLOTS.map((n) =>
  action({
    id: `label.slot${n}` as const,
    title: `Apply label with hotkey ${n}`,
    group: 'Labels',
    keys: [n],
    edits: true,
    perform: ({ labels, panels }) => {
      const label = labels.find((l) => l.hotkey === n);
      if (!label) return false;
      panels.applyLabel(label.name);
    },
  }),
);

const registry = [
  action({ id: 'tool.select', title: 'Select tool', group: 'Tools', keys: ['v'], perform: ({ ui }) => ui.set({ tool: 'select' }) }),
  action({ id: 'tool.draw', title: 'Draw rectangle tool', group: 'Tools', keys: ['r'], edits: true, perform: ({ ui }) => ui.set({ tool: 'draw' }) }),
  action({ id: 'view.fitPage', title: 'Fit page', group: 'View', keys: ['f', '0'], perform: ({ viewer }) => viewer.fitPage() }),
  action({ id: 'view.fitWidth', title: 'Fit width', group: 'View', keys: ['w', 'shift+f'], perform: ({ viewer }) => viewer.fitWidth() }),
  // Shift+0 arrives as ")" on most layouts.
  action({ id: 'view.actualSize', title: 'Zoom to 100%', group: 'View', keys: ['mod+0', 'shift+)', 'shift+0'], perform: ({ viewer }) => viewer.actualSize() }),
  action({ id: 'view.zoomIn', title: 'Zoom in', group: 'View', keys: ['=', 'shift+='], perform: ({ viewer }) => viewer.zoomBy(ZOOM_STEP) }),
  action({ id: 'view.zoomOut', title: 'Zoom out', group: 'View', keys: ['-'], perform: ({ viewer }) => viewer.zoomBy(1 / ZOOM_STEP) }),
  action({ id: 'view.toggleLabels', title: 'Show or hide label text on boxes and predictions', group: 'View', keys: ['t'], perform: (env) => env.toggleBoxLabels() }),
  action({ id: 'view.toggleWords', title: 'Show or hide the words read on the page', group: 'View', keys: ['shift+o'], perform: ({ panels, page }) => panels.toggleWords(page.id) }),
  action({
    id: 'view.lowConfidence',
    title: 'Show only predictions under 0.8 confidence',
    group: 'View',
    keys: ['shift+c'],
    perform: ({ ui }) => ui.set({ lowConfidenceOnly: !ui.lowConfidenceOnly, showPredictions: true }),
  }),
  // Handled by the sidebar on every page, not by the annotation view.
  action({ id: 'view.toggleSidebar', title: 'Collapse or expand the sidebar', group: 'View', keys: ['mod+b'], perform: () => false }),
  action({ id: 'edit.undo', title: 'Undo', group: 'Edit', keys: ['mod+z'], edits: true, perform: ({ store }) => store.undo() }),
  action({ id: 'edit.redo', title: 'Redo', group: 'Edit', keys: ['mod+shift+z', 'mod+y'], edits: true, perform: ({ store }) => store.redo() }),
  action({
    id: 'edit.selectAll',
    title: 'Select all boxes on the page',
    group: 'Edit',
    keys: ['mod+a'],
    perform: ({ store, page }) => store.select(store.order.filter((id) => store.boxes[id]?.pageId === page.id && !store.boxes[id]?.hidden)),
  }),
  action({
    id: 'edit.deselect',
    title: 'Clear selection / leave a mode (never leaves the document)',
    group: 'Edit',
    keys: ['escape'],
    // Esc steps out of one mode at a time and never leaves the document (U does).
    perform: ({ store, ui }) => {
      if (ui.linkingEvidence) ui.set({ linkingEvidence: false });
      else if (ui.selectedPredictionId) ui.set({ selectedPredictionId: null });
      else if (store.selection.size) store.select([]);
      else if (ui.tool === 'draw') ui.set({ tool: 'select' });
    },
  }),
  action({
    id: 'edit.delete',
    title: 'Delete selected boxes',
    group: 'Edit',
    keys: ['delete', 'backspace'],
    edits: true,
    enabled: ({ store }) => store.selection.size > 0,
    perform: ({ store }) => store.deleteBoxes([...store.selection]),
  }),
  action({
    id: 'edit.duplicate',
    title: 'Duplicate selected boxes',
    group: 'Edit',
    keys: ['mod+d'],
    edits: true,
    perform: ({ store, page }) => store.duplicateBoxes([...store.selection], 10, page).length > 0,
  }),
  action({ id: 'edit.copy', title: 'Copy selected boxes', group: 'Edit', keys: ['mod+c'], perform: ({ store }) => store.copyBoxes([...store.selection]) > 0 }),
  action({ id: 'edit.paste', title: 'Paste boxes onto this page', group: 'Edit', keys: ['mod+v'], edits: true, perform: (env) => env.store.pasteBoxes(pageOnScreen(env)).length > 0 }),
  nudge('box.nudgeLeft', 'Move left 1 px', 'arrowleft', -1, 0),
  nudge('box.nudgeRight', 'Move right 1 px', 'arrowright', 1, 0),
  nudge('box.nudgeUp', 'Move up 1 px', 'arrowup', 0, -1),
  nudge('box.nudgeDown', 'Move down 1 px', 'arrowdown', 0, 1),
  nudge('box.nudgeLeft10', 'Move left 10 px', 'shift+arrowleft', -10, 0),
  nudge('box.nudgeRight10', 'Move right 10 px', 'shift+arrowright', 10, 0),
  nudge('box.nudgeUp10', 'Move up 10 px', 'shift+arrowup', 0, -10),
  nudge('box.nudgeDown10', 'Move down 10 px', 'shift+arrowdown', 0, 10),
  resize('box.narrower', 'Resize: 1 px narrower', 'alt+arrowleft', -1, 0),
  resize('box.wider', 'Resize: 1 px wider', 'alt+arrowright', 1, 0),
  resize('box.shorter', 'Resize: 1 px shorter', 'alt+arrowup', 0, -1),
  resize('box.taller', 'Resize: 1 px taller', 'alt+arrowdown', 0, 1),
  resize('box.narrower10', 'Resize: 10 px narrower', 'alt+shift+arrowleft', -10, 0),
  resize('box.wider10', 'Resize: 10 px wider', 'alt+shift+arrowright', 10, 0),
  resize('box.shorter10', 'Resize: 10 px shorter', 'alt+shift+arrowup', 0, -10),
  resize('box.taller10', 'Resize: 10 px taller', 'alt+shift+arrowdown', 0, 10),
  action({
    id: 'box.transcribe',
    title: 'Edit the selected box’s transcription',
    group: 'Boxes',
    keys: ['enter'],
    perform: (env) => {
      const prediction = selectedPrediction(env);
      // Correct a prediction's text before accepting it (not on a read-only document).
      if (prediction && !env.readOnly) return void env.panels.editPredictionText(prediction);
      const first = [...env.store.selection][0];
      if (!first) return false;
      env.ui.requestFocus('transcription', first);
    },
  }),
  action({
    id: 'box.snapToInk',
    title: 'Snap the selected boxes to the ink inside them',
    group: 'Boxes',
    keys: ['s'],
    edits: true,
    enabled: ({ store }) => store.selection.size > 0,
    perform: ({ panels }) => panels.snapSelection(),
  }),
  action({ id: 'box.toggleLock', title: 'Lock or unlock selected boxes', group: 'Boxes', keys: ['shift+l'], edits: true, perform: ({ store }) => store.toggleSelectionLocked() }),
  action({ id: 'box.toggleHidden', title: 'Hide or show selected boxes', group: 'Boxes', keys: ['h'], edits: true, perform: ({ store }) => store.toggleSelectionHidden() }),
  action({ id: 'label.picker', title: 'Choose a label (searchable)', group: 'Labels', keys: ['l'], edits: true, perform: ({ ui }) => ui.set({ labelPickerOpen: true }) }),
  ...labelSlots,
  action({ id: 'qa.next', title: 'Next question', group: 'Questions', keys: [']'], perform: (env) => env.nextQuestion() }),
  action({ id: 'qa.previous', title: 'Previous question', group: 'Questions', keys: ['['], perform: (env) => env.previousQuestion() }),
  action({
    id: 'qa.linkEvidence',
    title: 'Link selected boxes as evidence of the current question',
    group: 'Questions',
    keys: ['e'],
    edits: true,
    perform: ({ panels }) => panels.linkSelectedEvidence() > 0,
  }),
  action({ id: 'qa.answer', title: 'Answer the current question', group: 'Questions', keys: ['q'], perform: (env) => env.focusAnswer() }),
  action({
    id: 'qa.answerFromEvidence',
    title: 'Answer with the text of the evidence boxes (a selected proposed answer: accept it so)',
    group: 'Questions',
    keys: ['c'],
    edits: true,
    perform: (env) => {
      // On a selected proposed answer: accept it with its evidence's text instead of the model's.
      const prediction = selectedPrediction(env);
      if (prediction?.kind === 'qa') env.panels.decidePrediction(prediction.id, true);
      env.panels.answerFromEvidence();
    },
  }),
  action({
    id: 'prediction.accept',
    title: 'Accept selected prediction',
    group: 'Predictions',
    keys: ['a'],
    edits: true,
    enabled: ({ ui }) => Boolean(ui.selectedPredictionId),
    perform: ({ ui, panels }) => panels.decidePrediction(ui.selectedPredictionId!, true),
  }),
  action({
    id: 'prediction.reject',
    title: 'Reject selected prediction',
    group: 'Predictions',
    keys: ['x'],
    edits: true,
    enabled: ({ ui }) => Boolean(ui.selectedPredictionId),
    perform: ({ ui, panels }) => panels.decidePrediction(ui.selectedPredictionId!, false),
  }),
  action({
    id: 'prediction.usePageText',
    title: 'Accept the selected prediction with the text the page shows (selected boxes: read them again)',
    group: 'Predictions',
    keys: ['o'],
    edits: true,
    enabled: ({ ui, store }) => Boolean(ui.selectedPredictionId) || store.selection.size > 0,
    perform: ({ panels }) => panels.takePageTextForSelection(),
  }),
  action({ id: 'prediction.next', title: 'Select the next undecided prediction', group: 'Predictions', keys: ['n'], perform: ({ panels }) => panels.stepPrediction(1) }),
  action({ id: 'prediction.previous', title: 'Select the previous undecided prediction', group: 'Predictions', keys: ['shift+n'], perform: ({ panels }) => panels.stepPrediction(-1) }),
  action({
    id: 'prediction.acceptAbove',
    title: 'Accept all predictions above the threshold',
    group: 'Predictions',
    keys: ['shift+a'],
    edits: true,
    perform: ({ panels }) => {
      panels.acceptAboveThreshold();
    },
  }),
  action({ id: 'prediction.rejectRest', title: 'Reject every undecided prediction', group: 'Predictions', keys: ['shift+x'], edits: true, perform: ({ panels }) => {
      panels.rejectRest();
    },
  }),
  action({ id: 'document.next', title: 'Next document', group: 'Documents', keys: ['j'], perform: (env) => env.nextDocument() }),
  action({ id: 'document.previous', title: 'Previous document', group: 'Documents', keys: ['k'], perform: (env) => env.previousDocument() }),
  action({ id: 'document.back', title: 'Back to the document list', group: 'Documents', keys: ['u'], perform: (env) => env.backToList() }),
  action({ id: 'document.edit', title: 'Edit a verified document', group: 'Documents', keys: ['shift+e'], perform: ({ store }) => store.unlockEdit() }),
  action({ id: 'document.verify', title: 'Verify document', group: 'Documents', keys: ['mod+enter'], perform: (env) => env.verify() }),
  action({ id: 'help.toggle', title: 'Show keyboard shortcuts', group: 'Help', keys: ['shift+?', '?'], perform: ({ ui }) => ui.set({ helpOpen: !ui.helpOpen }) }),
];

export type ActionId = (typeof registry)[number]['id'];

export const actions: readonly Action<ActionId>[] = registry;

const byId = new Map<string, Action<ActionId>>(actions.map((a) => [a.id, a]));

export const isActionId = (id: string): id is ActionId => byId.has(id);

export const actionById = (id: ActionId): Action<ActionId> => byId.get(id)!;
