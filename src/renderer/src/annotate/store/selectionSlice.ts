import type { Slice } from './shared';

/** Which boxes are selected and which question is active: view state, never an edit. */
export const selectionSlice: Slice<'selection' | 'activeQaId' | 'select' | 'setActiveQa'> = (set, get) => ({
  selection: new Set(),
  activeQaId: null,

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
});
