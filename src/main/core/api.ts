/**
 * The AppApi contract, implemented over the services createCore builds: one section per area,
 * each a plain mapping from a method to the service call and the events it emits.
 */
import type { AppApi, EventSink } from '../../shared/contract/methods';
import { AppError } from '../../shared/contract/errors';
import type { DocumentSummary } from '../../shared/domain/model';
import type { PlatformHooks } from './createCore';
import type { AnnotationsRepo } from './db/repos/annotations';
import type { DocumentsRepo } from './db/repos/documents';
import type { ProjectsRepo } from './db/repos/projects';
import { openDemoProject } from './demo/demoProject';
import type { AnnotationsImportService, ExportService } from './formats';
import { exportBundle, importBundle, type BundleDeps, type PullService } from './exchange';
import type { EvaluationService } from './evaluation';
import type { ImportService } from './import';
import { localOcrOptionsSchema } from '../../shared/domain/ocr';
import type { OcrJobs, OcrService, OcrStore } from './ocr';
import type { PreannotationService } from './preannotate';
import type { ReviewService } from './review/service';
import type { SettingsService } from './settings/settingsService';
import type { SyncProcessHost } from './sync/process/host';
import { checkWandbConnection } from './wandb/connection';
import { type Clock, isoNow } from './util/clock';

export interface ApiDeps {
  folioVersion: string;
  platform: PlatformHooks;
  dataDir: string;
  clock: Clock;
  emit: EventSink;
  projects: ProjectsRepo;
  documents: DocumentsRepo;
  annotations: AnnotationsRepo;
  importer: ImportService;
  settings: SettingsService;
  sync: SyncProcessHost;
  preannotation: PreannotationService;
  review: ReviewService;
  exporter: ExportService;
  annotationsImport: AnnotationsImportService;
  evaluation: EvaluationService;
  pulls: PullService;
  bundleDeps: BundleDeps;
  ocr: OcrService;
  ocrJobs: OcrJobs;
  ocrStore: OcrStore;
  /** The installation's annotator, recorded on first use: every version carries it. */
  annotator: () => { id: string; name: string };
  /** New documents a run looked at and found nothing on say so (the status alone would not). */
  withPreannotationNotes: <T extends DocumentSummary>(projectId: string, items: T[]) => T[];
}

export function createApi(deps: ApiDeps): AppApi {
  return {
    ...appApi(deps),
    ...projectsApi(deps),
    ...annotationsApi(deps),
    ...importsApi(deps),
    ...settingsApi(deps),
    ...syncApi(deps),
    ...preannotateApi(deps),
    ...reviewApi(deps),
    ...formatsApi(deps),
    ...evaluationApi(deps),
    ...exchangeApi(deps),
    ...ocrApi(deps),
  };
}

/** What the window asks first. */
function appApi({ folioVersion, settings, platform, dataDir }: ApiDeps) {
  return {
    'app.info': async () => ({
      version: folioVersion,
      platform: platform.kind,
      dataDir,
      firstStart: settings.isFirstStart(),
      capabilities: { nativeDialogs: platform.pickImportPaths !== undefined },
    }),
  } satisfies Partial<AppApi>;
}

/** Projects and their documents (a document list notes what pre-annotation found nothing on). */
function projectsApi({ projects, clock, emit, documents, importer, withPreannotationNotes, dataDir }: ApiDeps) {
  return {
    'projects.list': async () => projects.list(),
    'projects.get': async ({ projectId }) => projects.get(projectId),
    'projects.create': async (req) => {
      const project = projects.create(req, isoNow(clock));
      emit('projects.changed', { projectId: project.id });
      return project;
    },
    'projects.update': async (req) => {
      const project = projects.update(req, isoNow(clock));
      emit('projects.changed', { projectId: project.id });
      return project;
    },
    'projects.openDemo': async () => openDemoProject({ dataDir, projects, documents, importer, clock }),
    'documents.list': async (req) => {
      const list = documents.list(req);
      return { ...list, items: withPreannotationNotes(req.projectId, list.items) };
    },
    'documents.get': async ({ projectId, documentId }) => withPreannotationNotes(projectId, [documents.get(projectId, documentId)])[0]!,
    'documents.setType': async ({ projectId, documentId, docType }) => {
      const summary = documents.setType(projectId, documentId, docType, isoNow(clock));
      emit('documents.changed', { projectId });
      return withPreannotationNotes(projectId, [summary])[0]!;
    },
  } satisfies Partial<AppApi>;
}

