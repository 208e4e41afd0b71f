import { create } from 'zustand';
import type { DocumentDetail } from '../../../shared/domain/model';
import type { ReviewAgreement, ReviewDocument, ReviewQueue, ReviewResolveResult, ReviewState } from '../../../shared/domain/review';
import { api } from '../lib/api';
import { errorMessage } from '../lib/errors';
import { buildResolution, choosableSources, initialChoices, itemKey, itemsOf, needsAttention, takeAnswer, takeBox, type BoxChoice, type Choices, type ItemRef, type QaChoice } from './resolution';

/**
 * The document the lead is resolving: every source's version grouped item by item, the lead's
 * choice per item, which item is current, which items the lead has looked at and which sources
 * are shown on the page. Taking a source never moves to another item: J/K do.
 */

interface ReviewDocState {
  key: string | null;
  doc: ReviewDocument | null;
  detail: DocumentDetail | null;
  error: string | null;
  includeModel: boolean;
  choices: Choices;
  current: ItemRef | null;
  /** The page shown: the current region's page, or the one the lead picked. */
  pageId: string | null;
  /** Sources hidden on the canvas (their boxes stay in the groups). */
  hidden: Record<string, boolean>;
  /** List the items every annotator agrees on too (they are hidden by default: nothing to settle). */
  showAgreed: boolean;
  /** Editing the current item in the side panel. */
  editing: boolean;
  /** Items the lead has looked at (been on, or chosen for), by `itemKey`: the rest are listed before saving. */
  looked: Record<string, true>;
  /** Why the last pick on an item was refused (that source has nothing there), shown beside it. */
  refusal: { item: string; message: string } | null;
  saving: boolean;
  saveError: string | null;
  /** Earlier choices, newest last (Ctrl+Z), and undone ones (Ctrl+Shift+Z). */
  undoStack: Step[];
  redoStack: Step[];
  open(projectId: string, documentId: string, opts?: { includeModel?: boolean }): Promise<void>;
  select(item: ItemRef | null): void;
  showPage(pageId: string): void;
  chooseBox(groupId: string, choice: BoxChoice): void;
  chooseQa(key: string, choice: QaChoice): void;
  /** Take a source's version of an item (1–9, or a click), or refuse with a note when it has none there. */
  take(item: ItemRef, sourceId: string): void;
  /** Leave an item out of gold (0). */
  drop(item: ItemRef): void;
  toggleSource(sourceId: string): void;
  setEditing(editing: boolean): void;
  undo(): void;
  redo(): void;
  resolve(projectId: string): Promise<ReviewResolveResult | null>;
}

const emptyChoices: Choices = { boxes: {}, qa: {} };

/** The choices before a change, the item it was made on, and what changed (to merge typing into one step). */
interface Step {
  choices: Choices;
  current: ItemRef | null;
  tag: string;
}
const MAX_UNDO = 200;

/**
 * The undo stack after a change tagged `tag`: one more step, except while the lead edits the same
 * item (each keystroke in the editor is a change; one undo takes the whole edit back).
 */
function pushStep(stack: Step[], step: Step): Step[] {
  const top = stack.at(-1);
  if (top && top.tag === step.tag && step.tag.endsWith(':edit')) return stack;
  return [...stack.slice(-(MAX_UNDO - 1)), step];
}

const pageOf = (doc: ReviewDocument, item: ItemRef | null): string | null =>
  item?.kind === 'box' ? (doc.boxGroups.find((g) => g.id === item.id)?.pageId ?? null) : null;

