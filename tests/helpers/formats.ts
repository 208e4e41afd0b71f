import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Core } from '../../src/main/core/createCore';
import { pageId } from '../../src/main/core/db/repos/documents';
import { generateTruth, truthBoxes, type SynthDocument } from '../../src/main/core/synth';
import type { Box, QaPair } from '../../src/shared/domain/model';
import { addDocuments, createSyncProject, tinyPng, verifyDocument } from './sync';

/**
 * Verified generated documents for the formats tests: one-page documents from the synthetic
 * generator (exact boxes, transcriptions, QA with evidence), plus a two-page document whose QA
 * evidence sits on both pages.
 */

export interface SeededDoc {
  documentId: string;
  pages: { pageId: string; width: number; height: number }[];
  boxes: Box[];
  qa: QaPair[];
}

export const SEED = 4242;

const qaOf = (truth: SynthDocument, prefix = ''): QaPair[] =>
  truth.qa.map((q) => ({
    id: `${prefix}${q.id}`,
    question: q.question,
    answer: q.answer ?? '',
    unanswerable: q.answer === null,
    source: 'annotator',
    templateId: null,
    originPredictionId: null,
    evidenceBoxIds: q.evidenceBoxIds.map((b) => `${prefix}${b}`),
  }));

/** A project of `count` verified one-page documents (the same ids in every data folder for the same seed). */
export async function seedOnePageDocs(core: Core, projectId: string, count: number, start = 0): Promise<SeededDoc[]> {
  const docs = await addDocuments(core, projectId, { count, seed: SEED, start });
  const out: SeededDoc[] = [];
  for (const d of docs) {
    await verifyDocument(core, projectId, d);
    out.push({ documentId: d.documentId, pages: [{ pageId: d.pageId, width: d.truth.width, height: d.truth.height }], boxes: truthBoxes(d.truth, d.pageId), qa: qaOf(d.truth) });
  }
  return out;
}

/** A two-page document (two generated pages) with its pages' own boxes and QA; not verified unless asked. */
export async function addTwoPageDoc(core: Core, projectId: string, n = 900): Promise<{ documentId: string; truths: [SynthDocument, SynthDocument]; pageIds: [string, string]; imagePaths: [string, string] }> {
  const truths: [SynthDocument, SynthDocument] = [generateTruth(SEED, n), generateTruth(SEED, n + 1)];
  const bytes = [await tinyPng(n), await tinyPng(n + 1)];
  const documentId = createHash('sha256').update(bytes[0]!).update(bytes[1]!).update(`two-page-${n}`).digest('hex');
  const dir = core.media.documentDir(documentId);
  const imagePaths: string[] = [];
  const pages = truths.map((t, i) => {
    const level0 = `${dir}/p${i + 1}/level0.png`;
    mkdirSync(join(core.media.root, ...`${dir}/p${i + 1}`.split('/')), { recursive: true });
    writeFileSync(core.media.absolute(level0), bytes[i]!);
    imagePaths.push(core.media.absolute(level0));
    return { pageNumber: i + 1, width: t.width, height: t.height, thumbnail: level0, levels: [{ level: 0, scale: 1, width: t.width, height: t.height, path: level0 }], tiles: null };
  });
  core.documents.addToProject(projectId, { id: documentId, kind: 'pdf', sourceName: `statement-${n}.pdf`, sourcePath: `/synthetic/statement-${n}.pdf`, byteSize: 1234, pages }, new Date().toISOString());
  return { documentId, truths, pageIds: [pageId(documentId, 1), pageId(documentId, 2)], imagePaths: imagePaths as [string, string] };
}

/** Verify the two-page document with both pages' truth; box ids of page 2 get a "p2" prefix. One QA pair cites boxes on both pages. */
export async function verifyTwoPageDoc(core: Core, projectId: string, doc: Awaited<ReturnType<typeof addTwoPageDoc>>): Promise<SeededDoc> {
  const [t1, t2] = doc.truths;
  const boxes = [...truthBoxes(t1, doc.pageIds[0]), ...truthBoxes(t2, doc.pageIds[1]).map((b) => ({ ...b, id: `p2${b.id}` }))];
  const qa = [...qaOf(t1), ...qaOf(t2, 'p2')];
  const across: QaPair = {
    id: 'across',
    question: 'Which boxes open both pages?',
    answer: `${t1.boxes[0]!.text} ${t2.boxes[0]!.text}`,
    unanswerable: false,
    source: 'annotator',
    templateId: null,
    originPredictionId: null,
    evidenceBoxIds: ['b1', 'p2b1'],
  };
  qa.push(across);
  const state = await core.api['annotations.get']({ projectId, documentId: doc.documentId });
  await core.api['annotations.save']({ projectId, documentId: doc.documentId, baseRevision: state.revision, upsertBoxes: boxes, upsertQa: qa });
  const result = await core.api['annotations.verify']({ projectId, documentId: doc.documentId });
  if (result.result !== 'verified') throw new Error(`verify did not verify: ${JSON.stringify(result)}`);
  return {
    documentId: doc.documentId,
    pages: doc.truths.map((t, i) => ({ pageId: doc.pageIds[i]!, width: t.width, height: t.height })),
    boxes,
    qa,
  };
}

export { createSyncProject as createLabelledProject };

/** The newest verified version of a document by an annotator: boxes and QA as stored. */
export async function versionOf(core: Core, projectId: string, documentId: string, annotatorId: string): Promise<{ version: number; boxes: Box[]; qa: QaPair[] } | null> {
  const row = core.db
    .prepare("SELECT id, version FROM annotations WHERE project_id = ? AND document_id = ? AND annotator_id = ? AND status = 'verified' ORDER BY version DESC LIMIT 1")
    .get(projectId, documentId, annotatorId) as { id: string; version: number } | undefined;
  if (!row) return null;
  const boxes = (core.db.prepare('SELECT * FROM boxes WHERE annotation_id = ? ORDER BY position').all(row.id) as Record<string, unknown>[]).map(
    (b): Box => ({
      id: b.id as string,
      pageId: b.page_id as string,
      label: b.label as string | null,
      x: b.x as number,
      y: b.y as number,
      w: b.w as number,
      h: b.h as number,
      transcription: b.transcription as string,
      locked: b.locked === 1,
      hidden: b.hidden === 1,
      originPredictionId: b.origin_prediction_id as string | null,
    }),
  );
  const evidence = core.db.prepare('SELECT qa_id, box_id FROM qa_evidence WHERE annotation_id = ? ORDER BY qa_id, position').all(row.id) as { qa_id: string; box_id: string }[];
  const qa = (core.db.prepare('SELECT * FROM qa_pairs WHERE annotation_id = ? ORDER BY position').all(row.id) as Record<string, unknown>[]).map(
    (q): QaPair => ({
      id: q.id as string,
      question: q.question as string,
      answer: q.answer as string,
      unanswerable: q.unanswerable === 1,
      source: q.source as QaPair['source'],
      templateId: q.template_id as string | null,
      originPredictionId: q.origin_prediction_id as string | null,
      evidenceBoxIds: evidence.filter((e) => e.qa_id === q.id).map((e) => e.box_id),
    }),
  );
  return { version: row.version, boxes, qa };
}
