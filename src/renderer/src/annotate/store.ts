import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AppApi } from '../../../shared/contract/methods';
import { fromBoxColumns, type AnnotationColumnsState } from '../../../shared/domain/boxColumns';
import type { Box, DocType, Prediction, QaPair, QuestionTemplate, VerifyProblem, VerifyWarning, VerifyWarningKind } from '../../../shared/domain/model';
import { arrangeQa, expandTemplates, itemLabels, matchTemplateQuestion, questionKey, type ArrangedQa, type TemplateQuestion } from '../../../shared/domain/templateQuestions';
import { emptyChange, invert, isEmpty, prune, sameBox, type Change } from './changes';
import { LOW_CONFIDENCE } from './confidence';
import { evidenceText } from './evidence';
import { clampRect } from './geometry';
import { createUnsavedEdits } from './unsavedEdits';

/**
 * The annotation being edited: boxes, QA pairs and prediction decisions for one document, with
 * undo/redo and autosave. Every edit goes through `commit(change)`, which also owns the bench's
 * rules: nothing changes a verified document until the person says Edit, and no box gets a label
 * outside the project's set. Autosave sends what changed within AUTOSAVE_DELAY_MS of the first
 * unsaved edit (and at most MAX_UNSAVED_MS after it), one request at a time, so drawing never
 * waits for the disk. A save the core refuses (bad data, not a fault) is shown and kept locally,
 * and sent again only after the next edit; faults are retried with backoff.
 */

export const AUTOSAVE_DELAY_MS = 150;
export const MAX_UNSAVED_MS = 400;
const COALESCE_WINDOW_MS = 2_000;

export type SaveState = 'saved' | 'pending' | 'saving' | 'error' | 'conflict' | 'refused';

/** A save the core refused, with the box or question it is about when it says. */
export interface SaveRefusal {
  message: string;
  boxId: string | null;
  qaId: string | null;
}

/** Errors that say the data is wrong: sending the same edits again cannot help. */
const REFUSALS = new Set(['invalid_request', 'not_found', 'forbidden', 'too_large']);

/** A verified document is read-only until the person asks to edit it. */
export const isReadOnly = (s: { status: 'draft' | 'verified'; editUnlocked: boolean; loaded: boolean }): boolean => s.loaded && s.status === 'verified' && !s.editUnlocked;

interface HistoryEntry {
  change: Change;
  coalesceKey: string | null;
  at: number;
}

export interface AnnotationData {
  projectId: string;
  documentId: string;
  annotationId: string | null;
  version: number;
  status: 'draft' | 'verified';
  revision: number;
  boxes: Record<string, Box>;
  /** Box ids in drawing order. */
  order: string[];
  qa: QaPair[];
  predictions: Prediction[];
}

/** What decides a document's template questions: the project's templates and the document's type. */
export interface QuestionContext {
  documentId: string;
  templates: readonly QuestionTemplate[];
  docType: DocType | null;
}

export interface AnnotationStore extends AnnotationData {
  loaded: boolean;
  questionContext: QuestionContext | null;
  /** Of the template questions in `qa`: which are required, which are answers kept from questions no longer asked. */
  questionInfo: Pick<ArrangedQa, 'required' | 'kept'>;
  selection: ReadonlySet<string>;
  activeQaId: string | null;
  problems: VerifyProblem[];
  saveState: SaveState;
  saveError: string | null;
  saveRefusal: SaveRefusal | null;
  /** Edit was asked for on this verified document (see isReadOnly). */
  editUnlocked: boolean;
  /** Counts edits refused because the document is read-only, so the view can point at Edit. */
  readOnlyNudge: number;
  /** The project's label names; a box never gets a label outside them (null: not known yet). */
  labelSet: ReadonlySet<string> | null;
  canUndo: boolean;
  canRedo: boolean;

  load(projectId: string, documentId: string): Promise<void>;
  commit(change: Change, opts?: { coalesceKey?: string }): void;
  undo(): void;
  redo(): void;
  /** Send unsaved edits now (before verify, leaving the document, closing). */
  flush(): Promise<void>;

  setLabelSet(names: readonly string[] | null): void;
  /** Make a verified document editable (its next edit starts a new draft version). */
  unlockEdit(): void;
  /** Say that an edit was refused because the document is read-only. */
  nudgeReadOnly(): void;
  /** The templates or the document's type changed: the template questions follow (answers are kept). */
  setQuestionContext(context: QuestionContext): void;

  select(ids: string[], mode?: 'replace' | 'add' | 'toggle'): void;
  setActiveQa(id: string | null): void;

