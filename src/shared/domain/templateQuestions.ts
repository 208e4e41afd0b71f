import type { DocType, QaPair, QuestionTemplate } from './model';

/**
 * Which template questions a document is asked, and under which ids. The one rule, used live by
 * the renderer (as boxes and the document's type change) and by the core (verify, imports, the
 * state it sends):
 *
 * - A template applies to a document when its `kinds` is empty (any document, typed or not) or
 *   names the document's type. A document with no type yet gets only the "any" templates.
 * - A placeholder `{label}` names one of the project's labels (case-insensitively). The template
 *   is asked once per box with that label whose transcription is not empty, in the boxes' order,
 *   with every `{label}` replaced by that transcription (whitespace collapsed). Without such boxes
 *   it is not asked at all; a template whose placeholder names no label is never asked, so a
 *   literal `{…}` never reaches an annotator.
 * - A template question's QA pair has a fixed id: `tpl:<template id>`, or for one line item
 *   `tpl:<template id>:<digest of the box id>`. Box ids survive new versions, so an answer stays
 *   with its line item across saves, versions and edits of the box's text.
 * - Answers to template questions that no longer apply (the type changed, the box was deleted or
 *   emptied, the template was removed) are kept, after the rest, and never required. A template
 *   pair with nothing in it that no longer applies is simply not shown.
 */

/** A box as the expansion needs it; pass them in the annotation's order. */
export interface ItemBox {
  id: string;
  label: string | null;
  transcription: string;
}

export type TemplateRule = Pick<QuestionTemplate, 'id' | 'text' | 'required' | 'kinds'>;

/** One question a template asks of one document. */
export interface TemplateQuestion {
  qaId: string;
  templateId: string;
  question: string;
  required: boolean;
  /** The line item's box for a `{label}` template; null for a plain one. */
  itemBoxId: string | null;
}

const PLACEHOLDER = /\{([^{}]*)\}/g;

/** The distinct label names a template's text puts in braces, in order (as written, trimmed). */
export function placeholdersOf(text: string): string[] {
  const names: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) {
    const name = (m[1] ?? '').trim();
    if (!names.some((n) => n.toLowerCase() === name.toLowerCase())) names.push(name);
  }
  return names;
}

/** Why a template's text cannot be asked with these labels (a clause to follow "question N: "); null when it can. */
export function placeholderProblem(text: string, labels: readonly string[]): string | null {
  const names = placeholdersOf(text);
  const outside = text.replace(PLACEHOLDER, '');
  if (outside.includes('{') || outside.includes('}')) return 'a "{" or "}" does not enclose a label name; write a placeholder as {label_name}';
  if (names.includes('')) return 'the {} placeholder is empty; put a label name inside the braces, e.g. {line_item_description}';
  if (names.length > 1) return `it names ${names.length} placeholders (${names.map((n) => `{${n}}`).join(', ')}); a question can be asked about one label`;
  const name = names[0];
  if (name !== undefined && !labels.some((l) => l.toLowerCase() === name.toLowerCase())) {
    return labels.length
      ? `{${name}} is not a label of this project; a placeholder names the label whose boxes the question is asked about (once per box), e.g. {${labels.find((l) => /description|item/i.test(l)) ?? labels[0]}}`
      : `{${name}} names a label, but this project has no labels yet`;
  }
  return null;
}

export const templateApplies = (t: Pick<QuestionTemplate, 'kinds'>, docType: DocType | null): boolean =>
  t.kinds.length === 0 || (docType !== null && t.kinds.includes(docType));

/** 64 bits of FNV-1a as 16 hex digits: short enough for the 64-character id limit, stable everywhere. */
function digest(s: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193) >>> 0;
    b = (b ^ (b >>> 15)) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

export const templateQaId = (templateId: string, itemBoxId: string | null = null): string =>
  itemBoxId === null ? `tpl:${templateId}` : `tpl:${templateId}:${digest(itemBoxId)}`;

/** Whether a QA pair's id says it is one line item's question (see templateQaId). */
export const isItemQaId = (qaId: string, templateId: string): boolean => qaId.startsWith(`tpl:${templateId}:`);

const itemText = (transcription: string): string => transcription.replace(/\s+/g, ' ').trim();

