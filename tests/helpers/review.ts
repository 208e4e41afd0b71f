import type { Core } from '../../src/main/core/createCore';
import { newId } from '../../src/main/core/util/ids';
import { truthBoxes, type SynthDocument } from '../../src/main/core/synth';
import type { Box, QaPair } from '../../src/shared/domain/model';
import type { ResolvedBox, ResolvedQa, ReviewDocument } from '../../src/shared/domain/review';

/**
 * Several annotators' verified versions in one database, as a lead's machine holds them once
 * everyone's work has been pulled: each made through the real repository (save, then verify) as
 * the given annotator. Gold versions have no repository method yet, so they are written row by
 * row the way a verified version is stored (a draft, then frozen).
 */

export interface Annotator {
  id: string;
  name: string;
}

export interface Content {
  boxes: Box[];
  qa: QaPair[];
}

/** A generated document's ground truth as one annotator's content on `pageId`. */
export function truthContent(truth: SynthDocument, pageId: string): Content {
  return {
    boxes: truthBoxes(truth, pageId),
    qa: truth.qa.map((q) => ({
      id: q.id,
      question: q.question,
      answer: q.answer ?? '',
      unanswerable: q.answer === null,
      source: 'annotator',
      templateId: null,
      originPredictionId: null,
      evidenceBoxIds: [...q.evidenceBoxIds],
    })),
  };
}

/** Save `content` as `annotator`'s draft of the document and verify it. */
export function verifyAs(core: Core, projectId: string, documentId: string, annotator: Annotator, content: Content, now = new Date().toISOString()): { annotationId: string; version: number } {
  core.annotations.ensureAnnotator(annotator.id, annotator.name, now);
  const state = core.annotations.get(projectId, documentId, annotator);
  core.annotations.save(
    {
      projectId,
      documentId,
      baseRevision: state.revision,
      deleteBoxIds: state.boxes.map((b) => b.id).filter((id) => !content.boxes.some((b) => b.id === id)),
      upsertBoxes: content.boxes,
      deleteQaIds: state.qa.map((q) => q.id).filter((id) => !content.qa.some((q) => q.id === id)),
      upsertQa: content.qa,
    },
    annotator.id,
    now,
  );
  const result = core.annotations.verify(projectId, documentId, annotator, now);
  if (result.result !== 'verified') throw new Error(`verify did not verify for ${annotator.name}: ${JSON.stringify(result)}`);
  return { annotationId: result.annotationId, version: result.version };
}

/** A verified gold version of the document resolved by `resolver`. */
export function insertGold(core: Core, projectId: string, documentId: string, resolver: Annotator, content: Content, now = new Date().toISOString()): string {
  const db = core.db;
  core.annotations.ensureAnnotator(resolver.id, resolver.name, now);
  return db.transaction(() => {
    const id = newId();
    const version =
      ((db.prepare("SELECT MAX(version) AS v FROM annotations WHERE project_id = ? AND document_id = ? AND annotator_id = ? AND kind = 'gold'").get(projectId, documentId, resolver.id) as { v: number | null }).v ?? 0) + 1;
    db.prepare(
      `INSERT INTO annotations (id, project_id, document_id, annotator_id, version, status, kind, parent_id, created_at, updated_at, revision)
       VALUES (?, ?, ?, ?, ?, 'draft', 'gold', NULL, ?, ?, 0)`,
    ).run(id, projectId, documentId, resolver.id, version, now, now);
    const box = db.prepare(
      `INSERT INTO boxes (annotation_id, id, page_id, label, x, y, w, h, transcription, locked, hidden, origin_prediction_id, position)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 0, NULL, ?)`,
    );
    content.boxes.forEach((b, i) => box.run(id, b.id, b.pageId, b.label, b.x, b.y, b.w, b.h, b.transcription, i));
    const qa = db.prepare(
      `INSERT INTO qa_pairs (annotation_id, id, question, answer, unanswerable, source, template_id, origin_prediction_id, position)
       VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?)`,
    );
    const evidence = db.prepare('INSERT INTO qa_evidence (annotation_id, qa_id, box_id, position) VALUES (?, ?, ?, ?)');
    content.qa.forEach((q, i) => {
      qa.run(id, q.id, q.question, q.answer, q.unanswerable ? 1 : 0, q.source, q.templateId, i);
      q.evidenceBoxIds.forEach((boxId, k) => evidence.run(id, q.id, boxId, k));
    });
    db.prepare("UPDATE annotations SET status = 'verified', verified_at = ? WHERE id = ?").run(now, id);
    return id;
  })();
}

/**
 * How the second annotator of an invoice (seed 5150, index 0 of the generator) differs from its
 * truth in review tests and screenshots: the vendor box labelled "customer", an address box that
 * no answer points at left out, the due date read otherwise and the PO-number question left out.
 * Returns the id of the box left out.
 */
export function disagreeOnInvoice(truth: SynthDocument, c: Content): string {
  const evidence = new Set(truth.qa.flatMap((q) => q.evidenceBoxIds));
  const skipped = truth.boxes.find((b) => b.label === 'address' && !evidence.has(b.id))!;
  c.boxes = c.boxes.filter((b) => b.id !== skipped.id);
  c.boxes.find((b) => b.label === 'vendor')!.label = 'customer';
  c.qa.find((q) => q.question === 'What is the due date?')!.answer = 'August 16, 2020';
  c.qa = c.qa.filter((q) => q.question !== 'What is the PO number?');
  return skipped.id;
}

/** Take, for every group, the suggested source's box and answer: what pressing Enter through the queue does. */
export function takeSuggested(doc: ReviewDocument): { boxes: ResolvedBox[]; qa: ResolvedQa[] } {
  const boxes: ResolvedBox[] = [];
  for (const g of doc.boxGroups) {
    if (!g.suggested) continue;
    const b = g.boxes[g.suggested]!;
    boxes.push({ id: b.id, pageId: b.pageId, label: b.label!, x: b.x, y: b.y, w: b.w, h: b.h, transcription: b.transcription, from: g.suggested });
  }
  const ids = new Set(boxes.map((b) => b.id));
  const qa = doc.questionGroups.flatMap((g): ResolvedQa[] => {
    if (!g.suggested) return [];
    const q = g.answers[g.suggested]!;
    return [{ id: q.id, question: q.question, answer: q.answer, unanswerable: q.unanswerable, templateId: q.templateId, evidenceBoxIds: q.evidenceBoxIds.filter((e) => ids.has(e)), from: g.suggested }];
  });
  return { boxes, qa };
}