  addBoxes(boxes: Box[]): void;
  /**
   * What the page says inside a box just drawn (see reading.ts): its text and its snap to the ink,
   * applied only while the box still has the geometry it was drawn with — the text only while its
   * transcription is empty. Joins the drawing's own undo step; returns whether anything changed.
   */
  fillDrawnBox(id: string, drawn: GeometryOf<Box>, fill: { transcription?: string; rect?: GeometryOf<Box> }): boolean;
  updateBoxes(updates: { id: string; patch: Partial<Omit<Box, 'id'>> }[], opts?: { coalesceKey?: string }): void;
  deleteBoxes(ids: string[]): void;
  duplicateBoxes(ids: string[], offset: number, page: PageSize): string[];
  copyBoxes(ids: string[]): number;
  pasteBoxes(page: PageSize & { pageId: string }): string[];
  /**
   * Move the selected boxes on this page by (dx, dy), kept inside it: one undo step per run of
   * nudges. Locked boxes stay put; returns false when none can move (read-only or nothing selected here).
   */
  nudgeSelection(page: PageOnScreen, dx: number, dy: number): boolean;
  /** Grow or shrink the selected boxes on this page (never under 1 px), as nudgeSelection moves them. */
  resizeSelection(page: PageOnScreen, dw: number, dh: number): boolean;
  /** Hide the selected boxes, or show them when all are hidden; false with nothing selected. */
  toggleSelectionHidden(): boolean;
  /** Lock the selected boxes, or unlock them when all are locked; false with nothing selected. */
  toggleSelectionLocked(): boolean;

  addQuestion(question: string): string;
  updateQa(id: string, patch: Partial<Omit<QaPair, 'id'>>, opts?: { coalesceKey?: string }): void;
  deleteQa(id: string): void;
  toggleEvidence(qaId: string, boxId: string): void;
  /** Link boxes as evidence (one undo step); returns how many were added. */
  linkEvidence(qaId: string, boxIds: string[]): number;
  /** Answer a question with the text of its evidence boxes (in evidence order). */
  answerFromEvidence(qaId: string): boolean;

  /** Accept predictions; `edits` overrides a box prediction's label or text as it is accepted. */
  acceptPredictions(ids: string[], edits?: Record<string, { label?: string | null; transcription?: string }>): void;
  rejectPredictions(ids: string[]): void;

  verify(acknowledge?: VerifyWarningKind[]): Promise<{ verified: boolean; problems: VerifyProblem[]; warnings: VerifyWarning[] }>;
}

export type GeometryOf<T extends { x: number; y: number; w: number; h: number }> = Pick<T, 'x' | 'y' | 'w' | 'h'>;

const sameGeometry = (a: GeometryOf<Box>, b: GeometryOf<Box>): boolean => a.x === b.x && a.y === b.y && a.w === b.w && a.h === b.h;

export interface PageSize {
  width: number;
  height: number;
}

export type PageOnScreen = PageSize & { pageId: string };

/** Copied boxes live outside any one document, so they can be pasted onto another page or document. */
let clipboard: Box[] = [];

const newId = (): string => crypto.randomUUID();

/** The store's data from the core's state, whose boxes arrive as columns (see boxColumns.ts). */
function toData(state: AnnotationColumnsState): AnnotationData {
  const list = fromBoxColumns(state.boxColumns);
  const boxes: Record<string, Box> = {};
  for (const b of list) boxes[b.id] = b;
  return {
    projectId: state.projectId,
    documentId: state.documentId,
    annotationId: state.annotationId,
    version: state.version,
    status: state.status,
    revision: state.revision,
    boxes,
    order: state.boxColumns.id.slice(),
    qa: state.qa,
    predictions: state.predictions,
  };
}

