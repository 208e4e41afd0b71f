import { join } from 'node:path';
import type { AppApi, EventSink } from '../../shared/contract/methods';
import { AppError } from '../../shared/contract/errors';
import type { DocumentSummary } from '../../shared/domain/model';
import { openDatabase, type Db } from './db/open';
import { ensurePrivateFolder, makeOwnerOnly } from './util/privateFiles';
import { decideVerify } from './annotations/verifyRules';
import { AnnotationsRepo } from './db/repos/annotations';
import { DocumentsRepo } from './db/repos/documents';
import { JobsRepo } from './db/repos/jobs';
import { ProjectsRepo } from './db/repos/projects';
import { openDemoProject } from './demo/demoProject';
import { ANNOTATIONS_IMPORT_JOB_KIND, AnnotationsImportService, EXPORT_JOB_KIND, ExportService } from './formats';
import { exportBundle, importBundle, PULL_JOB_KIND, PullService, type BundleDeps } from './exchange';
import { ImportService } from './import/importer';
import type { WorkerEntry } from './import/pdf';
import { ImportUploads, type UploadLimits } from './import/uploads';
import { MediaStore } from './media/mediaStore';
import { OcrService } from './ocr';
import { SettingsService } from './settings/settingsService';
import { createPreannotationService, type PreannotationService } from './preannotate';
import { ReviewService } from './review/service';
import { ReviewWorkerHost } from './review/worker/host';
import { EvaluationService } from './evaluation';
import { createSyncService } from './sync/forCore';
import { checkWandbConnection } from './wandb/connection';
import type { SyncProcessHost } from './sync/process/host';
import type { SyncProcessLauncher } from './sync/process/launch';
import type { SyncProcessEngineOptions } from './sync/process/messages';
import type { SecretStore, SettingsStore } from './settings/types';
import { type Clock, isoNow, systemClock } from './util/clock';

export const FOLIO_VERSION = '0.1.0';

/** What differs between the desktop shell, the browser host and the CLI. */
export interface PlatformHooks {
  kind: 'electron' | 'web';
  /** Native file/folder picker; absent where there is none (a browser). */
  pickImportPaths?: () => Promise<string[]>;
  /** Open an https URL in the user's browser; the core checks the allowlist first. */
  openExternal?: (url: string) => Promise<void>;
}

export interface CoreOptions {
  dataDir: string;
  settingsStore: SettingsStore;
  secretStore: SecretStore;
  platform: PlatformHooks;
  clock?: Clock;
  env?: Record<string, string | undefined>;
  nativeBinding?: string | undefined;
  importConcurrency?: number;
  /** How the import's PDF worker threads start: Electron's bundled out/main/pdfWorker.js; by default the TypeScript entry through tsx. */
  pdfWorker?: WorkerEntry;
  /** Smaller caps for what a browser may upload for an import (tests); default: the import limits. */
  uploadLimits?: Partial<UploadLimits>;
  /**
   * The CLI and tests start sync themselves (or never); the app starts it with the core.
   * `launch`: how the sync process starts (Electron: a utility process running the bundled
   * out/main/syncProcess.js; by default child_process.fork of the TypeScript entry through tsx).
   * `priority`: 'background' (default) or 'normal' (benchmarks compare the two). `measureEventLoop`:
   * the sync process keeps its event-loop delay for core.sync.eventLoopDelay() (benchmarks).
   */
  sync?: { autoStart?: boolean; launch?: SyncProcessLauncher; priority?: 'background' | 'normal'; measureEventLoop?: boolean; engine?: SyncProcessEngineOptions };
  /**
   * The app continues pre-annotation runs that were executing when it stopped; the CLI and tests
   * do that themselves (a `folio status` must not start sending pages to Claude).
   * `timeScale` shortens simulated time (tests against the Claude simulator only).
   */
  preannotation?: { resumeInterrupted?: boolean; timeScale?: number };
  /** The app runs the weekly evaluation schedules; the CLI turns that off (`schedule: false`). */
  evaluation?: { schedule?: boolean };
  /**
   * Whole-project review analyses (queue, agreement) run on a worker thread with its own read-only
   * connection. `workerFile`: Electron's bundled out/main/reviewWorker.js; by default the TypeScript
   * entry through tsx. `inProcess`: on the core's own thread instead (benchmarks compare the two).
   */
  review?: { workerFile?: string; inProcess?: boolean };
  /** Where the text reader's language data is (tests point it elsewhere to see the error). */
  ocr?: { langPath?: string };
}

