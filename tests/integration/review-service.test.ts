import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseFile, type Core } from '../../src/main/core/createCore';
import { ReviewService } from '../../src/main/core/review/service';
import { readReviewDocuments } from '../../src/main/core/review/store';
import type { ReviewDocument } from '../../src/shared/domain/review';
import { openTestCore, tempDir } from '../helpers/core';
import { takeSuggested, truthContent, verifyAs, type Annotator, type Content } from '../helpers/review';
import { addDocuments, createSyncProject, type SeededDocument } from '../helpers/sync';

/**
 * The lead's review over the contract: which documents need the lead (by state and severity),
 * one document's sources grouped item by item, a resolution becoming an immutable gold version
 * with lineage in the outbox, stale and invalid resolutions refused with nothing written, and the
 * agreement figures behind the charts.
 */

const alice: Annotator = { id: 'ann-alice', name: 'Alice' };
const bob: Annotator = { id: 'ann-bob', name: 'Bob' };

let dir: ReturnType<typeof tempDir>;
let core: Core;
let projectId: string;
let docs: SeededDocument[];
let truth: Content[];

const basedOn = (doc: ReviewDocument) => doc.versions.map((v) => ({ sourceId: v.source.id, annotationId: v.annotationId, version: v.version }));
const goldCount = (documentId: string) =>
  (core.db.prepare("SELECT COUNT(*) AS n FROM annotations WHERE document_id = ? AND kind = 'gold'").get(documentId) as { n: number }).n;

beforeAll(async () => {
  dir = tempDir();
  core = await openTestCore(join(dir.path, 'data'));
  projectId = await createSyncProject(core, 'Invoices');
  docs = await addDocuments(core, projectId, { count: 3 });
  truth = docs.map((d) => truthContent(d.truth, d.pageId));
  // Document 0: Bob relabels one box, drops another and answers the first question differently.
  const bobs = structuredClone(truth[0]!);
  const evidence = new Set(bobs.qa.flatMap((q) => q.evidenceBoxIds));
  const free = bobs.boxes.filter((b) => !evidence.has(b.id));
  const relabelled = free[0]!;
  relabelled.label = relabelled.label === 'total' ? 'date' : 'total';
  bobs.boxes = bobs.boxes.filter((b) => b.id !== free[1]!.id);
  bobs.qa[0]!.answer = 'something else entirely';
  bobs.qa[0]!.unanswerable = false;
  verifyAs(core, projectId, docs[0]!.documentId, alice, truth[0]!, '2026-12-01T10:00:00.000Z');
  verifyAs(core, projectId, docs[0]!.documentId, bob, bobs, '2026-12-01T10:05:00.000Z');
  // Document 1: both verify the same thing. Document 2: only Alice has verified it.
  verifyAs(core, projectId, docs[1]!.documentId, alice, truth[1]!);
  verifyAs(core, projectId, docs[1]!.documentId, bob, structuredClone(truth[1]!));
  verifyAs(core, projectId, docs[2]!.documentId, alice, truth[2]!);
  await core.api['settings.update']({ annotatorName: 'Lead' });
});

afterAll(async () => {
  await core.close();
  dir.cleanup();
});

describe('review queue', () => {
  it('puts each document in its state and lists the open ones by severity', async () => {
    await core.api['projects.update']({ projectId, requiredAnnotators: 2 });
    const all = await core.api['review.queue']({ projectId, state: 'all' });
    expect(all.totals).toEqual({ documents: 3, waiting: 1, open: 1, agreed: 1, resolved: 0 });
    const byDoc = new Map(all.items.map((i) => [i.documentId, i]));
    expect(byDoc.get(docs[0]!.documentId)!.state).toBe('open');
    expect(byDoc.get(docs[1]!.documentId)!.state).toBe('agreed');
    expect(byDoc.get(docs[2]!.documentId)!.state).toBe('waiting');

    const open = await core.api['review.queue']({ projectId });
    expect(open.items.map((i) => i.documentId)).toEqual([docs[0]!.documentId]);
    const item = open.items[0]!;
    expect(item.counts.byType.label_mismatch).toBe(1);
    expect(item.counts.byType.missing_box).toBe(1);
    expect(item.counts.byType.answer_mismatch).toBe(1);
    expect(item.sources.map((s) => s.name)).toEqual(['Alice', 'Bob']);
    expect(item.gold).toBeNull();

    // One annotator is enough when the project asks for one.
    await core.api['projects.update']({ projectId, requiredAnnotators: 1 });
    expect((await core.api['review.queue']({ projectId, state: 'all' })).totals.waiting).toBe(0);
    await core.api['projects.update']({ projectId, requiredAnnotators: 2 });
  });

  it('refuses an impossible number of annotators per document', async () => {
    await expect(core.api['projects.update']({ projectId, requiredAnnotators: 0 })).rejects.toThrow(/at least one annotator/);
  });
});