/** One annotator's work on a document: read, autosave, verify (which enqueues the version for sync), and region OCR. */
function annotationsApi({ clock, emit, documents, annotations, annotator, sync, ocr }: ApiDeps) {
  return {
    'annotations.get': async ({ projectId, documentId }) => annotations.get(projectId, documentId, annotator()),
    'annotations.getColumns': async ({ projectId, documentId }) => annotations.getColumns(projectId, documentId, annotator()),
    'annotations.save': async (patch) => {
      const before = documents.status(patch.projectId, patch.documentId);
      const result = annotations.save(patch, annotator().id, isoNow(clock));
      // Lists only care about a document's status; autosave mostly leaves it alone.
      if (result.documentStatus !== before) emit('documents.changed', { projectId: patch.projectId });
      return result;
    },
    'annotations.verify': async ({ projectId, documentId, acknowledge }) => {
      const result = annotations.verify(projectId, documentId, annotator(), isoNow(clock), acknowledge);
      if (result.result === 'verified') {
        emit('documents.changed', { projectId });
        emit('projects.changed', { projectId });
        sync.notifyOutboxChanged();
      }
      return result;
    },
    'annotations.revertToVerified': async ({ projectId, documentId, baseRevision }) => {
      const result = annotations.revertToVerified(projectId, documentId, annotator().id, baseRevision, isoNow(clock));
      emit('documents.changed', { projectId });
      return result;
    },
    'ocr.readRegion': async (req) => ocr.readRegion(req),
  } satisfies Partial<AppApi>;
}

/** Words on pages: the background reading of a project's pages, and the words of one page. */
function ocrApi({ ocrJobs, ocrStore, documents }: ApiDeps) {
  return {
    'ocr.status': async ({ projectId }) => ocrJobs.status(projectId),
    'ocr.start': async ({ projectId }) => ocrJobs.start(projectId),
    'ocr.predict': async ({ projectId, options }) => ocrJobs.predict(projectId, localOcrOptionsSchema.parse(options ?? {})),
    'ocr.pause': async ({ projectId }) => ocrJobs.pause(projectId),
    'ocr.resume': async ({ projectId }) => ocrJobs.resume(projectId),
    'ocr.stop': async ({ projectId }) => ocrJobs.stop(projectId),
    'ocr.settings.update': async ({ projectId, onImport }) => ocrJobs.setOnImport(projectId, onImport),
    'ocr.pageWords': async ({ projectId, documentId, pageId }) => {
      documents.page(projectId, documentId, pageId); // not_found for a page outside the project
      return ocrStore.pageWords(pageId);
    },
  } satisfies Partial<AppApi>;
}

/** Importing files, from paths or the platform's file dialog. */
function importsApi({ importer, platform }: ApiDeps) {
  return {
    'import.start': async ({ projectId, paths }) => ({ jobId: importer.start(projectId, paths) }),
    'import.get': async ({ jobId }) => importer.get(jobId),
    'import.cancel': async ({ jobId }) => ({ cancelled: importer.cancel(jobId) }),
    'dialog.pickImportPaths': async () => {
      if (!platform.pickImportPaths) {
        throw new AppError('unavailable', 'This window has no file dialog: type or paste the paths of files or folders on this computer.');
      }
      return { paths: await platform.pickImportPaths() };
    },
  } satisfies Partial<AppApi>;
}

/** Settings, keys, connection checks and the one external-link door. */
function settingsApi({ settings, sync, preannotation, platform }: ApiDeps) {
  return {
    'settings.get': async () => settings.view(),
    'settings.update': async (patch) => {
      const view = settings.update(patch);
      sync.settingsChanged(); // a new W&B project or host may make waiting work sendable
      return view;
    },
    'settings.setSecret': async ({ name, value }) => {
      const view = settings.setSecret(name, value);
      sync.settingsChanged();
      return view;
    },
    'settings.testConnection': async ({ service }) => {
      const tested = service === 'anthropic' ? await preannotation.testConnection() : await checkWandbConnection(settings.wandb());
      const withheldFor = (service === 'anthropic' ? settings.anthropic() : settings.wandb()).keyWithheldFor;
      if (tested.problem !== 'no_key' || !withheldFor) return tested;
      return { ...tested, message: `The saved key was entered for ${withheldFor}; Folio does not send it to ${tested.url ?? 'another address'}. Enter it again above to use it there.` };
    },
    'shell.openExternal': async ({ url }) => {
      const parsed = new URL(url);
      const allowed = settings.externalHostAllowlist();
      if (parsed.protocol !== 'https:' || parsed.username || parsed.password || !allowed.includes(parsed.hostname)) {
        throw new AppError('forbidden', `Folio only opens https links to ${allowed.join(', ')}; refused ${parsed.protocol}//${parsed.host}`);
      }
      if (!platform.openExternal) return { opened: false };
      await platform.openExternal(parsed.toString());
      return { opened: true };
    },
  } satisfies Partial<AppApi>;
}