export interface Core {
  api: AppApi;
  db: Db;
  dataDir: string;
  media: MediaStore;
  projects: ProjectsRepo;
  documents: DocumentsRepo;
  annotations: AnnotationsRepo;
  importer: ImportService;
  /** Files a browser uploads for an import (the browser host's drops and file choosers). */
  uploads: ImportUploads;
  exporter: ExportService;
  annotationsImport: AnnotationsImportService;
  /** Pulls of annotators' work from the W&B dataset (bundles need no service: bundleDeps). */
  pulls: PullService;
  bundleDeps: BundleDeps;
  settings: SettingsService;
  /** The sync engine, running in its own background process. */
  sync: SyncProcessHost;
  preannotation: PreannotationService;
  review: ReviewService;
  evaluation: EvaluationService;
  /** Reads drawn regions with tesseract (its worker starts on the first read). */
  ocr: OcrService;
  /** Subscribe to every event the services emit (transports forward them). */
  subscribe(sink: EventSink): () => void;
  close(): Promise<void>;
}

export const databaseFile = (dataDir: string): string => join(dataDir, 'folio.db');

/**
 * The composition root: opens the database, recovers what a crash interrupted, and wires the
 * services behind the `AppApi` contract. Plain Node — the Electron shell, the browser host, the
 * CLI and the tests all start Folio through here.
 */
