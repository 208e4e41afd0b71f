import { describe, expect, it } from 'vitest';
import { compareVersions, modelVersion, orderQueue, reviewDocument } from '../../src/main/core/review/disagreements';
import { DEFAULT_REVIEW_SETTINGS, type ReviewBox, type ReviewQa, type ReviewVersion } from '../../src/main/core/review/types';
import type { Prediction } from '../../src/shared/domain/model';
import { templateQaId } from '../../src/shared/domain/templateQuestions';

const box = (id: string, label: string | null, x: number, y: number, w = 100, h = 100, transcription = '', pageId = 'p1'): ReviewBox => ({ id, pageId, label, x, y, w, h, transcription });
const qa = (id: string, question: string, answer: string, evidenceBoxIds: string[] = [], extra: Partial<ReviewQa> = {}): ReviewQa => ({
  id,
  question,
  answer,
  unanswerable: false,
  templateId: null,
  evidenceBoxIds,
  ...extra,
});
const version = (id: string, name: string, boxes: ReviewBox[], questions: ReviewQa[] = [], kind: 'annotator' | 'gold' = 'annotator'): ReviewVersion => ({
  source: { id, kind, name },
  annotationId: `${id}-ann`,
  version: 1,
  verifiedAt: null,
  boxes,
  qa: questions,
});

/**
 * The tiny case also used by the integration test, worked by hand:
 *   alice a1 vendor (0,0,100,100) "ACME"   bob b1 vendor (0,0,100,100) "ACME"          → IoU 1
 *         a2 date   (200,0)       "2024-01-02"  b2 total (210,0) "2024-01-02"        → IoU 9000/11000; label + geometry
 *         a3 total  (400,0)       "10.00"       b3 total (400,0) "10.00"             → IoU 1
 *         a4 total  (600,0)       "5.00"        —                                    → missing box
 *         —                                     b5 vendor (800,800,50,50)            → extra box
 *   Q total: "10.00" / "10.00" (evidence a3 / b3: they correspond)
 *   Q vendor: "ACME Corp" / "Acme Corporation": EM 0, ANLS 1 − 7/16 = 0.5625 ≥ 0.5 → agree
 *   Q date: "2024-01-02" / unanswerable → answer mismatch
 */
const alice = version('alice', 'Alice', [box('a1', 'vendor', 0, 0, 100, 100, 'ACME'), box('a2', 'date', 200, 0, 100, 100, '2024-01-02'), box('a3', 'total', 400, 0, 100, 100, '10.00'), box('a4', 'total', 600, 0, 100, 100, '5.00')], [
  qa('q1', 'What is the total?', '10.00', ['a3']),
  qa('q2', 'Who is the vendor?', 'ACME Corp', ['a1']),
  qa('q3', 'What is the date?', '2024-01-02', ['a2']),
]);
const bob = version('bob', 'Bob', [box('b1', 'vendor', 0, 0, 100, 100, 'ACME'), box('b2', 'total', 210, 0, 100, 100, '2024-01-02'), box('b3', 'total', 400, 0, 100, 100, '10.00'), box('b5', 'vendor', 800, 800, 50, 50)], [
  qa('x1', 'What is the total?', '10.00', ['b3']),
  qa('x2', 'Who is the vendor?', 'Acme Corporation', ['b1']),
  qa('x3', 'What is the date?', '', [], { unanswerable: true }),
]);

