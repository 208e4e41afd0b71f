import { isEmpty, prune, type Change } from '../changes';
import type { Slice } from './shared';
import { isReadOnly, type GetState } from './types';

/**
 * Every edit goes through `commit(change)`, which owns the bench's rules: nothing changes a
 * verified document until the person says Edit, and no box gets a label outside the project's set.
 * Each commit, undo and redo is applied, kept in the history and handed to autosave.
 */
export const historySlice: Slice<'canUndo' | 'canRedo' | 'commit' | 'undo' | 'redo'> = (set, get, { history, saver, apply }) => ({
  canUndo: false,
  canRedo: false,

  commit(raw, opts = {}) {
    if (isReadOnly(get())) {
      get().nudgeReadOnly();
      return;
    }
    const change = prune(withKnownLabels(get, raw));
    if (isEmpty(change)) return;
    apply({ boxes: change.boxes, qa: change.qa, predictions: change.predictions });
    history.push(change, opts.coalesceKey);
    set(history.flags());
    saver.markDirty(change);
  },

  undo() {
    if (isReadOnly(get())) return get().nudgeReadOnly();
    const back = history.undo();
    if (!back) return;
    apply(back);
    set(history.flags());
    saver.markDirty(back);
  },

  redo() {
    if (isReadOnly(get())) return get().nudgeReadOnly();
    const again = history.redo();
    if (!again) return;
    apply(again);
    set(history.flags());
    saver.markDirty(again);
  },
});

/**
 * A box may keep a label it already has (the label set may have changed since), but never get
 * one outside the project's set: a new box gets none, a relabel to an unknown name is ignored.
 */
function withKnownLabels(get: GetState, change: Change): Change {
  const known = get().labelSet;
  if (!known) return change;
  const boxes = change.boxes.map((c) => {
    if (!c.after || c.after.label === null || known.has(c.after.label) || c.before?.label === c.after.label) return c;
    return { ...c, after: { ...c.after, label: c.before?.label ?? null } };
  });
  return { ...change, boxes };
}
