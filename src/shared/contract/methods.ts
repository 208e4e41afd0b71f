import { z } from 'zod';
import { annotationColumnsStateSchema } from '../domain/boxColumns';
import {
  annotationStateSchema,
  boxSchema,
  docTypes,
  docTypeSchema,
  documentDetailSchema,
  documentStatusSchema,
  documentSummarySchema,
  hexColor,
  importJobSchema,
  labelHotkey,
  LABEL_NAME_MAX,
  qaPairSchema,
  verifyResultSchema,
  verifyWarningKindSchema,
  projectSchema,
  projectSummarySchema,
  secretNameSchema,
  settingsViewSchema,
  uiPreferencesSchema,
} from '../domain/model';
import { connectionServiceSchema, connectionTestSchema } from '../domain/connection';
import { annotationsImportJobSchema, annotationsImportRequestSchema, exportJobSchema, exportPreviewRequestSchema, exportPreviewSchema, exportRequestSchema } from '../domain/formats';
import { syncConfigPatchSchema, syncConfigSchema, syncDeadItemSchema, syncJobSchema, syncStatusSchema } from '../domain/sync';
import {
  costEstimateSchema,
  preannotationEfforts,
  preannotationEstimateRequestSchema,
  preannotationModelSchema,
  preannotationRunSchema,
  preannotationStartRequestSchema,
} from '../domain/preannotation';
import {
  reviewAgreementRequestSchema,
  reviewAgreementSchema,
  reviewDocumentRequestSchema,
  reviewDocumentSchema,
  reviewQueueRequestSchema,
  reviewQueueSchema,
  reviewResolveRequestSchema,
  reviewResolveResultSchema,
} from '../domain/review';
import {
  evaluationJobDetailSchema,
  evaluationJobSchema,
  evaluationModelSchema,
  evaluationScheduleSchema,
  evaluationScheduleUpdateSchema,
  evaluationStartRequestSchema,
} from '../domain/evaluation';
import {
  bundleExportRequestSchema,
  bundleExportSummarySchema,
  bundleImportRequestSchema,
  bundleImportSummarySchema,
  pullJobSchema,
  pullRequestSchema,
  pullsRequestSchema,
} from '../domain/exchange';
import { ocrJobSchema, ocrPredictRequestSchema, ocrProjectRequestSchema, ocrSettingsUpdateSchema, ocrStatusSchema, pageWordsRequestSchema, pageWordsSchema, regionReadingSchema, regionRequestSchema } from '../domain/ocr';
import type { EventName, MethodName } from './names';

/**
 * The typed contract: one request and one response schema per method, one payload schema per
 * event. Every transport (Electron IPC, the browser host's WebSocket, tests) validates against
 * these, and `AppApi` is derived from them so the types cannot drift from the checks.
 */

const empty = z.object({}).strict();
const projectRef = z.object({ projectId: z.string().min(1) }).strict();
const runRef = z.object({ runId: z.string().min(1) }).strict();

const labelInput = z
  .object({
    id: z.string().optional(),
    name: z.string().trim().min(1, 'a label needs a name').max(LABEL_NAME_MAX),
    color: hexColor,
    hotkey: labelHotkey.nullable().optional(),
  })
  .strict();

const questionInput = z
  .object({
    id: z.string().optional(),
    text: z.string().trim().min(1, 'a question needs text').max(500),
    required: z.boolean().optional(),
    /** The document types it is asked on; empty or omitted: every document. */
    kinds: z
      .array(docTypeSchema)
      .max(docTypes.length)
      .refine((k) => new Set(k).size === k.length, 'lists a document type twice')
      .optional(),
  })
  .strict();

/** The document list's type filter: one type, or `none` for documents whose type is not known yet. */
export const docTypeFilterSchema = z.enum([...docTypes, 'none'], { error: 'must be "invoice", "receipt", "form" or "none" (type not set)' });

const projectName = z.string().trim().min(1, 'a project needs a name').max(120);

