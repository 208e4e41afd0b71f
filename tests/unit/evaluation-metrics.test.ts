import { describe, expect, it } from 'vitest';
import { evaluateDocuments, perDocumentTable, summaryMetrics } from '../../src/main/core/evaluation';
import type { ReviewBox, ReviewQa, ReviewVersion } from '../../src/main/core/review';

const box = (id: string, label: string | null, x: number, y: number, w = 100, h = 100, transcription = ''): ReviewBox => ({ id, pageId: 'p1', label, x, y, w, h, transcription });
const qa = (id: string, question: string, answer: string, extra: Partial<ReviewQa> = {}): ReviewQa => ({ id, question, answer, unanswerable: false, templateId: null, evidenceBoxIds: [], ...extra });
const version = (kind: 'gold' | 'model', boxes: ReviewBox[], questions: ReviewQa[]): ReviewVersion => ({
  source: { id: kind === 'gold' ? 'gold:lead' : 'model:m', kind, name: kind === 'gold' ? 'gold (Lead)' : 'm' },
  annotationId: kind === 'gold' ? 'ann-1' : null,
  version: kind === 'gold' ? 2 : null,
  verifiedAt: null,
  boxes,
  qa: questions,
});

/**
 * Worked by hand:
 *   gold g1 vendor (0,0)    model m1 vendor (0,0)        IoU 1
 *        g2 total  (200,0)        m2 date  (210,0)       IoU 9000/11000, label swapped
 *        g3 total  (400,0)        —                      missed
 *        g4 date   (600,0)        m4 date  (600,50)      IoU 5000/15000 < 0.5: missed, and m4 is extra
 *        —                        m5 total (900,900)     extra
 *   boxes: reference 4, predicted 4, matched 2 → P = R = F1 = 0.5; mean IoU (1 + 9/11)/2; label accuracy 1/2
 *   per label: vendor 1/1/1; total ref 2, pred 1 (m5), matched 0; date ref 1, pred 2 (m2, m4), matched 0
 *   questions: "What is the total?" 10.00 / 10.00 → 1, 1, 1
 *              "Who is the vendor?" ACME Corp / Acme Corporation → EM 0, F1 2·(1/2·1/2)/(1) = 0.5, ANLS 1 − 7/16
 *              "What is the date?" unanswerable / (not asked) → agree: 1, 1, 1
 *              model-only "What is the tax?" → not scored
 */
const gold = version(
  'gold',
  [box('g1', 'vendor', 0, 0, 100, 100, 'ACME'), box('g2', 'total', 200, 0, 100, 100, '10.00'), box('g3', 'total', 400, 0), box('g4', 'date', 600, 0)],
  [qa('q1', 'What is the total?', '10.00'), qa('q2', 'Who is the vendor?', 'ACME Corp'), qa('q3', 'What is the date?', '', { unanswerable: true })],
);
const model = version(
  'model',
  [box('m1', 'vendor', 0, 0, 100, 100, 'ACME'), box('m2', 'date', 210, 0, 100, 100, '1O.00'), box('m4', 'date', 600, 50), box('m5', 'total', 900, 900)],
  [qa('x1', 'What is the total?', '10.00'), qa('x2', 'Who is the vendor?', 'Acme Corporation'), qa('x4', 'What is the tax?', '1.00')],
);

describe('evaluation metrics', () => {
  const { metrics, perLabel, documents } = evaluateDocuments([{ documentId: 'd1', sourceName: 'a.png', reference: gold, referenceKind: 'gold', prediction: model }]);

  it('counts boxes with the optimal matching at IoU 0.5, whatever the labels', () => {
    expect(metrics.boxes).toEqual({ reference: 4, predicted: 4, matched: 2, precision: 0.5, recall: 0.5, f1: 0.5, meanIou: (1 + 9 / 11) / 2, labelAccuracy: 0.5 });
  });

  it('counts a per-label true positive only where both boxes carry the label', () => {
    expect(perLabel).toEqual({
      date: { reference: 1, predicted: 2, matched: 0, precision: 0, recall: 0, f1: 0, meanIou: null },
      total: { reference: 2, predicted: 1, matched: 0, precision: 0, recall: 0, f1: 0, meanIou: 9 / 11 },
      vendor: { reference: 1, predicted: 1, matched: 1, precision: 1, recall: 1, f1: 1, meanIou: 1 },
    });
  });

  it("scores the reference's questions with SQuAD EM and token F1 and ANLS; questions only the model asked do not count", () => {
    expect(metrics.answers.questions).toBe(3);
    expect(metrics.answers.exactMatch).toBeCloseTo(2 / 3, 12);
    expect(metrics.answers.tokenF1).toBeCloseTo((1 + 0.5 + 1) / 3, 12);
    expect(metrics.answers.anls).toBeCloseTo((1 + (1 - 7 / 16) + 1) / 3, 12);
  });

  it('scores transcriptions of matched boxes', () => {
    // ACME = ACME; "10.00" vs "1O.00": one substitution in five.
    expect(metrics.transcriptions).toEqual({ pairs: 2, exactMatch: 0.5, anls: (1 + 0.8) / 2 });
  });

  it('gives one row per document, naming its reference', () => {
    expect(documents).toEqual([
      {
        documentId: 'd1',
        sourceName: 'a.png',
        reference: 'gold',
        referenceAnnotationId: 'ann-1',
        referenceVersion: 2,
        referenceBy: 'gold (Lead)',
        boxes: metrics.boxes,
        answers: metrics.answers,
      },
    ]);
  });

  it('says null, not NaN, where there is nothing to measure', () => {
    const empty = evaluateDocuments([{ documentId: 'd', sourceName: 'd', reference: version('gold', [], []), referenceKind: 'gold', prediction: version('model', [], []) }]);
    expect(empty.metrics.boxes).toEqual({ reference: 0, predicted: 0, matched: 0, precision: null, recall: null, f1: null, meanIou: null, labelAccuracy: null });
    expect(empty.metrics.answers).toEqual({ questions: 0, exactMatch: null, tokenF1: null, anls: null });
    expect(evaluateDocuments([]).metrics.documents).toBe(0);
  });

  it('writes the rows as a W&B table and the metrics as flat summary keys', () => {
    const t = perDocumentTable(documents);
    expect(t.json).toMatchObject({ _type: 'table', ncols: 16, nrows: 1, log_mode: 'IMMUTABLE' });
    expect((t.json.data as unknown[][])[0]!.slice(0, 8)).toEqual(['d1', 'a.png', 'gold', 2, 4, 4, 2, 0.5]);
    expect(JSON.parse(t.bytes.toString('utf8'))).toEqual(t.json);
    const s = summaryMetrics(metrics, perLabel);
    expect(s).toMatchObject({ box_recall: 0.5, exact_match: 2 / 3, 'per_label/vendor/f1': 1, 'per_label/date/mean_iou': null, documents: 1 });
  });
});
