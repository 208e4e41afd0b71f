import { existsSync, readdirSync, statSync } from 'node:fs';
import { copyFile, mkdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { AppError } from '../../../shared/contract/errors';
import type { EventSink } from '../../../shared/contract/methods';
import {
  DEFAULT_EXPORT_STATUS,
  exportRequestSchema,
  type ExportFormat,
  type ExportJob,
  type ExportPreview,
  type ExportPreviewRequest,
  type ExportRequest,
  type ExportStatus,
} from '../../../shared/domain/formats';
import type { Db } from '../db/open';
import type { JobsRepo } from '../db/repos/jobs';
import type { ProjectsRepo } from '../db/repos/projects';
import type { MediaStore } from '../media/mediaStore';
import { type Clock, isoNow } from '../util/clock';
import { newId } from '../util/ids';
import { CocoWriter } from './export/coco';
import { JsonlWriter } from './export/jsonl';
import { LabelStudioWriter } from './export/labelstudio';
import { ClassTable, type ExportContext, type FormatWriter, type PageRef } from './export/types';
import { VOC_IMAGES_DIR, VocWriter } from './export/voc';
import { YoloWriter } from './export/yolo';
import { ExportReader, parseDateBound, resolveAnnotators, type ExportDocument, type ExportFilters } from './exportReader';
import { exportImageStem } from './geometry';
import { JobFamily, remainingMs } from '../jobs/jobFamily';
import { yieldToLoop } from '../util/yieldToLoop';

export const EXPORT_JOB_KIND = 'export';

export interface ExportDeps {
  db: Db;
  projects: ProjectsRepo;
  jobs: JobsRepo;
  media: MediaStore;
  clock: Clock;
  emit: EventSink;
}

/** Documents read, checked and written together (and between two turns of the event loop). */
const BATCH = 8;

const imageDirOf = (format: ExportFormat): string => (format === 'voc' ? VOC_IMAGES_DIR : 'images');

function writerFor(format: ExportFormat, ctx: ExportContext): FormatWriter {
  switch (format) {
    case 'coco':
      return new CocoWriter(ctx);
    case 'labelstudio':
      return new LabelStudioWriter(ctx);
    case 'voc':
      return new VocWriter(ctx);
    case 'yolo':
      return new YoloWriter(ctx);
    case 'jsonl':
      return new JsonlWriter(ctx);
  }
}

const newExportJob = (jobId: string, projectId: string, state: ExportJob['state'], format: ExportFormat, out: string): ExportJob => ({
  jobId,
  projectId,
  state,
  format,
  out,
  done: 0,
  total: 0,
  etaMs: null,
  pages: 0,
  boxes: 0,
  qa: 0,
  imagesCopied: 0,
  fromGold: 0,
  fromVerified: 0,
  files: [],
  skipped: [],
  error: null,
});

const snapshot = (job: ExportJob): ExportJob => ({ ...job, files: [...job.files], skipped: [...job.skipped] });

interface Plan {
  request: ExportRequest & { status: ExportStatus; images: 'copy' | 'reference' };
  out: string;
  staging: string;
  filters: ExportFilters;
}

/**
 * Exports a project's verified versions (by default gold where a lead resolved the document, else
 * the newest verified one; exportReader.ts) as a background job, the way ImportService
 * runs imports: a row in `jobs`, progress events with an ETA, cancellation. The export is written
 * into a staging folder beside the target and renamed into place when complete, so a cancelled or
 * failed export leaves nothing half-written where the user asked for it.
 */
export class ExportService extends JobFamily<ExportJob> {
  constructor(private readonly deps: ExportDeps) {
    super({
      kind: EXPORT_JOB_KIND,
      noun: 'export job',
      jobs: deps.jobs,
      clock: deps.clock,
      snapshot,
      initial: (row) => {
        const params = JSON.parse(row.params) as Partial<ExportRequest>;
        return newExportJob(row.id, row.project_id ?? '', row.state, params.format ?? 'jsonl', params.out ?? '');
      },
      emitProgress: (s) => deps.emit('export.progress', s),
      beforePublish: (job, elapsedMs) => {
        job.etaMs = remainingMs(job.done, job.total, elapsedMs);
      },
      settle: (job) => {
        job.etaMs = 0;
      },
    });
  }

  /** Which versions a request selects: the project, the status and the filters, checked. */
  private filtersOf(req: Pick<ExportRequest, 'projectId' | 'status' | 'annotator' | 'since' | 'until'>): ExportFilters {
    this.deps.projects.get(req.projectId);
    const since = req.since ? parseDateBound(req.since, 'since') : null;
    const untilExclusive = req.until ? parseDateBound(req.until, 'until') : null;
    if (since && untilExclusive && since >= untilExclusive) throw new AppError('invalid_request', `since/until: ${req.since} is not before ${req.until}`);
    return {
      projectId: req.projectId,
      status: req.status ?? DEFAULT_EXPORT_STATUS,
      annotatorIds: req.annotator ? resolveAnnotators(this.deps.db, req.annotator) : null,
      since,
      untilExclusive,
    };
  }

  /** What an export with these choices would write, without writing anything. */
  preview(req: ExportPreviewRequest): Promise<ExportPreview> {
    return new ExportReader(this.deps.db, this.filtersOf(req)).counts();
  }

  /** Check the request now (bad options fail here, not later in the background). */
  private plan(raw: ExportRequest, jobId: string): Plan {
    const parsed = exportRequestSchema.safeParse(raw);
    if (!parsed.success) throw new AppError('invalid_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; '));
    const req = parsed.data;
    const filters = this.filtersOf(req);
    const out = resolve(req.out);
    if (existsSync(out)) {
      if (!statSync(out).isDirectory()) throw new AppError('conflict', `out: ${out} is a file; exports are written into a folder`);
      if (readdirSync(out).length > 0) throw new AppError('conflict', `out: the folder ${out} is not empty; choose a new or empty folder (an export never overwrites files)`);
    } else if (!existsSync(dirname(out))) {
      throw new AppError('not_found', `out: the folder ${dirname(out)} does not exist`);
    }
    return {
      request: { ...req, status: filters.status, images: req.images ?? 'copy' },
      out,
      staging: join(dirname(out), `.${basename(out)}.partial-${jobId.slice(0, 8)}`),
      filters,
    };
  }

  start(request: ExportRequest): string {
    const jobId = newId();
    const plan = this.plan(request, jobId);
    return this.launch({
      job: newExportJob(jobId, plan.request.projectId, 'running', plan.request.format, plan.out),
      projectId: plan.request.projectId,
      params: plan.request,
      body: (job, signal, publish) => this.execute(job, plan, signal, publish),
      finished: (result) => this.deps.emit('export.finished', result),
    });
  }

  /** Run an export to the end (CLI, tests); `onProgress` sees the same updates as the events. */
  async run(request: ExportRequest, onProgress?: (job: ExportJob) => void): Promise<ExportJob> {
    const jobId = this.start(request);
    return this.wait(jobId, onProgress);
  }

  private async execute(job: ExportJob, plan: Plan, signal: AbortSignal, publish: (force?: boolean) => void): Promise<void> {
    const { media } = this.deps;
    const req = plan.request;

    let writer: FormatWriter | null = null;
    try {
      const project = this.deps.projects.get(req.projectId);
      const reader = new ExportReader(this.deps.db, plan.filters);
      job.total = (await reader.counts()).documents;
      publish(true);
      const imageDir = imageDirOf(req.format);
      await mkdir(plan.staging, { recursive: true });
      if (req.images === 'copy') await mkdir(join(plan.staging, imageDir), { recursive: true });
      const ctx: ExportContext = {
        dir: plan.staging,
        project: { id: project.id, name: project.name, labels: project.labels.map((l) => ({ name: l.name, color: l.color })) },
        status: req.status,
        images: req.images,
        imageDir,
        classes: new ClassTable(project.labels.map((l) => l.name)),
        now: isoNow(this.deps.clock),
        filters: { annotator: req.annotator ?? null, since: req.since ?? null, until: req.until ?? null },
      };
      writer = writerFor(req.format, ctx);
      await writer.begin();
      // Documents go through in small batches: the page images of a batch are checked in parallel
      // (the file system answers on libuv's threads), then written in order.
      const active = writer;
      const batch: ExportDocument[] = [];
      const flush = async () => {
        const present = await Promise.all(batch.map((doc) => Promise.all(doc.pages.map((p) => (p.level0 ? stat(media.absolute(p.level0)).then((st) => st.isFile(), () => false) : false)))));
        for (const [b, doc] of batch.entries()) {
          signal.throwIfAborted();
          const missing = doc.pages.find((_, i) => !present[b]![i]);
          if (missing) {
            job.skipped.push({
              documentId: doc.document.id,
              reason: `the image of page ${missing.pageNumber} is missing from the media folder (${missing.level0 ? media.absolute(missing.level0) : 'no full-size image recorded'}); re-import the document`,
            });
            job.done++;
            publish();
            continue;
          }
          const refs: PageRef[] = doc.pages.map((page) => {
            const stem = exportImageStem(doc.document.sourceName, doc.document.id, page.pageNumber);
            const fileName = `${stem}${extname(page.level0).toLowerCase()}`;
            return { pageId: page.id, stem, fileName, ref: req.images === 'copy' ? `${imageDir}/${fileName}` : media.absolute(page.level0) };
          });
          if (req.images === 'copy') {
            for (const [i, page] of doc.pages.entries()) {
              await copyFile(media.absolute(page.level0), join(plan.staging, imageDir, refs[i]!.fileName));
              job.imagesCopied++;
            }
          }
          await active.write(doc, refs);
          job.done++;
          if (doc.annotation.kind === 'gold') job.fromGold++;
          else job.fromVerified++;
          job.pages += doc.pages.length;
          job.boxes += doc.boxes.length;
          job.qa += doc.qa.length;
          publish();
        }
        batch.length = 0;
        // A turn of the event loop between batches, so the app stays responsive during a long export.
        await yieldToLoop();
      };
      for (const doc of reader.documents()) {
        signal.throwIfAborted();
        batch.push(doc);
        if (batch.length >= BATCH) await flush();
      }
      await flush();
      signal.throwIfAborted();
      job.files = await writer.end();
      writer = null;
      // Into place: an empty target folder the user made is replaced by the finished export.
      if (existsSync(plan.out)) await rmdir(plan.out);
      await rename(plan.staging, plan.out);
    } catch (err) {
      // Nothing half-written stays beside the target.
      writer?.abort();
      await rm(plan.staging, { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
  }
}