/** The labels the applicable templates' placeholders name (lower case): only boxes with these labels matter. */
export function itemLabels(templates: readonly TemplateRule[], docType: DocType | null): Set<string> {
  const out = new Set<string>();
  for (const t of templates) {
    if (!templateApplies(t, docType)) continue;
    const names = placeholdersOf(t.text);
    if (names.length === 1 && names[0]) out.add(names[0].toLowerCase());
  }
  return out;
}

/** The questions a document of this type with these boxes is asked, template by template. */
export function expandTemplates(templates: readonly TemplateRule[], docType: DocType | null, boxes: Iterable<ItemBox>): TemplateQuestion[] {
  const wanted = itemLabels(templates, docType);
  const byLabel = new Map<string, ItemBox[]>();
  if (wanted.size) {
    for (const b of boxes) {
      const label = b.label?.toLowerCase();
      if (label === undefined || !wanted.has(label) || itemText(b.transcription) === '') continue;
      const list = byLabel.get(label);
      if (list) list.push(b);
      else byLabel.set(label, [b]);
    }
  }
  const out: TemplateQuestion[] = [];
  for (const t of templates) {
    if (!templateApplies(t, docType)) continue;
    const names = placeholdersOf(t.text);
    if (names.length === 0) {
      if (!/[{}]/.test(t.text)) out.push({ qaId: templateQaId(t.id), templateId: t.id, question: t.text, required: t.required, itemBoxId: null });
      continue;
    }
    if (names.length > 1 || !names[0] || /[{}]/.test(t.text.replace(PLACEHOLDER, ''))) continue;
    for (const b of byLabel.get(names[0].toLowerCase()) ?? []) {
      const value = itemText(b.transcription);
      out.push({ qaId: templateQaId(t.id, b.id), templateId: t.id, question: t.text.replace(PLACEHOLDER, () => value), required: t.required, itemBoxId: b.id });
    }
  }
  return out;
}

/** Questions are the same question when they read the same, ignoring case and spacing. */
export const questionKey = (s: string): string => s.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();

/** The template question a text asks (the first one not `taken`), or null. */
export function matchTemplateQuestion(question: string, asked: readonly TemplateQuestion[], taken?: ReadonlySet<string>): TemplateQuestion | null {
  const key = questionKey(question);
  return asked.find((q) => !taken?.has(q.qaId) && questionKey(q.question) === key) ?? null;
}

/** Something an annotator (or an accepted prediction) put into a pair: never dropped silently. */
export const hasContent = (q: QaPair): boolean => q.unanswerable || q.answer.trim() !== '' || q.evidenceBoxIds.length > 0;

export interface ArrangedQa {
  /** The questions asked (saved or blank), then the annotator's and the model's, then kept answers. */
  qa: QaPair[];
  /** Ids of the questions asked whose template is required. */
  required: Set<string>;
  /** Ids of template answers kept although their question is no longer asked. */
  kept: Set<string>;
}

/**
 * The QA pairs as the annotator sees them. Saved pairs keep their answers; a question asked but
 * not saved yet is a blank pair; a template pair's question text follows its template and box.
 * Pairs that need no change are returned as the same objects.
 */
export function arrangeQa(asked: readonly TemplateQuestion[], pairs: readonly QaPair[]): ArrangedQa {
  const byId = new Map(pairs.map((q) => [q.id, q]));
  const required = new Set<string>();
  const askedIds = new Set<string>();
  const fromTemplates = asked.map((t): QaPair => {
    askedIds.add(t.qaId);
    if (t.required) required.add(t.qaId);
    const saved = byId.get(t.qaId);
    if (!saved) {
      return { id: t.qaId, question: t.question, answer: '', unanswerable: false, source: 'template', templateId: t.templateId, originPredictionId: null, evidenceBoxIds: [] };
    }
    return saved.question === t.question && saved.templateId === t.templateId && saved.source === 'template'
      ? saved
      : { ...saved, question: t.question, templateId: t.templateId, source: 'template' };
  });
  const own: QaPair[] = [];
  const kept: QaPair[] = [];
  for (const q of pairs) {
    if (askedIds.has(q.id)) continue;
    if (q.source !== 'template') own.push(q);
    else if (hasContent(q)) kept.push(q);
  }
  return { qa: [...fromTemplates, ...own, ...kept], required, kept: new Set(kept.map((q) => q.id)) };
}