export function createAnnotationStore(api: AppApi): StoreApi<AnnotationStore> {
  let undoStack: HistoryEntry[] = [];
  let redoStack: HistoryEntry[] = [];
  const unsaved = createUnsavedEdits();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let firstUnsavedAt: number | null = null;
  let inFlight: Promise<void> | null = null;
  let retryDelay = 500;
  /**
   * Undo-stack depth at which the content is the verified version (-1: none reachable). Undoing or
   * redoing back to it reverts the draft that editing started, instead of leaving a new version.
   */
  let verifiedMark = -1;

  const store = createStore<AnnotationStore>()((set, get) => {
    /** The template questions this document is asked with these boxes (null: no context for it yet). */
    const askedWith = (s: AnnotationStore, boxes: Iterable<Box>): TemplateQuestion[] | null => {
      const c = s.questionContext;
      return c && c.documentId === s.documentId && s.loaded ? expandTemplates(c.templates, c.docType, boxes) : null;
    };
    const boxesInOrder = function* (s: Pick<AnnotationData, 'boxes' | 'order'>): Generator<Box> {
      for (const id of s.order) yield s.boxes[id]!;
    };

    /**
     * Put the QA pairs in the shape the templates say (see templateQuestions.ts): questions asked
     * now get a pair, pairs of questions no longer asked go unless they hold an answer. Derived,
     * so it is neither an undo step nor an edit to save.
     */
    const reconcile = () => {
      const s = get();
      const asked = askedWith(s, boxesInOrder(s));
      if (!asked) return;
      const arranged = arrangeQa(asked, s.qa);
      const same = arranged.qa.length === s.qa.length && arranged.qa.every((q, i) => q === s.qa[i]);
      const info = s.questionInfo;
      const sameInfo = sameSet(info.required, arranged.required) && sameSet(info.kept, arranged.kept);
      if (same && sameInfo) return;
      set({ ...(same ? {} : { qa: arranged.qa }), ...(sameInfo ? {} : { questionInfo: { required: arranged.required, kept: arranged.kept } }) });
    };

    /** Whether a change can alter which template questions are asked or kept. */
    const touchesQuestions = (change: Change): boolean => {
      if (change.qa.length) return true;
      const c = get().questionContext;
      if (!c || !change.boxes.length) return false;
      const labels = itemLabels(c.templates, c.docType);
      const isItem = (b: Box | null) => !!b?.label && labels.has(b.label.toLowerCase());
      return labels.size > 0 && change.boxes.some((b) => isItem(b.before) || isItem(b.after));
    };

    /** Apply one side of a change to the data (no history, no dirty marks). */
    const apply = (change: Change) => {
      const s = get();
      let boxes = s.boxes;
      let order = s.order;
      if (change.boxes.length) {
        boxes = { ...boxes };
        let removed: Set<string> | null = null;
        const added: string[] = [];
        for (const c of change.boxes) {
          if (c.after) {
            if (!(c.id in boxes)) added.push(c.id);
            boxes[c.id] = c.after;
          } else if (c.id in boxes) {
            delete boxes[c.id];
            (removed ??= new Set()).add(c.id);
          }
        }
        if (removed || added.length) order = [...(removed ? order.filter((id) => !removed.has(id)) : order), ...added];
      }
      let qa = s.qa;
      if (change.qa.length) {
        qa = [...qa];
        for (const c of change.qa) {
          const at = qa.findIndex((q) => q.id === c.id);
          if (c.after) {
            if (at >= 0) qa[at] = c.after;
            else qa.push(c.after);
          } else if (at >= 0) {
            qa.splice(at, 1);
          }
        }
      }
      let predictions = s.predictions;
      if (change.predictions.length) {
        const status = new Map(change.predictions.map((c) => [c.id, c.after]));
        predictions = predictions.map((p) => (status.has(p.id) ? { ...p, status: status.get(p.id)! } : p));
      }
      const selection = s.selection.size ? new Set([...s.selection].filter((id) => id in boxes)) : s.selection;
      // Problems refer to boxes and questions: once anything changes they are re-checked on verify.
      set({ boxes, order, qa, predictions, selection, problems: s.problems.length ? [] : s.problems });
      if (touchesQuestions(change)) reconcile();
    };

    const markDirty = (change: Change) => {
      unsaved.mark(change);
      schedule();
    };

    const schedule = () => {
      if (timer) clearTimeout(timer);
      const now = Date.now();
      firstUnsavedAt ??= now;
      const wait = Math.max(0, Math.min(AUTOSAVE_DELAY_MS, firstUnsavedAt + MAX_UNSAVED_MS - now));
      if (get().saveState !== 'conflict') set({ saveState: 'pending' });
      timer = setTimeout(() => void flush(), wait);
    };

    const flush = async (): Promise<void> => {
      if (timer) {
        clearTimeout(timer);
        timer = null;
      }
      if (inFlight) {
        await inFlight;
        if (unsaved.any()) return flush();
        return;
      }
      if (!unsaved.any()) return;
      if (get().saveState === 'conflict') return;
      const s = get();
      const sent = unsaved.take();
      const { boxIds, qaIds, predictionIds } = sent;
      firstUnsavedAt = null;
      const qaById = new Map(s.qa.map((q) => [q.id, q]));
      // Boxes first in the request: evidence links in QA pairs may point at boxes created in it.
      const request = {
        projectId: s.projectId,
        documentId: s.documentId,
        baseRevision: s.revision,
        upsertBoxes: boxIds.filter((id) => id in s.boxes).map((id) => s.boxes[id]!),
        deleteBoxIds: boxIds.filter((id) => !(id in s.boxes)),
        upsertQa: qaIds.filter((id) => qaById.has(id)).map((id) => qaById.get(id)!),
        deleteQaIds: qaIds.filter((id) => !qaById.has(id)),
        predictionStatus: predictionIds.flatMap((id) => {
          const p = s.predictions.find((x) => x.id === id);
          return p ? [{ id, status: p.status }] : [];
        }),
      };
      set({ saveState: 'saving' });
      inFlight = api['annotations.save'](request).then(
        async (result) => {
          retryDelay = 500;
          const dirty = unsaved.any();
          set({
            revision: result.revision,
            version: result.version,
            annotationId: result.annotationId,
            status: 'draft',
            saveState: dirty ? 'pending' : 'saving',
            saveError: null,
            saveRefusal: null,
          });
          if (!dirty && undoStack.length === verifiedMark) await revertToVerified();
          if (get().saveState === 'saving') set({ saveState: 'saved' });
        },
        (err: { code?: string; message?: string; retryable?: boolean; details?: Record<string, unknown> }) => {
          // Nothing is lost: the ids are unsaved again and sent with the next save.
          unsaved.restore(sent);
          if (err.code === 'conflict') {
            set({ saveState: 'conflict', saveError: err.message ?? 'This document was changed elsewhere.' });
            return;
          }
          if (err.code && REFUSALS.has(err.code) && err.retryable !== true) {
            // Kept locally and not retried: the same request would be refused again. The next
            // edit (the fix, usually) sends everything still unsaved.
            const refusal = refusalOf(err, request);
            set({ saveState: 'refused', saveError: refusal.message, saveRefusal: refusal });
            firstUnsavedAt = null;
            return;
          }
          set({ saveState: 'error', saveError: err.message ?? String(err) });
          firstUnsavedAt = Date.now();
          if (timer) clearTimeout(timer);
          timer = setTimeout(() => void flush(), retryDelay);
          retryDelay = Math.min(retryDelay * 2, 10_000);
        },
      );
      try {
        await inFlight;
      } finally {
        inFlight = null;
      }
      if (unsaved.any()) {
        if (get().saveState === 'pending') schedule();
      }
    };

    /** Back at the verified content after an edit: drop the draft (the core checks it is identical). */
    const revertToVerified = async () => {
      const s = get();
      if (s.status !== 'draft') return;
      try {
        const result = await api['annotations.revertToVerified']({ projectId: s.projectId, documentId: s.documentId, baseRevision: s.revision });
        if (get().documentId !== s.documentId) return;
        set({ status: 'verified', version: result.version, annotationId: result.annotationId, revision: result.revision });
      } catch {
        // The draft differs after all (or changed elsewhere): it stays a draft, nothing is lost.
        verifiedMark = -1;
      }
    };

    const historyFlags = () => ({ canUndo: undoStack.length > 0, canRedo: redoStack.length > 0 });

    /**
     * A box may keep a label it already has (the label set may have changed since), but never get
     * one outside the project's set: a new box gets none, a relabel to an unknown name is ignored.
     */
    const withKnownLabels = (change: Change): Change => {
      const known = get().labelSet;
      if (!known) return change;
      const boxes = change.boxes.map((c) => {
        if (!c.after || c.after.label === null || known.has(c.after.label) || c.before?.label === c.after.label) return c;
        return { ...c, after: { ...c.after, label: c.before?.label ?? null } };
      });
      return { ...change, boxes };
    };

    const commit = (raw: Change, opts: { coalesceKey?: string } = {}) => {
      if (isReadOnly(get())) {
        get().nudgeReadOnly();
        return;
      }
      const change = prune(withKnownLabels(raw));
      if (isEmpty(change)) return;
      apply({ boxes: change.boxes, qa: change.qa, predictions: change.predictions });
      const last = undoStack.at(-1);
      const now = Date.now();
      // The redo steps that led back to the verified content are gone with this edit.
      if (verifiedMark > undoStack.length) verifiedMark = -1;
      // Never merge across the verified content, or undo could not stop there.
      const mergeable = undoStack.length !== verifiedMark;
      if (mergeable && opts.coalesceKey && last && last.coalesceKey === opts.coalesceKey && now - last.at < COALESCE_WINDOW_MS) {
        // Typing into one field is one undo step: keep the first "before", take the newest "after".
        const merged: Change = {
          boxes: mergeEntries(last.change.boxes, change.boxes),
          qa: mergeEntries(last.change.qa, change.qa),
          predictions: mergeEntries(last.change.predictions, change.predictions),
        };
        undoStack[undoStack.length - 1] = { change: merged, coalesceKey: opts.coalesceKey, at: now };
      } else {
        undoStack.push({ change, coalesceKey: opts.coalesceKey ?? null, at: now });
        if (undoStack.length > 500) {
          const dropped = undoStack.length - 500;
          undoStack = undoStack.slice(-500);
          verifiedMark = verifiedMark >= dropped ? verifiedMark - dropped : -1;
        }
      }
      redoStack = [];
      set(historyFlags());
      markDirty(change);
    };

    const boxChange = (before: Box | null, after: Box | null): Change['boxes'][number] => ({ id: (after ?? before)!.id, before, after });

    /** Reshape the selected, unlocked boxes on this page (none while read-only), kept inside it. */
    const moveSelection = (page: PageOnScreen, reshape: (b: Box) => GeometryOf<Box>, coalesceKey: string): boolean => {
      const s = get();
      if (isReadOnly(s)) return false;
      const boxes = [...s.selection].flatMap((id) => {
        const b = s.boxes[id];
        return b && b.pageId === page.pageId && !b.locked ? [b] : [];
      });
      if (!boxes.length) return false;
      s.updateBoxes(
        boxes.map((b) => ({ id: b.id, patch: clampRect(reshape(b), page.width, page.height) })),
        { coalesceKey },
      );
      return true;
    };

    const toggleSelectionFlag = (flag: 'hidden' | 'locked'): boolean => {
      const s = get();
      const ids = [...s.selection].filter((id) => s.boxes[id]);
      if (!ids.length) return false;
      const value = !ids.every((id) => s.boxes[id]![flag]);
      s.updateBoxes(ids.map((id) => ({ id, patch: { [flag]: value } })));
      return true;
    };

    return {
      projectId: '',
      documentId: '',
      annotationId: null,
      version: 0,
      status: 'draft',
      revision: 0,
      boxes: {},
      order: [],
      qa: [],
      predictions: [],
      loaded: false,
      questionContext: null,
      questionInfo: { required: new Set(), kept: new Set() },
      selection: new Set(),
      activeQaId: null,
      problems: [],
      saveState: 'saved',
      saveError: null,
      saveRefusal: null,
      editUnlocked: false,
      readOnlyNudge: 0,
      labelSet: null,
      canUndo: false,
      canRedo: false,

      async load(projectId, documentId) {
        await flush();
        const state = await api['annotations.getColumns']({ projectId, documentId });
        undoStack = [];
        redoStack = [];
        unsaved.clear();
        firstUnsavedAt = null;
        verifiedMark = state.status === 'verified' ? 0 : -1;
        set({
          ...toData(state),
          loaded: true,
          selection: new Set(),
          activeQaId: state.qa[0]?.id ?? null,
          problems: [],
          saveState: 'saved',
          saveError: null,
          saveRefusal: null,
          editUnlocked: false,
          canUndo: false,
          canRedo: false,
        });
        reconcile();
      },

      commit,

      undo() {
        if (isReadOnly(get())) return get().nudgeReadOnly();
        const entry = undoStack.pop();
        if (!entry) return;
        const back = invert(entry.change);
        apply(back);
        redoStack.push({ ...entry, coalesceKey: null });
        set(historyFlags());
        markDirty(back);
      },

      redo() {
        if (isReadOnly(get())) return get().nudgeReadOnly();
        const entry = redoStack.pop();
        if (!entry) return;
        apply(entry.change);
        undoStack.push({ ...entry, coalesceKey: null });
        set(historyFlags());
        markDirty(entry.change);
      },

      flush,

      setLabelSet(names) {
        set({ labelSet: names ? new Set(names) : null });
      },

      unlockEdit() {
        set({ editUnlocked: true });
      },

      nudgeReadOnly() {
        set({ readOnlyNudge: get().readOnlyNudge + 1 });
      },

      select(ids, mode = 'replace') {
        const current = get().selection;
        let next: Set<string>;
        if (mode === 'replace') next = new Set(ids);
        else if (mode === 'add') next = new Set([...current, ...ids]);
        else {
          next = new Set(current);
          for (const id of ids) {
            if (next.has(id)) next.delete(id);
            else next.add(id);
          }
        }
        set({ selection: next });
      },

      setActiveQa(id) {
        set({ activeQaId: id });
      },

      setQuestionContext(context) {
        const c = get().questionContext;
        if (c && c.documentId === context.documentId && c.templates === context.templates && c.docType === context.docType) return;
        set({ questionContext: context });
        reconcile();
      },

      addBoxes(boxes) {
        commit({ ...emptyChange(), boxes: boxes.map((b) => boxChange(null, b)) });
        set({ selection: new Set(boxes.map((b) => b.id)) });
      },

      fillDrawnBox(id, drawn, fill) {
        const s = get();
        const current = s.boxes[id];
        if (!current || isReadOnly(s) || !sameGeometry(current, drawn)) return false;
        // As if the box had been drawn with it: every later state of the box that still has the
        // drawn geometry (and no text) gets the fill, so undo and redo keep it.
        const filled = (b: Box): Box => ({
          ...b,
          ...(fill.transcription !== undefined && b.transcription === '' ? { transcription: fill.transcription } : {}),
          ...(fill.rect && sameGeometry(b, drawn) ? fill.rect : {}),
        });
        const after = filled(current);
        if (sameBox(after, current)) return false;
        const drawnAt = undoStack.findIndex((e) => e.change.boxes.some((c) => c.id === id && c.before === null && c.after !== null));
        // The verified version has the box as drawn (verify came in between): the fill is an edit of its own.
        if (drawnAt < 0 || (verifiedMark >= 0 && verifiedMark > drawnAt)) {
          commit({ ...emptyChange(), boxes: [boxChange(current, after)] });
          return true;
        }
        const rewrite = (entry: HistoryEntry): HistoryEntry => ({
          ...entry,
          change: {
            ...entry.change,
            boxes: entry.change.boxes.map((c) => (c.id === id ? { id, before: c.before && filled(c.before), after: c.after && filled(c.after) } : c)),
          },
        });
        for (let i = drawnAt; i < undoStack.length; i++) undoStack[i] = rewrite(undoStack[i]!);
        redoStack = redoStack.map(rewrite);
        apply({ ...emptyChange(), boxes: [boxChange(current, after)] });
        markDirty({ ...emptyChange(), boxes: [boxChange(current, after)] });
        return true;
      },

      updateBoxes(updates, opts) {
        const { boxes } = get();
        const change = emptyChange();
        for (const u of updates) {
          const before = boxes[u.id];
          if (before) change.boxes.push(boxChange(before, { ...before, ...u.patch }));
        }
        commit(change, opts);
      },

      deleteBoxes(ids) {
        const { boxes, qa } = get();
        const gone = new Set(ids.filter((id) => boxes[id] && !boxes[id]!.locked));
        if (!gone.size) return;
        const change = emptyChange();
        for (const id of gone) change.boxes.push(boxChange(boxes[id]!, null));
        // Evidence links to deleted boxes go with them (and come back on undo).
        for (const q of qa) {
          if (q.evidenceBoxIds.some((id) => gone.has(id))) change.qa.push({ id: q.id, before: q, after: { ...q, evidenceBoxIds: q.evidenceBoxIds.filter((id) => !gone.has(id)) } });
        }
        commit(change);
      },

      duplicateBoxes(ids, offset, page) {
        const { boxes } = get();
        const copies = ids.flatMap((id) => {
          const b = boxes[id];
          if (!b) return [];
          const r = clampRect({ x: b.x + offset, y: b.y + offset, w: b.w, h: b.h }, page.width, page.height);
          return [{ ...b, ...r, id: newId(), locked: false, originPredictionId: null }];
        });
        if (copies.length) get().addBoxes(copies);
        return copies.map((c) => c.id);
      },

      copyBoxes(ids) {
        const { boxes } = get();
        clipboard = ids.flatMap((id) => (boxes[id] ? [structuredClone(boxes[id]!)] : []));
        return clipboard.length;
      },

      pasteBoxes(page) {
        if (!clipboard.length) return [];
        const { boxes } = get();
        // Onto the same page the copies are offset so they do not hide the originals.
        const samePage = clipboard.every((b) => b.pageId === page.pageId && boxes[b.id]);
        const offset = samePage ? 10 : 0;
        const pasted = clipboard.map((b) => ({
          ...b,
          ...clampRect({ x: b.x + offset, y: b.y + offset, w: b.w, h: b.h }, page.width, page.height),
          id: newId(),
          pageId: page.pageId,
          locked: false,
          hidden: false,
          originPredictionId: null,
        }));
        get().addBoxes(pasted);
        return pasted.map((b) => b.id);
      },

      nudgeSelection(page, dx, dy) {
        return moveSelection(page, (b) => ({ x: b.x + dx, y: b.y + dy, w: b.w, h: b.h }), 'nudge');
      },

      resizeSelection(page, dw, dh) {
        return moveSelection(page, (b) => ({ x: b.x, y: b.y, w: Math.max(1, b.w + dw), h: Math.max(1, b.h + dh) }), 'resize');
      },

      toggleSelectionHidden() {
        return toggleSelectionFlag('hidden');
      },

      toggleSelectionLocked() {
        return toggleSelectionFlag('locked');
      },

      addQuestion(question) {
        const qa: QaPair = { id: newId(), question, answer: '', unanswerable: false, source: 'annotator', templateId: null, originPredictionId: null, evidenceBoxIds: [] };
        commit({ ...emptyChange(), qa: [{ id: qa.id, before: null, after: qa }] });
        set({ activeQaId: qa.id });
        return qa.id;
      },

      updateQa(id, patch, opts) {
        const before = get().qa.find((q) => q.id === id);
        if (before) commit({ ...emptyChange(), qa: [{ id, before, after: { ...before, ...patch } }] }, opts);
      },

      deleteQa(id) {
        const before = get().qa.find((q) => q.id === id);
        // Template questions asked of this document stay (verify asks for them); an answer kept from
        // a question no longer asked can go, by the annotator's hand only.
        if (before && (before.source !== 'template' || get().questionInfo.kept.has(id))) commit({ ...emptyChange(), qa: [{ id, before, after: null }] });
      },

      toggleEvidence(qaId, boxId) {
        const q = get().qa.find((x) => x.id === qaId);
        if (!q || !get().boxes[boxId]) return;
        const evidenceBoxIds = q.evidenceBoxIds.includes(boxId) ? q.evidenceBoxIds.filter((id) => id !== boxId) : [...q.evidenceBoxIds, boxId];
        commit({ ...emptyChange(), qa: [{ id: qaId, before: q, after: withEvidence(get().boxes, q, evidenceBoxIds) }] });
      },

      linkEvidence(qaId, boxIds) {
        const q = get().qa.find((x) => x.id === qaId);
        if (!q) return 0;
        const adding = boxIds.filter((id) => get().boxes[id] && !q.evidenceBoxIds.includes(id));
        if (adding.length) commit({ ...emptyChange(), qa: [{ id: qaId, before: q, after: withEvidence(get().boxes, q, [...q.evidenceBoxIds, ...adding]) }] });
        return adding.length;
      },

      answerFromEvidence(qaId) {
        const q = get().qa.find((x) => x.id === qaId);
        const text = q ? evidenceText(get().boxes, q.evidenceBoxIds) : '';
        if (!q || !text || (q.answer === text && !q.unanswerable)) return false;
        commit({ ...emptyChange(), qa: [{ id: qaId, before: q, after: { ...q, answer: text, unanswerable: false } }] });
        return true;
      },

      acceptPredictions(ids, edits = {}) {
        const { predictions, boxes, order, qa } = get();
        const wanted = new Set(ids);
        const byId = new Map(predictions.map((p) => [p.id, p]));
        // A QA prediction brings its evidence boxes with it, but not doubtful ones: they wait to be
        // decided (a wrong label must not come in unseen) and are linked once accepted.
        for (const id of ids) for (const ev of byId.get(id)?.evidence ?? []) if (byId.get(ev)?.kind === 'box' && byId.get(ev)!.confidence >= LOW_CONFIDENCE) wanted.add(ev);
        const change = emptyChange();
        const boxFor = new Map<string, string>();
        for (const id of order) {
          const origin = boxes[id]!.originPredictionId;
          if (origin) boxFor.set(origin, id);
        }
        for (const id of wanted) {
          const p = byId.get(id);
          if (!p || p.status !== 'pending' || p.kind !== 'box' || p.pageId === null || p.x === null || p.y === null || p.w === null || p.h === null) continue;
          const edit = edits[p.id];
          const box: Box = {
            id: newId(),
            pageId: p.pageId,
            label: edit?.label !== undefined ? edit.label : p.label,
            x: p.x,
            y: p.y,
            w: p.w,
            h: p.h,
            transcription: edit?.transcription ?? p.transcription ?? '',
            locked: false,
            hidden: false,
            originPredictionId: p.id,
          };
          change.boxes.push(boxChange(null, box));
          change.predictions.push({ id: p.id, before: p.status, after: 'accepted' });
          boxFor.set(p.id, box.id);
        }
        // A QA prediction answers the question that reads the same: a template question asked now
        // (line-item ones with the boxes accepted here too), else one already in the list.
        const qaPredictions = [...wanted].flatMap((id) => {
          const p = byId.get(id);
          return p && p.status === 'pending' && p.kind === 'qa' ? [p] : [];
        });
        const added = change.boxes.flatMap((c) => (c.after ? [c.after] : []));
        // Without the templates yet (no context), the questions in the list are all there is to match.
        const asked = qaPredictions.length ? askedWith(get(), [...boxesInOrder({ boxes, order }), ...added]) : null;
        const arranged = asked ? arrangeQa(asked, qa).qa : qa;
        const taken = new Set<string>();
        for (const p of qaPredictions) {
          const question = p.question ?? '';
          const template = asked && matchTemplateQuestion(question, asked, taken);
          const key = questionKey(question);
          const existing = template ? arranged.find((q) => q.id === template.qaId) : arranged.find((q) => !taken.has(q.id) && questionKey(q.question) === key);
          const evidenceBoxIds = p.evidence.flatMap((ev) => (boxFor.has(ev) ? [boxFor.get(ev)!] : []));
          const after: QaPair = existing
            ? { ...existing, answer: p.answer ?? '', unanswerable: p.answer === null, originPredictionId: p.id, evidenceBoxIds }
            : { id: newId(), question, answer: p.answer ?? '', unanswerable: p.answer === null, source: 'model', templateId: null, originPredictionId: p.id, evidenceBoxIds };
          taken.add(after.id);
          // A template question not saved yet has no "before": undo takes the answer away again.
          change.qa.push({ id: after.id, before: qa.find((q) => q.id === after.id) ?? null, after });
          change.predictions.push({ id: p.id, before: p.status, after: 'accepted' });
        }
        // Answers accepted earlier link the evidence boxes accepted now, in the model's order.
        for (const q of qa) {
          if (taken.has(q.id) || !q.originPredictionId) continue;
          const origin = byId.get(q.originPredictionId);
          const linked = origin?.evidence.flatMap((ev) => (boxFor.has(ev) ? [boxFor.get(ev)!] : [])) ?? [];
          if (!linked.some((id) => !q.evidenceBoxIds.includes(id))) continue;
          const evidenceBoxIds = [...linked, ...q.evidenceBoxIds.filter((id) => !linked.includes(id))];
          change.qa.push({ id: q.id, before: q, after: withEvidence({ ...boxes, ...Object.fromEntries(added.map((b) => [b.id, b])) }, q, evidenceBoxIds) });
        }
        commit(change);
      },

      rejectPredictions(ids) {
        const { predictions } = get();
        const wanted = new Set(ids);
        commit({ ...emptyChange(), predictions: predictions.filter((p) => wanted.has(p.id) && p.status === 'pending').map((p) => ({ id: p.id, before: p.status, after: 'rejected' as const })) });
      },

      async verify(acknowledge = []) {
        await flush();
        if (get().saveState === 'conflict' || get().saveState === 'error' || get().saveState === 'refused') {
          throw new Error(get().saveError ?? 'Unsaved changes: verify after they are saved.');
        }
        const s = get();
        const result = await api['annotations.verify']({ projectId: s.projectId, documentId: s.documentId, ...(acknowledge.length ? { acknowledge } : {}) });
        if (result.result === 'refused') {
          set({ problems: result.problems });
          return { verified: false, problems: result.problems, warnings: [] };
        }
        if (result.result === 'confirm') return { verified: false, problems: [], warnings: result.warnings };
        // Verify may have stored template answers: take the server's view and keep the history.
        const fresh = await api['annotations.getColumns']({ projectId: s.projectId, documentId: s.documentId });
        verifiedMark = undoStack.length;
        set({ ...toData(fresh), problems: [], editUnlocked: false });
        reconcile();
        return { verified: true, problems: [], warnings: [] };
      },
    };
  });
  return store;
}

