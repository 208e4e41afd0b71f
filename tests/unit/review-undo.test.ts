import { beforeEach, describe, expect, it } from 'vitest';
import { useReviewDoc } from '../../src/renderer/src/review/reviewStore';
import type { ReviewDocument } from '../../src/shared/domain/review';

/**
 * Undo and redo of the lead's choices in the resolving view (the store behind Ctrl+Z / Ctrl+Shift+Z),
 * taking a source (1–9) on the current item without moving on, and refusing a source that has
 * nothing there.
 */
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

describe('taking a source in the resolving view', () => {
  const store = () => useReviewDoc.getState();
  const box = { id: 'x', pageId: 'p1', label: 'total', x: 1, y: 2, w: 3, h: 4, transcription: '12.00' };
  const doc = {
    versions: [
      { source: { id: 'alice', kind: 'annotator', name: 'Alice' }, annotationId: 'a', version: 1, verifiedAt: null, boxes: [box], qa: [] },
      { source: { id: 'bob', kind: 'annotator', name: 'Bob' }, annotationId: 'b', version: 1, verifiedAt: null, boxes: [], qa: [] },
    ],
    gold: null,
    boxGroups: [{ id: 'b1', pageId: 'p1', boxes: { alice: box }, agreed: false, disagreementIds: [], suggested: 'alice' }],
    questionGroups: [],
  } as unknown as ReviewDocument;
  beforeEach(() => {
    useReviewDoc.setState({ doc, choices: { boxes: { b1: { kind: 'source', sourceId: 'alice' } }, qa: {} }, current: { kind: 'box', id: 'b1' }, looked: {}, refusal: null, undoStack: [], redoStack: [], editing: false });
  });

  it('refuses a source with no box there: the choice and the undo history stay, and a note says why', () => {
    store().take({ kind: 'box', id: 'b1' }, 'bob');
    expect(store().choices.boxes.b1).toEqual({ kind: 'source', sourceId: 'alice' });
    expect(store().undoStack).toHaveLength(0);
    expect(store().refusal).toEqual({ item: 'box:b1', message: 'Bob has no box for this item — press 0 to drop it or pick another source' });
    // Dropping on purpose works, and clears the note; so does moving to another item.
    store().drop({ kind: 'box', id: 'b1' });
    expect(store().choices.boxes.b1).toEqual({ kind: 'drop' });
    expect(store().refusal).toBeNull();
    store().take({ kind: 'box', id: 'b1' }, 'bob');
    store().select({ kind: 'qa', id: 'q1' });
    expect(store().refusal).toBeNull();
  });

  it('takes a source and stays on the item; the items chosen for or visited count as looked at', () => {
    store().drop({ kind: 'box', id: 'b1' });
    store().take({ kind: 'box', id: 'b1' }, 'alice');
    expect(store().choices.boxes.b1).toEqual({ kind: 'source', sourceId: 'alice' });
    expect(store().current).toEqual({ kind: 'box', id: 'b1' });
    expect(store().looked).toEqual({ 'box:b1': true });
    store().select({ kind: 'qa', id: 'q1' });
    expect(store().looked).toEqual({ 'box:b1': true, 'qa:q1': true });
    store().undo();
    expect(store().choices.boxes.b1).toEqual({ kind: 'drop' });
  });
});