describe('review document', () => {
  it('groups every source item by item, marking agreement, the disagreements and a suggestion', async () => {
    const doc = await core.api['review.document']({ projectId, documentId: docs[0]!.documentId });
    expect(doc.versions.map((v) => v.source.name)).toEqual(['Alice', 'Bob']);
    const t = truth[0]!;
    expect(doc.boxGroups).toHaveLength(t.boxes.length);
    const disagreeing = doc.boxGroups.filter((g) => !g.agreed);
    expect(disagreeing).toHaveLength(2);
    for (const g of disagreeing) expect(g.disagreementIds.length).toBeGreaterThan(0);
    const onlyAlice = disagreeing.find((g) => Object.keys(g.boxes).length === 1)!;
    expect(Object.keys(onlyAlice.boxes)).toEqual([alice.id]);
    const q = doc.questionGroups.find((g) => g.question === t.qa[0]!.question)!;
    expect(q.agreed).toBe(false);
    expect(Object.keys(q.answers).sort()).toEqual([alice.id, bob.id].sort());
    expect(doc.questionGroups.filter((g) => g.agreed)).toHaveLength(t.qa.length - 1);
  });

  it('names a document that is not in the project', async () => {
    await expect(core.api['review.document']({ projectId, documentId: 'nope' })).rejects.toThrow(/nope is not in this project/);
  });
});

