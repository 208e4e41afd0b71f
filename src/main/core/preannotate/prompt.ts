/**
 * What Folio asks Claude: a system prompt (instructions, the project's labels and question
 * templates) marked for prompt caching, and a structured-output JSON schema built from the same
 * label set and templates. Both are identical for every page of a run, so after the first request
 * they are read from the cache; only the page image and one line of text change per page.
 *
 * The schema keeps to what structured outputs accept: every object closed with
 * `additionalProperties: false`, every property required (no optional-parameter budget used), no
 * numeric or length constraints, enums of strings only.
 */

export interface PromptProject {
  labels: { name: string }[];
  /** `kinds`: the document types a template is asked on (empty or absent: every document). */
  questions: { text: string; kinds?: readonly string[] | undefined }[];
}

/** What Claude may say a page is: one of Folio's document types, or none of them. */
export const MODEL_DOCUMENT_TYPES = ['invoice', 'receipt', 'form', 'other'] as const;

export type JsonSchema = Record<string, unknown>;

/**
 * `grounded`: the page's words are listed with ids, and the answer names word ids instead of
 * coordinates: `entities` (label + word ids) in place of `boxes`, evidence as word ids.
 */
export function buildOutputSchema(project: PromptProject, grounded = false): JsonSchema {
  const labels = project.labels.map((l) => l.name);
  const templates = [...new Set(project.questions.map((q) => q.text))];
  const label: JsonSchema = labels.length ? { type: 'string', enum: labels, description: 'One of the project labels' } : { type: 'string', description: 'A short field name' };
  const entity: JsonSchema = {
    type: 'object',
    additionalProperties: false,
    required: ['label', 'words', 'confidence'],
    properties: {
      label,
      words: { type: 'array', items: { type: 'string' }, description: 'Ids of the words of the field value, in reading order' },
      confidence: { type: 'number', description: 'How sure you are that the words and the label are right, from 0 to 1' },
    },
  };
  const box: JsonSchema = {
    type: 'object',
    additionalProperties: false,
    required: ['label', 'text', 'bbox', 'confidence'],
    properties: {
      label,
      text: { type: 'string', description: 'The exact text inside the box, as printed; empty for marks without text' },
      bbox: { type: 'array', items: { type: 'integer' }, description: '[x1, y1, x2, y2] in pixels of the image shown: top-left and bottom-right corners' },
      confidence: { type: 'number', description: 'How sure you are that the box, its label and its text are right, from 0 to 1' },
    },
  };
  const properties: Record<string, JsonSchema> = {
    document_type: { type: 'string', enum: [...MODEL_DOCUMENT_TYPES], description: 'What the document is; other when it is none of these' },
    ...(grounded ? { entities: { type: 'array', items: entity } } : { boxes: { type: 'array', items: box } }),
  };
  const required = ['document_type', grounded ? 'entities' : 'boxes'];
  if (templates.length) {
    properties.qa = {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['template', 'question', 'answerable', 'answer', 'evidence', 'confidence'],
        properties: {
          template: { type: 'string', enum: templates, description: 'The question template answered' },
          question: { type: 'string', description: 'The question, with any {placeholder} filled in' },
          answerable: { type: 'boolean', description: 'False when the page does not answer the question' },
          answer: { type: 'string', description: 'The answer as printed on the page; empty when not answerable' },
          evidence: grounded
            ? { type: 'array', items: { type: 'string' }, description: 'Ids of the words holding the answer' }
            : { type: 'array', items: { type: 'integer' }, description: 'Indexes (from 0) into boxes of the boxes holding the answer' },
          confidence: { type: 'number', description: 'From 0 to 1' },
        },
      },
    };
    required.push('qa');
  }
  return { type: 'object', additionalProperties: false, required, properties };
}

/**
 * Each question text once, with the document types it is asked on (empty: every document). A
 * text two templates share is asked on the types of both, and on every one if either is.
 */
export function questionKinds(questions: PromptProject['questions']): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const q of questions) {
    const had = out.get(q.text);
    out.set(q.text, (had && had.length === 0) || !q.kinds?.length ? [] : [...new Set([...(had ?? []), ...q.kinds])]);
  }
  return out;
}

function templateLines(questions: PromptProject['questions']): string {
  return [...questionKinds(questions)].map(([text, k]) => `- ${text}${k.length ? ` (${k.map((t) => `${t}s`).join(', ')} only)` : ''}`).join('\n');
}

/** How a grounded answer places fields: by the ids of the words listed, never by coordinates. */
const GROUNDED_PLACEMENT = [
  'Words',
  '- After the image the user message lists the words read on the page, one per line: id x y w h text. Ids are w0, w1, w2, … in reading order; x y w h is the word\'s box in pixels of the image (top-left corner, width, height).',
  '- Name fields only by these ids: never give coordinates, never invent an id, and use only ids from this page\'s list.',
  '- An entity is one field value: its label and the ids of all its words in reading order, not its printed caption ("Invoice No.", "Total"), not neighbouring fields.',
  '- A word belongs to at most one entity. Multi-line values (an address, a long description) get one entity per line.',
  '- When the listed words misread a value, still give the ids of the words where it is printed.',
];