export async function createCore(opts: CoreOptions): Promise<Core> {
  const clock = opts.clock ?? systemClock;
  ensurePrivateFolder(opts.dataDir);
  const db = openDatabase(databaseFile(opts.dataDir), { nativeBinding: opts.nativeBinding });
  makeOwnerOnly(databaseFile(opts.dataDir));
  // Imports write through their own connection without a per-commit fsync (see OpenDatabaseOptions).
  const bulkDb = openDatabase(databaseFile(opts.dataDir), { nativeBinding: opts.nativeBinding, synchronous: 'NORMAL', skipMigrations: true });
  const sinks = new Set<EventSink>();
  const emit: EventSink = (event, payload) => {
    for (const sink of sinks) sink(event, payload);
  };

  const media = new MediaStore(opts.dataDir);
  const projects = new ProjectsRepo(db);
  const documents = new DocumentsRepo(db);
  const jobs = new JobsRepo(db);
  const annotations = new AnnotationsRepo(db, decideVerify);
  /** Every version carries the installation's annotator identity. */
  const annotator = () => {
    const { id, name } = settings.annotator();
    const who = { id, name: name ?? 'Unnamed annotator' };
    annotations.ensureAnnotator(who.id, who.name, isoNow(clock));
    return who;
  };
  const settings = new SettingsService(opts.settingsStore, opts.secretStore, opts.env ?? process.env);
  const importer = new ImportService({
    documents: new DocumentsRepo(bulkDb),
    projects,
    jobs: new JobsRepo(bulkDb),
    media,
    clock,
    emit,
    ...(opts.importConcurrency ? { concurrency: opts.importConcurrency } : {}),
    pdfWorker: opts.pdfWorker,
  });

  // Recovery: imports that were running when the process died are marked failed (each file was
  // all-or-nothing), and media they wrote but never recorded is removed.
  jobs.failInterrupted('import', isoNow(clock));
  // An interrupted export left only its staging folder; an interrupted annotation import kept the
  // documents it had finished (each one is one transaction).
  jobs.failInterrupted(EXPORT_JOB_KIND, isoNow(clock));
  jobs.failInterrupted(ANNOTATIONS_IMPORT_JOB_KIND, isoNow(clock));
  // An interrupted pull kept every version it had applied (one transaction each); the next pull
  // re-reads the partitions it had not finished.
  jobs.failInterrupted(PULL_JOB_KIND, isoNow(clock));
  // Files a browser was uploading when its Folio stopped are of no use to anyone now.
  const uploads = new ImportUploads({ dataDir: opts.dataDir, importer, projects, ...(opts.uploadLimits ? { limits: opts.uploadLimits } : {}) });
  await uploads.recover();
  // Older versions marked pages the model found nothing on as pre-annotated: they are new.
  documents.settlePredictionStatuses();
  const knownDocuments = documents.allDocumentIds();
  await media.collectGarbage((id) => knownDocuments.has(id));

  // Background sync of the outbox to W&B, in its own process and connection (it recovers
  // in-flight rows itself when it starts). A failure to start shows in its status.
  const sync = createSyncService({
    db,
    dataDir: opts.dataDir,
    settings,
    folioVersion: FOLIO_VERSION,
    nativeBinding: opts.nativeBinding,
    onChange: (status) => emit('sync.changed', status),
    ...(opts.sync?.launch ? { launch: opts.sync.launch } : {}),
    ...(opts.sync?.priority ? { priority: opts.sync.priority } : {}),
    ...(opts.sync?.measureEventLoop ? { measureEventLoop: true } : {}),
    ...(opts.sync?.engine ? { engine: opts.sync.engine } : {}),
  });
  if (opts.sync?.autoStart !== false) void sync.start().catch(() => undefined);

  // Pre-annotation writes through its own connection: predictions can be re-derived, so the pool's
  // many small commits need not wait for a disk flush each (like imports).
  const poolDb = openDatabase(databaseFile(opts.dataDir), { nativeBinding: opts.nativeBinding, synchronous: 'NORMAL', skipMigrations: true });
  const preannotation = createPreannotationService({
    db: poolDb,
    dataDir: opts.dataDir,
    media,
    projects,
    settings,
    clock,
    emit,
    ...(opts.preannotation?.timeScale ? { timeScale: opts.preannotation.timeScale } : {}),
  });
  if (opts.preannotation?.resumeInterrupted !== false) preannotation.resumeInterrupted();
  /** New documents a run looked at and found nothing on say so (the status alone would not). */
  const withPreannotationNotes = <T extends DocumentSummary>(projectId: string, items: T[]): T[] => {
    const found = preannotation.foundNothing(
      projectId,
      items.filter((d) => d.status === 'new').map((d) => d.id),
    );
    return found.size ? items.map((d) => ({ ...d, nothingFound: found.get(d.id) ?? null })) : items;
  };
  const exporter = new ExportService({ db, projects, jobs, media, clock, emit });
  const reviewWorker = opts.review?.inProcess ? null : new ReviewWorkerHost({ dbFile: db.name, nativeBinding: opts.nativeBinding, workerFile: opts.review?.workerFile });
  const review = new ReviewService({
    db,
    projects,
    clock,
    lead: () => annotator(),
    onGold: () => sync.notifyOutboxChanged(),
    ...(reviewWorker ? { analyse: (project, model) => reviewWorker.analyse(project, model) } : {}),
  });
  // Model evaluation against gold/verified versions, logged to W&B; weekly schedules run in the app.
  const evaluation = new EvaluationService({ db, projects, settings, folioVersion: FOLIO_VERSION, clock, emit: (event, payload) => emit(event, payload) });
  if (opts.evaluation?.schedule !== false) evaluation.startScheduler();
  const annotationsImport = new AnnotationsImportService({ db, projects, documents, annotations, jobs, clock, emit, onVerified: () => sync.notifyOutboxChanged() });
  const pulls = new PullService({ db, projects, documents, media, jobs, settings, clock, emit });
  const bundleDeps: BundleDeps = { db, projects, documents, media, clock, folioVersion: FOLIO_VERSION };
  const ocr = new OcrService({ documents, media, ...(opts.ocr?.langPath ? { tesseract: { langPath: opts.ocr.langPath } } : {}) });

  const api: AppApi = {
    'app.info': async () => ({
      version: FOLIO_VERSION,
      platform: opts.platform.kind,
      dataDir: opts.dataDir,
      firstStart: settings.isFirstStart(),
      capabilities: { nativeDialogs: opts.platform.pickImportPaths !== undefined },
    }),
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
    'projects.openDemo': async () => openDemoProject({ dataDir: opts.dataDir, projects, documents, importer, clock }),
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
    'import.start': async ({ projectId, paths }) => ({ jobId: importer.start(projectId, paths) }),
    'import.get': async ({ jobId }) => importer.get(jobId),
    'import.cancel': async ({ jobId }) => ({ cancelled: importer.cancel(jobId) }),
    'dialog.pickImportPaths': async () => {
      if (!opts.platform.pickImportPaths) {
        throw new AppError('unavailable', 'This window has no file dialog: type or paste the paths of files or folders on this computer.');
      }
      return { paths: await opts.platform.pickImportPaths() };
    },
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
      if (!opts.platform.openExternal) return { opened: false };
      await opts.platform.openExternal(parsed.toString());
      return { opened: true };
    },
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
    'preannotate.models': async () => preannotation.models(),
    'preannotate.estimate': async ({ projectId, ...opts }) => preannotation.estimate(projectId, opts),
    'preannotate.start': async ({ projectId, ...opts }) => preannotation.start(projectId, opts),
    'preannotate.get': async ({ runId }) => preannotation.status(runId),
    'preannotate.list': async ({ projectId }) => preannotation.listRuns(projectId),
    'preannotate.active': async () => preannotation.activeRuns(),
    'preannotate.pause': async ({ runId }) => preannotation.pause(runId),
    'preannotate.resume': async ({ runId }) => preannotation.resume(runId),
    'preannotate.cancel': async ({ runId }) => preannotation.cancel(runId),
    'review.queue': async (req) => review.queue(req),
    'review.document': async (req) => review.document(req),
    'review.resolve': async (req) => {
      const result = review.resolve(req);
      emit('review.changed', { projectId: req.projectId, documentId: req.documentId });
      return result;
    },
    'review.agreement': async (req) => review.agreement(req),
    'export.preview': async (req) => exporter.preview(req),
    'export.start': async (req) => ({ jobId: exporter.start(req) }),
    'export.get': async ({ jobId }) => exporter.get(jobId),
    'export.cancel': async ({ jobId }) => ({ cancelled: exporter.cancel(jobId) }),
    'annotationsImport.start': async (req) => ({ jobId: annotationsImport.start(req) }),
    'annotationsImport.get': async ({ jobId }) => annotationsImport.get(jobId),
    'annotationsImport.cancel': async ({ jobId }) => ({ cancelled: annotationsImport.cancel(jobId) }),
    'evaluation.start': async (req) => evaluation.start(req),
    'evaluation.list': async ({ projectId }) => evaluation.list(projectId),
    'evaluation.get': async ({ jobId }) => evaluation.get(jobId),
    'evaluation.models': async ({ projectId }) => evaluation.models(projectId),
    'evaluation.schedule.get': async ({ projectId }) => evaluation.schedule(projectId),
    'evaluation.schedule.update': async (patch) => evaluation.updateSchedule(patch),
    'exchange.pull': async ({ projectId }) => ({ jobId: pulls.start(projectId) }),
    'exchange.pulls': async ({ projectId, limit }) => pulls.list({ projectId, limit }),
    'bundle.export': async (req) => exportBundle(bundleDeps, req),
    'bundle.import': async (req) => {
      const summary = await importBundle(bundleDeps, req);
      emit('projects.changed', { projectId: summary.projectId });
      emit('documents.changed', { projectId: summary.projectId });
      return summary;
    },
    'ocr.readRegion': async (req) => ocr.readRegion(req),
  };

  return {
    api,
    db,
    dataDir: opts.dataDir,
    media,
    projects,
    documents,
    annotations,
    importer,
    uploads,
    exporter,
    annotationsImport,
    pulls,
    bundleDeps,
    settings,
    sync,
    preannotation,
    review,
    evaluation,
    ocr,
    subscribe(sink) {
      sinks.add(sink);
      return () => sinks.delete(sink);
    },
    async close() {
      importer.cancelAll();
      exporter.cancelAll();
      annotationsImport.cancelAll();
      pulls.cancelAll();
      await Promise.all([importer.close(), exporter.idle(), annotationsImport.idle(), pulls.idle(), ocr.close()]);
      await uploads.close();
      await evaluation.close();
      await reviewWorker?.close();
      await sync.stop();
      await preannotation.close();
      sinks.clear();
      poolDb.close();
      bulkDb.close();
      db.close();
    },
  };
}
