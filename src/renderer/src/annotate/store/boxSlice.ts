import type { Box } from '../../../../shared/domain/model';
import { emptyChange, sameBox } from '../changes';
import { clampRect } from '../geometry';
import { boxChange, newId } from './edits';
import type { Slice } from './shared';
import { isReadOnly, type GeometryOf, type GetState, type PageOnScreen } from './types';

type BoxKeys =
  | 'addBoxes'
  | 'fillDrawnBox'
  | 'prefilled'
  | 'markPrefilled'
  | 'confirmTranscription'
  | 'updateBoxes'
  | 'deleteBoxes'
  | 'duplicateBoxes'
  | 'copyBoxes'
  | 'pasteBoxes'
  | 'nudgeSelection'
  | 'resizeSelection'
  | 'toggleSelectionHidden'
  | 'toggleSelectionLocked';

/** Copied boxes live outside any one document, so they can be pasted onto another page or document. */
let clipboard: Box[] = [];

const sameGeometry = (a: GeometryOf<Box>, b: GeometryOf<Box>): boolean => a.x === b.x && a.y === b.y && a.w === b.w && a.h === b.h;

/** Drawing, editing, deleting, copying and moving boxes; each is one commit (one undo step). */
export const boxSlice: Slice<BoxKeys> = (set, get, { history, saver, apply }) => ({
  addBoxes(boxes) {
    get().commit({ ...emptyChange(), boxes: boxes.map((b) => boxChange(null, b)) });
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
    // The verified version has the box as drawn (verify came in between): the fill is an edit of its own.
    if (!history.rewriteSinceDrawn(id, filled)) {
      get().commit({ ...emptyChange(), boxes: [boxChange(current, after)] });
      return true;
    }
    apply({ ...emptyChange(), boxes: [boxChange(current, after)] });
    saver.markDirty({ ...emptyChange(), boxes: [boxChange(current, after)] });
    return true;
  },

  prefilled: new Map(),

  markPrefilled(id, confidence) {
    if (!get().boxes[id]) return;
    set({ prefilled: new Map(get().prefilled).set(id, confidence) });
  },

  confirmTranscription(id) {
    if (!get().prefilled.has(id)) return;
    const prefilled = new Map(get().prefilled);
    prefilled.delete(id);
    set({ prefilled });
  },

  updateBoxes(updates, opts) {
    const { boxes } = get();
    const change = emptyChange();
    for (const u of updates) {
      const before = boxes[u.id];
      if (before) change.boxes.push(boxChange(before, { ...before, ...u.patch }));
    }
    get().commit(change, opts);
    // Text the person changed is theirs, no longer the reader's.
    for (const u of updates) if (u.patch.transcription !== undefined && u.patch.transcription !== boxes[u.id]?.transcription) get().confirmTranscription(u.id);
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
    get().commit(change);
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
    return moveSelection(get, page, (b) => ({ x: b.x + dx, y: b.y + dy, w: b.w, h: b.h }), 'nudge');
  },

  resizeSelection(page, dw, dh) {
    return moveSelection(get, page, (b) => ({ x: b.x, y: b.y, w: Math.max(1, b.w + dw), h: Math.max(1, b.h + dh) }), 'resize');
  },

  toggleSelectionHidden() {
    return toggleSelectionFlag(get, 'hidden');
  },

  toggleSelectionLocked() {
    return toggleSelectionFlag(get, 'locked');
  },
});

/** Reshape the selected, unlocked boxes on this page (none while read-only), kept inside it. */
function moveSelection(get: GetState, page: PageOnScreen, reshape: (b: Box) => GeometryOf<Box>, coalesceKey: string): boolean {
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
}

function toggleSelectionFlag(get: GetState, flag: 'hidden' | 'locked'): boolean {
  const s = get();
  const ids = [...s.selection].filter((id) => s.boxes[id]);
  if (!ids.length) return false;
  const value = !ids.every((id) => s.boxes[id]![flag]);
  s.updateBoxes(ids.map((id) => ({ id, patch: { [flag]: value } })));
  return true;
}
