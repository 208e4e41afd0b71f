import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import type { JsonlLine } from '../../src/main/core/formats';
import { truthBoxes } from '../../src/main/core/synth';
import type { ExportJob } from '../../src/shared/domain/formats';
import { openTestCore, tempDir } from '../helpers/core';
import { createLabelledProject, SEED } from '../helpers/formats';
import { addDocuments, verifyDocument, type SeededDocument } from '../helpers/sync';

/** The export job: which versions it picks (status, annotator, dates), lineage, images, safety of the target folder, cancel, events. */

let dir: ReturnType<typeof tempDir>;
let core: Core;
let projectId: string;
let docs: SeededDocument[];
let now = new Date('2026-03-01T10:00:00.000Z');
let ada: string;

const at = (iso: string) => {
  now = new Date(iso);
};

beforeEach(async () => {
  dir = tempDir('folio-formats-export-');
  core = await openTestCore(join(dir.path, 'data'), { clock: { now: () => now } });
  await core.api['settings.update']({ annotatorName: 'Ada' });
  ada = (await core.api['settings.get']({})).annotator.id;
  projectId = await createLabelledProject(core, 'Invoices');
  docs = await addDocuments(core, projectId, { count: 5, seed: SEED });
  at('2026-03-01T10:00:00.000Z');
  await verifyDocument(core, projectId, docs[0]!);
  at('2026-03-05T23:59:59.000Z');
  await verifyDocument(core, projectId, docs[1]!);
  at('2026-03-10T08:00:00.000Z');
  await verifyDocument(core, projectId, docs[2]!);
  // Bob verifies document 0 later than Ada did.
  at('2026-03-12T12:00:00.000Z');
  const iso = now.toISOString();
  core.annotations.ensureAnnotator('bob', 'Bob', iso);
  core.annotations.save({ projectId, documentId: docs[0]!.documentId, baseRevision: 0, upsertBoxes: truthBoxes(docs[0]!.truth, docs[0]!.pageId).slice(0, 3) }, 'bob', iso);
  expect(core.annotations.verify(projectId, docs[0]!.documentId, { id: 'bob', name: 'Bob' }, iso).result).toBe('verified');
  // A resolved gold version of document 3, which no annotator verified.
  addGold(3, iso);
});

/** A resolved gold version of document `i` by Ada (written the way the review flow stores one: a draft row, then frozen). */
function addGold(i: number, iso: string): void {
  const id = `gold-${i}`;
  core.db.prepare("INSERT INTO annotations (id, project_id, document_id, annotator_id, version, status, kind, created_at, updated_at) VALUES (?, ?, ?, ?, 1, 'draft', 'gold', ?, ?)").run(id, projectId, docs[i]!.documentId, ada, iso, iso);
  core.db.prepare("INSERT INTO boxes (annotation_id, id, page_id, label, x, y, w, h, transcription, position) VALUES (?, 'g1', ?, 'total', 1, 2, 3, 4, 'T', 0)").run(id, docs[i]!.pageId);
  core.db.prepare("UPDATE annotations SET status = 'verified', verified_at = ? WHERE id = ?").run(iso, id);
}
afterEach(async () => {
  await core.close();
  dir.cleanup();
});

let n = 0;
async function exportLines(opts: Partial<Parameters<Core['exporter']['run']>[0]> = {}): Promise<{ job: ExportJob; lines: JsonlLine[] }> {
  const out = join(dir.path, `out-${++n}`);
  const job = await core.exporter.run({ projectId, format: 'jsonl', out, images: 'reference', ...opts });
  expect(job.state, job.error ?? '').toBe('completed');
  const text = readFileSync(join(out, 'documents.jsonl'), 'utf8');
  return { job, lines: text ? text.trimEnd().split('\n').map((l) => JSON.parse(l) as JsonlLine) : [] };
}
const who = (lines: JsonlLine[]) => lines.map((l) => [docs.findIndex((d) => d.documentId === l.document.id), l.annotation.annotator.name, l.annotation.kind]);

