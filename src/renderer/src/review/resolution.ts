import type { ResolvedBox, ResolvedQa, ReviewBox, ReviewDocument, ReviewQa, ReviewResolveRequest, ReviewSource } from '../../../shared/domain/review';

/**
 * The lead's resolution of one document, item by item, and how it becomes the gold version sent
 * to `review.resolve`. Pure (no React, no store), so the rules are unit-tested on their own:
 * which box each group keeps, how an answer's evidence follows the boxes it points at, and how
 * box ids stay unique when boxes come from different sources.
 */

export type BoxChoice =
  | { kind: 'source'; sourceId: string }
  | { kind: 'drop' }
  /** The lead's own version, started from `base`'s box (or drawn anew when null). */
  | { kind: 'edit'; base: string | null; label: string; transcription: string; x: number; y: number; w: number; h: number };

export type QaChoice = { kind: 'source'; sourceId: string } | { kind: 'drop' } | { kind: 'edit'; base: string | null; answer: string; unanswerable: boolean };

export interface Choices {
  boxes: Record<string, BoxChoice>;
  qa: Record<string, QaChoice>;
}

/** Sources the lead can take from, numbered 1…9 in this order: annotators, the model, then earlier gold. */
export function choosableSources(doc: ReviewDocument): ReviewSource[] {
  return [...doc.versions.map((v) => v.source), ...(doc.gold ? [doc.gold.source] : [])];
}

/** Every group starts at its suggestion: what the lead would most likely keep. */
export function initialChoices(doc: ReviewDocument): Choices {
  return {
    boxes: Object.fromEntries(doc.boxGroups.map((g) => [g.id, g.suggested ? { kind: 'source', sourceId: g.suggested } : { kind: 'drop' }])),
    qa: Object.fromEntries(doc.questionGroups.map((g) => [g.key, g.suggested ? { kind: 'source', sourceId: g.suggested } : { kind: 'drop' }])),
  };
}

/** The box a choice keeps for a group (null: dropped, or the chosen source has no box there). */
export function chosenBox(group: ReviewDocument['boxGroups'][number], choice: BoxChoice | undefined): (Omit<ReviewBox, 'confidence'> & { from: string | null }) | null {
  if (!choice || choice.kind === 'drop') return null;
  if (choice.kind === 'source') {
    const b = group.boxes[choice.sourceId];
    return b ? { id: b.id, pageId: b.pageId, label: b.label, x: b.x, y: b.y, w: b.w, h: b.h, transcription: b.transcription, from: choice.sourceId } : null;
  }
  const base = choice.base ? group.boxes[choice.base] : Object.values(group.boxes)[0];
  return { id: base?.id ?? group.id, pageId: group.pageId, label: choice.label, x: choice.x, y: choice.y, w: choice.w, h: choice.h, transcription: choice.transcription, from: null };
}

export function chosenAnswer(group: ReviewDocument['questionGroups'][number], choice: QaChoice | undefined): (ReviewQa & { from: string | null; sourceId: string | null }) | null {
  if (!choice || choice.kind === 'drop') return null;
  if (choice.kind === 'source') {
    const q = group.answers[choice.sourceId];
    return q ? { ...q, from: choice.sourceId, sourceId: choice.sourceId } : null;
  }
  const base = choice.base ? group.answers[choice.base] : Object.values(group.answers)[0];
  return {
    id: base?.id ?? group.key,
    question: group.question,
    answer: choice.unanswerable ? '' : choice.answer,
    unanswerable: choice.unanswerable,
    templateId: group.templateId,
    evidenceBoxIds: base?.evidenceBoxIds ?? [],
    from: null,
    sourceId: choice.base,
  };
}

/** Problems that would make the gold version wrong, named so the lead can fix them. */
export function resolutionProblems(doc: ReviewDocument, choices: Choices, labels: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  for (const g of doc.boxGroups) {
    const b = chosenBox(g, choices.boxes[g.id]);
    if (b && (!b.label || !labels.has(b.label))) problems.push(`A box${b.transcription ? ` ("${b.transcription.slice(0, 30)}")` : ''} has ${b.label ? `the label "${b.label}", which is not in the project` : 'no label'}`);
  }
  for (const g of doc.questionGroups) {
    const q = chosenAnswer(g, choices.qa[g.key]);
    if (q && !q.unanswerable && q.answer.trim() === '') problems.push(`"${g.question}" has no answer and is not marked unanswerable`);
  }
  return problems;
}

/**
 * The request that writes the gold version. An answer keeps the evidence boxes of the source it
 * came from, mapped to whatever box the lead kept for each of those regions (dropped regions
 * drop out of the evidence).
 */
export function buildResolution(projectId: string, doc: ReviewDocument, choices: Choices): ReviewResolveRequest {
  const boxes: ResolvedBox[] = [];
  const used = new Set<string>();
  /** "<sourceId>\0<box id>" → the gold id of the box kept for that box's group. */
  const goldIdOf = new Map<string, string>();
  for (const g of doc.boxGroups) {
    const b = chosenBox(g, choices.boxes[g.id]);
    if (!b || !b.label) continue;
    let id = b.id;
    for (let n = 2; used.has(id); n++) id = `${b.id}-${n}`;
    used.add(id);
    boxes.push({ id, pageId: b.pageId, label: b.label, x: b.x, y: b.y, w: b.w, h: b.h, transcription: b.transcription, from: b.from });
    for (const [sourceId, box] of Object.entries(g.boxes)) goldIdOf.set(`${sourceId}\u0000${box.id}`, id);
  }
  const qaIds = new Set<string>();
  const qa: ResolvedQa[] = [];
  for (const g of doc.questionGroups) {
    const q = chosenAnswer(g, choices.qa[g.key]);
    if (!q) continue;
    let id = q.id;
    for (let n = 2; qaIds.has(id); n++) id = `${q.id}-${n}`;
    qaIds.add(id);
    const evidence = [...new Set(q.evidenceBoxIds.flatMap((e) => (q.sourceId ? (goldIdOf.get(`${q.sourceId}\u0000${e}`) ?? []) : [])))];
    qa.push({ id, question: q.question, answer: q.answer, unanswerable: q.unanswerable, templateId: q.templateId, evidenceBoxIds: evidence, from: q.from });
  }
  const basedOn = [...doc.versions, ...(doc.gold ? [doc.gold] : [])].map((v) => ({ sourceId: v.source.id, annotationId: v.annotationId, version: v.version }));
  return { projectId, documentId: doc.documentId, basedOn, boxes, qa };
}
