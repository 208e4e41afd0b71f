/**
 * From Claude's answer to predictions in original image pixels. The JSON arrives as the text of
 * the first `text` block (thinking blocks may come first). Coordinates are in the image Folio sent
 * and are scaled per axis to the original page, clamped to it, and boxes left with no area are
 * dropped and counted, as are labels outside the project's set and evidence that points nowhere.
 * A grounded answer (the request showed the page's words) names word ids instead: see grounding.ts.
 */

import { type BoxContent, docTypes, type DocType } from '../../../shared/domain/model';
import { type GroundingIssues, type GroundingWords, resolveGroups, unionOfWords } from './grounding';

export type OutputProblem = 'malformed' | 'truncated' | 'refusal';

export class ModelOutputError extends Error {
  constructor(
    readonly problem: OutputProblem,
    message: string,
  ) {
    super(message);
    this.name = 'ModelOutputError';
  }
}

export interface MappedBox extends BoxContent {
  /** Position in the model's `boxes` array (what evidence indexes refer to). */
  index: number;
  confidence: number;
}

export interface MappedQa {
  template: string;
  question: string;
  /** null when the model says the page does not answer the question. */
  answer: string | null;
  /** Indexes into the model's boxes that survived mapping. */
  evidence: number[];
  confidence: number;
}

export interface DropCounts {
  /** Boxes with no area left after mapping and clamping (or entirely outside the page). */
  degenerate: number;
  /** Boxes whose label is not in the project's label set. */
  unknownLabel: number;
  /** Boxes whose bbox is not four numbers, or whose fields have the wrong types. */
  invalid: number;
  /** QA pairs for a question template the project does not have, or with the wrong types. */
  unknownQuestion: number;
  /** Evidence indexes that point at no kept box (grounded: evidence words in no kept entity). */
  danglingEvidence: number;
  /** Grounded answers only: ids dropped or repaired (an entity left with no word counts as invalid). */
  grounding?: GroundingIssues;
}

export interface ParsedPage {
  /** What Claude says the document is; null for "other", or when it did not say. */
  docType: DocType | null;
  boxes: MappedBox[];
  qa: MappedQa[];
  dropped: DropCounts;
}

export interface MappingContext {
  sentWidth: number;
  sentHeight: number;
  origWidth: number;
  origHeight: number;
  /** The project's label names; empty = the project has no label set (any name kept, stored as given). */
  labels: ReadonlySet<string>;
  templates: ReadonlySet<string>;
  /** The words the request showed (grounded mode): the answer names them instead of coordinates. */
  words?: GroundingWords | null;
}

/** Boxes thinner than this (original pixels) after clamping carry no area worth reviewing. */
export const MIN_BOX_SIDE = 1;

interface MessageLike {
  content: { type: string; text?: string }[];
  stop_reason: string | null;
  stop_details?: { category?: string | null; explanation?: string | null } | null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
const confidenceOf = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? clamp(v, 0, 1) : 0.5);

/** The JSON text of a response, or the reason there is none worth parsing. */
export function outputText(message: MessageLike): string {
  if (message.stop_reason === 'refusal') {
    const d = message.stop_details;
    throw new ModelOutputError('refusal', `Claude declined to annotate this page${d?.category ? ` (${d.category})` : ''}${d?.explanation ? `: ${d.explanation}` : ''}`);
  }
  const text = message.content.find((b) => b.type === 'text')?.text;
  if (message.stop_reason === 'max_tokens') {
    throw new ModelOutputError('truncated', `the answer was cut off at max_tokens (${text?.length ?? 0} characters of JSON); raise "max tokens" if this repeats`);
  }
  if (text === undefined) throw new ModelOutputError('malformed', `the answer has no text block (stop_reason ${message.stop_reason ?? 'null'})`);
  return text;
}