export const appInfoSchema = z.object({
  version: z.string(),
  platform: z.enum(['electron', 'web']),
  dataDir: z.string(),
  firstStart: z.boolean(),
  capabilities: z.object({ nativeDialogs: z.boolean() }),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

export const documentListSchema = z.object({
  items: z.array(documentSummarySchema),
  total: z.number().int().nonnegative(),
  counts: z.record(documentStatusSchema, z.number().int().nonnegative()),
  /** Documents of the whole project per type (`none`: not known yet), whatever the filters. */
  typeCounts: z.record(docTypeFilterSchema, z.number().int().nonnegative()),
});
export type DocumentList = z.infer<typeof documentListSchema>;

export const methods = {
  'app.info': { request: empty, response: appInfoSchema },
  'projects.list': { request: empty, response: z.array(projectSummarySchema) },
  'projects.get': { request: projectRef, response: projectSchema },
  'projects.create': {
    request: z
      .object({ name: projectName, labels: z.array(labelInput).max(200).optional(), questions: z.array(questionInput).max(200).optional() })
      .strict(),
    response: projectSchema,
  },
  'projects.update': {
    request: z
      .object({
        projectId: z.string().min(1),
        name: projectName.optional(),
        labels: z.array(labelInput).max(200).optional(),
        questions: z.array(questionInput).max(200).optional(),
        requiredAnnotators: z.number().int().min(1, 'at least one annotator per document').max(20, 'at most 20 annotators per document').optional(),
      })
      .strict(),
    response: projectSchema,
  },
  'projects.openDemo': { request: empty, response: projectSchema },
  'documents.list': {
    request: z
      .object({
        projectId: z.string().min(1),
        status: documentStatusSchema.optional(),
        docType: docTypeFilterSchema.optional(),
        search: z.string().max(200).optional(),
        offset: z.number().int().nonnegative().optional(),
        limit: z.number().int().positive().max(1000).optional(),
      })
      .strict(),
    response: documentListSchema,
  },
  'documents.get': {
    request: z.object({ projectId: z.string().min(1), documentId: z.string().min(1) }).strict(),
    response: documentDetailSchema,
  },
  /** The annotator says what the document is (null: not known); its template questions follow. */
  'documents.setType': {
    request: z.object({ projectId: z.string().min(1), documentId: z.string().min(1), docType: docTypeSchema.nullable() }).strict(),
    response: documentSummarySchema,
  },
  'annotations.get': {
    request: z.object({ projectId: z.string().min(1), documentId: z.string().min(1) }).strict(),
    response: annotationStateSchema,
  },
  /** The same state with the boxes as columns: what the canvas opens a document with (see boxColumns.ts). */
  'annotations.getColumns': {
    request: z.object({ projectId: z.string().min(1), documentId: z.string().min(1) }).strict(),
    response: annotationColumnsStateSchema,
  },
  'annotations.save': {
    request: z
      .object({
        projectId: z.string().min(1),
        documentId: z.string().min(1),
        baseRevision: z.number().int().nonnegative(),
        upsertBoxes: z.array(boxSchema).max(50_000).optional(),
        deleteBoxIds: z.array(z.string()).max(50_000).optional(),
        upsertQa: z.array(qaPairSchema).max(5_000).optional(),
        deleteQaIds: z.array(z.string()).max(5_000).optional(),
        predictionStatus: z.array(z.object({ id: z.string(), status: z.enum(['pending', 'accepted', 'rejected']) }).strict()).max(50_000).optional(),
      })
      .strict(),
    response: z.object({
      annotationId: z.string(),
      version: z.number().int().positive(),
      status: z.literal('draft'),
      revision: z.number().int().positive(),
      documentStatus: documentStatusSchema,
    }),
  },
  'annotations.verify': {
    request: z
      .object({
        projectId: z.string().min(1),
        documentId: z.string().min(1),
        /** Warnings the person has seen and confirmed (see verifyWarningSchema). */
        acknowledge: z.array(verifyWarningKindSchema).max(10).optional(),
      })
      .strict(),
    response: verifyResultSchema,
  },
  /** Drop a draft that is exactly the verified version it was started from (an edit undone). */
  'annotations.revertToVerified': {
    request: z.object({ projectId: z.string().min(1), documentId: z.string().min(1), baseRevision: z.number().int().nonnegative() }).strict(),
    response: z.object({
      annotationId: z.string(),
      version: z.number().int().positive(),
      status: z.literal('verified'),
      revision: z.number().int().nonnegative(),
      documentStatus: documentStatusSchema,
    }),
  },
  'import.start': {
    request: z.object({ projectId: z.string().min(1), paths: z.array(z.string().min(1)).min(1, 'choose at least one file or folder').max(10_000) }).strict(),
    response: z.object({ jobId: z.string() }),
  },
  'import.get': { request: z.object({ jobId: z.string().min(1) }).strict(), response: importJobSchema },
  'import.cancel': { request: z.object({ jobId: z.string().min(1) }).strict(), response: z.object({ cancelled: z.boolean() }) },
  'dialog.pickImportPaths': { request: empty, response: z.object({ paths: z.array(z.string()) }) },
  'settings.get': { request: empty, response: settingsViewSchema },
  'settings.update': {
    request: z
      .object({
        annotatorName: z.string().trim().min(1, 'your name cannot be empty').max(80).optional(),
        ui: uiPreferencesSchema.partial().strict().optional(),
        anthropic: z.object({ baseUrl: z.url().nullable().optional() }).strict().optional(),
        preannotation: z
          .object({
            model: z.string().trim().max(100).nullable().optional(),
            effort: z.enum(preannotationEfforts).nullable().optional(),
            maxTokens: z.number().int().min(256).max(128_000).nullable().optional(),
          })
          .strict()
          .optional(),
        wandb: z
          .object({
            baseUrl: z.url().optional(),
            entity: z.string().trim().max(128).nullable().optional(),
            project: z.string().trim().min(1).max(128).optional(),
          })
          .strict()
          .optional(),
      })
      .strict(),
    response: settingsViewSchema,
  },
  'settings.setSecret': {
    request: z.object({ name: secretNameSchema, value: z.string().trim().min(1).max(4096).nullable() }).strict(),
    response: settingsViewSchema,
  },
  // One real request with the saved key and URL; a failure names what failed (no key, 401, DNS, TLS, …).
  'settings.testConnection': { request: z.object({ service: connectionServiceSchema }).strict(), response: connectionTestSchema },
  'shell.openExternal': { request: z.object({ url: z.url() }).strict(), response: z.object({ opened: z.boolean() }) },
  'sync.status': { request: empty, response: syncStatusSchema },
  'sync.jobs': { request: z.object({ limit: z.number().int().positive().max(500).optional() }).strict(), response: z.array(syncJobSchema) },
  'sync.now': { request: empty, response: z.object({ jobs: z.array(syncJobSchema), status: syncStatusSchema }) },
  'sync.dead.list': {
    request: z.object({ limit: z.number().int().positive().max(1000).optional(), offset: z.number().int().nonnegative().optional() }).strict(),
    response: z.array(syncDeadItemSchema),
  },
  'sync.dead.retry': { request: z.object({ outboxIds: z.array(z.string()).max(10_000).optional() }).strict(), response: z.object({ retried: z.number().int() }) },
  'sync.dead.discard': { request: z.object({ outboxIds: z.array(z.string()).max(10_000).optional() }).strict(), response: z.object({ discarded: z.number().int() }) },
  'sync.config.get': { request: empty, response: syncConfigSchema },
  'sync.config.update': { request: syncConfigPatchSchema, response: syncConfigSchema },
  'preannotate.models': { request: empty, response: z.array(preannotationModelSchema) },
  'preannotate.estimate': { request: preannotationEstimateRequestSchema, response: costEstimateSchema },
  // A run executes in the background; its progress arrives as preannotate.progress events.
  'preannotate.start': { request: preannotationStartRequestSchema, response: preannotationRunSchema },
  'preannotate.get': { request: runRef, response: preannotationRunSchema },
  'preannotate.list': { request: projectRef, response: z.array(preannotationRunSchema) },
  // Every project's unfinished runs (running, paused or stopped), for the project list.
  'preannotate.active': { request: empty, response: z.array(preannotationRunSchema) },
  'preannotate.pause': { request: runRef, response: preannotationRunSchema },
  'preannotate.resume': { request: runRef, response: preannotationRunSchema },
  'preannotate.cancel': { request: runRef, response: preannotationRunSchema },
  // What an export with these choices would write (documents, from gold or verified), without writing.
  'export.preview': { request: exportPreviewRequestSchema, response: exportPreviewSchema },
  'export.start': { request: exportRequestSchema, response: z.object({ jobId: z.string() }) },
  'export.get': { request: z.object({ jobId: z.string().min(1) }).strict(), response: exportJobSchema },
  'export.cancel': { request: z.object({ jobId: z.string().min(1) }).strict(), response: z.object({ cancelled: z.boolean() }) },
  'annotationsImport.start': { request: annotationsImportRequestSchema, response: z.object({ jobId: z.string() }) },
  'annotationsImport.get': { request: z.object({ jobId: z.string().min(1) }).strict(), response: annotationsImportJobSchema },
  'annotationsImport.cancel': { request: z.object({ jobId: z.string().min(1) }).strict(), response: z.object({ cancelled: z.boolean() }) },
  'review.queue': { request: reviewQueueRequestSchema, response: reviewQueueSchema },
  'review.document': { request: reviewDocumentRequestSchema, response: reviewDocumentSchema },
  // Writes the next gold version (immutable, with lineage) and puts it in the outbox.
  'review.resolve': { request: reviewResolveRequestSchema, response: reviewResolveResultSchema },
  'review.agreement': { request: reviewAgreementRequestSchema, response: reviewAgreementSchema },
  // An evaluation runs in the background; evaluation.progress and evaluation.finished carry its state.
  'evaluation.start': { request: evaluationStartRequestSchema, response: evaluationJobSchema },
  'evaluation.list': { request: projectRef, response: z.array(evaluationJobSchema) },
  'evaluation.get': { request: z.object({ jobId: z.string().min(1) }).strict(), response: evaluationJobDetailSchema },
  'evaluation.models': { request: projectRef, response: z.array(evaluationModelSchema) },
  'evaluation.schedule.get': { request: projectRef, response: evaluationScheduleSchema },
  'evaluation.schedule.update': { request: evaluationScheduleUpdateSchema, response: evaluationScheduleSchema },
  // A pull runs in the background; its progress arrives as exchange.progress / exchange.finished.
  'exchange.pull': { request: pullRequestSchema, response: z.object({ jobId: z.string() }) },
  'exchange.pulls': { request: pullsRequestSchema, response: z.array(pullJobSchema) },
  'bundle.export': { request: bundleExportRequestSchema, response: bundleExportSummarySchema },
  'bundle.import': { request: bundleImportRequestSchema, response: bundleImportSummarySchema },
  // Reads the text inside a region of a page on this computer (tesseract), with the ink's bounding box.
  'ocr.readRegion': { request: regionRequestSchema, response: regionReadingSchema },
  // Page OCR: words on every page, read in the background; progress arrives as ocr.progress / ocr.finished.
  'ocr.status': { request: ocrProjectRequestSchema, response: ocrStatusSchema },
  'ocr.start': { request: ocrProjectRequestSchema, response: ocrJobSchema },
  // Local OCR as a pre-annotation source: reads what is unread, then boxes with text become predictions.
  'ocr.predict': { request: ocrPredictRequestSchema, response: ocrJobSchema },
  'ocr.pause': { request: ocrProjectRequestSchema, response: ocrStatusSchema },
  'ocr.resume': { request: ocrProjectRequestSchema, response: ocrStatusSchema },
  'ocr.stop': { request: ocrProjectRequestSchema, response: ocrStatusSchema },
  'ocr.settings.update': { request: ocrSettingsUpdateSchema, response: ocrStatusSchema },
  // The words read on a page (null: not read yet).
  'ocr.pageWords': { request: pageWordsRequestSchema, response: pageWordsSchema.nullable() },
} as const satisfies Record<MethodName, { request: z.ZodType; response: z.ZodType }>;

export const events = {
  'import.progress': importJobSchema,
  'import.finished': importJobSchema,
  'projects.changed': z.object({ projectId: z.string().nullable() }),
  'documents.changed': projectRef,
  'sync.changed': syncStatusSchema,
  'preannotate.progress': preannotationRunSchema,
  'preannotate.finished': preannotationRunSchema,
  'export.progress': exportJobSchema,
  'export.finished': exportJobSchema,
  'annotationsImport.progress': annotationsImportJobSchema,
  'annotationsImport.finished': annotationsImportJobSchema,
  /** Gold was written (or work was brought in) for a document: review views refresh. */
  'review.changed': z.object({ projectId: z.string(), documentId: z.string().nullable() }),
  'evaluation.progress': evaluationJobSchema,
  'evaluation.finished': evaluationJobSchema,
  'exchange.progress': pullJobSchema,
  'exchange.finished': pullJobSchema,
  'ocr.progress': ocrJobSchema,
  'ocr.finished': ocrJobSchema,
} as const satisfies Record<EventName, z.ZodType>;

export type RequestOf<M extends MethodName> = z.input<(typeof methods)[M]['request']>;
export type ResponseOf<M extends MethodName> = z.output<(typeof methods)[M]['response']>;
export type EventPayload<E extends EventName> = z.output<(typeof events)[E]>;

/** The one interface the renderer, the CLI and tests talk to, whatever carries the calls. */
export type AppApi = { [M in MethodName]: (request: RequestOf<M>) => Promise<ResponseOf<M>> };

export type EventListener<E extends EventName> = (payload: EventPayload<E>) => void;
export interface AppEvents {
  on<E extends EventName>(event: E, listener: EventListener<E>): () => void;
}

/** Emitted by services; each transport forwards to its clients. */
export type EventSink = <E extends EventName>(event: E, payload: EventPayload<E>) => void;
