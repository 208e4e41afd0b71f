import { AppError } from '../../../shared/contract/errors';
import type { Db } from '../db/open';
import { cachedStatement } from '../db/statementCache';
import { recordAudit } from '../db/repos/audit';
import type { ProjectsRepo } from '../db/repos/projects';
import { VersionsRepo } from '../db/repos/versions';
import { type Clock, isoNow } from '../util/clock';
import { newId } from '../util/ids';
import { analyseProject, readLineage, summarize, type DocumentSummary, type ProjectAnalysis } from './analysis';
import { orderSources, reviewDocument, orderQueue } from './disagreements';
import { groupSources } from './groups';
import { readReviewDocuments, type ReviewDocumentInput } from './store';
import {
  DEFAULT_REVIEW_SETTINGS,
  type ReviewAgreement,
  type ReviewDocument,
  type ReviewQueue,
  type ReviewQueueItem,
  type ReviewResolveRequest,
  type ReviewResolveResult,
  type ReviewState,
} from './types';

/**
 * The lead's side of review: the queue of documents by severity, one document with every
 * source's version grouped for resolving, the resolution written as an immutable gold version
 * (with its lineage, in the outbox in the same transaction, so it syncs like any verified work),
 * and the agreement figures behind the charts.
 */
export interface ReviewServiceDeps {
  db: Db;
  projects: ProjectsRepo;
  clock: Clock;
  /** The installation's annotator identity: the lead who resolves. */
  lead: () => { id: string; name: string };
  /** Called after a gold version entered the outbox (wakes the sync engine). */
  onGold: () => void;
  /**
   * Where whole-project analyses run (queue, agreement): the app passes the review worker thread
   * (worker/host.ts) so they do not hold the core's thread; by default in-process, on `db`.
   */
  analyse?: (project: { id: string; name: string }, model: boolean) => Promise<ProjectAnalysis>;
}

export class ReviewService {
  private readonly cache = new Map<string, { stamp: string; analysis: ProjectAnalysis }>();
  /** Analyses running now, by project, model and stamp: the page's queue and agreement calls share one. */
  private readonly running = new Map<string, Promise<ProjectAnalysis>>();
  private analysisRuns = 0;
  private offThread = 0;

  constructor(private readonly deps: ReviewServiceDeps) {}

  async queue(req: { projectId: string; includeModel?: boolean | undefined; state?: ReviewState | 'all' | undefined }): Promise<ReviewQueue> {
    const project = this.deps.projects.get(req.projectId);
    const wanted = req.state ?? 'open';
    const totals = { documents: 0, waiting: 0, open: 0, agreed: 0, resolved: 0 };
    const items: ReviewQueueItem[] = [];
    for (const doc of (await this.analysis(project, req.includeModel === true)).documents) {
      const state = stateOf(doc, project.requiredAnnotators);
      totals.documents++;
      totals[state]++;
      if (wanted !== 'all' && wanted !== state) continue;
      items.push({
        documentId: doc.documentId,
        sourceName: doc.sourceName,
        state,
        sources: doc.sources,
        annotatorCount: doc.annotatorCount,
        score: doc.score,
        counts: doc.counts,
        disagreements: doc.disagreements,
        lowConfidence: doc.lowConfidence,
        gold: doc.gold,
      });
    }
    return { projectId: project.id, requiredAnnotators: project.requiredAnnotators, settings: DEFAULT_REVIEW_SETTINGS, items: orderQueue(items), totals };
  }

  document(req: { projectId: string; documentId: string; includeModel?: boolean | undefined }): ReviewDocument {
    const project = this.deps.projects.get(req.projectId);
    const doc = this.read(project.id, req.documentId, req.includeModel === true);
    const review = reviewDocument(doc.documentId, orderSources(doc.model ? [...doc.annotators, doc.model] : doc.annotators), DEFAULT_REVIEW_SETTINGS);
    const state = stateOf(summarize(this.deps.db, doc, review), project.requiredAnnotators);
    const versions = orderSources(doc.model ? [...doc.annotators, doc.model] : doc.annotators);
    const all = [...review.disagreements, ...review.lowConfidence];
    const { boxGroups, questionGroups } = groupSources(versions, doc.gold, all, DEFAULT_REVIEW_SETTINGS);
    return {
      projectId: project.id,
      documentId: doc.documentId,
      sourceName: doc.sourceName,
      state,
      requiredAnnotators: project.requiredAnnotators,
      versions,
      gold: doc.gold ? { ...doc.gold, lineage: readLineage(this.deps.db, doc.gold.annotationId) } : null,
      disagreements: review.disagreements,
      lowConfidence: review.lowConfidence,
      counts: review.counts,
      boxGroups,
      questionGroups,
    };
  }