/**
 * A question's evidence changed: an empty answer is filled with the evidence's text, so linking the
 * box that holds the answer is answering. An answer already given is left alone (the
 * answer-from-evidence key replaces it on request).
 */
function withEvidence(boxes: Record<string, Box>, q: QaPair, evidenceBoxIds: string[]): QaPair {
  const text = !q.unanswerable && q.answer.trim() === '' ? evidenceText(boxes, evidenceBoxIds) : '';
  return { ...q, evidenceBoxIds, ...(text ? { answer: text } : {}) };
}

/** Which box or question a refused save is about: the core says so, or the request path does. */
function refusalOf(err: { message?: string; details?: Record<string, unknown> }, request: { upsertBoxes: Box[]; upsertQa: QaPair[] }): SaveRefusal {
  const message = (err.message ?? 'The change was refused.').replace(/^annotations\.save: /, '');
  const detail = (key: string) => (typeof err.details?.[key] === 'string' ? (err.details[key] as string) : null);
  let boxId = detail('boxId');
  let qaId = detail('qaId');
  const path = /^(upsertBoxes|upsertQa)\[(\d+)\]/.exec(message);
  if (path && !boxId && !qaId) {
    if (path[1] === 'upsertBoxes') boxId = request.upsertBoxes[Number(path[2])]?.id ?? null;
    else qaId = request.upsertQa[Number(path[2])]?.id ?? null;
  }
  // The request path means nothing to a person once the box is named.
  return { message: message.replace(/^(upsertBoxes|upsertQa)\[\d+\]\.[\w.]+: /, ''), boxId, qaId };
}

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));

function mergeEntries<T extends { id: string; before: unknown; after: unknown }>(older: T[], newer: T[]): T[] {
  const merged = new Map(older.map((e) => [e.id, e]));
  for (const e of newer) {
    const first = merged.get(e.id);
    merged.set(e.id, first ? { ...e, before: first.before } : e);
  }
  return [...merged.values()];
}
