import { describe, expect, it } from 'vitest';
import type { QaPair, QuestionTemplate } from '../../src/shared/domain/model';
import {
  arrangeQa,
  expandTemplates,
  isItemQaId,
  itemLabels,
  matchTemplateQuestion,
  placeholderProblem,
  placeholdersOf,
  templateApplies,
  templateQaId,
  type ItemBox,
} from '../../src/shared/domain/templateQuestions';

const t = (id: string, text: string, kinds: QuestionTemplate['kinds'] = [], required = true): QuestionTemplate => ({ id, text, kinds, required });
const box = (id: string, label: string | null, transcription: string): ItemBox => ({ id, label, transcription });
const pair = (id: string, patch: Partial<QaPair> = {}): QaPair => ({
  id,
  question: 'Q',
  answer: '',
  unanswerable: false,
  source: 'template',
  templateId: null,
  originPredictionId: null,
  evidenceBoxIds: [],
  ...patch,
});

const TOTAL = t('total', 'What is the total?');
const INVOICE_NO = t('inv', 'What is the invoice number?', ['invoice']);
const RECEIPT_NO = t('rec', 'What is the receipt number?', ['receipt'], false);
const AMOUNT = t('amount', 'What is the amount for "{line_item_description}"?', [], false);

describe('which templates a document is asked', () => {
  it('asks "any" templates of every document, typed ones only of their types', () => {
    expect(templateApplies(TOTAL, null)).toBe(true);
    expect(templateApplies(TOTAL, 'form')).toBe(true);
    expect(templateApplies(INVOICE_NO, 'invoice')).toBe(true);
    expect(templateApplies(INVOICE_NO, 'receipt')).toBe(false);
    // No type yet: only the templates for every document.
    expect(templateApplies(INVOICE_NO, null)).toBe(false);
    expect(templateApplies(t('x', 'X', ['invoice', 'receipt', 'form']), null)).toBe(false);

    const texts = (docType: Parameters<typeof expandTemplates>[1]) => expandTemplates([TOTAL, INVOICE_NO, RECEIPT_NO], docType, []).map((q) => q.question);
    expect(texts('invoice')).toEqual(['What is the total?', 'What is the invoice number?']);
    expect(texts('receipt')).toEqual(['What is the total?', 'What is the receipt number?']);
    expect(texts(null)).toEqual(['What is the total?']);
  });

  it('carries each template\'s required flag to its questions', () => {
    const asked = expandTemplates([TOTAL, RECEIPT_NO], 'receipt', []);
    expect(asked.map((q) => [q.qaId, q.required])).toEqual([
      ['tpl:total', true],
      ['tpl:rec', false],
    ]);
  });
});

describe('placeholders', () => {
  it('expands a {label} template once per box with that label and text, in the boxes\' order', () => {
    const boxes = [
      box('b1', 'line_item_description', 'Widget'),
      box('b2', 'total', '$10'),
      box('b3', 'LINE_ITEM_DESCRIPTION', '  Blue   paint\n'), // labels match case-insensitively, spacing collapses
      box('b4', 'line_item_description', '   '), // no text yet: not asked
      box('b5', null, 'Widget'),
    ];
    const asked = expandTemplates([AMOUNT], 'invoice', boxes);
    expect(asked.map((q) => q.question)).toEqual(['What is the amount for "Widget"?', 'What is the amount for "Blue paint"?']);
    expect(asked.map((q) => q.itemBoxId)).toEqual(['b1', 'b3']);
    expect(asked.every((q) => !q.question.includes('{'))).toBe(true);
  });

  it('asks nothing, never the literal placeholder, when there are no such boxes or the label does not exist', () => {
    expect(expandTemplates([AMOUNT], 'invoice', [box('b1', 'total', '$3')])).toEqual([]);
    expect(expandTemplates([t('old', 'What is the amount for "{item}"?')], 'invoice', [box('b1', 'line_item_description', 'Widget')])).toEqual([]);
    expect(expandTemplates([t('two', '{a} and {b}?')], null, [box('b1', 'a', 'x'), box('b2', 'b', 'y')])).toEqual([]);
    expect(expandTemplates([t('brace', 'What is {this?')], null, [])).toEqual([]);
  });

  it('fills every occurrence of the one label named', () => {
    const asked = expandTemplates([t('twice', 'Is "{sku}" the same as "{ sku }"?')], null, [box('b1', 'sku', 'A-1')]);
    expect(asked.map((q) => q.question)).toEqual(['Is "A-1" the same as "A-1"?']);
    expect(placeholdersOf('Is "{sku}" the same as "{ SKU }"?')).toEqual(['sku']);
  });

  it('says precisely why a template cannot be asked', () => {
    const labels = ['total', 'line_item_description'];
    expect(placeholderProblem('What is the total?', labels)).toBeNull();
    expect(placeholderProblem('What is the amount for "{line_item_description}"?', labels)).toBeNull();
    expect(placeholderProblem('What is the amount for "{item}"?', labels)).toMatch(/^\{item\} is not a label of this project; .*e\.g\. \{line_item_description\}$/);
    expect(placeholderProblem('What is the amount for "{item}"?', [])).toBe('{item} names a label, but this project has no labels yet');
    expect(placeholderProblem('{total} or {line_item_description}?', labels)).toMatch(/^it names 2 placeholders \(\{total\}, \{line_item_description\}\)/);
    expect(placeholderProblem('What is {}?', labels)).toMatch(/^the \{\} placeholder is empty/);
    expect(placeholderProblem('What is {total?', labels)).toMatch(/does not enclose a label name/);
  });

  it('knows which labels matter for a type', () => {
    const perType = t('rx', 'Price of {sku}?', ['receipt']);
    expect([...itemLabels([AMOUNT, perType, TOTAL], 'invoice')]).toEqual(['line_item_description']);
    expect([...itemLabels([AMOUNT, perType], 'receipt')].sort()).toEqual(['line_item_description', 'sku']);
  });
});

