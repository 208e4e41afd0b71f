import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { AppError } from '../../../shared/contract/errors';
import type { EventSink } from '../../../shared/contract/methods';
import { verifyWarningKinds } from '../../../shared/domain/model';
import {
  annotationsImportRequestSchema,
  type AnnotationsImportJob,
  type AnnotationsImportRequest,
  type FormatProblem,
  type ImportFormat,
} from '../../../shared/domain/formats';
import type { Db } from '../db/open';
import type { AnnotationsRepo } from '../db/repos/annotations';
import { settlePredictionStatus } from '../db/repos/documents';
import { boxPrediction, PredictionsRepo, qaPrediction } from '../db/repos/predictions';
import type { JobsRepo } from '../db/repos/jobs';
import type { ProjectsRepo } from '../db/repos/projects';
import type { DocumentsRepo } from '../db/repos/documents';
import { type Clock, isoNow } from '../util/clock';
import { newId } from '../util/ids';
import { addItem, buildQa, contentDigest, pageScale, type Attribution, type Group, type ProjectRules } from './import/build';
import { readCoco } from './import/coco';
import { readJsonl } from './import/jsonl';
import { readLabelStudio } from './import/labelstudio';
import { checkFieldLimits, clipProblem } from './import/limits';
import { ImageMatcher, type MatchedPage } from './import/matcher';
import type { RawItem, ReadOutput, ReaderOptions } from './import/types';
import { readVoc, readYolo } from './import/vocYolo';
import { JobFamily, type JobLaunch } from '../jobs/jobFamily';
import { yieldToLoop } from '../util/yieldToLoop';

export const ANNOTATIONS_IMPORT_JOB_KIND = 'annotations_import';

const MAX_PROBLEMS = 1000;
/** Documents written per transaction (one fsync per batch, not per document). */
const WRITE_BATCH = 50;

export interface AnnotationsImportDeps {
  db: Db;
  projects: ProjectsRepo;
  documents: Pick<DocumentsRepo, 'docType'>;
  annotations: AnnotationsRepo;
  jobs: JobsRepo;
  clock: Clock;
  emit: EventSink;
  /** Verified versions were written (and queued in the outbox): sync may want to look. */
  onVerified?: () => void;
}

const newJob = (jobId: string, req: { projectId: string; format: ImportFormat; as: 'annotations' | 'predictions'; file: string }, state: AnnotationsImportJob['state']): AnnotationsImportJob => ({
  jobId,
  projectId: req.projectId,
  state,
  format: req.format,
  as: req.as,
  file: req.file,
  phase: 'reading',
  done: 0,
  total: 0,
  items: 0,
  documents: { imported: 0, unchanged: 0, skipped: 0 },
  boxes: 0,
  qa: 0,
  predictions: 0,
  problems: [],
  problemCount: 0,
  error: null,
});

interface Plan {
  req: AnnotationsImportRequest & { as: 'annotations' | 'predictions'; file: string };
  imagesDir: string;
}

class Refused extends Error {}

/** A prediction's id: the same model, document and region always give the same id (re-imports add nothing). */
const predictionId = (projectId: string, model: string, documentId: string, kind: 'b' | 'q', sourceId: string): string =>
  `imp-${createHash('sha256').update(`${projectId}\u0000${model}\u0000${documentId}\u0000${kind}\u0000${sourceId}`).digest('hex').slice(0, 32)}`;

/**
 * Imports annotations or predictions made elsewhere (Label Studio, COCO, Folio JSONL, VOC, YOLO)
 * as a background job. Items whose image matches no document, and boxes that are degenerate, out
 * of range or labelled outside the label set, are reported (file, item, field, reason); the rest
 * is imported.
 *
 * Identity (what makes a re-import a no-op):
 * - annotations: (project, document, annotator). The annotator's first version of the document is
 *   written through the same code path as the annotation view (AnnotationsRepo.save, then .verify:
 *   verified version + outbox row in one transaction). If that annotator already has a version of
 *   the document, the import writes nothing: with the same boxes and QA it counts as unchanged,
 *   otherwise it is skipped — local work (a draft, or a different verified version) is never
 *   overwritten.
 * - predictions: (project, model, document, the region's id in the file), hashed into the
 *   prediction's id and inserted only if absent, so accepted or rejected predictions keep their
 *   status.
 */
