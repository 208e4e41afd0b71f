/**
 * The label set the generator uses. Order matters: the first nine get hotkeys 1-9, so the
 * labels an annotator draws most often (the line-item columns and the header facts) come first.
 */
const LABELS = [
  ['vendor', '#e6194b'],
  ['customer', '#3cb44b'],
  ['invoice_number', '#4363d8'],
  ['date', '#f58231'],
  ['total', '#911eb4'],
  ['line_item_description', '#00a8c6'],
  ['line_item_quantity', '#f032e6'],
  ['line_item_amount', '#8fbc1e'],
  ['address', '#469990'],
  ['due_date', '#9a6324'],
  ['subtotal', '#800000'],
  ['tax', '#808000'],
  ['line_item_unit_price', '#000075'],
  ['po_number', '#d4a017'],
  ['receipt_number', '#ff69b4'],
  ['payment_method', '#ff4500'],
  ['payment_terms', '#2e8b57'],
  ['phone', '#8a2be2'],
  ['email', '#708090'],
  ['company_name', '#ffd700'],
  ['person_name', '#1e90ff'],
  ['field_value', '#a0522d'],
  ['checkbox', '#00ced1'],
  ['signature', '#2f4f4f'],
  ['stamp', '#dc143c'],
] as const;

export interface SynthLabel {
  name: string;
  color: string;
  hotkey: string | null;
}

export const SYNTH_LABELS: SynthLabel[] = LABELS.map(([name, color], i) => ({
  name,
  color,
  hotkey: i < 9 ? String(i + 1) : null,
}));

export type LabelName = (typeof LABELS)[number][0];