describe('compareVersions', () => {
  it('classifies every difference of the tiny case, and nothing else', () => {
    const c = compareVersions('doc', alice, bob);
    expect(c.matches.map((m) => [m.a.id, m.b.id])).toEqual([
      ['a1', 'b1'],
      ['a2', 'b2'],
      ['a3', 'b3'],
    ]);
    expect(c.matches[1]!.iou).toBeCloseTo(9000 / 11000, 12);
    expect(c.unmatchedA.map((b) => b.id)).toEqual(['a4']);
    expect(c.unmatchedB.map((b) => b.id)).toEqual(['b5']);
    const found = c.disagreements.map((d) => [d.type, d.boxA ?? d.questionKey, d.boxB, d.severity]);
    expect(found).toEqual([
      ['label_mismatch', 'a2', 'b2', 'high'],
      ['geometry_mismatch', 'a2', 'b2', 'low'],
      ['missing_box', 'a4', null, 'high'],
      ['extra_box', null, 'b5', 'high'],
      ['answer_mismatch', 'question:what is date', null, 'high'],
    ]);
    const answer = c.disagreements.find((d) => d.type === 'answer_mismatch')!;
    expect(answer).toMatchObject({ reason: 'unanswerable', valueA: '2024-01-02', valueB: null, anls: 0, a: 'alice', b: 'bob' });
    expect(answer.message).toBe('"What is the date?": Alice answered "2024-01-02", Bob marked it unanswerable');
    const vendor = c.questions.find((q) => q.question === 'Who is the vendor?')!;
    expect(vendor).toMatchObject({ exactMatch: 0, tokenF1: 0.5 });
    expect(vendor.anls).toBeCloseTo(0.5625, 12);
  });

  it('finds transcription and evidence mismatches, and respects the settings', () => {
    const a = version('a', 'A', [box('k1', 'total', 0, 0, 100, 40, 'Total: 10.00'), box('k2', 'date', 0, 100, 100, 40, '1 May')], [qa('q', 'What is the total?', '10.00', ['k1'])]);
    const b = version('b', 'B', [box('k1', 'total', 0, 0, 100, 40, 'Total:  10.00 '), box('k2', 'date', 0, 100, 100, 40, '1 Mai')], [qa('q', 'What is the total?', '10.00', ['k2'])]);
    const c = compareVersions('doc', a, b);
    // Whitespace alone is no difference; "May"/"Mai" is 1 edit in 5.
    expect(c.disagreements.map((d) => [d.type, d.boxA ?? d.questionKey, d.severity])).toEqual([
      ['transcription_mismatch', 'k2', 'medium'],
      ['evidence_mismatch', 'question:what is total', 'medium'],
    ]);
    expect(c.disagreements[0]!.editDistance).toBeCloseTo(0.2, 12);
    expect(c.disagreements[1]).toMatchObject({ evidenceA: ['k1'], evidenceB: ['k2'] });
    expect(compareVersions('doc', a, b, { ...DEFAULT_REVIEW_SETTINGS, transcriptionDistance: 0.25 }).disagreements.map((d) => d.type)).toEqual(['evidence_mismatch']);
  });

  it('calls an answer different only when exact match fails and ANLS < 0.5', () => {
    const q = (answer: string) => [qa('q', 'Total?', answer)];
    const types = (x: string, y: string) => compareVersions('d', version('a', 'A', [], q(x)), version('b', 'B', [], q(y))).disagreements.map((d) => d.type);
    expect(types('$1,234.00', '1234.00')).toEqual([]); // normalised exact match
    expect(types('12/15/89', '12/15/88')).toEqual([]); // ANLS 0.875
    expect(types('ab', 'ax')).toEqual(['answer_mismatch']); // ANLS 0 (NL = 0.5 is not below τ)
    expect(types('Acme', '')).toEqual(['answer_mismatch']);
    const none = compareVersions('d', version('a', 'A', [], [qa('q', 'Total?', '', [], { unanswerable: true })]), version('b', 'B', [], []));
    expect(none.disagreements).toEqual([]); // unanswerable vs not asked: neither has an answer
    expect(none.questions[0]).toMatchObject({ exactMatch: 1, tokenF1: 1, anls: 1 });
    const missing = compareVersions('d', version('a', 'A', [], q('42')), version('b', 'B', [], []));
    expect(missing.disagreements[0]).toMatchObject({ type: 'answer_mismatch', reason: 'missing', valueA: '42', valueB: null });
  });

  it('reports evidence on a box the other side does not have', () => {
    const a = version('a', 'A', [box('k1', 'total', 0, 0)], [qa('q', 'Total?', '10', ['k1'])]);
    const b = version('b', 'B', [box('k9', 'total', 500, 500)], [qa('q', 'Total?', '10', ['k9'])]);
    expect(compareVersions('d', a, b).disagreements.map((d) => d.type)).toEqual(['missing_box', 'extra_box', 'evidence_mismatch']);
  });

  it('matches boxes page by page', () => {
    const a = version('a', 'A', [box('k1', 'total', 0, 0, 100, 100, '', 'p1'), box('k2', 'total', 0, 0, 100, 100, '', 'p2')]);
    const b = version('b', 'B', [box('k1', 'total', 0, 0, 100, 100, '', 'p2')]);
    const c = compareVersions('d', a, b);
    expect(c.matches.map((m) => [m.pageId, m.a.id])).toEqual([['p2', 'k2']]);
    expect(c.disagreements.map((d) => [d.type, d.pageId, d.boxA])).toEqual([['missing_box', 'p1', 'k1']]);
  });

  it('pairs questions by template, then by normalised text', () => {
    const a = version('a', 'A', [], [qa('tpl:t1', 'What is the total amount?', '10', [], { templateId: 't1' }), qa('r1', 'Who signed the form?', 'Kim')]);
    const b = version('b', 'B', [], [qa('tpl:t1', 'Total amount (edited template)?', '99', [], { templateId: 't1' }), qa('r7', 'who signed  the form', 'Kim')]);
    const c = compareVersions('d', a, b);
    expect(c.questions.map((q) => q.key)).toEqual(['template:t1', 'question:who signed form']);
    expect(c.disagreements.map((d) => [d.type, d.questionKey])).toEqual([['answer_mismatch', 'template:t1']]);
  });

  it('pairs line-item questions of one template by the item they name, whatever each annotator\'s boxes are called', () => {
    const item = (box: string, text: string, answer: string) => qa(templateQaId('amt', box), `What is the amount for "${text}"?`, answer, [], { templateId: 'amt' });
    // Drawn in another order, with other box ids: still the same two questions.
    const a = version('a', 'A', [], [item('a1', 'Widget', '$5'), item('a2', 'Gadget', '$7')]);
    const b = version('b', 'B', [], [item('b9', 'Gadget', '$7'), item('b8', 'Widget', '$6')]);
    const c = compareVersions('d', a, b);
    expect(c.questions.map((q) => [q.key, q.a?.answer, q.b?.answer])).toEqual([
      ['template:amt:what is amount for widget', '$5', '$6'],
      ['template:amt:what is amount for gadget', '$7', '$7'],
    ]);
    expect(c.disagreements.map((d) => [d.type, d.questionKey])).toEqual([['answer_mismatch', 'template:amt:what is amount for widget']]);
  });
});

