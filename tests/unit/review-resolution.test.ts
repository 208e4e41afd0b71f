import { describe, expect, it } from 'vitest';
import { buildResolution, initialChoices, resolutionProblems, type Choices } from '../../src/renderer/src/review/resolution';
import type { ReviewBox, ReviewDocument, ReviewQa } from '../../src/shared/domain/review';

/**
 * How the lead's choices become the gold request: each region keeps the chosen source's box, an
 * answer's evidence follows the regions it points at (to whichever box the lead kept there, or
 * out when the region was dropped), box ids stay unique, and problems are named before saving.
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
