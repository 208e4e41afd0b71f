/**
 * Deterministic synthetic business documents (invoices, receipts, forms) with exact ground truth:
 * boxes in final pixel coordinates (after the page's slight rotation) and QA pairs whose answers
 * are the texts of their evidence boxes.
 */

export type { GeneratedPage, PageOptions, RenderOptions, SynthBox, SynthDocument, SynthKind, SynthQa, SynthWord, TruthOptions } from './types';
export { SYNTH_LABELS, type SynthLabel } from './labels';
export { SYNTH_QUESTIONS, SYNTH_TEMPLATES, joinEvidence, synthAnswerLabel } from './qa';
export { generatePage, generateTruth, renderPage } from './generate';
export { writeSynthDataset, type DatasetOptions } from './dataset';
export { truthBoxes } from './annotation';