describe('which versions', () => {
  it('by default gold where a lead resolved the document, else the newest verified; the filters keep documents whose chosen version matches', async () => {
    // The lead resolves document 0 on the 11th; Bob verifies it again on the 12th: gold still stands for it.
    addGold(0, '2026-03-11T09:00:00.000Z');
    const standing = await exportLines();
    expect(who(standing.lines)).toEqual([
      [0, 'Ada', 'gold'],
      [1, 'Ada', 'annotation'],
      [2, 'Ada', 'annotation'],
      [3, 'Ada', 'gold'],
    ]);
    expect(standing.job).toMatchObject({ total: 4, done: 4, fromGold: 2, fromVerified: 2 });
    expect(standing.lines[0]!.boxes.map((b) => b.transcription)).toEqual(['T']);
    expect(await core.exporter.preview({ projectId })).toEqual({ documents: 4, fromGold: 2, fromVerified: 2, overruled: 0 });
    // The explicit choices: annotators' versions (one of them overruled by gold), or gold only.
    expect(await core.exporter.preview({ projectId, status: 'verified' })).toEqual({ documents: 3, fromGold: 0, fromVerified: 3, overruled: 1 });
    expect(await core.exporter.preview({ projectId, status: 'gold' })).toEqual({ documents: 2, fromGold: 2, fromVerified: 0, overruled: 0 });
    // --annotator: Bob's version of document 0 is overruled, so none of Bob's versions stands; with --status verified it is his.
    expect(who((await exportLines({ annotator: 'bob' })).lines)).toEqual([]);
    expect(who((await exportLines({ annotator: 'bob', status: 'verified' })).lines)).toEqual([[0, 'Bob', 'annotation']]);
    // --since / --until: the standing version was verified or resolved in the window (document 1 was verified on the 5th).
    expect(who((await exportLines({ since: '2026-03-06' })).lines)).toEqual([
      [0, 'Ada', 'gold'],
      [2, 'Ada', 'annotation'],
      [3, 'Ada', 'gold'],
    ]);
    expect(who((await exportLines({ until: '2026-03-10', annotator: 'Ada' })).lines)).toEqual([
      [1, 'Ada', 'annotation'],
      [2, 'Ada', 'annotation'],
    ]);
    expect(() => core.exporter.preview({ projectId, annotator: 'Zed' })).toThrow(/annotator: no annotator has the id or name "Zed"/);
  });

  it('--status verified: the newest verified annotator version; --annotator, --since and --until narrow it; --status gold picks gold', async () => {
    const verified = (opts: Partial<Parameters<Core['exporter']['run']>[0]> = {}) => exportLines({ status: 'verified', ...opts });
    expect(who((await verified()).lines)).toEqual([
      [0, 'Bob', 'annotation'],
      [1, 'Ada', 'annotation'],
      [2, 'Ada', 'annotation'],
    ]);
    expect(who((await verified({ annotator: 'ada' })).lines)).toEqual([
      [0, 'Ada', 'annotation'],
      [1, 'Ada', 'annotation'],
      [2, 'Ada', 'annotation'],
    ]);
    expect(who((await verified({ annotator: 'bob' })).lines)).toEqual([[0, 'Bob', 'annotation']]);
    expect(who((await verified({ annotator: 'Ada', since: '2026-03-05' })).lines)).toEqual([
      [1, 'Ada', 'annotation'],
      [2, 'Ada', 'annotation'],
    ]);
    // --until names a whole day: 23:59:59 on the 5th is in.
    expect(who((await verified({ annotator: 'Ada', until: '2026-03-05' })).lines)).toEqual([
      [0, 'Ada', 'annotation'],
      [1, 'Ada', 'annotation'],
    ]);
    expect(who((await verified({ since: '2026-03-05T00:00:00Z', until: '2026-03-10T08:00:00Z' })).lines)).toEqual([
      [1, 'Ada', 'annotation'],
      [2, 'Ada', 'annotation'],
    ]);
    const gold = await exportLines({ status: 'gold' });
    expect(who(gold.lines)).toEqual([[3, 'Ada', 'gold']]);
    expect(gold.lines[0]!.boxes).toEqual([{ id: 'g1', page: 1, label: 'total', x: 1, y: 2, w: 3, h: 4, transcription: 'T', originPredictionId: null }]);
    expect(gold.job.total).toBe(1);
  });

  it('refuses unknown annotators and bad dates before starting', () => {
    const out = join(dir.path, 'never');
    expect(() => core.exporter.start({ projectId, format: 'coco', out, annotator: 'Zed' })).toThrow(/annotator: no annotator has the id or name "Zed"; annotators: "Ada", "Bob"/);
    expect(() => core.exporter.start({ projectId, format: 'coco', out, since: 'yesterday' })).toThrow(/since: expected a date/);
    expect(() => core.exporter.start({ projectId, format: 'coco', out, since: '2026-03-05', until: '2026-03-01' })).toThrow(/is not before/);
    expect(existsSync(out)).toBe(false);
  });

  it('lineage: a re-verified document exports its newest version with the versions before it', async () => {
    at('2026-03-20T09:00:00.000Z');
    const state = await core.api['annotations.get']({ projectId, documentId: docs[1]!.documentId });
    await core.api['annotations.save']({ projectId, documentId: docs[1]!.documentId, baseRevision: state.revision, deleteBoxIds: [state.boxes[0]!.id] });
    await core.api['annotations.verify']({ projectId, documentId: docs[1]!.documentId });
    const line = (await exportLines({ annotator: 'Ada' })).lines.find((l) => l.document.id === docs[1]!.documentId)!;
    expect(line.annotation.version).toBe(2);
    expect(line.boxes).toHaveLength(docs[1]!.truth.boxes.length - 1);
    expect(line.lineage).toEqual([expect.objectContaining({ version: 1, kind: 'annotation', status: 'verified', annotatorId: ada, verifiedAt: '2026-03-05T23:59:59.000Z' })]);
    expect(line.annotation.parentId).toBe(line.lineage[0]!.annotationId);
  });
});

