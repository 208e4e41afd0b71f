import { describe, expect, it } from 'vitest';
import { buildResolution, goldSummary, initialChoices, itemKey, itemsOf, needsAttention, resolutionProblems, takeAnswer, takeBox, type Choices } from '../../src/renderer/src/review/resolution';
import type { ReviewBox, ReviewDocument, ReviewQa } from '../../src/shared/domain/review';

/**
 * How the lead's choices become the gold request: each region keeps the chosen source's box, an
 * answer's evidence follows the regions it points at (to whichever box the lead kept there, or
 * out when the region was dropped), box ids stay unique, problems are named before saving, a
 * source with nothing for an item cannot be taken for it, and the summary shown before saving
 * says exactly what gold will hold.
 */

const box = (id: string, x: number, label = 'total', transcription = 'x'): ReviewBox => ({ id, pageId: 'p1', label, x, y: 10, w: 50, h: 20, transcription });
const qa = (id: string, answer: string, evidence: string[]): ReviewQa => ({ id, question: 'What is the total?', answer, unanswerable: false, templateId: null, evidenceBoxIds: evidence });
const source = (id: string, name: string) => ({ id, kind: 'annotator' as const, name });

/** Alice and Bob drew the same total box (with different ids) and Bob an extra stamp; they answered differently. */
const doc: ReviewDocument = {
  projectId: 'proj',
  documentId: 'doc',
  sourceName: 'invoice.png',
  state: 'open',
  requiredAnnotators: 2,
  versions: [
    { source: source('a', 'Alice'), annotationId: 'ann-a', version: 1, verifiedAt: null, boxes: [box('a-total', 100)], qa: [qa('a-q', '12.00', ['a-total'])] },
    { source: source('b', 'Bob'), annotationId: 'ann-b', version: 2, verifiedAt: null, boxes: [box('b-total', 101), box('shared-id', 300, 'stamp')], qa: [qa('b-q', '12.50', ['b-total', 'shared-id'])] },
  ],
  gold: null,
  disagreements: [],
  lowConfidence: [],
  counts: { byType: { missing_box: 0, extra_box: 1, label_mismatch: 0, geometry_mismatch: 0, transcription_mismatch: 0, answer_mismatch: 1, evidence_mismatch: 0 }, bySeverity: { low: 0, medium: 0, high: 2 } },
  boxGroups: [
    { id: 'g-total', pageId: 'p1', boxes: { a: box('a-total', 100), b: box('b-total', 101) }, agreed: true, disagreementIds: [], suggested: 'a' },
    { id: 'g-stamp', pageId: 'p1', boxes: { b: box('shared-id', 300, 'stamp') }, agreed: false, disagreementIds: ['d1'], suggested: 'b' },
  ],
  questionGroups: [{ key: 'question:what is the total', question: 'What is the total?', templateId: null, answers: { a: qa('a-q', '12.00', ['a-total']), b: qa('b-q', '12.50', ['b-total', 'shared-id']) }, agreed: false, disagreementIds: ['d2'], suggested: 'a' }],
};

describe('buildResolution', () => {
  it('starts from the suggestions and records what the lead compared', () => {
    const r = buildResolution('proj', doc, initialChoices(doc));
    expect(r.boxes.map((b) => [b.id, b.from])).toEqual([
      ['a-total', 'a'],
      ['shared-id', 'b'],
    ]);
    expect(r.qa[0]).toMatchObject({ answer: '12.00', from: 'a', evidenceBoxIds: ['a-total'] });
    expect(r.basedOn).toEqual([
      { sourceId: 'a', annotationId: 'ann-a', version: 1 },
      { sourceId: 'b', annotationId: 'ann-b', version: 2 },
    ]);
  });

  it("maps the answer's evidence onto the boxes kept, and drops evidence of dropped regions", () => {
    const choices: Choices = { boxes: { 'g-total': { kind: 'source', sourceId: 'a' }, 'g-stamp': { kind: 'drop' } }, qa: { 'question:what is the total': { kind: 'source', sourceId: 'b' } } };
    const r = buildResolution('proj', doc, choices);
    expect(r.boxes.map((b) => b.id)).toEqual(['a-total']);
    // Bob's answer pointed at his own total box (kept as Alice's) and at the dropped stamp.
    expect(r.qa[0]).toMatchObject({ answer: '12.50', from: 'b', evidenceBoxIds: ['a-total'] });
  });

  it('keeps box ids unique when two kept boxes share an id', () => {
    const twin: ReviewDocument = {
      ...doc,
      boxGroups: [...doc.boxGroups, { id: 'g-other', pageId: 'p1', boxes: { a: box('shared-id', 500, 'date') }, agreed: false, disagreementIds: [], suggested: 'a' }],
    };
    const r = buildResolution('proj', twin, initialChoices(twin));
    expect(r.boxes.map((b) => b.id)).toEqual(['a-total', 'shared-id', 'shared-id-2']);
  });

  it("takes the lead's edits, marked as the lead's own", () => {
    const choices: Choices = {
      boxes: { 'g-total': { kind: 'edit', base: 'b', label: 'total', transcription: '12.50 EUR', x: 99, y: 9, w: 60, h: 22 }, 'g-stamp': { kind: 'drop' } },
      qa: { 'question:what is the total': { kind: 'edit', base: 'b', answer: '12.50 EUR', unanswerable: false } },
    };
    const r = buildResolution('proj', doc, choices);
    expect(r.boxes).toEqual([{ id: 'b-total', pageId: 'p1', label: 'total', x: 99, y: 9, w: 60, h: 22, transcription: '12.50 EUR', from: null }]);
    expect(r.qa[0]).toMatchObject({ answer: '12.50 EUR', from: null, evidenceBoxIds: ['b-total'] });
  });
});