export class AnnotationsImportService extends JobFamily<AnnotationsImportJob> {
  constructor(private readonly deps: AnnotationsImportDeps) {
    super({
      kind: ANNOTATIONS_IMPORT_JOB_KIND,
      noun: 'annotation import job',
      jobs: deps.jobs,
      clock: deps.clock,
      snapshot,
      initial: (row) => newJob(row.id, JSON.parse(row.params) as Plan['req'], row.state),
      emitProgress: (s) => deps.emit('annotationsImport.progress', s),
      unsaved: (job, err) => {
        // Saved without its problem list, which may be what could not be saved.
        job.error = clipError(`${job.file}: the import's result could not be saved (${err instanceof Error ? err.message : String(err)})${job.error ? `; before that: ${job.error}` : ''}`);
        job.problems = [];
      },
    });
  }

  private plan(raw: AnnotationsImportRequest): Plan {
    const parsed = annotationsImportRequestSchema.safeParse(raw);
    if (!parsed.success) throw new AppError('invalid_request', parsed.error.issues.map((i) => `${i.path.join('.') || 'request'}: ${i.message}`).join('; '));
    const req = parsed.data;
    this.deps.projects.get(req.projectId);
    const file = resolve(req.file);
    if (!existsSync(file)) throw new AppError('not_found', `file: ${file} does not exist`);
    const isDir = statSync(file).isDirectory();
    if (isDir && req.format !== 'voc' && req.format !== 'yolo') throw new AppError('invalid_request', `file: ${file} is a folder; a ${req.format} import reads one file`);
    if (req.format === 'yolo' && !isDir) throw new AppError('invalid_request', `file: a YOLO import reads a folder (with classes.txt and labels/), not ${file}`);
    const imagesDir = req.images ? resolve(req.images) : isDir ? file : dirname(file);
    if (req.images && !(existsSync(imagesDir) && statSync(imagesDir).isDirectory())) throw new AppError('not_found', `images: the folder ${imagesDir} does not exist`);
    const as = req.as ?? 'annotations';
    if (as === 'annotations' && req.model) throw new AppError('invalid_request', 'model: --model names the model of imported predictions; add --as predictions');
    if (as === 'predictions' && req.annotator) throw new AppError('invalid_request', 'annotator: --annotator names who made imported annotations; predictions take --model');
    return { req: { ...req, as, file }, imagesDir };
  }

  start(request: AnnotationsImportRequest): string {
    const plan = this.plan(request);
    return this.launch({ job: newJob(newId(), plan.req, 'running'), projectId: plan.req.projectId, params: plan.req, ...this.work(plan) });
  }

  async run(request: AnnotationsImportRequest, onProgress?: (job: AnnotationsImportJob) => void): Promise<AnnotationsImportJob> {
    const jobId = this.start(request);
    return this.wait(jobId, onProgress);
  }