  /** Write the lead's resolution as the next gold version; refused (nothing written) if it is stale or invalid. */
  resolve(req: ReviewResolveRequest): ReviewResolveResult {
    const { db } = this.deps;
    const project = this.deps.projects.get(req.projectId);
    const lead = this.deps.lead();
    const now = isoNow(this.deps.clock);
    const result = db
      .transaction((): ReviewResolveResult => {
        const doc = this.read(project.id, req.documentId, false);
        // Someone verified again since the lead opened the document: resolving now would bury their change.
        const seen = new Map(req.basedOn.map((b) => [b.sourceId, b.annotationId]));
        for (const v of doc.annotators) {
          if (seen.get(v.source.id) !== v.annotationId) {
            throw new AppError('conflict', `${v.source.name} verified version ${v.version} of this document after you opened it; reload the document to see their changes before resolving.`, {
              details: { field: 'basedOn', sourceId: v.source.id, annotationId: v.annotationId },
            });
          }
        }
        const pages = new Map(
          (db.prepare('SELECT id, width, height FROM pages WHERE document_id = ?').all(req.documentId) as { id: string; width: number; height: number }[]).map((p) => [p.id, p]),
        );
        const labels = new Set(project.labels.map((l) => l.name));
        const known = new Set([...req.basedOn.map((b) => b.sourceId), ...(doc.gold ? [doc.gold.source.id] : [])]);
        const boxIds = new Set<string>();
        const boxes = req.boxes.map((b, i) => {
          const where = `boxes[${i}]`;
          if (boxIds.has(b.id)) throw invalid(`${where}.id: box id ${b.id} is used twice`);
          boxIds.add(b.id);
          const page = pages.get(b.pageId);
          if (!page) throw invalid(`${where}.pageId: page ${b.pageId} is not a page of this document`);
          if (!labels.has(b.label)) throw invalid(`${where}.label: "${b.label}" is not in the project's label set (${[...labels].join(', ') || 'none'})`);
          if (b.from !== null && !known.has(b.from)) throw invalid(`${where}.from: ${b.from} is not one of the compared sources`);
          // Keep the box on its page; a box that lies wholly off the page is a mistake, not a box.
          const x = Math.max(0, b.x);
          const y = Math.max(0, b.y);
          const w = Math.min(page.width, b.x + b.w) - x;
          const h = Math.min(page.height, b.y + b.h) - y;
          if (w <= 0 || h <= 0) throw invalid(`${where}: the box lies outside its page (${page.width}×${page.height})`);
          return { ...b, x, y, w, h };
        });
        const qaIds = new Set<string>();
        const templates = new Set((db.prepare('SELECT id FROM question_templates WHERE project_id = ?').all(project.id) as { id: string }[]).map((t) => t.id));
        req.qa.forEach((q, i) => {
          const where = `qa[${i}]`;
          if (qaIds.has(q.id)) throw invalid(`${where}.id: question id ${q.id} is used twice`);
          qaIds.add(q.id);
          if (q.from !== null && !known.has(q.from)) throw invalid(`${where}.from: ${q.from} is not one of the compared sources`);
          if (!q.unanswerable && q.answer.trim() === '') throw invalid(`${where}: "${q.question}" needs an answer or "unanswerable"`);
          for (const e of q.evidenceBoxIds) if (!boxIds.has(e)) throw invalid(`${where}.evidenceBoxIds: box ${e} is not in the resolution`);
        });

        const previous = db
          .prepare("SELECT id, version FROM annotations WHERE project_id = ? AND document_id = ? AND annotator_id = ? AND kind = 'gold' ORDER BY version DESC LIMIT 1")
          .get(project.id, req.documentId, lead.id) as { id: string; version: number } | undefined;
        const annotationId = newId();
        const version = (previous?.version ?? 0) + 1;
        // Frozen and in the outbox at once: gold syncs like any verified work.
        new VersionsRepo(db).insert(
          {
            projectId: project.id,
            documentId: req.documentId,
            annotationId,
            annotatorId: lead.id,
            version,
            kind: 'gold',
            parentId: previous?.id ?? null,
            boxes,
            qa: req.qa.map((q) => {
              const templateId = q.templateId && templates.has(q.templateId) ? q.templateId : null;
              return {
                id: q.id,
                question: q.question.trim(),
                answer: q.unanswerable ? '' : q.answer,
                unanswerable: q.unanswerable,
                source: templateId ? ('template' as const) : ('annotator' as const),
                templateId,
                evidenceBoxIds: q.evidenceBoxIds,
              };
            }),
          },
          { now, enqueue: true },
        );

        const sources = [...doc.annotators, ...(doc.gold ? [doc.gold] : [])].map((v) => ({
          id: v.source.id,
          kind: v.source.kind,
          name: v.source.name,
          annotationId: v.annotationId,
          version: v.version,
        }));
        for (const b of req.basedOn) {
          if (!sources.some((s) => s.id === b.sourceId)) sources.push({ id: b.sourceId, kind: b.sourceId.startsWith('model:') ? 'model' : 'annotator', name: b.sourceId.replace(/^model:/, ''), annotationId: b.annotationId, version: b.version });
        }
        const items = {
          boxes: Object.fromEntries(boxes.map((b) => [b.id, b.from])),
          qa: Object.fromEntries(req.qa.map((q) => [q.id, q.from])),
        };
        new VersionsRepo(db).recordLineage(annotationId, { resolvedBy: lead.id, resolvedAt: now, sources, items });
        recordAudit(db, {
          at: now,
          actor: lead.id,
          action: 'review.resolve',
          entityType: 'annotation',
          entityId: annotationId,
          details: { projectId: project.id, documentId: req.documentId, version, boxes: boxes.length, qa: req.qa.length },
        });
        return { annotationId, version, verifiedAt: now, boxes: boxes.length, qa: req.qa.length };
      })
      .immediate();
    this.deps.onGold();
    return result;
  }

