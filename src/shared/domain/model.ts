import { z } from 'zod';

/**
 * Domain shapes shared by every side. Coordinates are always in original image pixels (floats).
 */

export const hexColor = z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour like #1f77b4');
export const labelHotkey = z.enum(['1', '2', '3', '4', '5', '6', '7', '8', '9']);

/** Longest label name: what a project accepts, and so what a received box's label may be. */
export const LABEL_NAME_MAX = 64;

export const labelSchema = z.object({
  id: z.string(),
  name: z.string(),
  color: hexColor,
  hotkey: labelHotkey.nullable(),
});
export type Label = z.infer<typeof labelSchema>;

/**
 * What a document is, for its questions: set by the annotator, by pre-annotation or by an import
 * that knows (the demo). null: not known yet. (A document's `kind` is its file format.)
 */
export const docTypes = ['invoice', 'receipt', 'form'] as const;
export const docTypeSchema = z.enum(docTypes, { error: 'must be "invoice", "receipt" or "form"' });
export type DocType = z.infer<typeof docTypeSchema>;

export const questionTemplateSchema = z.object({
  id: z.string(),
  text: z.string(),
  required: z.boolean(),
  /** The document types the question is asked on; empty: every document (any type, or none yet). */
  kinds: z.array(docTypeSchema),
});
export type QuestionTemplate = z.infer<typeof questionTemplateSchema>;

export const documentStatuses = ['new', 'pre_annotated', 'in_progress', 'verified'] as const;
export const documentStatusSchema = z.enum(documentStatuses);
export type DocumentStatus = z.infer<typeof documentStatusSchema>;

export const documentKinds = ['image', 'pdf', 'tiff'] as const;
export const documentKindSchema = z.enum(documentKinds);
export type DocumentKind = z.infer<typeof documentKindSchema>;

export const projectSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  isDemo: z.boolean(),
  /** How many annotators should verify each document before the lead reviews it. */
  requiredAnnotators: z.number().int().min(1).max(20),
  documentCount: z.number().int(),
  pageCount: z.number().int(),
  verifiedCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type ProjectSummary = z.infer<typeof projectSummarySchema>;

export const projectSchema = projectSummarySchema.extend({
  labels: z.array(labelSchema),
  questions: z.array(questionTemplateSchema),
});
export type Project = z.infer<typeof projectSchema>;

/** A media path is relative to the data folder's media root; each platform turns it into a URL. */
export const mediaPathSchema = z.string();

export const pyramidLevelSchema = z.object({
  /** 0 is the full-resolution page; level k is downscaled by `scale` (≈ 2^-k). */
  level: z.number().int().nonnegative(),
  scale: z.number().positive().max(1),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  path: mediaPathSchema,
});
export type PyramidLevel = z.infer<typeof pyramidLevelSchema>;

/**
 * A deep-zoom (DZI) tile pyramid for very large pages: level L is the page scaled by
 * 2^(L − maxLevel), cut into `size`-pixel tiles at `<path>/<L>/<column>_<row>.<format>`.
 */
export const tilePyramidSchema = z.object({
  size: z.number().int().positive(),
  maxLevel: z.number().int().nonnegative(),
  format: z.enum(['jpeg', 'png']),
  path: mediaPathSchema,
});
export type TilePyramid = z.infer<typeof tilePyramidSchema>;

