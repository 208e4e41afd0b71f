import { AppError } from '../../../shared/contract/errors';
import type { EventSink } from '../../../shared/contract/methods';
import type { LocalOcrOptions, OcrFailure, OcrJob, OcrStatus } from '../../../shared/domain/ocr';
import type { DocumentsRepo } from '../db/repos/documents';
import type { JobsRepo } from '../db/repos/jobs';
import type { ProjectsRepo } from '../db/repos/projects';
import { JobFamily, remainingMs } from '../jobs/jobFamily';
import { type Clock, isoNow } from '../util/clock';
import { newId } from '../util/ids';
import type { PageReader } from './pageReader';
import { LOCAL_OCR_MODEL, localOcrPredictions } from './predict';
import type { OcrStore, UnreadPage } from './store';

export const OCR_JOB_KIND = 'ocr';
/** Failures listed on a job (the count is exact). */
const MAX_LISTED = 50;
/** How a run that Folio's closing (or a crash) stopped ends: the next start goes on with it. */
const INTERRUPTED = 'interrupted: Folio stopped while this run read pages; it goes on when Folio starts';

export interface OcrJobsDeps {
  store: OcrStore;
  reader: PageReader;
  projects: ProjectsRepo;
  documents: DocumentsRepo;
  jobs: JobsRepo;
  clock: Clock;
  emit: EventSink;
  /** Whether reading starts by itself (after imports, at start); a command line starts it only when asked. */
  background: boolean;
}

const snapshot = (j: OcrJob): OcrJob => ({ ...j, failures: [...j.failures] });

const newJob = (jobId: string, projectId: string, state: OcrJob['state'], startedAt: string): OcrJob => ({
  jobId,
  projectId,
  state,
  paused: false,
  pagesTotal: 0,
  pagesDone: 0,
  pagesFailed: 0,
  wordsFound: 0,
  prediction: null,
  documentsPredicted: 0,
  predictionsMade: 0,
  failures: [],
  etaMs: null,
  startedAt,
  finishedAt: null,
  error: null,
});

/**
 * Reading the words on a project's pages in the background, one page at a time on the page
 * reader's worker thread. A project has at most one run; a run reads every page without words,
 * then looks again (documents imported meanwhile join it). Each page's words are saved as the page
 * is read, so a run stopped by a pause, a cancel or a crash loses at most the page in hand, and
 * the next run starts where it stopped. Pausing is remembered (imports do not start a paused
 * project's reading); a run a crash interrupted starts again when Folio does.
 */
export class OcrJobs extends JobFamily<OcrJob> {
  private readonly pausing = new Set<string>();
  private closing = false;

  constructor(private readonly deps: OcrJobsDeps) {
    super({
      kind: OCR_JOB_KIND,
      noun: 'OCR run',
      jobs: deps.jobs,
      clock: deps.clock,
      snapshot,
      initial: (row) => newJob(row.id, row.project_id ?? '', row.state, row.started_at ?? row.created_at),
      fromRow: (row) => ({ finishedAt: row.finished_at }),
      emitProgress: (s) => deps.emit('ocr.progress', s),
      beforePublish: (job, elapsedMs) => {
        job.etaMs = remainingMs(job.pagesDone, job.pagesTotal, elapsedMs);
      },
      settle: (job, now) => {
        job.finishedAt = now;
        job.etaMs = null;
      },
    });
  }

  /** Start reading the project's unread pages (the running run when there is one). */
  start(projectId: string): OcrJob {
    return this.running(projectId) ?? this.launchRun(projectId, null);
  }

  private launchRun(projectId: string, prediction: LocalOcrOptions | null): OcrJob {
    this.deps.projects.get(projectId); // not_found now, not in the background
    const now = isoNow(this.deps.clock);
    const jobId = this.launch({
      job: { ...newJob(newId(), projectId, 'running', now), prediction },
      projectId,
      params: { projectId, prediction },
      createdAt: now,
      body: (job, signal, publish) => this.execute(job, signal, publish).finally(() => this.deps.reader.release()),
      finished: (result) => {
        this.pausing.delete(result.jobId);
        this.deps.emit('ocr.finished', result);
        if (result.pagesDone > result.pagesFailed || result.documentsPredicted > 0) this.deps.emit('documents.changed', { projectId });
      },
    });
    return this.get(jobId);
  }

  /**
   * Local OCR pre-annotation: read what is unread, then the words of the documents in scope become
   * pending box predictions. Joins the project's running run when there is one.
   */
  predict(projectId: string, options: LocalOcrOptions): OcrJob {
    const running = this.running(projectId);
    const live = running ? this.live(running.jobId) : undefined;
    if (!live) return this.launchRun(projectId, options);
    live.prediction = options;
    return snapshot(live);
  }

  /** Run to the end, predicting too when asked (CLI, tests); `onProgress` sees the same snapshots as the events. */
  run(projectId: string, prediction: LocalOcrOptions | null = null, onProgress?: (job: OcrJob) => void): Promise<OcrJob> {
    const job = prediction ? this.predict(projectId, prediction) : this.start(projectId);
    return this.wait(job.jobId, onProgress);
  }

  /** Imported documents are read when the project says so and is not paused. */
  afterImport(projectId: string): void {
    if (!this.deps.background) return;
    const { onImport, paused } = this.deps.store.settings(projectId);
    if (onImport && !paused && this.deps.store.hasUnreadPages(projectId)) this.start(projectId);
  }

  /** Stop after the page in hand and stay stopped (imports too) until resumed. */
  async pause(projectId: string): Promise<OcrStatus> {
    this.deps.projects.get(projectId);
    this.deps.store.setPaused(projectId, true);
    const running = this.running(projectId);
    if (running) {
      this.pausing.add(running.jobId);
      this.cancel(running.jobId);
      await this.wait(running.jobId).catch(() => undefined);
    }
    return this.status(projectId);
  }