describe('resolving', () => {
  it('writes gold with lineage into the outbox, and the document leaves the open queue', async () => {
    const documentId = docs[0]!.documentId;
    const doc = await core.api['review.document']({ projectId, documentId });
    const choice = takeSuggested(doc);
    // The lead takes Bob's answer for the first question and edits one transcription by hand.
    const q0 = doc.questionGroups.find((g) => !g.agreed)!;
    const bobsAnswer = q0.answers[bob.id]!;
    choice.qa = choice.qa.map((q) => (q.question === q0.question ? { ...q, answer: bobsAnswer.answer, from: bob.id } : q));
    choice.boxes[0] = { ...choice.boxes[0]!, transcription: `${choice.boxes[0]!.transcription} (checked)`, from: null };

    const result = await core.api['review.resolve']({ projectId, documentId, basedOn: basedOn(doc), ...choice });
    expect(result.version).toBe(1);
    expect(result.boxes).toBe(choice.boxes.length);

    const outbox = core.db.prepare("SELECT kind, state FROM outbox WHERE entity_id = ?").all(result.annotationId);
    expect(outbox).toEqual([{ kind: 'annotation_version', state: 'pending' }]);
    const row = core.db.prepare('SELECT kind, status, annotator_id FROM annotations WHERE id = ?').get(result.annotationId) as { kind: string; status: string; annotator_id: string };
    expect(row).toMatchObject({ kind: 'gold', status: 'verified' });
    expect(() => core.db.prepare('DELETE FROM boxes WHERE annotation_id = ?').run(result.annotationId)).toThrow(/immutable/);

    const after = await core.api['review.document']({ projectId, documentId });
    expect(after.state).toBe('resolved');
    expect(after.gold!.boxes).toHaveLength(choice.boxes.length);
    expect(after.gold!.qa.find((q) => q.question === q0.question)!.answer).toBe(bobsAnswer.answer);
    const lineage = after.gold!.lineage!;
    expect(lineage.resolvedByName).toBe('Lead');
    expect(lineage.sources.map((s) => s.name).sort()).toEqual(['Alice', 'Bob']);
    expect(lineage.items.boxes[choice.boxes[0]!.id]).toBeNull();
    expect(lineage.items.qa[choice.qa.find((q) => q.question === q0.question)!.id]).toBe(bob.id);
    // Gold joins the groups of the boxes it was taken from and becomes the suggestion.
    for (const g of after.boxGroups) if (g.boxes[after.gold!.source.id]) expect(g.suggested).toBe(after.gold!.source.id);

    const queue = await core.api['review.queue']({ projectId, state: 'all' });
    expect(queue.totals.resolved).toBe(1);
    expect(queue.items.find((i) => i.documentId === documentId)!.gold).toMatchObject({ version: 1, resolvedBy: 'Lead' });
  });

  it('refuses a resolution made before an annotator verified again, and reopens the document', async () => {
    const documentId = docs[1]!.documentId;
    const doc = await core.api['review.document']({ projectId, documentId });
    const changed = structuredClone(truth[1]!);
    changed.boxes[0]!.transcription = 'retyped';
    verifyAs(core, projectId, documentId, bob, changed);
    const before = goldCount(documentId);
    await expect(core.api['review.resolve']({ projectId, documentId, basedOn: basedOn(doc), ...takeSuggested(doc) })).rejects.toThrow(/Bob verified version 2 .* reload/);
    expect(goldCount(documentId)).toBe(before);
    expect((await core.api['review.document']({ projectId, documentId })).state).toBe('open');
  });

  it('refuses labels outside the set, evidence to missing boxes and boxes off the page, writing nothing', async () => {
    const documentId = docs[1]!.documentId;
    const doc = await core.api['review.document']({ projectId, documentId });
    const choice = takeSuggested(doc);
    const base = { projectId, documentId, basedOn: basedOn(doc) };
    await expect(core.api['review.resolve']({ ...base, ...choice, boxes: [{ ...choice.boxes[0]!, label: 'banana' }, ...choice.boxes.slice(1)] })).rejects.toThrow(
      /boxes\[0\]\.label: "banana" is not in the project's label set/,
    );
    await expect(core.api['review.resolve']({ ...base, ...choice, qa: [{ ...choice.qa[0]!, evidenceBoxIds: ['ghost'] }] })).rejects.toThrow(/qa\[0\]\.evidenceBoxIds: box ghost/);
    await expect(core.api['review.resolve']({ ...base, ...choice, boxes: [{ ...choice.boxes[0]!, x: 1e6 }] })).rejects.toThrow(/boxes\[0\]: the box lies outside its page/);
    expect(goldCount(documentId)).toBe(0);
    // A later resolution is the next gold version, with the first as its parent.
    const ok = await core.api['review.resolve']({ ...base, ...choice });
    const again = await core.api['review.document']({ projectId, documentId });
    const second = await core.api['review.resolve']({ projectId, documentId, basedOn: basedOn(again), ...takeSuggested(again) });
    expect(second.version).toBe(ok.version + 1);
    expect(core.db.prepare('SELECT parent_id FROM annotations WHERE id = ?').get(second.annotationId)).toEqual({ parent_id: ok.annotationId });
  });
});

describe('agreement figures', () => {
  it('bins every matched pair and reports labels and annotators', async () => {
    const a = await core.api['review.agreement']({ projectId });
    const binned = a.iouHistogram.reduce((s, b) => s + b.count, 0);
    expect(a.iouHistogram).toHaveLength(10);
    expect(a.iouHistogram[0]!.from).toBe(0.5);
    expect(a.iouHistogram.at(-1)!.to).toBe(1);
    // Identical geometry lands in the top bin.
    expect(a.iouHistogram.at(-1)!.count).toBe(binned);
    expect(binned).toBeGreaterThan(0);
    expect(a.annotators.map((x) => x.name)).toEqual(['Alice', 'Bob']);
    expect(a.perLabel.length).toBeGreaterThan(1);
    expect(a.perAnnotator.find((x) => x.name === 'Bob')!.vsGold).not.toBeNull();
    expect(a.disagreements.byType.label_mismatch).toBe(1);
  });
});