  /** An import's own part of its job: reading and writing, how a failure reads, what it tells at the end. */
  private work(plan: Plan): Pick<JobLaunch<AnnotationsImportJob>, 'body' | 'failureMessage' | 'finished'> {
    const { emit } = this.deps;
    const { req } = plan;
    let wroteVerified = false;
    const body = async (job: AnnotationsImportJob, signal: AbortSignal, publish: (force?: boolean) => void): Promise<void> => {
      const report = (p: FormatProblem) => {
        job.problemCount++;
        // Clipped: a problem may quote what the file says, and progress is saved many times a second.
        if (job.problems.length < MAX_PROBLEMS) job.problems.push(clipProblem(p));
      };
      const project = this.deps.projects.get(req.projectId);
      const rules: ProjectRules = {
        labels: new Set(project.labels.map((l) => l.name)),
        templates: project.questions,
        docTypeOf: (documentId) => this.deps.documents.docType(req.projectId, documentId),
        as: req.as,
      };
      const matcher = new ImageMatcher(this.deps.db, req.projectId, plan.imagesDir);
      const annotators = new AnnotatorResolver(this.deps.db);
      const forced = req.as === 'annotations' && req.annotator ? annotators.resolveOption(req.annotator) : null;
      job.total = await inputBytes(req.file);
      publish(true);

      const groups = new Map<string, Group>();
      const readerOpts: ReaderOptions = {
        file: req.file,
        as: req.as,
        annotatorGiven: forced !== null,
        onBytes: (n) => {
          job.done = Math.min(job.total, job.done + n);
        },
      };
      for await (const out of readerFor(req.format, readerOpts, req.images ? plan.imagesDir : undefined)) {
        signal.throwIfAborted();
        if (out.kind === 'problem') {
          report(out.problem);
          continue;
        }
        job.items++;
        await this.take(out.item, { groups, matcher, annotators, forced, rules, req, report });
        publish();
      }
      signal.throwIfAborted();

      // Writing: a batch of documents per transaction, the event loop free in between.
      job.phase = 'writing';
      job.done = 0;
      job.total = groups.size;
      publish(true);
      const all = [...groups.values()];
      const now = isoNow(this.deps.clock);
      for (let i = 0; i < all.length; i += WRITE_BATCH) {
        signal.throwIfAborted();
        const batch = all.slice(i, i + WRITE_BATCH);
        this.deps.db.transaction(() => {
          for (const group of batch) {
            const { qa, problems } = buildQa(group, rules);
            for (const p of problems) report(p);
            if (!group.boxes.length && !qa.length) {
              job.documents.skipped++;
              report({ severity: 'warning', file: group.first.file, item: group.first.item, field: '(item)', reason: 'nothing to import for this document (no boxes or QA pairs were left)' });
              continue;
            }
            const outcome = req.as === 'annotations' ? this.writeAnnotation(req.projectId, group, qa, now) : this.writePredictions(req.projectId, group, qa, now);
            if (outcome.kind === 'imported') {
              job.documents.imported++;
              job.boxes += group.boxes.length;
              job.qa += qa.length;
              job.predictions += outcome.predictions;
              if (req.as === 'annotations') wroteVerified = true;
            } else if (outcome.kind === 'unchanged') {
              job.documents.unchanged++;
            } else {
              job.documents.skipped++;
              report({ severity: 'error', file: group.first.file, item: group.first.item, field: '(document)', reason: outcome.reason });
            }
          }
        }).immediate();
        job.done += batch.length;
        publish();
        await yieldToLoop();
      }
      job.phase = 'finished';
    };
    return {
      body,
      // Always naming the file: a reader's own errors (a JSON syntax error) do not.
      failureMessage: (err) => {
        const message = err instanceof Error ? err.message : String(err);
        return clipError(message.includes(req.file) ? message : `${req.file}: ${message}`);
      },
      finished: (result) => {
        emit('annotationsImport.finished', result);
        emit('documents.changed', { projectId: req.projectId });
        emit('projects.changed', { projectId: req.projectId });
        if (wroteVerified) this.deps.onVerified?.();
      },
    };
  }

  /** Match an item's images, check its boxes and add it to its document's group. */
  private async take(
    input: RawItem,
    ctx: {
      groups: Map<string, Group>;
      matcher: ImageMatcher;
      annotators: AnnotatorResolver;
      forced: { id: string; name: string } | null;
      rules: ProjectRules;
      req: Plan['req'];
      report: (p: FormatProblem) => void;
    },
  ): Promise<void> {
    const { report, req } = ctx;
    const checked = checkFieldLimits(input);
    for (const p of checked.problems) report(p);
    if (!checked.item) return;
    const item = checked.item;
    if (!item.pages.length) {
      report({ severity: 'error', file: item.file, item: item.item, field: '(item)', reason: 'the item names no image' });
      return;
    }
    const pages: MatchedPage[] = [];
    const scales: { sx: number; sy: number }[] = [];
    for (const raw of item.pages) {
      const m = await ctx.matcher.match(raw);
      if ('reason' in m) {
        report({ severity: 'error', file: item.file, item: item.item, field: raw.field, reason: `unmatched image${raw.ref ? ` "${raw.ref}"` : ''}: ${m.reason}` });
        return;
      }
      const scale = pageScale(raw, m);
      if (typeof scale === 'string') {
        report({ severity: 'error', file: item.file, item: item.item, field: raw.field, reason: scale });
        return;
      }
      if (scale.sx !== 1 || scale.sy !== 1) {
        report({ severity: 'warning', file: item.file, item: item.item, field: raw.field, reason: `the file's image is ${raw.size!.width}×${raw.size!.height} px and Folio's page ${m.width}×${m.height} px: boxes scaled to the page` });
      }
      pages.push(m);
      scales.push(scale);
    }
    if (pages.some((p) => p.documentId !== pages[0]!.documentId)) {
      report({ severity: 'error', file: item.file, item: item.item, field: 'pages', reason: 'the pages of this item belong to different documents' });
      return;
    }
    let attribution: Attribution;
    if (req.as === 'predictions') {
      attribution = { annotator: null, model: req.model ?? item.model ?? (item.annotator ? `${req.format}:${item.annotator.name}` : `${req.format}-import`) };
    } else {
      const who = ctx.forced ?? (item.annotator ? ctx.annotators.resolveItem(item.annotator) : null);
      if (!who) {
        report({ severity: 'error', file: item.file, item: item.item, field: '(annotator)', reason: 'the file does not say who made this annotation: name the annotator (Annotator in the import dialog, --annotator on the command line)' });
        return;
      }
      attribution = { annotator: who, model: null };
    }
    for (const p of addItem(ctx.groups, item, pages, scales, attribution, ctx.rules)) report(p);
  }