export function parseModelOutput(message: MessageLike, ctx: MappingContext): ParsedPage {
  const text = outputText(message);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelOutputError('malformed', `the answer is not valid JSON (${(err as Error).message}; starts ${JSON.stringify(text.slice(0, 60))})`);
  }
  const list = ctx.words ? 'entities' : 'boxes';
  if (!isObject(json) || !Array.isArray(json[list])) throw new ModelOutputError('malformed', `the answer is not an object with a "${list}" list`);
  if (json.qa !== undefined && !Array.isArray(json.qa)) throw new ModelOutputError('malformed', 'the answer\'s "qa" is not a list');
  const docType = (docTypes as readonly unknown[]).includes(json.document_type) ? (json.document_type as DocType) : null;
  if (ctx.words) return { docType, ...groundedItems(json.entities as unknown[], (json.qa ?? []) as unknown[], ctx, ctx.words) };

  const dropped: DropCounts = { degenerate: 0, unknownLabel: 0, invalid: 0, unknownQuestion: 0, danglingEvidence: 0 };
  const sx = ctx.origWidth / ctx.sentWidth;
  const sy = ctx.origHeight / ctx.sentHeight;
  const boxes: MappedBox[] = [];
  (json.boxes as unknown[]).forEach((raw, index) => {
    if (!isObject(raw) || typeof raw.label !== 'string' || !Array.isArray(raw.bbox) || raw.bbox.length !== 4 || !raw.bbox.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      dropped.invalid++;
      return;
    }
    if (ctx.labels.size > 0 && !ctx.labels.has(raw.label)) {
      dropped.unknownLabel++;
      return;
    }
    const [a, b, c, d] = raw.bbox as [number, number, number, number];
    const x1 = clamp(Math.min(a, c) * sx, 0, ctx.origWidth);
    const x2 = clamp(Math.max(a, c) * sx, 0, ctx.origWidth);
    const y1 = clamp(Math.min(b, d) * sy, 0, ctx.origHeight);
    const y2 = clamp(Math.max(b, d) * sy, 0, ctx.origHeight);
    if (x2 - x1 < MIN_BOX_SIDE || y2 - y1 < MIN_BOX_SIDE) {
      dropped.degenerate++;
      return;
    }
    boxes.push({
      index,
      label: raw.label,
      x: x1,
      y: y1,
      w: x2 - x1,
      h: y2 - y1,
      transcription: typeof raw.text === 'string' ? raw.text : '',
      confidence: confidenceOf(raw.confidence),
    });
  });

  const kept = new Set(boxes.map((b) => b.index));
  const qa = mapQa((json.qa ?? []) as unknown[], ctx, dropped, (e) => (typeof e === 'number' && kept.has(e) ? e : null));
  return { docType, boxes, qa, dropped };
}

/** QA pairs, with each evidence item mapped to a kept box index (null: dropped and counted). */
function mapQa(items: unknown[], ctx: MappingContext, dropped: DropCounts, evidenceBox: (e: unknown) => number | null): MappedQa[] {
  const qa: MappedQa[] = [];
  for (const raw of items) {
    if (!isObject(raw) || typeof raw.template !== 'string' || !ctx.templates.has(raw.template)) {
      dropped.unknownQuestion++;
      continue;
    }
    const evidence: number[] = [];
    for (const e of Array.isArray(raw.evidence) ? raw.evidence : []) {
      const box = evidenceBox(e);
      if (box !== null) evidence.push(box);
      else dropped.danglingEvidence++;
    }
    const answerable = raw.answerable !== false;
    qa.push({
      template: raw.template,
      question: typeof raw.question === 'string' && raw.question.trim() ? raw.question : raw.template,
      answer: answerable ? (typeof raw.answer === 'string' ? raw.answer : '') : null,
      evidence: answerable ? [...new Set(evidence)] : [],
      confidence: confidenceOf(raw.confidence),
    });
  }
  return qa;
}

/**
 * A grounded answer: entities are groups of word ids, each box the union of its words (already
 * in page pixels) and its text theirs. Every bad id or group is handled on its own, so one bad
 * item never fails the page.
 */
function groundedItems(entities: unknown[], qaItems: unknown[], ctx: MappingContext, words: GroundingWords): Pick<ParsedPage, 'boxes' | 'qa' | 'dropped'> {
  const grounding: GroundingIssues = { unknownIds: 0, sharedIds: 0, emptyGroups: 0 };
  const dropped: DropCounts = { degenerate: 0, unknownLabel: 0, invalid: 0, unknownQuestion: 0, danglingEvidence: 0, grounding };
  const candidates: { index: number; label: string; ids: unknown[]; confidence: number }[] = [];
  entities.forEach((raw, index) => {
    if (!isObject(raw) || typeof raw.label !== 'string' || !Array.isArray(raw.words)) {
      dropped.invalid++;
      return;
    }
    if (ctx.labels.size > 0 && !ctx.labels.has(raw.label)) {
      dropped.unknownLabel++;
      return;
    }
    candidates.push({ index, label: raw.label, ids: raw.words as unknown[], confidence: confidenceOf(raw.confidence) });
  });
  const resolved = resolveGroups(
    words,
    candidates.map((c) => c.ids),
    grounding,
  );
  const boxes: MappedBox[] = [];
  candidates.forEach((c, k) => {
    const group = resolved.groups[k];
    if (!group) {
      dropped.invalid++;
      return;
    }
    boxes.push({ index: c.index, label: c.label, ...unionOfWords(words, group), confidence: c.confidence });
  });
  const indexOf = new Map(words.ids.map((id, i) => [id, i]));
  const qa = mapQa(qaItems, ctx, dropped, (e) => {
    const word = typeof e === 'string' ? indexOf.get(e) : undefined;
    const owner = word === undefined ? undefined : resolved.ownerOfWord.get(word);
    return owner === undefined ? null : candidates[owner]!.index;
  });
  return { boxes, qa, dropped };
}
