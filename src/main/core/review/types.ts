import { z } from 'zod';
import { boxSchema, qaPairSchema } from '../../../shared/domain/model';

/**
 * What the review engine compares and what it reports. The inputs are the domain model's Box and
 * QaPair (a Box or QaPair from the repositories or the contract can be passed as is) plus an
 * optional confidence for the model's predictions.
 */

export const reviewBoxSchema = boxSchema.pick({ id: true, pageId: true, label: true, x: true, y: true, w: true, h: true, transcription: true }).extend({
  /** Set on the model's boxes (its prediction's confidence); absent or null on people's. */
  confidence: z.number().min(0).max(1).nullable().optional(),
});
export type ReviewBox = z.infer<typeof reviewBoxSchema>;

export const reviewQaSchema = qaPairSchema.pick({ id: true, question: true, answer: true, unanswerable: true, templateId: true, evidenceBoxIds: true }).extend({
  confidence: z.number().min(0).max(1).nullable().optional(),
});
export type ReviewQa = z.infer<typeof reviewQaSchema>;

export const reviewSourceKinds = ['gold', 'annotator', 'model'] as const;
export const reviewSourceSchema = z.object({
  /** An annotator id, `model:<name>` for the model's predictions, or the resolver's id for gold. */
  id: z.string(),
  kind: z.enum(reviewSourceKinds),
  name: z.string(),
});
export type ReviewSource = z.infer<typeof reviewSourceSchema>;

/** One source's version of one document. */
export const reviewVersionSchema = z.object({
  source: reviewSourceSchema,
  /** The annotation row it came from (null for the model's predictions). */
  annotationId: z.string().nullable(),
  version: z.number().int().nullable(),
  verifiedAt: z.string().nullable(),
  boxes: z.array(reviewBoxSchema),
  qa: z.array(reviewQaSchema),
});
export type ReviewVersion = z.infer<typeof reviewVersionSchema>;

export const reviewSettingsSchema = z.object({
  /** Boxes match (optimal assignment) only at IoU ≥ this. */
  matchIou: z.number().gt(0).max(1).default(0.5),
  /** A matched pair below this IoU is a geometry mismatch. */
  geometryIou: z.number().gt(0).max(1).default(0.85),
  /** A matched pair whose transcriptions' normalised edit distance is above this is a transcription mismatch (0: any difference beyond whitespace). */
  transcriptionDistance: z.number().min(0).max(1).default(0),
  /** Answers disagree when normalised exact match fails and ANLS is below this. */
  answerAnls: z.number().min(0).max(1).default(0.5),
  /** Model predictions under this confidence are reported separately. */
  lowConfidence: z.number().min(0).max(1).default(0.8),
});
export type ReviewSettings = z.infer<typeof reviewSettingsSchema>;
export const DEFAULT_REVIEW_SETTINGS: ReviewSettings = reviewSettingsSchema.parse({});

export const disagreementTypes = [
  'missing_box',
  'extra_box',
  'label_mismatch',
  'geometry_mismatch',
  'transcription_mismatch',
  'answer_mismatch',
  'evidence_mismatch',
] as const;
export type DisagreementType = (typeof disagreementTypes)[number];
export const severities = ['low', 'medium', 'high'] as const;
export type Severity = (typeof severities)[number];
/** A high-severity disagreement outweighs a handful of low ones in a document's score. */
export const SEVERITY_WEIGHT: Record<Severity, number> = { low: 1, medium: 3, high: 9 };

/**
 * One difference between two sources of one document. `a` is the reference side (the earlier
 * source: gold, then annotators by name, then the model): "missing_box" = a has a box b lacks,
 * "extra_box" = b has a box a lacks.
 */
export const disagreementSchema = z.object({
  /** Stable across runs: type, sources, page, boxes, question. */
  id: z.string(),
  type: z.enum(disagreementTypes),
  severity: z.enum(severities),
  weight: z.number(),
  documentId: z.string(),
  a: z.string(),
  b: z.string(),
  pageId: z.string().nullable(),
  /** Box ids on each side (null where that side has none). */
  boxA: z.string().nullable(),
  boxB: z.string().nullable(),
  /** The question's matching key (template id or normalised text) and its text. */
  questionKey: z.string().nullable(),
  question: z.string().nullable(),
  /** What differs, for display: labels, transcriptions or answers (null = none / unanswerable). */
  valueA: z.string().nullable(),
  valueB: z.string().nullable(),
  /** Evidence box ids on each side (evidence mismatches only). */
  evidenceA: z.array(z.string()).nullable(),
  evidenceB: z.array(z.string()).nullable(),
  /** Answer mismatches: one side has no answer ('missing'), marked it unanswerable, or the texts differ. */
  reason: z.enum(['missing', 'unanswerable', 'text']).nullable(),
  iou: z.number().nullable(),
  editDistance: z.number().nullable(),
  anls: z.number().nullable(),
  /** The model's confidence when one side is the model. */
  confidence: z.number().nullable(),
  /** A model prediction under the low-confidence setting is involved: listed apart. */
  lowConfidence: z.boolean(),
  message: z.string(),
});
export type Disagreement = z.infer<typeof disagreementSchema>;

export const disagreementCountsSchema = z.object({
  byType: z.record(z.enum(disagreementTypes), z.number().int()),
  bySeverity: z.record(z.enum(severities), z.number().int()),
});
export type DisagreementCounts = z.infer<typeof disagreementCountsSchema>;
