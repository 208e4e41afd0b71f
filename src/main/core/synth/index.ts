/**
 * Deterministic synthetic business documents (invoices, receipts, forms) with exact ground truth,
 * all in final pixel coordinates (after the page's slight rotation): field boxes, a tight box for
 * every word drawn (each linked to its field box, or to none for headings and captions), and QA
 * pairs whose answers are the texts of their evidence boxes. A scanned-looking variant (`scan`)
 * adds skew, blur, noise and JPEG compression, with the truth skewed to match.
 */

export type { GeneratedPage, PageOptions, RenderOptions, ScanOptions, ScanSettings, SynthBox, SynthDocument, SynthKind, SynthQa, SynthWord, TruthOptions } from './types';
export { SYNTH_LABELS, type SynthLabel } from './labels';
export { SYNTH_QUESTIONS, SYNTH_TEMPLATES, joinEvidence, synthAnswerLabel } from './qa';
export { generatePage, generateTruth, renderPage } from './generate';
export { writeSynthDataset, type DatasetOptions } from './dataset';
export { truthBoxes } from './annotation';
