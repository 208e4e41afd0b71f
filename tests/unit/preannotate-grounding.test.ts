import { describe, expect, it } from 'vitest';
import { groundingWords, wordsBlock } from '../../src/main/core/preannotate/grounding';
import { parseModelOutput, type MappingContext } from '../../src/main/core/preannotate/parse';
import type { PreparedImage } from '../../src/main/core/preannotate/prepare';
import { checkOutputSchema } from '../../src/main/sim/claude';
import { pageRequestBody, promptParts } from '../../src/main/core/preannotate/request';
import type { PageWork } from '../../src/main/core/preannotate/store';
import type { OcrWord, PageWords } from '../../src/shared/domain/ocr';
import type { SynthDocument } from '../../src/main/core/synth';
import { wordsByTruthBox, wordsFromPrompt } from '../../src/main/sim/claude/grounded';

/** Grounded mode's pure parts: the words block, the request, and item-by-item repair of answers. */

const word = (x: number, y: number, w: number, h: number, text: string, line = 0): OcrWord => ({ x, y, w, h, text, confidence: 0.9, line });
const page = (words: OcrWord[]): PageWords => ({ pageId: 'p1', imageSha256: 'sha', engine: 'tesseract', words, lines: [], meanConfidence: 0.9, readAt: '2026-01-01T00:00:00Z' });

// "Invoice No. INV-7" on one line, "Total $12.50" on the next.
const WORDS = page([word(10, 10, 60, 14, 'Invoice'), word(75, 10, 30, 14, 'No.'), word(110, 10, 50, 14, 'INV-7'), word(10, 40, 40, 14, 'Total', 1), word(60, 40, 30, 14, '$12.50', 1), word(95, 41, 20, 13, 'USD', 1)]);
const g = groundingWords(WORDS)!;

const ctx = (over: Partial<MappingContext> = {}): MappingContext => ({
  sentWidth: 200,
  sentHeight: 100,
  origWidth: 200,
  origHeight: 100,
  labels: new Set(['invoice_number', 'total']),
  templates: new Set(['What is the total?']),
  words: g,
  ...over,
});
const answer = (json: unknown) => ({ content: [{ type: 'text', text: JSON.stringify(json) }], stop_reason: 'end_turn' });

describe('grounded requests', () => {
  const work: PageWork = { taskId: 't', documentId: 'd', pageId: 'p1', pageNumber: 1, pageCount: 1, sourceName: 'invoice-1-2.png', width: 200, height: 100, level0: 'm' };
  const image: PreparedImage = { base64: 'AAAA', mediaType: 'image/png', sentWidth: 100, sentHeight: 50, origWidth: 200, origHeight: 100, imageTokens: 10, asIs: false };
  const parts = promptParts({ labels: ['invoice_number', 'total'], questions: ['What is the total?'] });

  it('lists the words with ids in reading order, in pixels of the image sent, and asks for word ids', () => {
    const body = pageRequestBody(parts, { model: 'm', maxTokens: 100, effort: null }, work, image, g);
    const text = (body.messages[0]!.content as { type: string; text?: string }[])[1]!.text!;
    expect(text).toContain('Return its entities and the answers');
    expect(text.split('\n').slice(2)).toEqual(['Words (6; id x y w h text):', 'w0 5 5 30 7 Invoice', 'w1 38 5 15 7 No.', 'w2 55 5 25 7 INV-7', 'w3 5 20 20 7 Total', 'w4 30 20 15 7 $12.50', 'w5 48 21 10 7 USD']);
    const schema = (body.output_config as unknown as { format: { schema: { properties: Record<string, unknown>; required: string[] } } }).format.schema;
    expect(schema.required).toEqual(['document_type', 'entities', 'qa']);
    expect(() => checkOutputSchema(schema)).not.toThrow();
    expect((body.system as { text: string }[])[0]!.text).toContain('Ids are w0, w1, w2');
    // The simulator reads the same block back.
    expect(wordsFromPrompt(text)?.map((w) => w.id)).toEqual(g.ids);
  });

  it('keeps the coordinate request unchanged for a page without words', () => {
    const plain = pageRequestBody(parts, { model: 'm', maxTokens: 100, effort: null }, work, image);
    expect(pageRequestBody(parts, { model: 'm', maxTokens: 100, effort: null }, work, image, groundingWords(page([])))).toEqual(plain);
    expect(JSON.stringify(plain)).not.toContain('Words (');
    expect((plain.output_config as unknown as { format: { schema: { required: string[] } } }).format.schema.required).toEqual(['document_type', 'boxes', 'qa']);
  });
});

