import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerAgreementCommand } from '../../src/main/cli/commands/agreement';
import { iou, type AgreementReport, type DisagreementType } from '../../src/main/core/review';
import { SYNTH_LABELS, type SynthDocument } from '../../src/main/core/synth';
import { openTestCore, tempDir } from '../helpers/core';
import { insertGold, truthContent, verifyAs, type Annotator, type Content } from '../helpers/review';
import { addDocuments, createSyncProject, type SeededDocument } from '../helpers/sync';

/**
 * `folio agreement` on one database holding three annotators' verified versions of generated
 * documents (plus gold for two of them), made from the exact ground truth with known injected
 * disagreements of every type. The report must list every injection with its type and nothing
 * else; on a tiny hand-built project its metrics must be the values worked out by hand.
 */

const alice: Annotator = { id: 'ann-alice', name: 'Alice' };
const bob: Annotator = { id: 'ann-bob', name: 'Bob' };
const carol: Annotator = { id: 'ann-carol', name: 'Carol' };
const lead: Annotator = { id: 'ann-lead', name: 'Lead' };

/** What one annotator changed relative to the truth: the type as seen from a truthful reference. */
interface Injection {
  documentId: string;
  by: Annotator;
  type: DisagreementType;
  boxId?: string;
  question?: string;
}

let dir: ReturnType<typeof tempDir>;
let dataDir: string;
let docs: SeededDocument[];
const injections: Injection[] = [];
const annotatorsOf = new Map<string, Annotator[]>();

async function folio(...args: string[]): Promise<string[]> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    const program = new Command().name('folio').exitOverride().configureOutput({ writeErr: () => undefined });
    registerAgreementCommand(program, { openCore: () => openTestCore(dataDir) });
    await program.parseAsync(['node', 'folio', ...args]);
  } finally {
    log.mockRestore();
  }
  return lines;
}
const report = async (...args: string[]): Promise<AgreementReport> => JSON.parse((await folio('agreement', ...args, '--json')).at(-1)!) as AgreementReport;

const clone = (c: Content): Content => structuredClone(c);
const evidenceIds = (c: Content) => new Set(c.qa.flatMap((q) => q.evidenceBoxIds));