export const pageSchema = z.object({
  id: z.string(),
  pageNumber: z.number().int().positive(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  thumbnail: mediaPathSchema,
  levels: z.array(pyramidLevelSchema).min(1),
  tiles: tilePyramidSchema.nullable(),
});
export type Page = z.infer<typeof pageSchema>;

export const documentSummarySchema = z.object({
  id: z.string(),
  sourceName: z.string(),
  kind: documentKindSchema,
  docType: docTypeSchema.nullable(),
  pageCount: z.number().int().positive(),
  status: documentStatusSchema,
  thumbnail: mediaPathSchema,
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  addedAt: z.string(),
  /**
   * A pre-annotation run answered pages of this document and found nothing on them (so it is still
   * `new`): the model, when, and on how many pages. Null when no run has looked at it, or it has predictions.
   */
  nothingFound: z.object({ model: z.string(), at: z.string(), pages: z.number().int().positive() }).nullable(),
});
export type DocumentSummary = z.infer<typeof documentSummarySchema>;

export const documentDetailSchema = documentSummarySchema.extend({
  byteSize: z.number().int().nonnegative(),
  pages: z.array(pageSchema).min(1),
});
export type DocumentDetail = z.infer<typeof documentDetailSchema>;

export const importFailureSchema = z.object({ path: z.string(), reason: z.string() });
export type ImportFailure = z.infer<typeof importFailureSchema>;

export const jobStates = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export const jobStateSchema = z.enum(jobStates);
export type JobState = z.infer<typeof jobStateSchema>;

export const importJobSchema = z.object({
  jobId: z.string(),
  projectId: z.string(),
  state: jobStateSchema,
  /** Files looked at so far and in all. */
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  currentFile: z.string().nullable(),
  etaMs: z.number().nonnegative().nullable(),
  /** Documents newly added to the project, and the pages they hold. */
  imported: z.number().int().nonnegative(),
  pages: z.number().int().nonnegative(),
  duplicates: z.number().int().nonnegative(),
  /** Files in folders that are not documents (e.g. .txt), left alone. */
  skipped: z.number().int().nonnegative(),
  failed: z.array(importFailureSchema),
  error: z.string().nullable(),
});
export type ImportJob = z.infer<typeof importJobSchema>;

export const secretNames = ['anthropicApiKey', 'wandbApiKey'] as const;
export const secretNameSchema = z.enum(secretNames);
export type SecretName = z.infer<typeof secretNameSchema>;

export const credentialSourceSchema = z.enum(['settings', 'env', 'netrc']).nullable();

export const uiPreferencesSchema = z.object({
  theme: z.enum(['system', 'light', 'dark']),
  showBoxLabels: z.boolean(),
  documentListView: z.enum(['grid', 'table']),
  /** Shortcut overrides: action id → combos (see the annotation view's keymap). */
  keymap: z.record(z.string().max(64), z.array(z.string().max(40)).max(4)),
  /** Predictions at or above this confidence are accepted by "accept all above threshold". */
  acceptThreshold: z.number().min(0).max(1),
  /** A box drawn on the page gets the text the page shows inside it (read on this computer). */
  readDrawnBoxes: z.boolean(),
  /** A box drawn on the page is pulled in to the ink inside it. */
  snapDrawnBoxes: z.boolean(),
  /** The app's left sidebar: the user's choice, or "auto" (collapsed in a narrow window). */
  sidebar: z.enum(['auto', 'expanded', 'collapsed']),
});
export type UiPreferences = z.infer<typeof uiPreferencesSchema>;

export const settingsViewSchema = z.object({
  annotator: z.object({ id: z.string(), name: z.string() }),
  ui: uiPreferencesSchema,
  anthropic: z.object({
    configured: z.boolean(),
    source: credentialSourceSchema,
    baseUrl: z.string().nullable(),
    /** A saved key withheld because it was entered for another address (this one), not the base URL's. */
    keyWithheldFor: z.string().nullable(),
  }),
  /** Pre-annotation defaults; null: the model table's default. */
  preannotation: z.object({ model: z.string().nullable(), effort: z.string().nullable(), maxTokens: z.number().int().nullable() }),
  wandb: z.object({
    configured: z.boolean(),
    source: credentialSourceSchema,
    baseUrl: z.string(),
    entity: z.string().nullable(),
    project: z.string(),
    /** A saved key withheld because it was entered for another address (this one), not the base URL's. */
    keyWithheldFor: z.string().nullable(),
  }),
  /** Whether saved keys are encrypted by the operating system (Electron safeStorage). */
  secretsEncrypted: z.boolean(),
  secretsStorage: z.string(),
});
export type SettingsView = z.infer<typeof settingsViewSchema>;

/** A labelled box on one page, in original image pixels. Its id survives new versions. */
export const boxSchema = z.object({
  id: z.string().min(1).max(64),
  pageId: z.string().min(1),
  label: z.string().nullable(),
  x: z.number().finite(),
  y: z.number().finite(),
  w: z.number().finite().nonnegative(),
  h: z.number().finite().nonnegative(),
  transcription: z.string().max(20_000),
  locked: z.boolean(),
  hidden: z.boolean(),
  /** The model prediction this box was accepted from, kept when the box is edited. */
  originPredictionId: z.string().nullable(),
});
export type Box = z.infer<typeof boxSchema>;

/** What a box says, without its identity or flags: where it is, its label and its text. */
export type BoxContent = Pick<Box, 'label' | 'x' | 'y' | 'w' | 'h' | 'transcription'>;

export const qaSources = ['template', 'model', 'annotator'] as const;
export const qaPairSchema = z.object({
  id: z.string().min(1).max(64),
  question: z.string().max(2_000),
  answer: z.string().max(20_000),
  unanswerable: z.boolean(),
  source: z.enum(qaSources),
  templateId: z.string().nullable(),
  originPredictionId: z.string().nullable(),
  evidenceBoxIds: z.array(z.string()).max(1_000),
});
export type QaPair = z.infer<typeof qaPairSchema>;

/** What a QA pair says, without the model prediction it was accepted from. */
export type QaContent = Omit<QaPair, 'originPredictionId'>;

export const predictionSchema = z.object({
  id: z.string(),
  kind: z.enum(['box', 'qa']),
  pageId: z.string().nullable(),
  model: z.string(),
  label: z.string().nullable(),
  x: z.number().nullable(),
  y: z.number().nullable(),
  w: z.number().nullable(),
  h: z.number().nullable(),
  transcription: z.string().nullable(),
  question: z.string().nullable(),
  answer: z.string().nullable(),
  evidence: z.array(z.string()),
  confidence: z.number().min(0).max(1),
  status: z.enum(['pending', 'accepted', 'rejected']),
});
export type Prediction = z.infer<typeof predictionSchema>;

export const annotationStatusSchema = z.enum(['draft', 'verified']);

/** One annotator's current work on one document: the newest version, draft or verified. */
export const annotationStateSchema = z.object({
  projectId: z.string(),
  documentId: z.string(),
  annotator: z.object({ id: z.string(), name: z.string() }),
  /** Null until the first save creates the first draft. */
  annotationId: z.string().nullable(),
  version: z.number().int().nonnegative(),
  status: annotationStatusSchema,
  revision: z.number().int().nonnegative(),
  boxes: z.array(boxSchema),
  qa: z.array(qaPairSchema),
  predictions: z.array(predictionSchema),
  updatedAt: z.string().nullable(),
  verifiedAt: z.string().nullable(),
});
export type AnnotationState = z.infer<typeof annotationStateSchema>;

export const verifyProblemSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('unlabelled_box'), boxId: z.string(), message: z.string() }),
  /** A label the project's label set no longer has (it was renamed or removed since). */
  z.object({ kind: z.literal('unknown_label'), boxId: z.string(), message: z.string() }),
  z.object({ kind: z.literal('unanswered_question'), qaId: z.string(), message: z.string() }),
]);
export type VerifyProblem = z.infer<typeof verifyProblemSchema>;

/**
 * What verify asks about before recording a version: nothing is wrong, but a person usually did
 * not mean it (a page with no boxes, model predictions neither accepted nor rejected). Verify
 * records the version only when the request acknowledges every warning it would give.
 */
export const verifyWarningKinds = ['no_boxes', 'undecided_predictions'] as const;
export const verifyWarningKindSchema = z.enum(verifyWarningKinds);
export type VerifyWarningKind = z.infer<typeof verifyWarningKindSchema>;
export const verifyWarningSchema = z.object({ kind: verifyWarningKindSchema, count: z.number().int().nonnegative(), message: z.string() });
export type VerifyWarning = z.infer<typeof verifyWarningSchema>;

export const verifyResultSchema = z.discriminatedUnion('result', [
  z.object({ result: z.literal('verified'), annotationId: z.string(), version: z.number().int().positive(), verifiedAt: z.string() }),
  z.object({ result: z.literal('refused'), problems: z.array(verifyProblemSchema).min(1) }),
  z.object({ result: z.literal('confirm'), warnings: z.array(verifyWarningSchema).min(1) }),
]);
export type VerifyResult = z.infer<typeof verifyResultSchema>;
