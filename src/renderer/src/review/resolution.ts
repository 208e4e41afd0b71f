import type { ResolvedBox, ResolvedQa, ReviewBox, ReviewBoxGroup, ReviewDocument, ReviewQa, ReviewQuestionGroup, ReviewResolveRequest, ReviewSource } from '../../../shared/domain/review';

/**
 * The lead's resolution of one document, item by item, and how it becomes the gold version sent
 * to `review.resolve`. Pure (no React, no store), so the rules are unit-tested on their own:
 * which box each group keeps, which source can be taken for an item, how an answer's evidence
 * follows the boxes it points at, how box ids stay unique when boxes come from different sources,
 * and what the lead is shown before gold is written.
 */

/** One item to resolve: a region (a group of boxes) or a question. */
export type ItemRef = { kind: 'box'; id: string } | { kind: 'qa'; id: string };

/** A key that names an item across both kinds (for sets of items). */
export const itemKey = (item: ItemRef): string => `${item.kind}:${item.id}`;

/** Items in walking order: regions by page in reading order, then the questions. */
export function itemsOf(doc: ReviewDocument): ItemRef[] {
  return [...doc.boxGroups.map((g): ItemRef => ({ kind: 'box', id: g.id })), ...doc.questionGroups.map((g): ItemRef => ({ kind: 'qa', id: g.key }))];
}

/** An item the annotators do not agree on: one the lead has to settle. */
export function needsAttention(doc: ReviewDocument, item: ItemRef): boolean {
  if (item.kind === 'box') return !(doc.boxGroups.find((g) => g.id === item.id)?.agreed ?? true);
  return !(doc.questionGroups.find((g) => g.key === item.id)?.agreed ?? true);
}

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

/**
 * Taking `source`'s version of an item: the choice, or — when that source has no box or answer
 * there — a refusal saying so. Taking nothing is never turned into a drop: dropping is its own,
 * deliberate choice (0).
 */
export type Taken<C> = { choice: C; refusal?: undefined } | { choice?: undefined; refusal: string };

const refusal = (source: ReviewSource, what: string): string => `${source.name} has no ${what} — press 0 to drop it or pick another source`;

export function takeBox(group: ReviewBoxGroup, source: ReviewSource): Taken<BoxChoice> {
  return group.boxes[source.id] ? { choice: { kind: 'source', sourceId: source.id } } : { refusal: refusal(source, 'box for this item') };
}

export function takeAnswer(group: ReviewQuestionGroup, source: ReviewSource): Taken<QaChoice> {
  return group.answers[source.id] ? { choice: { kind: 'source', sourceId: source.id } } : { refusal: refusal(source, 'answer to this question') };
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

/** What a gold version will hold, shown to the lead before it is written. */
export interface GoldSummary {
  /** Per source that anything is kept from, in number order. */
  kept: { source: ReviewSource; boxes: number; answers: number }[];
  edited: { boxes: number; answers: number };
  dropped: { boxes: number; answers: number };
  /** Items to settle the lead never looked at (never current, never chosen): still on the suggestion. */
  unlooked: ItemRef[];
  /** How many items there were to settle. */
  toSettle: number;
}

/**
 * The summary of `request` (what `buildResolution` made of the lead's choices, so the figures are
 * exactly what will be written) and of which items to settle the lead has looked at.
 */
export function goldSummary(doc: ReviewDocument, request: ReviewResolveRequest, looked: ReadonlySet<string>): GoldSummary {
  const kept = choosableSources(doc).map((source) => ({
    source,
    boxes: request.boxes.filter((b) => b.from === source.id).length,
    answers: request.qa.filter((q) => q.from === source.id).length,
  }));
  const toSettle = itemsOf(doc).filter((i) => needsAttention(doc, i));
  return {
    kept: kept.filter((k) => k.boxes + k.answers > 0),
    edited: { boxes: request.boxes.filter((b) => b.from === null).length, answers: request.qa.filter((q) => q.from === null).length },
    dropped: { boxes: doc.boxGroups.length - request.boxes.length, answers: doc.questionGroups.length - request.qa.length },
    unlooked: toSettle.filter((i) => !looked.has(itemKey(i))),
    toSettle: toSettle.length,
  };
}