describe('ids', () => {
  it('gives a plain template the fixed id it always had, and a line item an id from its box', () => {
    expect(templateQaId('total')).toBe('tpl:total');
    const a = templateQaId('amount', 'box-1');
    expect(a).toMatch(/^tpl:amount:[0-9a-f]{16}$/);
    expect(templateQaId('amount', 'box-1')).toBe(a); // stable
    expect(templateQaId('amount', 'box-2')).not.toBe(a);
    expect(templateQaId('other', 'box-1')).not.toBe(a);
    expect(isItemQaId(a, 'amount')).toBe(true);
    expect(isItemQaId('tpl:amount', 'amount')).toBe(false);
  });

  it('fits the 64-character id limit with UUID template and box ids', () => {
    const id = templateQaId('3b0f6c0e-9d44-4a53-8d26-1f1f0d0b8a11', 'a1b2c3d4-e5f6-4789-9abc-def012345678');
    expect(id.length).toBeLessThanOrEqual(64);
  });

  it('keeps a line item\'s id when its text changes, and gives two items with the same text two ids', () => {
    const before = expandTemplates([AMOUNT], null, [box('b1', 'line_item_description', 'Widgte')]);
    const after = expandTemplates([AMOUNT], null, [box('b1', 'line_item_description', 'Widget')]);
    expect(after[0]!.qaId).toBe(before[0]!.qaId);
    expect(after[0]!.question).toBe('What is the amount for "Widget"?');
    const twins = expandTemplates([AMOUNT], null, [box('b1', 'line_item_description', 'Widget'), box('b2', 'line_item_description', 'Widget')]);
    expect(new Set(twins.map((q) => q.qaId)).size).toBe(2);
  });
});

describe('matching a question by its text', () => {
  const asked = expandTemplates([TOTAL, AMOUNT], null, [box('b1', 'line_item_description', 'Widget'), box('b2', 'line_item_description', 'Widget')]);

  it('ignores case and spacing, and skips questions already taken', () => {
    expect(matchTemplateQuestion('  what is the TOTAL? ', asked)?.qaId).toBe('tpl:total');
    const first = matchTemplateQuestion('What is the amount for "Widget"?', asked)!;
    const second = matchTemplateQuestion('What is the amount for "Widget"?', asked, new Set([first.qaId]))!;
    expect(second.itemBoxId).toBe('b2');
    expect(matchTemplateQuestion('What is the amount for "{line_item_description}"?', asked)).toBeNull();
    expect(matchTemplateQuestion('Who signed?', asked)).toBeNull();
  });
});

describe('arranging the QA pairs', () => {
  it('gives every asked question a pair (saved or blank), then the others, then kept answers; drops empty ones no longer asked', () => {
    const asked = expandTemplates([TOTAL, INVOICE_NO], 'invoice', []);
    const saved = [
      pair('mine', { source: 'annotator', question: 'Who signed?' }),
      pair('tpl:inv', { answer: 'INV-1', templateId: 'inv', question: 'Old wording' }),
      pair('tpl:rec', { answer: 'R-9', templateId: 'rec' }), // a receipt question: kept
      pair('tpl:gone', { templateId: 'gone' }), // empty and no longer asked: not shown
      pair('tpl:ev', { templateId: 'ev', evidenceBoxIds: ['b1'] }), // evidence counts as content
    ];
    const { qa, required, kept } = arrangeQa(asked, saved);
    expect(qa.map((q) => q.id)).toEqual(['tpl:total', 'tpl:inv', 'mine', 'tpl:rec', 'tpl:ev']);
    expect(qa[0]).toMatchObject({ question: 'What is the total?', answer: '', source: 'template', templateId: 'total' });
    // The saved answer stays; the question reads as the template does now.
    expect(qa[1]).toMatchObject({ answer: 'INV-1', question: 'What is the invoice number?' });
    expect([...required]).toEqual(['tpl:total', 'tpl:inv']);
    expect([...kept]).toEqual(['tpl:rec', 'tpl:ev']);
  });

  it('returns the same pair objects when nothing about them changes', () => {
    const asked = expandTemplates([TOTAL], null, []);
    const first = arrangeQa(asked, []).qa;
    const again = arrangeQa(asked, first).qa;
    expect(again[0]).toBe(first[0]);
  });

  it('keeps an answered line-item question when its box goes, and brings it back with the box', () => {
    const items = [box('b1', 'line_item_description', 'Widget')];
    const id = templateQaId('amount', 'b1');
    const answered = [pair(id, { answer: '$5', templateId: 'amount', question: 'What is the amount for "Widget"?' })];
    expect(arrangeQa(expandTemplates([AMOUNT], null, []), answered).kept.has(id)).toBe(true);
    const back = arrangeQa(expandTemplates([AMOUNT], null, items), answered);
    expect(back.kept.size).toBe(0);
    expect(back.qa.map((q) => q.id)).toEqual([id]);
  });
});
