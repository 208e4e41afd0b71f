import { beforeEach, describe, expect, it } from 'vitest';
import { useReviewDoc } from '../../src/renderer/src/review/reviewStore';

/** Undo and redo of the lead's choices in the resolving view (the store behind Ctrl+Z / Ctrl+Shift+Z). */
describe('resolving view undo', () => {
  const store = () => useReviewDoc.getState();
  beforeEach(() => {
    useReviewDoc.setState({ choices: { boxes: { b1: { kind: 'source', sourceId: 'alice' } }, qa: {} }, current: { kind: 'box', id: 'b1' }, undoStack: [], redoStack: [], editing: false });
  });

  it('takes choices back one at a time, returning to the item each was made on, and redoes them', () => {
    store().chooseBox('b1', { kind: 'source', sourceId: 'bob' });
    store().select({ kind: 'qa', id: 'q1' });
    store().chooseQa('q1', { kind: 'drop' });
    expect(store().choices).toEqual({ boxes: { b1: { kind: 'source', sourceId: 'bob' } }, qa: { q1: { kind: 'drop' } } });

    store().undo();
    expect(store().choices).toEqual({ boxes: { b1: { kind: 'source', sourceId: 'bob' } }, qa: {} });
    expect(store().current).toEqual({ kind: 'qa', id: 'q1' });
    store().undo();
    expect(store().choices.boxes.b1).toEqual({ kind: 'source', sourceId: 'alice' });
    expect(store().current).toEqual({ kind: 'box', id: 'b1' });
    store().undo(); // nothing left: no change
    expect(store().choices.boxes.b1).toEqual({ kind: 'source', sourceId: 'alice' });

    store().redo();
    store().redo();
    expect(store().choices).toEqual({ boxes: { b1: { kind: 'source', sourceId: 'bob' } }, qa: { q1: { kind: 'drop' } } });
    // A new choice after an undo drops what could be redone.
    store().undo();
    store().chooseBox('b1', { kind: 'drop' });
    store().redo();
    expect(store().choices.qa).toEqual({});
  });

  it('takes a whole edit of one item back in one step, however many keystrokes it took', () => {
    const edit = (transcription: string) => ({ kind: 'edit' as const, base: 'alice', label: 'total', transcription, x: 1, y: 2, w: 3, h: 4 });
    store().chooseBox('b1', edit(''));
    for (const text of ['1', '12', '12.', '12.5']) store().chooseBox('b1', edit(text));
    expect(store().undoStack).toHaveLength(1);
    store().undo();
    expect(store().choices.boxes.b1).toEqual({ kind: 'source', sourceId: 'alice' });
  });
});