beforeAll(async () => {
  dir = tempDir();
  dataDir = join(dir.path, 'data');
  const core = await openTestCore(dataDir);
  const projectId = await createSyncProject(core, 'Invoices');
  docs = await addDocuments(core, projectId, { count: 4 });
  const truth = docs.map((d) => truthContent(d.truth, d.pageId));
  // Preconditions the expectations rely on: truth boxes barely overlap one another.
  for (const t of truth) {
    for (const [i, a] of t.boxes.entries()) for (const b of t.boxes.slice(i + 1)) expect(iou(a, b)).toBeLessThan(0.2);
  }
  const record = (documentId: string, by: Annotator, content: Content) => {
    verifyAs(core, projectId, documentId, by, content);
    annotatorsOf.set(documentId, [...(annotatorsOf.get(documentId) ?? []), by]);
  };

  // Document 0: Bob drops a box, adds one, swaps a label, shifts a box and retypes a transcription.
  {
    const d = docs[0]!;
    const t = truth[0]!;
    const b = clone(t);
    const free = t.boxes.filter((x) => !evidenceIds(t).has(x.id));
    const [drop, relabel, shift] = [free[0]!, free[1]!, free[2]!];
    const retype = free.slice(3).find((x) => x.transcription.length >= 3)!;
    b.boxes = b.boxes.filter((x) => x.id !== drop.id);
    const added = { ...t.boxes[0]!, id: 'bob-extra', label: 'stamp', x: 2, y: 2, w: 12, h: 12, transcription: 'PAID' };
    expect(Math.max(...t.boxes.map((x) => iou(x, added)))).toBeLessThan(0.5);
    b.boxes.push(added);
    const other = SYNTH_LABELS.find((l) => l.name !== relabel.label)!.name;
    b.boxes.find((x) => x.id === relabel.id)!.label = other;
    const s = b.boxes.find((x) => x.id === shift.id)!;
    s.x += s.w * 0.2; // IoU 0.8/1.2 = 2/3: matched (≥ 0.5) but below 0.85
    // Appending a third of its length again: normalised edit distance ≈ 0.25, a medium mismatch.
    b.boxes.find((x) => x.id === retype.id)!.transcription = retype.transcription + 'X'.repeat(Math.round(retype.transcription.length / 3));
    record(d.documentId, alice, t);
    record(d.documentId, bob, b);
    record(d.documentId, carol, t);
    injections.push(
      { documentId: d.documentId, by: bob, type: 'missing_box', boxId: drop.id },
      { documentId: d.documentId, by: bob, type: 'extra_box', boxId: added.id },
      { documentId: d.documentId, by: bob, type: 'label_mismatch', boxId: relabel.id },
      { documentId: d.documentId, by: bob, type: 'geometry_mismatch', boxId: shift.id },
      { documentId: d.documentId, by: bob, type: 'transcription_mismatch', boxId: retype.id },
    );
    insertGold(core, projectId, d.documentId, lead, t);
  }
  // Document 1: Bob changes one answer and another question's evidence.
  {
    const d = docs[1]!;
    const t = truth[1]!;
    const b = clone(t);
    const answered = b.qa.filter((q) => !q.unanswerable && q.evidenceBoxIds.length > 0);
    expect(answered.length).toBeGreaterThanOrEqual(2);
    const [changed, moved] = [answered[0]!, answered[1]!];
    changed.answer = 'zz injected zz';
    const elsewhere = t.boxes.find((x) => !moved.evidenceBoxIds.includes(x.id))!;
    moved.evidenceBoxIds = [elsewhere.id];
    record(d.documentId, alice, t);
    record(d.documentId, bob, b);
    injections.push(
      { documentId: d.documentId, by: bob, type: 'answer_mismatch', question: changed.question },
      { documentId: d.documentId, by: bob, type: 'evidence_mismatch', question: moved.question },
    );
  }
  // Document 2: Carol swaps a label and marks an answered question unanswerable.
  {
    const d = docs[2]!;
    const t = truth[2]!;
    const c = clone(t);
    const box = c.boxes[c.boxes.length - 1]!;
    box.label = SYNTH_LABELS.find((l) => l.name !== box.label)!.name;
    const q = c.qa.find((x) => !x.unanswerable)!;
    Object.assign(q, { answer: '', unanswerable: true, evidenceBoxIds: [] });
    record(d.documentId, alice, t);
    record(d.documentId, bob, t);
    record(d.documentId, carol, c);
    injections.push({ documentId: d.documentId, by: carol, type: 'label_mismatch', boxId: box.id }, { documentId: d.documentId, by: carol, type: 'answer_mismatch', question: q.question });
  }
  // Document 3: everyone agrees, and gold agrees with them.
  {
    const d = docs[3]!;
    for (const who of [alice, bob, carol]) record(d.documentId, who, truth[3]!);
    insertGold(core, projectId, d.documentId, lead, truth[3]!);
  }
  await core.close();
});
afterAll(() => dir.cleanup());

const flip = (t: DisagreementType): DisagreementType => (t === 'missing_box' ? 'extra_box' : t === 'extra_box' ? 'missing_box' : t);