  private writeAnnotation(projectId: string, group: Group, qa: ReturnType<typeof buildQa>['qa'], now: string): { kind: 'imported'; predictions: 0 } | { kind: 'unchanged' } | { kind: 'skipped'; reason: string } {
    const { db, annotations } = this.deps;
    const who = group.attribution.annotator!;
    const boxes = group.boxes.map((b) => b.box);
    const pairs = qa.map(({ score: _score, ...q }) => q);
    try {
      return db.transaction(() => {
        annotations.ensureAnnotator(who.id, who.name, now);
        const current = db
          .prepare("SELECT id, version, status FROM annotations WHERE project_id = ? AND document_id = ? AND annotator_id = ? AND kind = 'annotation' ORDER BY version DESC LIMIT 1")
          .get(projectId, group.documentId, who.id) as { id: string; version: number; status: 'draft' | 'verified' } | undefined;
        if (current) {
          if (current.status === 'verified' && storedDigest(db, current.id) === contentDigest(boxes, pairs)) return { kind: 'unchanged' as const };
          return {
            kind: 'skipped' as const,
            reason: `${who.name} already has ${current.status === 'draft' ? 'a draft' : `verified version ${current.version}`} of this document with other content; Folio never overwrites local work (import under another --annotator to keep both)`,
          };
        }
        annotations.save({ projectId, documentId: group.documentId, baseRevision: 0, upsertBoxes: boxes, upsertQa: pairs }, who.id, now);
        // The file is the annotator's finished work: nothing to ask a person about.
        const verified = annotations.verify(projectId, group.documentId, who, now, verifyWarningKinds);
        if (verified.result === 'refused') throw new Refused(`verifying it was refused: ${verified.problems.map((p) => p.message).join('; ')}`);
        if (verified.result !== 'verified') throw new Error(`verify asked to confirm: ${verified.warnings.map((w) => w.message).join('; ')}`);
        return { kind: 'imported' as const, predictions: 0 as const };
      })();
    } catch (err) {
      if (err instanceof Refused) return { kind: 'skipped', reason: err.message };
      throw err;
    }
  }

  private writePredictions(projectId: string, group: Group, qa: ReturnType<typeof buildQa>['qa'], now: string): { kind: 'imported'; predictions: number } | { kind: 'unchanged' } {
    const { db } = this.deps;
    const model = group.attribution.model!;
    const firstPage = group.boxes[0]?.box.pageId ?? (db.prepare('SELECT id FROM pages WHERE document_id = ? ORDER BY page_number LIMIT 1').get(group.documentId) as { id: string }).id;
    const common = { documentId: group.documentId, model };
    const boxes = group.boxes.map(({ box, score }) =>
      boxPrediction({
        ...common,
        id: predictionId(projectId, model, group.documentId, 'b', box.id),
        pageId: box.pageId,
        label: box.label,
        x: box.x,
        y: box.y,
        w: box.w,
        h: box.h,
        transcription: box.transcription,
        confidence: score,
      }),
    );
    const questions = qa.map((q) =>
      qaPrediction({
        ...common,
        id: predictionId(projectId, model, group.documentId, 'q', q.id),
        pageId: group.boxes.find((b) => b.box.id === q.evidenceBoxIds[0])?.box.pageId ?? firstPage,
        question: q.question,
        answer: q.unanswerable ? null : q.answer,
        evidence: q.evidenceBoxIds.map((b) => predictionId(projectId, model, group.documentId, 'b', b)),
        confidence: q.score,
      }),
    );
    const added = new PredictionsRepo(db).insertPending(projectId, [...boxes, ...questions], { now, runId: null, skipExisting: true });
    if (!added) return { kind: 'unchanged' };
    settlePredictionStatus(db, projectId, group.documentId);
    return { kind: 'imported', predictions: added };
  }
}