const COORDINATE_PLACEMENT = [
  'Coordinates',
  '- The user message holds one page image. Give every position in pixels of that image exactly as you see it: the origin is the top-left corner, x grows to the right and y grows downward.',
  '- A box is [x1, y1, x2, y2]: the top-left and the bottom-right corners, with x1 < x2 and y1 < y2, integers, inside the image.',
  '- Draw each box tightly around the ink of one field value: not around its printed caption ("Invoice No.", "Total"), not around neighbouring fields, not around whole table rows.',
  '- Multi-line values (an address, a long description) get one box per line.',
  '- Never use normalised coordinates (0-1 or 0-1000) and never pad the image.',
];

/** `grounded`: the page's words come with the image and fields are named by word ids (see buildOutputSchema). */
export function buildSystemPrompt(project: PromptProject, grounded = false): string {
  const labels = project.labels.map((l) => `- ${l.name}`).join('\n');
  const templates = templateLines(project.questions);
  const item = grounded ? 'entity' : 'box';
  return [
    'You pre-annotate scanned business documents (invoices, receipts, purchase orders, forms, statements) for a team of human annotators.',
    'Your output is a first draft that the annotators correct, so completeness and exact geometry matter more than prose. You never explain; you only return the JSON object the response format describes.',
    '',
    ...(grounded ? GROUNDED_PLACEMENT : COORDINATE_PLACEMENT),
    '',
    'Document type',
    '- document_type says what the document is: invoice (a bill asking for payment), receipt (proof of a payment made), form (a filled-in form or application), or other.',
    '',
    grounded ? 'Entities' : 'Boxes',
    labels
      ? `- Use only these labels, spelled exactly as below. A field that fits none of them is left out.\n${labels}`
      : '- The project has no label set: name each field with a short lower-case snake_case name.',
    `- Give one ${item} per occurrence: every row of a line-item table has its own description, quantity, unit price and amount ${item === 'box' ? 'boxes' : 'entities'}.`,
    grounded
      ? '- Marks without words (signatures, stamps, ticked boxes) are left out.'
      : '- text is the value exactly as printed (keep currency symbols, separators, capitalisation and spacing); use an empty string for marks without text such as signatures, stamps and ticked boxes.',
    `- confidence is your probability, from 0 to 1, that the ${item}, its label and its ${grounded ? 'words' : 'text'} are all right. Use lower values for faint, handwritten, cut-off or ambiguous fields.`,
    '',
    templates ? 'Questions' : '',
    templates
      ? [
          '- Answer each of these question templates that fits the document type for the page; a template marked "(invoices only)" or similar is not asked of other documents.',
          `- A {placeholder} names one of the labels above: ask the template once for every ${item} with that label, with the placeholder replaced by that ${item}'s text exactly as ${grounded ? 'printed' : 'in its box'}, and put the filled question in question. With no such ${item}, leave the template out.`,
          templates,
          `- answer is copied from the page exactly as printed. When the answer spans several ${item === 'box' ? 'boxes' : 'entities'}, join their texts with one space in reading order.`,
          grounded
            ? '- evidence lists the ids of the words that make up the answer; each must be a word of one of your entities, so add the entity when you answer.'
            : '- evidence lists the indexes (counting from 0) of the boxes in boxes whose text makes up the answer. Every answer needs at least one evidence box, so add a box for it when you answer.',
          '- When the page does not answer a question, set answerable to false, answer to an empty string and evidence to an empty list. Do not guess.',
        ].join('\n')
      : '',
    '',
    'Quality',
    '- Read amounts, dates and identifiers character by character; annotators trust exact values more than plausible ones.',
    '- Skip decorative text (logos without text, page furniture, watermarks) and repeated headers.',
    '- Pages may be slightly rotated, faint or noisy: still box what is legible and lower the confidence.',
  ]
    .filter((line, i, all) => !(line === '' && all[i - 1] === ''))
    .join('\n');
}

/** The per-page text that follows the image. */
export function buildUserText(page: { sourceName: string; pageNumber: number; pageCount: number; width: number; height: number; questions: boolean; grounded?: boolean }): string {
  const where = page.pageCount > 1 ? `page ${page.pageNumber} of ${page.pageCount} of the file "${page.sourceName}"` : `the file "${page.sourceName}"`;
  return `This is ${where}. The image is ${page.width}×${page.height} pixels. Return its ${page.grounded ? 'entities' : 'boxes'}${page.questions ? ' and the answers to the questions' : ''}.`;
}

/**
 * Folio's own token estimate for text (the real count is only known to the API): about 3.5 bytes
 * of UTF-8 per token for English prose and JSON. Calibrated per run from the responses' usage.
 */
export const estimateTextTokens = (text: string): number => Math.ceil(Buffer.byteLength(text, 'utf8') / 3.5);