export const useReviewDoc = create<ReviewDocState>((set, get) => ({
  key: null,
  doc: null,
  detail: null,
  error: null,
  includeModel: false,
  choices: emptyChoices,
  current: null,
  pageId: null,
  hidden: {},
  showAgreed: false,
  editing: false,
  looked: {},
  refusal: null,
  saving: false,
  saveError: null,
  undoStack: [],
  redoStack: [],
  async open(projectId, documentId, opts) {
    const includeModel = opts?.includeModel ?? get().includeModel;
    const key = `${projectId}/${documentId}`;
    set({ key, doc: null, detail: null, error: null, includeModel, choices: emptyChoices, current: null, pageId: null, editing: false, looked: {}, refusal: null, saveError: null, undoStack: [], redoStack: [] });
    try {
      const [doc, detail] = await Promise.all([
        api()['review.document']({ projectId, documentId, includeModel }),
        api()['documents.get']({ projectId, documentId }),
      ]);
      if (get().key !== key) return;
      const first = itemsOf(doc).find((i) => needsAttention(doc, i)) ?? itemsOf(doc)[0] ?? null;
      set({ doc, detail, choices: initialChoices(doc), current: first, looked: first ? { [itemKey(first)]: true } : {}, pageId: pageOf(doc, first) ?? detail.pages[0]?.id ?? null });
    } catch (err) {
      if (get().key === key) set({ error: errorMessage(err) });
    }
  },
  select(item) {
    const s = get();
    set({
      current: item,
      editing: false,
      pageId: (s.doc && pageOf(s.doc, item)) ?? s.pageId,
      looked: item ? { ...s.looked, [itemKey(item)]: true } : s.looked,
      refusal: item && s.refusal?.item === itemKey(item) ? s.refusal : null,
    });
  },
  showPage(pageId) {
    set({ pageId });
  },
  chooseBox(groupId, choice) {
    set((s) => ({
      choices: { ...s.choices, boxes: { ...s.choices.boxes, [groupId]: choice } },
      undoStack: pushStep(s.undoStack, { choices: s.choices, current: { kind: 'box', id: groupId }, tag: `box:${groupId}:${choice.kind}` }),
      redoStack: [],
      looked: { ...s.looked, [itemKey({ kind: 'box', id: groupId })]: true },
      refusal: null,
      saveError: null,
    }));
  },
  chooseQa(key, choice) {
    set((s) => ({
      choices: { ...s.choices, qa: { ...s.choices.qa, [key]: choice } },
      undoStack: pushStep(s.undoStack, { choices: s.choices, current: { kind: 'qa', id: key }, tag: `qa:${key}:${choice.kind}` }),
      redoStack: [],
      looked: { ...s.looked, [itemKey({ kind: 'qa', id: key })]: true },
      refusal: null,
      saveError: null,
    }));
  },
  take(item, sourceId) {
    const doc = get().doc;
    const source = doc && choosableSources(doc).find((x) => x.id === sourceId);
    if (!doc || !source) return;
    const refuse = (message: string) => set({ refusal: { item: itemKey(item), message } });
    if (item.kind === 'box') {
      const group = doc.boxGroups.find((g) => g.id === item.id);
      const taken = group && takeBox(group, source);
      if (taken?.refusal !== undefined) refuse(taken.refusal);
      else if (taken) get().chooseBox(item.id, taken.choice);
    } else {
      const group = doc.questionGroups.find((g) => g.key === item.id);
      const taken = group && takeAnswer(group, source);
      if (taken?.refusal !== undefined) refuse(taken.refusal);
      else if (taken) get().chooseQa(item.id, taken.choice);
    }
  },
  drop(item) {
    if (item.kind === 'box') get().chooseBox(item.id, { kind: 'drop' });
    else get().chooseQa(item.id, { kind: 'drop' });
  },
  undo() {
    const s = get();
    const step = s.undoStack.at(-1);
    if (!step) return;
    // Back to the choices before the change, on the item it was made on.
    set({
      choices: step.choices,
      undoStack: s.undoStack.slice(0, -1),
      redoStack: [...s.redoStack, { choices: s.choices, current: step.current, tag: step.tag }],
      editing: false,
      refusal: null,
      saveError: null,
    });
    if (step.current) get().select(step.current);
  },
  redo() {
    const s = get();
    const step = s.redoStack.at(-1);
    if (!step) return;
    set({
      choices: step.choices,
      redoStack: s.redoStack.slice(0, -1),
      undoStack: [...s.undoStack, { choices: s.choices, current: step.current, tag: step.tag }],
      editing: false,
      refusal: null,
      saveError: null,
    });
    if (step.current) get().select(step.current);
  },
  toggleSource(sourceId) {
    set((s) => ({ hidden: { ...s.hidden, [sourceId]: !s.hidden[sourceId] } }));
  },
  setEditing(editing) {
    set({ editing });
  },
  async resolve(projectId) {
    const { doc, choices, saving } = get();
    if (!doc || saving) return null;
    set({ saving: true, saveError: null });
    try {
      const result = await api()['review.resolve'](buildResolution(projectId, doc, choices));
      set({ saving: false });
      return result;
    } catch (err) {
      set({ saving: false, saveError: errorMessage(err) });
      return null;
    }
  },
}));

/** The queue and the agreement figures of one project, for the queue view. */
interface ReviewQueueState {
  projectId: string | null;
  queue: ReviewQueue | null;
  agreement: ReviewAgreement | null;
  error: string | null;
  load(projectId: string, state: ReviewState | 'all', includeModel: boolean): Promise<void>;
}

export const useReviewQueue = create<ReviewQueueState>((set, get) => ({
  projectId: null,
  queue: null,
  agreement: null,
  error: null,
  async load(projectId, state, includeModel) {
    if (get().projectId !== projectId) set({ projectId, queue: null, agreement: null, error: null });
    try {
      const [queue, agreement] = await Promise.all([api()['review.queue']({ projectId, state, includeModel }), api()['review.agreement']({ projectId })]);
      if (get().projectId === projectId) set({ queue, agreement, error: null });
    } catch (err) {
      if (get().projectId === projectId) set({ error: errorMessage(err) });
    }
  },
}));
