import { join } from 'node:path';
import type { AppApi, EventSink } from '../../shared/contract/methods';
import { createApi } from './api';
import type { DocumentSummary } from '../../shared/domain/model';
import { openDatabase, type Db } from './db/open';
import { ensurePrivateFolder, makeOwnerOnly } from './util/privateFiles';
import { decideVerify } from './annotations/verifyRules';
import { AnnotationsRepo } from './db/repos/annotations';
import { DocumentsRepo } from './db/repos/documents';
import { JobsRepo } from './db/repos/jobs';
import { ProjectsRepo } from './db/repos/projects';
import { ANNOTATIONS_IMPORT_JOB_KIND, AnnotationsImportService, EXPORT_JOB_KIND, ExportService } from './formats';
import { PULL_JOB_KIND, PullService, type BundleDeps } from './exchange';
import { ImportService } from './import/importer';
import type { WorkerEntry } from './import/pdf';
import { ImportUploads, type UploadLimits } from './import/uploads';
import { MediaStore } from './media/mediaStore';
import { OcrJobs, OcrService, OcrStore, PageReader } from './ocr';
import { SettingsService } from './settings/settingsService';
import { createPreannotationService, type PreannotationService } from './preannotate';
import { ReviewService } from './review/service';
import { ReviewWorkerHost } from './review/worker/host';
import { EvaluationService } from './evaluation';
import { createSyncService } from './sync/forCore';
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
  ocr?: {
    langPath?: string;
    /** false: page reading starts only when asked (command line, tests), not after imports or at start. */
    background?: boolean;
  };
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
  /** Reads every page's words in the background (its own tesseract worker, started per run). */
  ocrJobs: OcrJobs;
  ocrStore: OcrStore;
  /** Subscribe to every event the services emit (transports forward them). */
  subscribe(sink: EventSink): () => void;
  close(): Promise<void>;
}

export const databaseFile = (dataDir: string): string => join(dataDir, 'folio.db');

/**
 * The composition root: opens the database, recovers what a crash interrupted, and wires the
 * services behind the `AppApi` contract. Plain Node — the Electron shell, the browser host, the
 * CLI and the tests all start Folio through here. It is long because it is a list: each service is
 * built once, in the order their dependencies need, and handed to the API; splitting it would
 * scatter that order.
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
    onFinished: (job) => ocrJobs.afterImport(job.projectId),
  });

  const uploads = new ImportUploads({ dataDir: opts.dataDir, importer, projects, ...(opts.uploadLimits ? { limits: opts.uploadLimits } : {}) });
  await recoverInterrupted({ jobs, documents, media, uploads, now: isoNow(clock) });

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
  // Pages whose words have been read are pre-annotated grounded on them.
  const ocrStore = new OcrStore(db);
  const preannotation = createPreannotationService({
    db: poolDb,
    dataDir: opts.dataDir,
    media,
    projects,
    settings,
    clock,
    emit,
    pageWords: (pageId) => ocrStore.pageWords(pageId),
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
  const evaluation = new EvaluationService({ db, projects, settings, folioVersion: FOLIO_VERSION, clock, emit });
  if (opts.evaluation?.schedule !== false) evaluation.startScheduler();
  const annotationsImport = new AnnotationsImportService({ db, projects, documents, annotations, jobs, clock, emit, onVerified: () => sync.notifyOutboxChanged() });
  const pulls = new PullService({ db, projects, documents, media, jobs, settings, clock, emit });
  const bundleDeps: BundleDeps = { db, projects, documents, media, clock, folioVersion: FOLIO_VERSION };
  // FOLIO_OCR=off: pages are read only when asked (a slow machine, a test that does not read pages).
  const readsInBackground = opts.ocr?.background ?? (opts.env ?? process.env).FOLIO_OCR !== 'off';
  const tesseract = opts.ocr?.langPath ? { tesseract: { langPath: opts.ocr.langPath } } : {};
  const ocr = new OcrService({ documents, media, ...tesseract });
  // Words are derived data (a page can be read again), so like imports they commit without a flush each.
  const ocrJobs = new OcrJobs({
    store: new OcrStore(bulkDb),
    reader: new PageReader(media, tesseract.tesseract),
    projects,
    documents,
    jobs,
    clock,
    emit,
    background: readsInBackground,
  });
  if (readsInBackground) ocrJobs.resumeAtStart(isoNow(clock));
  else ocrJobs.markInterrupted(isoNow(clock));

  const api = createApi({
    folioVersion: FOLIO_VERSION,
    platform: opts.platform,
    dataDir: opts.dataDir,
    clock,
    emit,
    projects,
    documents,
    annotations,
    importer,
    settings,
    sync,
    preannotation,
    review,
    exporter,
    annotationsImport,
    evaluation,
    pulls,
    bundleDeps,
    ocr,
    ocrJobs,
    ocrStore,
    annotator,
    withPreannotationNotes,
  });

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
    ocrJobs,
    ocrStore,
    subscribe(sink) {
      sinks.add(sink);
      return () => sinks.delete(sink);
    },
    close: () => closeAll({ importer, exporter, annotationsImport, pulls, ocr, ocrJobs, uploads, evaluation, reviewWorker, sync, preannotation, connections: [poolDb, bulkDb, db], sinks }),
  };
}

/** What a crash interrupted, settled before anything new starts. */
async function recoverInterrupted(r: { jobs: JobsRepo; documents: DocumentsRepo; media: MediaStore; uploads: ImportUploads; now: string }): Promise<void> {
  // Imports that were running when the process died are marked failed (each file was
  // all-or-nothing), and media they wrote but never recorded is removed.
  r.jobs.failInterrupted('import', r.now);
  // An interrupted export left only its staging folder; an interrupted annotation import kept the
  // documents it had finished (each one is one transaction).
  r.jobs.failInterrupted(EXPORT_JOB_KIND, r.now);
  r.jobs.failInterrupted(ANNOTATIONS_IMPORT_JOB_KIND, r.now);
  // An interrupted pull kept every version it had applied (one transaction each); the next pull
  // re-reads the partitions it had not finished.
  r.jobs.failInterrupted(PULL_JOB_KIND, r.now);
  // Files a browser was uploading when its Folio stopped are of no use to anyone now.
  await r.uploads.recover();
  // Older versions marked pages the model found nothing on as pre-annotated: they are new.
  r.documents.settlePredictionStatuses();
  const knownDocuments = r.documents.allDocumentIds();
  await r.media.collectGarbage((id) => knownDocuments.has(id));
}

/** Stop every service, then close the connections (the main one last). */
async function closeAll(c: {
  importer: ImportService;
  exporter: ExportService;
  annotationsImport: AnnotationsImportService;
  pulls: PullService;
  ocr: OcrService;
  ocrJobs: OcrJobs;
  uploads: ImportUploads;
  evaluation: EvaluationService;
  reviewWorker: ReviewWorkerHost | null;
  sync: SyncProcessHost;
  preannotation: PreannotationService;
  connections: Db[];
  sinks: Set<EventSink>;
}): Promise<void> {
  c.importer.cancelAll();
  c.exporter.cancelAll();
  c.annotationsImport.cancelAll();
  c.pulls.cancelAll();
  await Promise.all([c.importer.close(), c.exporter.idle(), c.annotationsImport.idle(), c.pulls.idle(), c.ocr.close(), c.ocrJobs.close()]);
  await c.uploads.close();
  await c.evaluation.close();
  await c.reviewWorker?.close();
  await c.sync.stop();
  await c.preannotation.close();
  c.sinks.clear();
  for (const db of c.connections) db.close();
}