  resume(projectId: string): OcrStatus {
    this.deps.projects.get(projectId);
    this.deps.store.setPaused(projectId, false);
    if (this.deps.store.hasUnreadPages(projectId)) this.start(projectId);
    return this.status(projectId);
  }

  /** Stop the running run; pages read so far keep their words. */
  async stop(projectId: string): Promise<OcrStatus> {
    this.deps.projects.get(projectId);
    const running = this.running(projectId);
    if (running) {
      this.cancel(running.jobId);
      await this.wait(running.jobId).catch(() => undefined);
    }
    return this.status(projectId);
  }

  setOnImport(projectId: string, onImport: boolean): OcrStatus {
    this.deps.projects.get(projectId);
    this.deps.store.setOnImport(projectId, onImport);
    return this.status(projectId);
  }

  status(projectId: string): OcrStatus {
    this.deps.projects.get(projectId);
    const { pagesTotal, pagesRead } = this.deps.store.counts(projectId);
    const { onImport, paused } = this.deps.store.settings(projectId);
    const row = this.deps.jobs.latest(OCR_JOB_KIND, projectId);
    return { projectId, pagesTotal, pagesRead, paused, onImport, job: row ? this.fromRow(row) : null };
  }

  /**
   * At start: a run a crash left open is marked interrupted; then reading starts wherever pages
   * wait — in projects that read on import (documents pulled, received or imported from the command
   * line meanwhile), and in any project whose last run was interrupted — except paused ones.
   * Returns the projects whose reading started.
   */
  resumeAtStart(now: string): string[] {
    this.markInterrupted(now);
    const started: string[] = [];
    for (const { id: projectId } of this.deps.projects.list()) {
      const { onImport, paused } = this.deps.store.settings(projectId);
      if (paused) continue;
      const last = this.deps.jobs.latest(OCR_JOB_KIND, projectId);
      const interrupted = last?.state === 'failed' && last.error === INTERRUPTED;
      if (!(onImport || interrupted) || !this.deps.store.hasUnreadPages(projectId)) continue;
      this.start(projectId);
      started.push(projectId);
    }
    return started;
  }

  /** Runs a crash left open (their process is gone) are marked interrupted, to go on at the next start. */
  markInterrupted(now: string): void {
    this.deps.jobs.failInterrupted(OCR_JOB_KIND, now, { error: INTERRUPTED });
  }

  /** Stops every run and its worker (shutdown): a run stopped so is interrupted and goes on next start. */
  async close(): Promise<void> {
    this.closing = true;
    await this.deps.reader.close();
    await this.idle();
  }

  private running(projectId: string): OcrJob | null {
    const row = this.deps.jobs.latest(OCR_JOB_KIND, projectId);
    const live = row ? this.live(row.id) : undefined;
    return live && live.state === 'running' ? snapshot(live) : null;
  }

  private async execute(job: OcrJob, signal: AbortSignal, publish: (force?: boolean) => void): Promise<void> {
    const failed = new Set<string>();
    const stopIfAsked = () => {
      if (this.closing) throw new AppError('unavailable', INTERRUPTED);
      if (!signal.aborted) return;
      if (this.pausing.delete(job.jobId)) job.paused = true;
      throw new AppError('cancelled', job.paused ? 'OCR paused' : 'OCR stopped');
    };
    publish(true);
    // Read what is unread; then look again, for pages imported while this run read.
    for (;;) {
      const pages = this.deps.store.unreadPages(job.projectId).filter((p) => !failed.has(p.pageId));
      if (pages.length === 0) break;
      job.pagesTotal = job.pagesDone + pages.length;
      publish(true);
      for (const page of pages) {
        stopIfAsked();
        try {
          job.wordsFound += await this.readPage(job.projectId, page);
        } catch (err) {
          stopIfAsked();
          failed.add(page.pageId);
          job.pagesFailed++;
          if (job.failures.length < MAX_LISTED) job.failures.push(failure(page, err));
        }
        job.pagesDone++;
        publish();
      }
    }
    if (job.prediction) this.predictFromWords(job, job.prediction, stopIfAsked, publish);
  }

  private predictFromWords(job: OcrJob, options: LocalOcrOptions, stopIfAsked: () => void, publish: (force?: boolean) => void): void {
    const labels = this.deps.projects.get(job.projectId).labels.map((l) => l.name);
    const now = isoNow(this.deps.clock);
    for (const doc of this.deps.store.documentsToPredict(job.projectId, options.scope)) {
      stopIfAsked();
      const byPage = new Map(
        doc.pageIds.flatMap((pageId) => {
          const words = this.deps.store.pageWords(pageId);
          return words ? [[pageId, localOcrPredictions({ projectId: job.projectId, documentId: doc.documentId, pageId }, words, labels, options.granularity)] as const] : [];
        }),
      );
      if (byPage.size === 0) continue;
      job.predictionsMade += this.deps.store.replacePredictions(job.projectId, doc.documentId, LOCAL_OCR_MODEL, byPage, now);
      job.documentsPredicted++;
      publish();
    }
  }

  /** Reads and saves one page's words; returns how many. */
  private async readPage(projectId: string, page: UnreadPage): Promise<number> {
    const reading = await this.deps.reader.read(this.deps.documents.page(projectId, page.documentId, page.pageId));
    this.deps.store.save(page.pageId, reading, isoNow(this.deps.clock));
    return reading.words.length;
  }
}

const failure = (page: UnreadPage, err: unknown): OcrFailure => ({
  pageId: page.pageId,
  documentId: page.documentId,
  name: page.name,
  pageNumber: page.pageNumber,
  reason: err instanceof Error ? err.message : String(err),
});