describe('folio agreement on injected disagreements', () => {
  it('reports every injected disagreement with its type, and no other', async () => {
    const r = await report('--project', 'Invoices');
    const questionText = new Map(docs.flatMap((d) => d.truth.qa.map((q) => [`${d.documentId}|${q.question}`, q.question])));
    const key = (documentId: string, a: string, b: string, type: DisagreementType, item: string) => `${documentId} ${a}→${b} ${type} ${item}`;

    // Expected: for every pair of annotators of a document (in name order), the injections of the
    // second as they are, the injections of the first seen from the other side (missing ↔ extra).
    const expected: string[] = [];
    for (const [documentId, who] of annotatorsOf) {
      const sorted = [...who].sort((x, y) => x.name.localeCompare(y.name));
      for (let i = 0; i < sorted.length; i++) {
        for (let j = i + 1; j < sorted.length; j++) {
          const [a, b] = [sorted[i]!, sorted[j]!];
          for (const inj of injections.filter((x) => x.documentId === documentId)) {
            if (inj.by !== a && inj.by !== b) continue;
            const type = inj.by === b ? inj.type : flip(inj.type);
            expected.push(key(documentId, a.id, b.id, type, inj.boxId ?? questionText.get(`${documentId}|${inj.question}`)!));
          }
        }
      }
    }
    const found = r.queue.flatMap((d) => d.disagreements.map((x) => key(x.documentId, x.a, x.b, x.type, x.boxA ?? x.boxB ?? x.question!)));
    expect(found.sort()).toEqual(expected.sort());
    expect(expected).toHaveLength(5 * 2 + 2 + 2 * 2); // doc 0: alice/bob and bob/carol; doc 1: alice/bob; doc 2: alice/carol and bob/carol
    expect(r.queue.flatMap((d) => d.lowConfidence)).toEqual([]);

    // Every type is represented, with its severity, and the details a lead needs.
    expect(r.disagreements.byType).toEqual({ missing_box: 2, extra_box: 2, label_mismatch: 4, geometry_mismatch: 2, transcription_mismatch: 2, answer_mismatch: 3, evidence_mismatch: 1 });
    const all = r.queue.flatMap((d) => d.disagreements);
    const geometry = all.find((x) => x.type === 'geometry_mismatch')!;
    expect(geometry.iou).toBeCloseTo(2 / 3, 9);
    expect(geometry.severity).toBe('medium');
    const answers = all.filter((x) => x.type === 'answer_mismatch');
    expect(answers.map((x) => x.reason).sort()).toEqual(['text', 'unanswerable', 'unanswerable']);
    expect(answers.find((x) => x.reason === 'text')).toMatchObject({ valueB: 'zz injected zz', anls: 0 });
    expect(all.find((x) => x.type === 'evidence_mismatch')!.evidenceA).toHaveLength(1);

    // The queue: document 0 (five kinds, twice) first; the agreeing document is not in it.
    expect(r.queue.map((d) => d.documentId)).toEqual([docs[0]!.documentId, docs[2]!.documentId, docs[1]!.documentId]);
    expect(r.queue[0]!.score).toBe(2 * (9 + 9 + 9 + 3 + 3)); // missing, extra, label high; geometry (IoU 0.67) and transcription medium
    expect(r.queue.map((d) => d.hasGold)).toEqual([true, false, false]);
    expect(r.documents).toEqual({ total: 4, verified: 4, compared: 4, withGold: 2 });
    expect(r.annotators).toEqual([
      { id: alice.id, name: 'Alice', documents: 4 },
      { id: bob.id, name: 'Bob', documents: 4 },
      { id: carol.id, name: 'Carol', documents: 3 },
    ]);
  });

  it('measures each annotator against gold by hand-countable numbers', async () => {
    const r = await report('--project', 'Invoices');
    const n0 = docs[0]!.truth.boxes.length;
    const n3 = docs[3]!.truth.boxes.length;
    const vsGold = (id: string) => r.perAnnotator.find((p) => p.id === id)!.vsGold!;
    // Alice and Carol copied the truth: perfect on documents 0 and 3.
    for (const id of [alice.id, carol.id]) {
      expect(vsGold(id)).toMatchObject({ documents: 2, cohenKappa: 1, boxes: { matched: n0 + n3, precision: 1, recall: 1, f1: 1, meanIou: 1 }, answers: { exactMatch: 1, tokenF1: 1, anls: 1 } });
    }
    // Bob on document 0: one box dropped, one added, one shifted to IoU 2/3; the rest exact.
    const b = vsGold(bob.id).boxes;
    expect(b.matched).toBe(n0 - 1 + n3);
    expect(b.reference).toBe(n0 + n3);
    expect(b.candidate).toBe(n0 + n3);
    expect(b.precision).toBeCloseTo((n0 + n3 - 1) / (n0 + n3), 12);
    expect(b.recall).toBeCloseTo((n0 + n3 - 1) / (n0 + n3), 12);
    expect(b.meanIou).toBeCloseTo((n0 + n3 - 2 + 2 / 3) / (n0 + n3 - 1), 9);
    expect(vsGold(bob.id).answers).toMatchObject({ questions: docs[0]!.truth.qa.length + docs[3]!.truth.qa.length, exactMatch: 1 });
    expect(r.gold!.documents).toBe(2);
  });
});