describe('resolutionProblems', () => {
  it('names boxes outside the label set and questions left without an answer', () => {
    const choices: Choices = {
      boxes: { 'g-total': { kind: 'source', sourceId: 'a' }, 'g-stamp': { kind: 'edit', base: 'b', label: 'banana', transcription: 'PAID', x: 300, y: 10, w: 50, h: 20 } },
      qa: { 'question:what is the total': { kind: 'edit', base: 'a', answer: '  ', unanswerable: false } },
    };
    expect(resolutionProblems(doc, choices, new Set(['total', 'stamp']))).toEqual([
      'A box ("PAID") has the label "banana", which is not in the project',
      '"What is the total?" has no answer and is not marked unanswerable',
    ]);
    expect(resolutionProblems(doc, initialChoices(doc), new Set(['total', 'stamp']))).toEqual([]);
  });
});

describe('taking a source', () => {
  const [total, stamp] = doc.boxGroups as [ReviewDocument['boxGroups'][number], ReviewDocument['boxGroups'][number]];
  const alice = doc.versions[0]!.source;
  const bob = doc.versions[1]!.source;

  it("takes a source's box or answer where it has one", () => {
    expect(takeBox(total, bob)).toEqual({ choice: { kind: 'source', sourceId: 'b' } });
    expect(takeAnswer(doc.questionGroups[0]!, alice)).toEqual({ choice: { kind: 'source', sourceId: 'a' } });
  });

  it('refuses a source with no box or answer there, saying what to do, instead of dropping the item', () => {
    expect(takeBox(stamp, alice)).toEqual({ refusal: 'Alice has no box for this item — press 0 to drop it or pick another source' });
    const unanswered = { ...doc.questionGroups[0]!, answers: { a: doc.questionGroups[0]!.answers.a! } };
    expect(takeAnswer(unanswered, bob)).toEqual({ refusal: 'Bob has no answer to this question — press 0 to drop it or pick another source' });
  });
});

describe('items', () => {
  it('walks regions in order, then questions; the ones to settle are those not agreed', () => {
    expect(itemsOf(doc)).toEqual([
      { kind: 'box', id: 'g-total' },
      { kind: 'box', id: 'g-stamp' },
      { kind: 'qa', id: 'question:what is the total' },
    ]);
    expect(itemsOf(doc).filter((i) => needsAttention(doc, i)).map(itemKey)).toEqual(['box:g-stamp', 'qa:question:what is the total']);
  });
});

describe('goldSummary', () => {
  const summaryOf = (choices: Choices, looked: string[]) => goldSummary(doc, buildResolution('proj', doc, choices), new Set(looked));

  it('counts what is kept from each source, and lists the items to settle never looked at', () => {
    const s = summaryOf(initialChoices(doc), []);
    expect(s.kept.map((k) => [k.source.name, k.boxes, k.answers])).toEqual([
      ['Alice', 1, 1],
      ['Bob', 1, 0],
    ]);
    expect(s.edited).toEqual({ boxes: 0, answers: 0 });
    expect(s.dropped).toEqual({ boxes: 0, answers: 0 });
    // The agreed total box is not "to settle"; the stamp and the answer are.
    expect(s.toSettle).toBe(2);
    expect(s.unlooked).toEqual([
      { kind: 'box', id: 'g-stamp' },
      { kind: 'qa', id: 'question:what is the total' },
    ]);
    expect(summaryOf(initialChoices(doc), ['box:g-stamp']).unlooked).toEqual([{ kind: 'qa', id: 'question:what is the total' }]);
  });

  it('counts edits and drops as they will be written (a source with no box there writes nothing)', () => {
    const choices: Choices = {
      boxes: { 'g-total': { kind: 'edit', base: 'a', label: 'total', transcription: '12.00', x: 1, y: 1, w: 5, h: 5 }, 'g-stamp': { kind: 'source', sourceId: 'a' } },
      qa: { 'question:what is the total': { kind: 'drop' } },
    };
    const s = summaryOf(choices, ['box:g-stamp', 'qa:question:what is the total']);
    expect(s.kept).toEqual([]);
    expect(s.edited).toEqual({ boxes: 1, answers: 0 });
    expect(s.dropped).toEqual({ boxes: 1, answers: 1 });
    expect(s.unlooked).toEqual([]);
  });
});