/** A failure's message as a job keeps it: long enough to say why, never a file's contents. */
const clipError = (message: string): string => (message.length > 2000 ? `${message.slice(0, 1999)}…` : message);

function snapshot(job: AnnotationsImportJob): AnnotationsImportJob {
  return { ...job, documents: { ...job.documents }, problems: [...job.problems] };
}

function readerFor(format: ImportFormat, opts: ReaderOptions, imagesDir: string | undefined): AsyncGenerator<ReadOutput> {
  switch (format) {
    case 'labelstudio':
      return readLabelStudio(opts);
    case 'coco':
      return readCoco(opts);
    case 'jsonl':
      return readJsonl(opts);
    case 'voc':
      return readVoc(opts);
    case 'yolo':
      return readYolo({ ...opts, imagesDir });
  }
}

/** Bytes the reader will go through: the file, or the files of a folder and its sub-folders. */
async function inputBytes(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    if (entry.isFile()) total += (await stat(full)).size;
    else if (entry.isDirectory()) {
      for (const inner of await readdir(full, { withFileTypes: true })) if (inner.isFile() && /\.(xml|txt)$/i.test(inner.name)) total += (await stat(join(full, inner.name))).size;
    }
  }
  return total;
}

/** The content digest of a stored version, the same way contentDigest sees an import. */
function storedDigest(db: Db, annotationId: string): string {
  const boxes = (db.prepare('SELECT id, page_id AS pageId, label, x, y, w, h, transcription FROM boxes WHERE annotation_id = ?').all(annotationId) as Parameters<typeof contentDigest>[0]);
  const evidence = new Map<string, string[]>();
  for (const e of db.prepare('SELECT qa_id, box_id FROM qa_evidence WHERE annotation_id = ? ORDER BY qa_id, position').all(annotationId) as { qa_id: string; box_id: string }[]) {
    evidence.set(e.qa_id, [...(evidence.get(e.qa_id) ?? []), e.box_id]);
  }
  const qa = (db.prepare('SELECT id, question, answer, unanswerable FROM qa_pairs WHERE annotation_id = ?').all(annotationId) as { id: string; question: string; answer: string; unanswerable: number }[]).map((q) => ({
    id: q.id,
    question: q.question,
    answer: q.answer,
    unanswerable: q.unanswerable === 1,
    evidenceBoxIds: evidence.get(q.id) ?? [],
  }));
  return contentDigest(boxes, qa);
}

/**
 * Who imported annotations belong to. --annotator: an existing annotator's id, or a name (one
 * annotator of that name; a new name creates one). Otherwise the file's own: its annotator id
 * when it has one (a Folio export keeps annotators apart across installations), else its name.
 */
class AnnotatorResolver {
  private readonly cache = new Map<string, { id: string; name: string }>();

  constructor(private readonly db: Db) {}

  resolveOption(value: string): { id: string; name: string } {
    const byId = this.db.prepare('SELECT id, name FROM annotators WHERE id = ?').get(value) as { id: string; name: string } | undefined;
    if (byId) return byId;
    const byName = this.db.prepare('SELECT id, name FROM annotators WHERE name = ? COLLATE NOCASE').all(value.trim()) as { id: string; name: string }[];
    if (byName.length > 1) throw new AppError('conflict', `annotator: ${byName.length} annotators are called "${value}"; pass one's id (${byName.map((a) => a.id).join(', ')})`);
    return byName[0] ?? { id: newId(), name: value.trim() };
  }

  resolveItem(a: { id?: string | undefined; name: string }): { id: string; name: string } {
    const key = `${a.id ?? ''}\u0000${a.name}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    let who: { id: string; name: string };
    if (a.id) who = { id: a.id, name: (this.db.prepare('SELECT name FROM annotators WHERE id = ?').get(a.id) as { name: string } | undefined)?.name ?? a.name };
    else {
      const byName = this.db.prepare('SELECT id, name FROM annotators WHERE name = ? COLLATE NOCASE ORDER BY created_at LIMIT 1').get(a.name) as { id: string; name: string } | undefined;
      who = byName ?? { id: newId(), name: a.name };
    }
    this.cache.set(key, who);
    return who;
  }
}