describe('folio agreement on a tiny project worked by hand', () => {
  const box = (id: string, label: string, x: number, y: number, w: number, h: number, transcription: string, pageId: string) => ({
    id,
    pageId,
    label,
    x,
    y,
    w,
    h,
    transcription,
    locked: false,
    hidden: false,
    originPredictionId: null,
  });
  const qa = (id: string, question: string, answer: string, evidenceBoxIds: string[], unanswerable = false) => ({
    id,
    question,
    answer,
    unanswerable,
    source: 'annotator' as const,
    templateId: null,
    originPredictionId: null,
    evidenceBoxIds,
  });
  let pageId: string;
  let documentId: string;

  beforeAll(async () => {
    const core = await openTestCore(dataDir);
    const project = await core.api['projects.create']({
      name: 'Tiny',
      labels: [
        { name: 'vendor', color: '#e6194b', hotkey: '1' },
        { name: 'date', color: '#3cb44b', hotkey: '2' },
        { name: 'total', color: '#4363d8', hotkey: '3' },
      ],
    });
    const page: SynthDocument = { id: 'tiny-0', kind: 'invoice', width: 1000, height: 1000, boxes: [], qa: [] };
    const [doc] = await addDocuments(core, project.id, { count: 1, start: 100, truth: () => page });
    pageId = doc!.pageId;
    documentId = doc!.documentId;
    // The same tiny case as tests/unit/review-disagreements.test.ts.
    const aliceContent: Content = {
      boxes: [box('a1', 'vendor', 0, 0, 100, 100, 'ACME', pageId), box('a2', 'date', 200, 0, 100, 100, '2024-01-02', pageId), box('a3', 'total', 400, 0, 100, 100, '10.00', pageId), box('a4', 'total', 600, 0, 100, 100, '5.00', pageId)],
      qa: [qa('q1', 'What is the total?', '10.00', ['a3']), qa('q2', 'Who is the vendor?', 'ACME Corp', ['a1']), qa('q3', 'What is the date?', '2024-01-02', ['a2'])],
    };
    const bobContent: Content = {
      boxes: [box('b1', 'vendor', 0, 0, 100, 100, 'ACME', pageId), box('b2', 'total', 210, 0, 100, 100, '2024-01-02', pageId), box('b3', 'total', 400, 0, 100, 100, '10.00', pageId), box('b5', 'vendor', 800, 800, 50, 50, '', pageId)],
      qa: [qa('x1', 'What is the total?', '10.00', ['b3']), qa('x2', 'Who is the vendor?', 'Acme Corporation', ['b1']), qa('x3', 'What is the date?', '', [], true)],
    };
    verifyAs(core, project.id, documentId, alice, aliceContent);
    verifyAs(core, project.id, documentId, bob, bobContent);
    insertGold(core, project.id, documentId, lead, aliceContent);
    // The model: one confident box that agrees with everyone, one unsure extra box.
    const insert = core.db.prepare(
      `INSERT INTO predictions (id, project_id, document_id, page_id, model, kind, label, x, y, w, h, transcription, question, answer, evidence, confidence, status, created_at)
       VALUES (?, ?, ?, ?, 'claude-test', 'box', ?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?, 'pending', ?)`,
    );
    const at = new Date().toISOString();
    insert.run('p1', project.id, documentId, pageId, 'vendor', 0, 0, 100, 100, 'ACME', 0.97, at);
    insert.run('p2', project.id, documentId, pageId, 'total', 900, 100, 40, 40, '1.00', 0.42, at);
    await core.close();
  });

  it('reports the kappas, alphas, IoU, P/R/F1 and answer scores computed by hand', async () => {
    const r = await report('--project', 'Tiny');
    // Units (alice, bob): (vendor, vendor) (date, total) (total, total) (total, no box) (no box, vendor).
    // p_o = 2/5; marginals alice v1 d1 t2 ∅1, bob v2 d0 t2 ∅1 → p_e = 7/25 → κ = (10 − 7)/(25 − 7) = 1/6.
    // Krippendorff (nominal, no box a category) = 8/35; with "no box" missing = 6/11; Fleiss (2 raters) = 1/7.
    expect(r.overall.labels.units).toBe(5);
    expect(r.overall.labels.cohenKappa).toBeCloseTo(1 / 6, 12);
    expect(r.overall.labels.fleissKappa).toBeCloseTo(1 / 7, 12);
    expect(r.overall.labels.krippendorffAlpha).toBeCloseTo(8 / 35, 12);
    expect(r.overall.labels.krippendorffAlphaBoxed).toBeCloseTo(6 / 11, 12);
    // One label against the rest: vendor κ 6/11, α 4/7, Fleiss 11/21; total κ 1/6, α 1/4; date κ 0, α 0.
    expect(r.perLabel.vendor!.cohenKappa).toBeCloseTo(6 / 11, 12);
    expect(r.perLabel.vendor!.krippendorffAlpha).toBeCloseTo(4 / 7, 12);
    expect(r.perLabel.vendor!.fleissKappa).toBeCloseTo(11 / 21, 12);
    expect(r.perLabel.total!.cohenKappa).toBeCloseTo(1 / 6, 12);
    expect(r.perLabel.total!.krippendorffAlpha).toBeCloseTo(1 / 4, 12);
    expect(r.perLabel.date!.cohenKappa).toBeCloseTo(0, 12);
    // Boxes: 3 matched of 4 + 4; IoUs 1, 9000/11000, 1 → mean 31/33; P = R = F1 = 3/4.
    expect(r.overall.boxes).toMatchObject({ comparisons: 1, matched: 3, boxes: 8, f1: 0.75 });
    expect(r.overall.boxes.meanIou).toBeCloseTo(31 / 33, 12);
    expect(r.pairs).toHaveLength(1);
    expect(r.pairs[0]).toMatchObject({ a: alice.id, b: bob.id, documents: 1, boxes: { matched: 3, reference: 4, candidate: 4, precision: 0.75, recall: 0.75, f1: 0.75 } });
    // Per label "total": alice has 2, bob 2, both-"total" pairs 1 → F1 2·1/4; pairs carrying it: (a2,b2) and (a3,b3).
    expect(r.perLabel.total).toMatchObject({ matched: 1, boxes: 4, f1: 0.5 });
    expect(r.perLabel.total!.meanIou).toBeCloseTo((9000 / 11000 + 1) / 2, 12);
    // Answers: total 1/1/1; vendor EM 0, F1 1/2, ANLS 1 − 7/16; date 0/0/0 → EM 1/3, F1 1/2, ANLS 25/48.
    expect(r.overall.answers.questions).toBe(3);
    expect(r.overall.answers.exactMatch).toBeCloseTo(1 / 3, 12);
    expect(r.overall.answers.tokenF1).toBeCloseTo(1 / 2, 12);
    expect(r.overall.answers.anls).toBeCloseTo(25 / 48, 12);
    // Gold is Alice's version: Alice scores 1 throughout, Bob what he scored against Alice.
    const alicev = r.perAnnotator.find((p) => p.id === alice.id)!;
    const bobv = r.perAnnotator.find((p) => p.id === bob.id)!;
    expect(alicev.vsGold).toMatchObject({ cohenKappa: 1, boxes: { precision: 1, recall: 1, f1: 1, meanIou: 1 }, answers: { exactMatch: 1, tokenF1: 1, anls: 1 } });
    expect(bobv.vsGold!.cohenKappa).toBeCloseTo(1 / 6, 12);
    expect(bobv.vsGold!.boxes).toMatchObject({ precision: 0.75, recall: 0.75, f1: 0.75 });
    expect(bobv.vsGold!.answers.anls).toBeCloseTo(25 / 48, 12);
    expect(bobv.vsOthers!.cohenKappa).toBeCloseTo(1 / 6, 12);
    // The disagreements of the tiny case.
    expect(r.queue).toHaveLength(1);
    expect(r.queue[0]!.disagreements.map((d) => [d.type, d.boxA ?? d.question, d.boxB])).toEqual([
      ['missing_box', 'a4', null],
      ['extra_box', null, 'b5'],
      ['label_mismatch', 'a2', 'b2'],
      ['answer_mismatch', 'What is the date?', null],
      ['geometry_mismatch', 'a2', 'b2'],
    ]);
    expect(r.queue[0]!.score).toBe(37);
    expect(r.queue[0]!.documentId).toBe(documentId);
  });

  it("includes the model on request, with its unsure predictions apart", async () => {
    const r = await report('--project', 'Tiny', '--model');
    const doc = r.queue[0]!;
    expect(doc.sources.map((s) => s.id)).toEqual([alice.id, bob.id, 'model:claude-test']);
    // Alice against the model: the model lacks a2, a3, a4 (confidently nothing: no prediction) and has an unsure extra box.
    expect(doc.disagreements.filter((d) => d.b === 'model:claude-test' && d.a === alice.id).map((d) => [d.type, d.boxA])).toEqual([
      ['missing_box', 'a2'],
      ['missing_box', 'a3'],
      ['missing_box', 'a4'],
      ['answer_mismatch', null],
      ['answer_mismatch', null],
      ['answer_mismatch', null],
    ]);
    expect(doc.lowConfidence.map((d) => [d.a, d.type, d.boxB, d.confidence])).toEqual([
      [alice.id, 'extra_box', 'p2', 0.42],
      [bob.id, 'extra_box', 'p2', 0.42],
    ]);
    expect(r.disagreements.lowConfidence).toBe(2);
    // Agreement metrics stay between annotators.
    expect(r.overall.boxes.comparisons).toBe(1);
  });

  it('prints a readable report, honours the settings, and names the projects it knows', async () => {
    const lines = await folio('agreement', '--project', 'tiny');
    expect(lines[0]).toBe('Agreement in "Tiny": 2 annotator(s); 1 of 1 document(s) verified, 1 by two or more, 1 with gold.');
    expect(lines.join('\n')).toMatch(/^overall\s+5\s+0\.167\s+0\.143\s+0\.229\s+0\.545$/m);
    expect(lines.join('\n')).toMatch(/Disagreements: 5 in 1 document\(s\) \(high 4, medium 0, low 1\)/);
    expect(lines.join('\n')).toMatch(/^tiny-0\.png \(gold\)\s+37\s+1\s+1\s+1\s+1\s+0\s+1\s+0\s+0$/m);
    // A looser geometry setting drops the geometry mismatch (IoU 0.82).
    expect((await report('--project', 'Tiny', '--geometry-iou', '0.8')).disagreements.byType.geometry_mismatch).toBe(0);
    await expect(folio('agreement', '--project', 'Nope')).rejects.toThrow(/^No project called "Nope"; projects: .*"Tiny"/);
    await expect(folio('agreement', '--project', 'Tiny', '--iou', '0')).rejects.toThrow(/--iou: expected a number above 0 up to 1/);
  });
});