  async agreement(req: { projectId: string; includeModel?: boolean | undefined }): Promise<ReviewAgreement> {
    const project = this.deps.projects.get(req.projectId);
    return (await this.analysis(project, req.includeModel === true)).agreement;
  }

  /** How many times the service analysed a whole project (each document read and compared); a cached answer does not count. */
  get analyses(): number {
    return this.analysisRuns;
  }

  /** How many of those ran off the core's thread (the review worker). */
  get offThreadAnalyses(): number {
    return this.offThread;
  }

  /**
   * Every document of the project read and compared once, for both the queue and the agreement
   * figures (the review page asks for both at once), and kept until the database changes.
   *
   * The cache is keyed on the connection's `total_changes()` (every row this connection inserted,
   * updated or deleted, committed or not) and `PRAGMA data_version` (which moves whenever another
   * connection commits, a CLI's for one). Any write anywhere invalidates it:
   * conservative, but never stale. Only compact per-document summaries and the figures are kept,
   * not the documents.
   */
  private async analysis(project: { id: string; name: string }, model: boolean): Promise<ProjectAnalysis> {
    const key = `${project.id}\u0000${model ? 'model' : ''}`;
    const stamp = this.stamp();
    const hit = this.cache.get(key);
    if (hit && hit.stamp === stamp) return hit.analysis;
    const runKey = `${key}\u0000${stamp}`;
    const already = this.running.get(runKey);
    if (already) return already;
    this.cache.delete(key);
    const run = (async () => {
      const analysis = this.deps.analyse ? await this.deps.analyse(project, model) : analyseProject(this.deps.db, project, model);
      this.analysisRuns++;
      if (this.deps.analyse) this.offThread++;
      // Reading changes nothing; if the stamp moved meanwhile, someone wrote while it read: do not keep it.
      if (this.stamp() === stamp) {
        if (this.cache.size >= CACHED_ANALYSES) this.cache.delete(this.cache.keys().next().value!);
        this.cache.set(key, { stamp, analysis });
      }
      return analysis;
    })().finally(() => this.running.delete(runKey));
    this.running.set(runKey, run);
    return run;
  }

  private stamp(): string {
    const changes = cachedStatement(this.deps.db, 'SELECT total_changes() AS n').get() as { n: number };
    const version = cachedStatement(this.deps.db, 'PRAGMA data_version').get() as { data_version: number };
    return `${changes.n}:${version.data_version}`;
  }

  private read(projectId: string, documentId: string, model: boolean): ReviewDocumentInput {
    const doc = readReviewDocuments(this.deps.db, projectId, { model, documentId }).next();
    if (doc.done) throw new AppError('not_found', `Document ${documentId} is not in this project`, { details: { field: 'documentId' } });
    return doc.value;
  }

}

/** Projects × with/without the model kept at once (each entry is small: summaries and figures). */
const CACHED_ANALYSES = 8;

const invalid = (message: string) => new AppError('invalid_request', message);

function stateOf(doc: DocumentSummary, required: number): ReviewState {
  if (doc.goldCurrent) return 'resolved';
  if (doc.annotatorCount < required) return 'waiting';
  return doc.disagreements ? 'open' : 'agreed';
}