/** Sync to W&B: status, jobs, dead items and its settings; the work runs in the sync process. */
function syncApi({ sync }: ApiDeps) {
  return {
    'sync.status': async () => sync.status(),
    'sync.jobs': async ({ limit }) => sync.jobs(limit),
    // Sync runs in the background; its progress arrives as sync.changed events.
    'sync.now': async () => {
      void sync.syncNow().catch(() => undefined);
      return { jobs: [], status: await sync.status() };
    },
    'sync.dead.list': async ({ limit, offset }) => sync.deadItems(limit, offset),
    'sync.dead.retry': async ({ outboxIds }) => sync.retryDead(outboxIds),
    'sync.dead.discard': async ({ outboxIds }) => sync.discardDead(outboxIds),
    'sync.config.get': async () => sync.getConfig(),
    'sync.config.update': async (patch) => sync.updateConfig(patch),
  } satisfies Partial<AppApi>;
}

/** Pre-annotation runs with Claude. */
function preannotateApi({ preannotation }: ApiDeps) {
  return {
    'preannotate.models': async () => preannotation.models(),
    'preannotate.estimate': async ({ projectId, ...opts }) => preannotation.estimate(projectId, opts),
    'preannotate.start': async ({ projectId, ...opts }) => preannotation.start(projectId, opts),
    'preannotate.get': async ({ runId }) => preannotation.status(runId),
    'preannotate.list': async ({ projectId }) => preannotation.listRuns(projectId),
    'preannotate.active': async () => preannotation.activeRuns(),
    'preannotate.pause': async ({ runId }) => preannotation.pause(runId),
    'preannotate.resume': async ({ runId }) => preannotation.resume(runId),
    'preannotate.cancel': async ({ runId }) => preannotation.cancel(runId),
  } satisfies Partial<AppApi>;
}

/** Review: the queue, a document's versions side by side, gold, agreement. */
function reviewApi({ emit, review }: ApiDeps) {
  return {
    'review.queue': async (req) => review.queue(req),
    'review.document': async (req) => review.document(req),
    'review.resolve': async (req) => {
      const result = review.resolve(req);
      emit('review.changed', { projectId: req.projectId, documentId: req.documentId });
      return result;
    },
    'review.agreement': async (req) => review.agreement(req),
  } satisfies Partial<AppApi>;
}

/** Export and annotation import jobs. */
function formatsApi({ exporter, annotationsImport }: ApiDeps) {
  return {
    'export.preview': async (req) => exporter.preview(req),
    'export.start': async (req) => ({ jobId: exporter.start(req) }),
    'export.get': async ({ jobId }) => exporter.get(jobId),
    'export.cancel': async ({ jobId }) => ({ cancelled: exporter.cancel(jobId) }),
    'annotationsImport.start': async (req) => ({ jobId: annotationsImport.start(req) }),
    'annotationsImport.get': async ({ jobId }) => annotationsImport.get(jobId),
    'annotationsImport.cancel': async ({ jobId }) => ({ cancelled: annotationsImport.cancel(jobId) }),
  } satisfies Partial<AppApi>;
}

/** Evaluations of the model against gold and their schedules. */
function evaluationApi({ evaluation }: ApiDeps) {
  return {
    'evaluation.start': async (req) => evaluation.start(req),
    'evaluation.list': async ({ projectId }) => evaluation.list(projectId),
    'evaluation.get': async ({ jobId }) => evaluation.get(jobId),
    'evaluation.models': async ({ projectId }) => evaluation.models(projectId),
    'evaluation.schedule.get': async ({ projectId }) => evaluation.schedule(projectId),
    'evaluation.schedule.update': async (patch) => evaluation.updateSchedule(patch),
  } satisfies Partial<AppApi>;
}

/** Bringing annotators' work together: pulls from W&B and bundles. */
function exchangeApi({ emit, pulls, bundleDeps }: ApiDeps) {
  return {
    'exchange.pull': async ({ projectId }) => ({ jobId: pulls.start(projectId) }),
    'exchange.pulls': async ({ projectId, limit }) => pulls.list({ projectId, limit }),
    'bundle.export': async (req) => exportBundle(bundleDeps, req),
    'bundle.import': async (req) => {
      const summary = await importBundle(bundleDeps, req);
      emit('projects.changed', { projectId: summary.projectId });
      emit('documents.changed', { projectId: summary.projectId });
      return summary;
    },
  } satisfies Partial<AppApi>;
}