describe('which versions count', () => {
  it("takes each annotator's latest verified version: a newer draft does not hide it, a newer verified version replaces it", async () => {
    const core = await openTestCore(dataDir);
    const projectId = await createSyncProject(core, 'Versions');
    const [d] = await addDocuments(core, projectId, { count: 1, start: 200 });
    const t = truthContent(d!.truth, d!.pageId);
    verifyAs(core, projectId, d!.documentId, alice, t);
    verifyAs(core, projectId, d!.documentId, bob, t);
    // Bob starts editing again (a draft v2 that drops every box): not verified, so not counted.
    const state = core.annotations.get(projectId, d!.documentId, bob);
    core.annotations.save({ projectId, documentId: d!.documentId, baseRevision: state.revision, deleteBoxIds: state.boxes.map((b) => b.id) }, bob.id, new Date().toISOString());
    await core.close();
    expect((await report('--project', 'Versions')).disagreements.total).toBe(0);

    const again = await openTestCore(dataDir);
    const relabelled = structuredClone(t);
    relabelled.boxes[0]!.label = SYNTH_LABELS.find((l) => l.name !== relabelled.boxes[0]!.label)!.name;
    const v = verifyAs(again, projectId, d!.documentId, bob, relabelled);
    expect(v.version).toBe(2);
    await again.close();
    const r = await report('--project', 'Versions');
    expect(r.queue[0]!.disagreements.map((x) => [x.type, x.boxA])).toEqual([['label_mismatch', t.boxes[0]!.id]]);
  });
});
