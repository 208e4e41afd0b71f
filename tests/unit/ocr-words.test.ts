import { describe, expect, it } from 'vitest';
import { localOcrPredictions, ruleLabel } from '../../src/main/core/ocr/predict';
import { parseTsv } from '../../src/main/core/ocr/tsv';
import { pageTextQuery } from '../../src/main/core/db/repos/documents';

const row = (level: number, block: number, par: number, line: number, word: number, l: number, t: number, w: number, h: number, conf: number, text: string) =>
  [level, 1, block, par, line, word, l, t, w, h, conf, text].join('\t');

describe('tesseract TSV as words and lines', () => {
  const tsv = [
    'level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext',
    row(1, 0, 0, 0, 0, 0, 0, 2000, 1000, -1, ''),
    row(4, 1, 1, 1, 0, 100, 50, 400, 40, -1, ''),
    row(5, 1, 1, 1, 1, 100, 52, 150, 36, 96.5, 'Invoice'),
    row(5, 1, 1, 1, 2, 270, 50, 230, 40, 91, 'INV-0042'),
    row(5, 1, 1, 1, 3, 520, 50, 10, 40, 30, ' '),
    row(4, 1, 1, 2, 0, 100, 120, 300, 40, -1, ''),
    row(5, 1, 1, 2, 1, 100, 120, 300, 40, 88, 'Total'),
  ].join('\n');

  it('keeps words with text, groups them by line, scales boxes back to the page', () => {
    const page = parseTsv(tsv, { scale: 2, width: 1000, height: 500 });
    expect(page.words.map((w) => w.text)).toEqual(['Invoice', 'INV-0042', 'Total']);
    expect(page.words[0]).toEqual({ x: 50, y: 26, w: 75, h: 18, text: 'Invoice', confidence: 0.965, line: 0 });
    expect(page.lines).toHaveLength(2);
    expect(page.lines[0]).toMatchObject({ text: 'Invoice INV-0042', words: [0, 1], x: 50, y: 25, w: 200, h: 20 });
    expect(page.lines[1]).toMatchObject({ text: 'Total', words: [2, 2] });
  });

  it('clips boxes to the page and reads an empty or broken output as no words', () => {
    const edge = parseTsv(row(5, 1, 1, 1, 1, 990, 490, 40, 40, 90, 'x'), { scale: 1, width: 1000, height: 500 });
    expect(edge.words[0]).toMatchObject({ x: 990, y: 490, w: 10, h: 10 });
    expect(parseTsv('', { scale: 1, width: 10, height: 10 })).toEqual({ words: [], lines: [] });
    expect(parseTsv('5\t1\tnot enough columns', { scale: 1, width: 10, height: 10 }).words).toEqual([]);
  });
});

describe('Local OCR predictions', () => {
  it('labels a text by rule only when exactly one project label fits', () => {
    expect(ruleLabel('2024-03-15', ['invoice_date', 'total'])).toBe('invoice_date');
    expect(ruleLabel('$1,234.50', ['invoice_date', 'total'])).toBe('total');
    expect(ruleLabel('1.234,50 €', ['subtotal', 'total'])).toBeNull();
    expect(ruleLabel('billing@acme.example', ['email'])).toBe('email');
    expect(ruleLabel('+1 (555) 010-2030', ['phone'])).toBe('phone');
    expect(ruleLabel('Invoice', ['invoice_date', 'total'])).toBeNull();
  });

  it('makes one pending box per line (or word) with its text, and the same ids for the same page', () => {
    const words = {
      pageId: 'd-p1',
      imageSha256: 'a'.repeat(64),
      engine: 'test',
      words: [
        { x: 1, y: 1, w: 10, h: 5, text: 'Date', confidence: 0.9, line: 0 },
        { x: 1, y: 10, w: 10, h: 5, text: '2024-01-02', confidence: 0.8, line: 1 },
        { x: 1, y: 20, w: 10, h: 5, text: '—', confidence: 0.2, line: 2 },
      ],
      lines: [
        { x: 1, y: 1, w: 10, h: 5, text: 'Date', confidence: 0.9, words: [0, 0] as [number, number] },
        { x: 1, y: 10, w: 10, h: 5, text: '2024-01-02', confidence: 0.8, words: [1, 1] as [number, number] },
        { x: 1, y: 20, w: 10, h: 5, text: '—', confidence: 0.2, words: [2, 2] as [number, number] },
      ],
      meanConfidence: 0.63,
      readAt: 'now',
    };
    const preds = localOcrPredictions({ projectId: 'p', documentId: 'd', pageId: 'd-p1' }, words, ['date'], 'line');
    expect(preds.map((p) => [p.transcription, p.label, p.kind, p.model])).toEqual([
      ['Date', null, 'box', 'local-ocr'],
      ['2024-01-02', 'date', 'box', 'local-ocr'],
    ]);
    expect(localOcrPredictions({ projectId: 'p', documentId: 'd', pageId: 'd-p1' }, words, ['date'], 'line').map((p) => p.id)).toEqual(preds.map((p) => p.id));
    expect(localOcrPredictions({ projectId: 'p', documentId: 'd', pageId: 'd-p1' }, words, [], 'word')).toHaveLength(2);
    // The same page in another project gets ids of its own (prediction ids are unique across projects).
    const other = localOcrPredictions({ projectId: 'q', documentId: 'd', pageId: 'd-p1' }, words, ['date'], 'line').map((p) => p.id);
    expect(other.some((id) => preds.some((p) => p.id === id))).toBe(false);
  });
});

describe('searching page text', () => {
  it('quotes every term as a prefix, so nothing the user types is query syntax', () => {
    expect(pageTextQuery('acme invoice')).toBe('"acme"* "invoice"*');
    expect(pageTextQuery('NEAR("x" OR y*)')).toBe('"NEAR"* "x"* "OR"* "y"*');
    expect(pageTextQuery('INV-0042')).toBe('"INV"* "0042"*');
    expect(pageTextQuery('-)(:^')).toBeNull();
    expect(pageTextQuery('Müller')).toBe('"Müller"*');
  });
});