describe('grounded answers', () => {
  it('builds each box from its words: their union, their texts in reading order', () => {
    const parsed = parseModelOutput(
      answer({
        document_type: 'invoice',
        entities: [
          { label: 'invoice_number', words: ['w2'], confidence: 0.9 },
          { label: 'total', words: ['w5', 'w4'], confidence: 0.8 },
        ],
        qa: [{ template: 'What is the total?', question: 'What is the total?', answerable: true, answer: '$12.50 USD', evidence: ['w4', 'w5'], confidence: 0.9 }],
      }),
      ctx(),
    );
    expect(parsed.boxes).toEqual([
      { index: 0, label: 'invoice_number', x: 110, y: 10, w: 50, h: 14, transcription: 'INV-7', confidence: 0.9 },
      { index: 1, label: 'total', x: 60, y: 40, w: 55, h: 14, transcription: '$12.50 USD', confidence: 0.8 },
    ]);
    expect(parsed.qa[0]).toMatchObject({ answer: '$12.50 USD', evidence: [1] });
    expect(parsed.dropped).toEqual({ degenerate: 0, unknownLabel: 0, invalid: 0, unknownQuestion: 0, danglingEvidence: 0, grounding: { unknownIds: 0, sharedIds: 0, emptyGroups: 0 } });
  });

  it('repairs or refuses each bad item on its own, never the whole page', () => {
    // w9 would be a word of a longer page: not in this page's list.
    const parsed = parseModelOutput(
      answer({
        document_type: 'invoice',
        entities: [
          { label: 'invoice_number', words: ['w2', 'w9', 'bogus'], confidence: 0.9 }, // unknown ids dropped, entity kept
          { label: 'total', words: [], confidence: 0.5 }, // empty: refused
          { label: 'total', words: ['w9'], confidence: 0.5 }, // only unknown ids: refused
          { label: 'total', words: ['w4', 'w5'], confidence: 0.8 },
          { label: 'total', words: ['w5', 'w3'], confidence: 0.4 }, // w5 stays with the first; w3 kept here
          { label: 'total', words: ['w4'], confidence: 0.4 }, // every word taken: refused
          { label: 'not_a_label', words: ['w0'], confidence: 0.4 },
          { label: 'total', words: 'w1', confidence: 0.4 }, // not a list
        ],
        qa: [{ template: 'What is the total?', question: 'What is the total?', answerable: true, answer: '$12.50', evidence: ['w4', 'w1', 'w42'], confidence: 0.9 }],
      }),
      ctx(),
    );
    expect(parsed.boxes.map((b) => [b.index, b.transcription])).toEqual([
      [0, 'INV-7'],
      [3, '$12.50 USD'],
      [4, 'Total'],
    ]);
    expect(parsed.dropped).toEqual({ degenerate: 0, unknownLabel: 1, invalid: 4, unknownQuestion: 0, danglingEvidence: 2, grounding: { unknownIds: 3, sharedIds: 2, emptyGroups: 1 } });
    // The answer is kept; only the evidence in no entity (w1) or not on the page (w42) is dropped.
    expect(parsed.qa[0]).toMatchObject({ answer: '$12.50', evidence: [3] });
  });

  it('refuses an answer without its entities list as malformed (the page is retried once)', () => {
    expect(() => parseModelOutput(answer({ document_type: 'invoice', boxes: [] }), ctx())).toThrow('"entities" list');
  });
});

describe('the simulator grounds the truth on the words given', () => {
  it('gives each word to the truth box holding most of its area', () => {
    const doc = { id: 'invoice-1-1', kind: 'invoice', width: 200, height: 100, qa: [], boxes: [{ id: 'b1', label: 'total', text: '$12.50 USD', x: 58, y: 38, width: 60, height: 18 }] } as SynthDocument;
    const given = [
      { id: 'w0', x: 60, y: 40, w: 30, h: 14, text: '$12.50' },
      { id: 'w1', x: 95, y: 41, w: 20, h: 13, text: 'USD' },
      { id: 'w2', x: 110, y: 40, w: 30, h: 14, text: 'half-out' }, // a quarter inside
      { id: 'w3', x: 10, y: 40, w: 40, h: 14, text: 'Total' },
    ];
    expect(wordsByTruthBox(doc, { width: 200, height: 100 }, given)).toEqual(new Map([['b1', ['w0', 'w1']]]));
    // Words given in pixels of a smaller image are scaled to the truth's.
    const half = given.map((w) => ({ ...w, x: w.x / 2, y: w.y / 2, w: w.w / 2, h: w.h / 2 }));
    expect(wordsByTruthBox(doc, { width: 100, height: 50 }, half).get('b1')).toEqual(['w0', 'w1']);
  });

  it('reads no words block from a coordinate request', () => {
    expect(wordsFromPrompt('This is the file "a.png". The image is 10×10 pixels. Return its boxes.')).toBeNull();
    expect(wordsBlock(g, { x: 1, y: 1 }).split('\n')[1]).toBe('w0 10 10 60 14 Invoice');
  });
});