describe('the job', () => {
  it('a document whose page image is gone is skipped with the reason; the rest is exported', async () => {
    rmSync(docs[2]!.imagePath);
    const { job, lines } = await exportLines();
    // Documents 0, 1 and 3 (gold); document 2's image is gone.
    expect(lines).toHaveLength(3);
    expect(job.skipped).toEqual([{ documentId: docs[2]!.documentId, reason: expect.stringContaining('the image of page 1 is missing from the media folder') }]);
    expect(job).toMatchObject({ done: 4, fromGold: 1, fromVerified: 2 });
  });

  it('never writes into a folder that has files, or over a file', () => {
    const full = join(dir.path, 'full');
    mkdirSync(full);
    writeFileSync(join(full, 'keep.txt'), 'mine');
    expect(() => core.exporter.start({ projectId, format: 'coco', out: full })).toThrow(/not empty/);
    expect(() => core.exporter.start({ projectId, format: 'coco', out: join(full, 'keep.txt') })).toThrow(/is a file/);
    expect(() => core.exporter.start({ projectId, format: 'coco', out: join(dir.path, 'no', 'such', 'parent') })).toThrow(/does not exist/);
    expect(readFileSync(join(full, 'keep.txt'), 'utf8')).toBe('mine');
  });

  it('writes into an empty folder the user made; copies images; reports progress events and keeps the job', async () => {
    const out = join(dir.path, 'empty');
    mkdirSync(out);
    const events: string[] = [];
    const unsubscribe = core.subscribe((event) => events.push(event));
    const job = await core.exporter.run({ projectId, format: 'coco', out });
    unsubscribe();
    expect(job).toMatchObject({ state: 'completed', done: 4, total: 4, pages: 4, imagesCopied: 4, files: ['annotations.json'] });
    expect(readdirSync(out).sort()).toEqual(['annotations.json', 'images']);
    expect(readdirSync(join(out, 'images'))).toHaveLength(4);
    expect(events.filter((e) => e === 'export.progress').length).toBeGreaterThanOrEqual(2);
    expect(events.filter((e) => e === 'export.finished')).toHaveLength(1);
    expect(await core.api['export.get']({ jobId: job.jobId })).toEqual(job);
    expect(core.db.prepare('SELECT kind, state FROM jobs WHERE id = ?').get(job.jobId)).toEqual({ kind: 'export', state: 'completed' });
    // No staging folder is left beside it.
    expect(readdirSync(dir.path).filter((f) => f.includes('.partial-'))).toEqual([]);
  });

  it('a cancelled export leaves no folder behind', async () => {
    const out = join(dir.path, 'cancelled');
    const { jobId } = await core.api['export.start']({ projectId, format: 'labelstudio', out });
    expect(await core.api['export.cancel']({ jobId })).toEqual({ cancelled: true });
    await core.exporter.idle();
    expect((await core.api['export.get']({ jobId })).state).toBe('cancelled');
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir.path).filter((f) => f.includes('.partial-'))).toEqual([]);
  });
});
