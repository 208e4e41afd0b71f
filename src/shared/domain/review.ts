import { z } from 'zod';
import { boxSchema, qaPairSchema } from './model';

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

// ---------------------------------------------------------------------------------------------
// The lead's view: the queue, one document's sources grouped for resolving, the resolution that
// becomes gold, and the agreement figures behind the charts.

const projectId = z.string().min(1);
const count = z.number().int().nonnegative();
const ratio = z.number().nullable();

/**
 * Where a document stands for the lead: `waiting` (fewer annotators verified it than the project
 * asks for), `open` (they disagree and no gold settles it), `agreed` (no disagreement, no gold
 * yet), `resolved` (gold is newer than every source it was resolved from).
 */
export const reviewStates = ['waiting', 'open', 'agreed', 'resolved'] as const;
export type ReviewState = (typeof reviewStates)[number];

export const reviewQueueRequestSchema = z
  .object({
    projectId,
    /** Compare the model's newest predictions too (its low-confidence ones are listed apart). */
    includeModel: z.boolean().optional(),
    /** Which documents to list; default 'open'. */
    state: z.enum([...reviewStates, 'all']).optional(),
  })
  .strict();

export const goldInfoSchema = z.object({
  annotationId: z.string(),
  version: z.number().int(),
  resolvedBy: z.string(),
  resolvedAt: z.string(),
});
export type GoldInfo = z.infer<typeof goldInfoSchema>;

export const reviewQueueItemSchema = z.object({
  documentId: z.string(),
  sourceName: z.string(),
  state: z.enum(reviewStates),
  /** The annotators whose latest verified versions are compared (and the model, when asked). */
  sources: z.array(reviewSourceSchema),
  annotatorCount: count,
  score: z.number(),
  counts: disagreementCountsSchema,
  disagreements: count,
  lowConfidence: count,
  gold: goldInfoSchema.nullable(),
});
export type ReviewQueueItem = z.infer<typeof reviewQueueItemSchema>;

export const reviewQueueSchema = z.object({
  projectId: z.string(),
  requiredAnnotators: z.number().int(),
  settings: reviewSettingsSchema,
  items: z.array(reviewQueueItemSchema),
  totals: z.record(z.enum(reviewStates), count).and(z.object({ documents: count })),
});
export type ReviewQueue = z.infer<typeof reviewQueueSchema>;

export const reviewDocumentRequestSchema = z.object({ projectId, documentId: z.string().min(1), includeModel: z.boolean().optional() }).strict();

/** Boxes of different sources that the matcher says are the same region (one per source at most). */
export const reviewBoxGroupSchema = z.object({
  id: z.string(),
  pageId: z.string(),
  /** sourceId → that source's box. */
  boxes: z.record(z.string(), reviewBoxSchema),
  /** Every annotator drew it with the same label, geometry and text. */
  agreed: z.boolean(),
  disagreementIds: z.array(z.string()),
  /** The source a lead most likely keeps (gold if resolved before, else the majority), or null: most sources left it out. */
  suggested: z.string().nullable(),
});
export type ReviewBoxGroup = z.infer<typeof reviewBoxGroupSchema>;

export const reviewQuestionGroupSchema = z.object({
  key: z.string(),
  question: z.string(),
  templateId: z.string().nullable(),
  /** sourceId → that source's answer. */
  answers: z.record(z.string(), reviewQaSchema),
  agreed: z.boolean(),
  disagreementIds: z.array(z.string()),
  suggested: z.string().nullable(),
});
export type ReviewQuestionGroup = z.infer<typeof reviewQuestionGroupSchema>;

export const goldLineageSchema = z.object({
  resolvedBy: z.string(),
  resolvedByName: z.string(),
  resolvedAt: z.string(),
  sources: z.array(z.object({ id: z.string(), kind: z.enum(reviewSourceKinds), name: z.string(), annotationId: z.string().nullable(), version: z.number().int().nullable() })),
  /** Which source each gold box and answer was taken from (null: drawn or edited by the lead). */
  items: z.object({ boxes: z.record(z.string(), z.string().nullable()), qa: z.record(z.string(), z.string().nullable()) }),
});
export type GoldLineage = z.infer<typeof goldLineageSchema>;