describe('reading the versions', () => {
  it('reads the same documents whatever the batch, and the same as one document at a time', () => {
    const whole = [...readReviewDocuments(core.db, projectId, { model: true })];
    expect(whole.map((d) => d.documentId)).toEqual(docs.map((d) => d.documentId));
    expect(whole.flatMap((d) => d.annotators).length).toBeGreaterThanOrEqual(5);
    for (const batchSize of [1, 2]) expect([...readReviewDocuments(core.db, projectId, { model: true, batchSize })]).toEqual(whole);
    for (const d of whole) expect([...readReviewDocuments(core.db, projectId, { model: true, documentId: d.documentId })]).toEqual([d]);
    const alices = whole[0]!.annotators.find((v) => v.source.id === alice.id)!;
    expect(alices.boxes.map((b) => b.id)).toEqual(truth[0]!.boxes.map((b) => b.id));
    expect(alices.qa.map((q) => q.evidenceBoxIds)).toEqual(truth[0]!.qa.map((q) => q.evidenceBoxIds));
  });
});

describe('one analysis per page load', () => {
  /** A service with nothing cached, over the same database: what the figures must be. */
  const uncached = () => new ReviewService({ db: core.db, projects: core.projects, clock: { now: () => new Date() }, lead: () => ({ id: 'lead', name: 'Lead' }), onGold: () => {} });
  const pageLoad = () => Promise.all([core.api['review.queue']({ projectId, state: 'all' }), core.api['review.agreement']({ projectId })]);

  it('answers the queue and the agreement from one pass, and passes again only when the data changed', async () => {
    const [queue, agreement] = await pageLoad();
    // Bob verifies document 2 with one box relabelled: the next page load sees it, in one pass.
    const bobs = structuredClone(truth[2]!);
    bobs.boxes[0]!.label = bobs.boxes[0]!.label === 'total' ? 'date' : 'total';
    verifyAs(core, projectId, docs[2]!.documentId, bob, bobs);
    const runs = core.review.analyses;
    const [queue2, agreement2] = await pageLoad();
    expect(core.review.analyses).toBe(runs + 1);
    expect(queue.items.find((i) => i.documentId === docs[2]!.documentId)!.state).toBe('waiting');
    expect(queue2.items.find((i) => i.documentId === docs[2]!.documentId)!.state).toBe('open');
    expect(agreement2.disagreements.byType.label_mismatch).toBe(agreement.disagreements.byType.label_mismatch + 1);
    expect(agreement2.annotators.find((a) => a.name === 'Bob')!.documents).toBe(3);

    // Unchanged data: served from the cache, and the same as computing everything afresh.
    expect(await pageLoad()).toEqual([queue2, agreement2]);
    expect(core.review.analyses).toBe(runs + 1);
    expect([queue2, agreement2]).toEqual([await uncached().queue({ projectId, state: 'all' }), await uncached().agreement({ projectId })]);
    // A different question (with the model) is its own analysis.
    await core.api['review.queue']({ projectId, state: 'all', includeModel: true });
    expect(core.review.analyses).toBe(runs + 2);

    // Only the required count changed (a project setting): the states follow it.
    await core.api['projects.update']({ projectId, requiredAnnotators: 3 });
    const queue3 = await core.api['review.queue']({ projectId, state: 'all' });
    expect(queue3.totals.open).toBe(0);
    expect(queue3).toEqual(await uncached().queue({ projectId, state: 'all' }));
    await core.api['projects.update']({ projectId, requiredAnnotators: 2 });
  });

  it('sees what another connection commits (the sync worker, another process)', async () => {
    const [queue] = await pageLoad();
    expect(queue.items[0]!.sources.map((s) => s.name)).toContain('Bob');
    const other = new Database(databaseFile(core.dataDir));
    try {
      other.prepare('UPDATE annotators SET name = ? WHERE id = ?').run('Robert', bob.id);
    } finally {
      other.close();
    }
    const [after, agreement] = await pageLoad();
    expect(after.items[0]!.sources.map((s) => s.name)).toContain('Robert');
    expect(agreement.annotators.map((a) => a.name)).toEqual(['Alice', 'Robert']);
  });
});
