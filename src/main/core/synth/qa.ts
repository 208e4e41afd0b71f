import { type Rng } from './random';
import { type SynthBox, type SynthKind, type SynthQa } from './types';

/** What a layout knows about its own content: which truth boxes hold which fact. */
export type FactKey =
  | 'vendor' | 'vendor_address' | 'vendor_phone' | 'customer' | 'invoice_number' | 'date' | 'due_date'
  | 'po_number' | 'payment_terms' | 'subtotal' | 'tax' | 'total' | 'receipt_number' | 'payment_method'
  | 'person_name' | 'company_name' | 'email' | 'phone';

export interface ItemFact {
  description: string;
  quantityId: string | null;
  amountId: string | null;
}

export interface Facts {
  single: Partial<Record<FactKey, string[]>>;
  items: ItemFact[];
}

type TemplateFact = FactKey | 'item_amount' | 'item_quantity';

interface Template {
  /** A `{line_item_description}` placeholder is filled with each line item's description. */
  question: string;
  fact: TemplateFact;
  kinds: SynthKind[];
  /** Whether the demo project makes annotators answer it (or mark it unanswerable) before verifying. */
  required: boolean;
}

const ALL: SynthKind[] = ['invoice', 'receipt', 'form'];
const SALES: SynthKind[] = ['invoice', 'receipt'];

const TEMPLATES: Template[] = [
  { question: 'What is the invoice number?', fact: 'invoice_number', kinds: ['invoice'], required: true },
  { question: 'What is the invoice date?', fact: 'date', kinds: ['invoice'], required: true },
  { question: 'What is the date of the document?', fact: 'date', kinds: ['receipt', 'form'], required: true },
  { question: 'What is the due date?', fact: 'due_date', kinds: SALES, required: false },
  { question: 'What is the total amount?', fact: 'total', kinds: ALL, required: true },
  { question: 'What is the subtotal?', fact: 'subtotal', kinds: SALES, required: false },
  { question: 'What is the tax amount?', fact: 'tax', kinds: SALES, required: false },
  { question: 'Who is the vendor?', fact: 'vendor', kinds: SALES, required: true },
  { question: 'Who is the customer?', fact: 'customer', kinds: SALES, required: false },
  { question: "What is the vendor's address?", fact: 'vendor_address', kinds: SALES, required: false },
  { question: "What is the vendor's phone number?", fact: 'vendor_phone', kinds: SALES, required: false },
  { question: 'What is the PO number?', fact: 'po_number', kinds: ['invoice', 'form'], required: false },
  { question: 'What are the payment terms?', fact: 'payment_terms', kinds: ['invoice'], required: false },
  { question: 'What is the receipt number?', fact: 'receipt_number', kinds: ['receipt'], required: false },
  { question: 'What is the payment method?', fact: 'payment_method', kinds: ['receipt'], required: false },
  { question: "What is the applicant's name?", fact: 'person_name', kinds: ['form'], required: true },
  { question: 'Which organisation issued the form?', fact: 'company_name', kinds: ['form'], required: false },
  { question: 'What is the email address?', fact: 'email', kinds: ['invoice', 'form'], required: false },
  { question: "What is the applicant's phone number?", fact: 'phone', kinds: ['form'], required: false },
  { question: 'What is the amount for "{line_item_description}"?', fact: 'item_amount', kinds: ALL, required: false },
  { question: 'What is the quantity of "{line_item_description}"?', fact: 'item_quantity', kinds: ALL, required: false },
];

const ITEM = '{line_item_description}';

/** Question templates the generator can answer (a placeholder stands for a line-item description). */
export const SYNTH_QUESTIONS: string[] = [...new Set(TEMPLATES.map((t) => t.question))];

/**
 * The same templates as a project holds them: the document types each is asked on (every type:
 * an empty list) and whether it is required. Few are: the total, the document's number and date,
 * who issued it; line-item questions are optional.
 */
export const SYNTH_TEMPLATES: { text: string; kinds: SynthKind[]; required: boolean }[] = SYNTH_QUESTIONS.map((text) => {
  const all = TEMPLATES.filter((t) => t.question === text);
  const kinds = [...new Set(all.flatMap((t) => t.kinds))];
  return { text, kinds: kinds.length === ALL.length ? [] : ALL.filter((k) => kinds.includes(k)), required: all.some((t) => t.required) };
});

/**
 * The label of the one box that answers a template question on any page that has it (the total,
 * the vendor…), or null when the answer is not a single labelled box (an address, a line item).
 */
export function synthAnswerLabel(question: string): string | null {
  const fact = TEMPLATES.find((t) => t.question === question)?.fact;
  const singleBox: Partial<Record<TemplateFact, string>> = { invoice_number: 'invoice_number', date: 'date', due_date: 'due_date', total: 'total', subtotal: 'subtotal', tax: 'tax', vendor: 'vendor', customer: 'customer', po_number: 'po_number', payment_terms: 'payment_terms', receipt_number: 'receipt_number', payment_method: 'payment_method', person_name: 'person_name', company_name: 'company_name', email: 'email' };
  return fact ? (singleBox[fact] ?? null) : null;
}

/** Multi-box answers are the evidence texts joined by one space, in evidence order. */
export const joinEvidence = (texts: string[]): string => texts.join(' ');

interface Candidate {
  question: string;
  ids: string[];
}

export function buildQa(r: Rng, kind: SynthKind, facts: Facts, boxes: SynthBox[]): SynthQa[] {
  const byId = new Map(boxes.map((b) => [b.id, b]));
  const present = (ids: (string | null)[] | undefined): ids is string[] =>
    !!ids && ids.length > 0 && ids.every((id) => id !== null && byId.has(id));

  const answerable: Candidate[] = [];
  const unanswerable: string[] = [];
  for (const t of TEMPLATES) {
    if (!t.kinds.includes(kind)) continue;
    if (t.fact === 'item_amount' || t.fact === 'item_quantity') {
      const pick = t.fact === 'item_amount' ? (i: ItemFact) => i.amountId : (i: ItemFact) => i.quantityId;
      const usable = facts.items.filter((i) => present([pick(i)]));
      if (usable.length === 0) continue;
      const item = r.pick(usable);
      answerable.push({ question: t.question.replace(ITEM, item.description), ids: [pick(item) as string] });
    } else {
      const ids = facts.single[t.fact];
      if (present(ids)) answerable.push({ question: t.question, ids });
      else unanswerable.push(t.question);
    }
  }

  const total = r.int(3, 6);
  const withNull = unanswerable.length > 0 && r.chance(0.4);
  const chosen: Omit<SynthQa, 'id'>[] = r
    .shuffle(answerable)
    .slice(0, total - (withNull ? 1 : 0))
    .map((c) => ({
      question: c.question,
      answer: joinEvidence(c.ids.map((id) => byId.get(id)?.text ?? '')),
      evidenceBoxIds: c.ids,
    }));
  if (withNull) chosen.push({ question: r.pick(unanswerable), answer: null, evidenceBoxIds: [] });
  return r.shuffle(chosen).map((q, i) => ({ id: `q${i + 1}`, ...q }));
}