describe('reviewDocument', () => {
  const pred = (p: Partial<Prediction> & Pick<Prediction, 'id' | 'kind' | 'confidence'>): Prediction => ({
    pageId: 'p1',
    model: 'claude-x',
    label: null,
    x: null,
    y: null,
    w: null,
    h: null,
    transcription: null,
    question: null,
    answer: null,
    evidence: [],
    status: 'pending',
    ...p,
  });

  it('compares every pair, orders the sources, scores the document, and sets low-confidence model differences apart', () => {
    const model = modelVersion([
      pred({ id: 'm1', kind: 'box', label: 'vendor', x: 0, y: 0, w: 100, h: 100, transcription: 'ACME', confidence: 0.95 }),
      pred({ id: 'm2', kind: 'box', label: 'tax', x: 200, y: 0, w: 100, h: 100, transcription: '2024-01-02', confidence: 0.5 }), // label differs, low confidence
      pred({ id: 'm3', kind: 'box', label: 'total', x: 400, y: 0, w: 100, h: 100, transcription: '10.00', confidence: 0.9 }),
      pred({ id: 'm4', kind: 'box', label: 'total', x: 600, y: 0, w: 100, h: 100, transcription: '5.00', confidence: 0.99 }),
      pred({ id: 'm5', kind: 'box', label: 'vendor', x: 900, y: 900, w: 10, h: 10, confidence: 0.3 }), // extra, low confidence
      pred({ id: 'mq1', kind: 'qa', question: 'What is the total?', answer: '10.00', evidence: ['m3'], confidence: 0.9 }),
      pred({ id: 'mq2', kind: 'qa', question: 'Who is the vendor?', answer: 'ACME Corp', evidence: ['m1'], confidence: 0.9 }),
      pred({ id: 'mq3', kind: 'qa', question: 'What is the date?', answer: null, confidence: 0.85 }), // unanswerable, confident
    ]);
    expect(model.source).toEqual({ id: 'model:claude-x', kind: 'model', name: 'claude-x' });
    const r = reviewDocument('doc', [model, bob, alice]);
    expect(r.sources.map((s) => s.id)).toEqual(['alice', 'bob', 'model:claude-x']);
    expect(r.comparisons.map((c) => `${c.a.id}/${c.b.id}`)).toEqual(['alice/bob', 'alice/model:claude-x', 'bob/model:claude-x']);
    const alicePairs = r.disagreements.filter((d) => d.a === 'alice' && d.b === 'model:claude-x').map((d) => [d.type, d.boxA ?? d.questionKey]);
    expect(alicePairs).toEqual([['answer_mismatch', 'question:what is date']]);
    expect(r.lowConfidence.filter((d) => d.a === 'alice').map((d) => [d.type, d.boxB, d.confidence])).toEqual([
      ['extra_box', 'm5', 0.3],
      ['label_mismatch', 'm2', 0.5],
    ]);
    expect(r.disagreements.every((d) => !d.lowConfidence)).toBe(true);
    expect(r.lowConfidence.every((d) => d.lowConfidence && d.confidence! < 0.8)).toBe(true);
    // Most severe first, and the score is the sum of the weights of what the lead must settle.
    expect(r.disagreements.map((d) => d.weight)).toEqual([...r.disagreements.map((d) => d.weight)].sort((x, y) => y - x));
    expect(r.score).toBe(r.disagreements.reduce((s, d) => s + d.weight, 0));
    // Bob and the model: the model has a confident box Bob lacks and lacks Bob's small vendor box;
    // they agree the date is unanswerable; "ACME Corp" vs "Acme Corporation" is ANLS 0.5625.
    expect(r.disagreements.filter((d) => d.a === 'bob').map((d) => [d.type, d.boxA ?? d.boxB])).toEqual([
      ['missing_box', 'b5'],
      ['extra_box', 'm4'],
    ]);
    expect(r.lowConfidence.filter((d) => d.a === 'bob').map((d) => [d.type, d.boxB])).toEqual([
      ['extra_box', 'm5'],
      ['label_mismatch', 'm2'],
      ['geometry_mismatch', 'm2'],
    ]);
    expect(r.counts.byType).toEqual({ missing_box: 2, extra_box: 2, label_mismatch: 1, geometry_mismatch: 1, transcription_mismatch: 0, answer_mismatch: 2, evidence_mismatch: 0 });
    expect(() => reviewDocument('doc', [alice, alice])).toThrow(/appears twice/);
  });

  it('orders the queue by score', () => {
    const same = reviewDocument('same', [alice, { ...alice, source: { id: 'a2', kind: 'annotator', name: 'Alice 2' } }]);
    const differ = reviewDocument('differ', [alice, bob]);
    expect(same.score).toBe(0);
    expect(differ.score).toBe(9 + 1 + 9 + 9 + 9);
    expect(orderQueue([same, differ]).map((r) => r.documentId)).toEqual(['differ', 'same']);
  });
});