export const reviewDocumentSchema = z.object({
  projectId: z.string(),
  documentId: z.string(),
  sourceName: z.string(),
  state: z.enum(reviewStates),
  requiredAnnotators: z.number().int(),
  /** The compared versions, in display order (annotators by name, then the model). */
  versions: z.array(reviewVersionSchema),
  gold: reviewVersionSchema.extend({ lineage: goldLineageSchema.nullable() }).nullable(),
  disagreements: z.array(disagreementSchema),
  lowConfidence: z.array(disagreementSchema),
  counts: disagreementCountsSchema,
  boxGroups: z.array(reviewBoxGroupSchema),
  questionGroups: z.array(reviewQuestionGroupSchema),
});
export type ReviewDocument = z.infer<typeof reviewDocumentSchema>;

const finite = z.number().finite();
export const resolvedBoxSchema = z
  .object({
    /** The id the box keeps in gold; evidence links name it. Gold obeys the limits of any saved box. */
    id: boxSchema.shape.id,
    pageId: z.string().min(1),
    label: z.string().min(1, 'every gold box needs a label'),
    x: finite,
    y: finite,
    w: finite.positive('a box needs a width'),
    h: finite.positive('a box needs a height'),
    transcription: boxSchema.shape.transcription,
    /** The source it was taken from, or null when the lead drew or edited it. */
    from: z.string().nullable(),
  })
  .strict();
export type ResolvedBox = z.infer<typeof resolvedBoxSchema>;

export const resolvedQaSchema = z
  .object({
    id: qaPairSchema.shape.id,
    question: qaPairSchema.shape.question.trim().min(1, 'a question needs text'),
    answer: qaPairSchema.shape.answer,
    unanswerable: z.boolean(),
    templateId: z.string().nullable(),
    evidenceBoxIds: qaPairSchema.shape.evidenceBoxIds,
    from: z.string().nullable(),
  })
  .strict();
export type ResolvedQa = z.infer<typeof resolvedQaSchema>;

export const reviewResolveRequestSchema = z
  .object({
    projectId,
    documentId: z.string().min(1),
    /** The versions the lead compared: resolving is refused if a source has verified a newer one since. */
    basedOn: z.array(z.object({ sourceId: z.string(), annotationId: z.string().nullable(), version: z.number().int().nullable() }).strict()),
    boxes: z.array(resolvedBoxSchema).max(20_000),
    qa: z.array(resolvedQaSchema).max(2_000),
  })
  .strict();
export type ReviewResolveRequest = z.infer<typeof reviewResolveRequestSchema>;

export const reviewResolveResultSchema = z.object({ annotationId: z.string(), version: z.number().int(), verifiedAt: z.string(), boxes: count, qa: count });
export type ReviewResolveResult = z.infer<typeof reviewResolveResultSchema>;

const comparisonSummary = z.object({ documents: count, f1: ratio, meanIou: ratio, cohenKappa: ratio, exactMatch: ratio, anls: ratio }).nullable();
export const reviewAgreementRequestSchema = z.object({ projectId, includeModel: z.boolean().optional() }).strict();
export const reviewAgreementSchema = z.object({
  annotators: z.array(z.object({ id: z.string(), name: z.string(), documents: count })),
  documents: z.object({ total: count, verified: count, compared: count, withGold: count }),
  overall: z.object({ cohenKappa: ratio, fleissKappa: ratio, krippendorffAlpha: ratio, boxF1: ratio, meanIou: ratio, exactMatch: ratio, tokenF1: ratio, anls: ratio }),
  perLabel: z.array(z.object({ label: z.string(), units: count, cohenKappa: ratio, fleissKappa: ratio, krippendorffAlpha: ratio, f1: ratio, meanIou: ratio })),
  /** IoU of boxes matched between annotators, in bins from the match threshold to 1. */
  iouHistogram: z.array(z.object({ from: z.number(), to: z.number(), count })),
  perAnnotator: z.array(z.object({ id: z.string(), name: z.string(), vsOthers: comparisonSummary, vsGold: comparisonSummary })),
  disagreements: z.object({ documents: count, total: count, lowConfidence: count }).and(disagreementCountsSchema),
});
export type ReviewAgreement = z.infer<typeof reviewAgreementSchema>;
