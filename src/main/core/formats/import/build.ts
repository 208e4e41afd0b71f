import { createHash } from 'node:crypto';
import type { Box, DocType, QaPair, QuestionTemplate } from '../../../../shared/domain/model';
import type { FormatProblem } from '../../../../shared/domain/formats';
import { expandTemplates, matchTemplateQuestion, placeholdersOf, questionKey, templateQaId, type TemplateQuestion } from '../../../../shared/domain/templateQuestions';
import { fromPercent, fromVoc, fromYolo, type PixelBox } from '../geometry';
import type { MatchedPage } from './matcher';
import type { RawBox, RawGeometry, RawItem, RawPage, RawQa } from './types';

/**
 * Turning matched items into what Folio stores: boxes in page pixels, checked (finite, not
 * degenerate, inside the image, a known label), gathered per document and annotator (or model),
 * and QA pairs with their evidence resolved against the document's boxes.
 */

/** Half a pixel of slack at the image's edges: rounding in another tool is not an error. */
export const EDGE_TOLERANCE_PX = 0.5;
/** Declared and actual image sizes may differ by scale, not by shape. */
const SHAPE_TOLERANCE = 0.01;

export interface Attribution {
  annotator: { id: string; name: string } | null;
  model: string | null;
}

export interface GroupBox {
  box: Box;
  score: number;
  where: { file: string; item: string; field: string };
}

export interface GroupQa {
  raw: RawQa;
  where: { file: string; item: string; field: string };
}

export interface Group {
  key: string;
  documentId: string;
  attribution: Attribution;
  boxes: GroupBox[];
  boxIds: Set<string>;
  qa: GroupQa[];
  /** Where the document's first item is, to name it in problems about the whole document. */
  first: { file: string; item: string };
}

export interface ProjectRules {
  labels: Set<string>;
  templates: readonly QuestionTemplate[];
  /** The document's type in the project: which templates it is asked. */
  docTypeOf(documentId: string): DocType | null;
  as: 'annotations' | 'predictions';
}

/** Ids are at most 64 characters (the contract's limit); a longer one is replaced by a digest of it. */
export const boxIdFor = (id: string): string => (id.length > 0 && id.length <= 64 ? id : `h${createHash('sha256').update(id).digest('hex').slice(0, 40)}`);

function pageScale(raw: RawPage, page: MatchedPage): { sx: number; sy: number } | string {
  if (!raw.size) return { sx: 1, sy: 1 };
  const sx = page.width / raw.size.width;
  const sy = page.height / raw.size.height;
  if (Math.abs(sx - sy) / Math.max(sx, sy) > SHAPE_TOLERANCE) {
    return `the file says the image is ${raw.size.width}×${raw.size.height} px but the matched page is ${page.width}×${page.height} px (a different shape): not the same image`;
  }
  return { sx, sy };
}

function toPixels(g: RawGeometry, page: MatchedPage, scale: { sx: number; sy: number }): PixelBox {
  switch (g.units) {
    case 'px':
      return { x: g.x * scale.sx, y: g.y * scale.sy, w: g.w * scale.sx, h: g.h * scale.sy };
    case 'voc': {
      const b = fromVoc(g);
      return { x: b.x * scale.sx, y: b.y * scale.sy, w: b.w * scale.sx, h: b.h * scale.sy };
    }
    case 'percent':
      return fromPercent(g, page.width, page.height);
    case 'normalized':
      return fromYolo(g.cx, g.cy, g.w, g.h, page.width, page.height);
  }
}

const fmt = (v: number): string => String(Math.round(v * 100) / 100);

/** Check one box against its page and the project; the stored box, or the reason it is refused. */
export function buildBox(raw: RawBox, page: MatchedPage, scale: { sx: number; sy: number }, rules: ProjectRules): { box: Box; score: number } | { field: string; reason: string } {
  const p = toPixels(raw.geometry, page, scale);
  if (![p.x, p.y, p.w, p.h].every(Number.isFinite)) return { field: raw.field, reason: 'the box has coordinates that are not finite numbers' };
  if (p.w <= 0 || p.h <= 0) return { field: raw.field, reason: `degenerate box: ${p.w <= 0 ? `width ${fmt(p.w)}` : `height ${fmt(p.h)}`} px (a box needs a positive width and height)` };
  const W = page.width;
  const H = page.height;
  if (p.x < -EDGE_TOLERANCE_PX || p.y < -EDGE_TOLERANCE_PX || p.x + p.w > W + EDGE_TOLERANCE_PX || p.y + p.h > H + EDGE_TOLERANCE_PX) {
    return { field: raw.field, reason: `out of range: the box spans x ${fmt(p.x)}–${fmt(p.x + p.w)}, y ${fmt(p.y)}–${fmt(p.y + p.h)} px but the image is ${W}×${H} px` };
  }
  // Within half a pixel of the edge: pulled inside.
  const x = Math.max(0, p.x);
  const y = Math.max(0, p.y);
  const w = Math.min(W, p.x + p.w) - x;
  const h = Math.min(H, p.y + p.h) - y;
  if (raw.label === null) {
    if (rules.as === 'annotations') return { field: raw.labelField, reason: 'the box has no label (Folio verifies labelled boxes only)' };
  } else if (!rules.labels.has(raw.label)) {
    const known = [...rules.labels].slice(0, 12).map((l) => `"${l}"`);
    return { field: raw.labelField, reason: `unknown label "${raw.label}": not in the project's label set (${known.join(', ')}${rules.labels.size > 12 ? ', …' : ''})` };
  }
  const score = raw.score ?? 1;
  if (rules.as === 'predictions' && (score < 0 || score > 1)) return { field: raw.field, reason: `confidence ${raw.score} is not between 0 and 1` };
  return {
    box: { id: boxIdFor(raw.id), pageId: page.pageId, label: raw.label, x, y, w, h, transcription: raw.transcription, locked: false, hidden: false, originPredictionId: null },
    score,
  };
}

/** Match-independent key of a group: the document plus who made the work. */
export const groupKey = (documentId: string, a: Attribution): string => `${documentId}\u0000${a.annotator ? `a:${a.annotator.id}` : `m:${a.model}`}`;

/**
 * Add one matched item to its group. `pages` are the matched pages of the item's pages, in order.
 * Returns the problems found (boxes refused, notes about boxes imported changed).
 */
export function addItem(groups: Map<string, Group>, item: RawItem, pages: MatchedPage[], scales: { sx: number; sy: number }[], attribution: Attribution, rules: ProjectRules): FormatProblem[] {
  const problems: FormatProblem[] = [];
  const documentId = pages[0]!.documentId;
  const key = groupKey(documentId, attribution);
  let group = groups.get(key);
  if (!group) {
    group = { key, documentId, attribution, boxes: [], boxIds: new Set(), qa: [], first: { file: item.file, item: item.item } };
    groups.set(key, group);
  }
  for (const raw of item.boxes) {
    const where = { file: item.file, item: raw.item ?? item.item, field: raw.field };
    const built = buildBox(raw, pages[raw.page]!, scales[raw.page]!, rules);
    if ('reason' in built) {
      problems.push({ severity: 'error', file: item.file, item: where.item, field: built.field, reason: built.reason });
      continue;
    }
    if (group.boxIds.has(built.box.id)) {
      problems.push({ severity: 'error', file: item.file, item: where.item, field: raw.field, reason: `box id "${raw.id}" is used twice in this document; the first one is kept` });
      continue;
    }
    for (const note of raw.notes ?? []) problems.push({ severity: 'warning', file: item.file, item: where.item, field: note.field, reason: note.reason });
    group.boxIds.add(built.box.id);
    group.boxes.push({ box: built.box, score: built.score, where });
  }
  for (const q of item.qa) group.qa.push({ raw: q, where: { file: item.file, item: item.item, field: q.field } });
  return problems;
}

export { pageScale };

/**
 * The template question a file's question is: one the document is asked (its type's templates,
 * line-item templates expanded with the group's boxes, as in the app), else a plain template of
 * another type (its answer is kept and shown apart, never required). Null: the file's own question.
 */
function templateFor(question: string, asked: readonly TemplateQuestion[], templates: readonly QuestionTemplate[], used: ReadonlySet<string>): { id: string; templateId: string; question: string } | null {
  const hit = matchTemplateQuestion(question, asked, used);
  if (hit) return { id: hit.qaId, templateId: hit.templateId, question: hit.question };
  const key = questionKey(question);
  const other = templates.find((t) => placeholdersOf(t.text).length === 0 && questionKey(t.text) === key && !used.has(templateQaId(t.id)));
  return other ? { id: templateQaId(other.id), templateId: other.id, question: other.text } : null;
}

/** A group's QA pairs as Folio stores them: template questions recognised, evidence checked. */
export function buildQa(group: Group, rules: ProjectRules): { qa: (QaPair & { score: number })[]; problems: FormatProblem[] } {
  const problems: FormatProblem[] = [];
  const out: (QaPair & { score: number })[] = [];
  const used = new Set<string>();
  const boxIdOf = new Map<string, string>();
  for (const b of group.boxes) boxIdOf.set(b.box.id, b.box.id);
  const asked = expandTemplates(rules.templates, rules.docTypeOf(group.documentId), group.boxes.map((b) => b.box));
  for (const { raw, where } of group.qa) {
    if (!raw.question.trim()) {
      problems.push({ severity: 'error', file: where.file, item: where.item, field: `${where.field}.question`, reason: 'the question is empty' });
      continue;
    }
    const template = templateFor(raw.question, asked, rules.templates, used);
    let id = template?.id ?? boxIdFor(raw.id);
    for (let n = 2; used.has(id); n++) id = boxIdFor(`${raw.id}-${n}`);
    used.add(id);
    const evidence: string[] = [];
    for (const e of raw.evidence) {
      const boxId = boxIdOf.get(boxIdFor(e));
      if (boxId) evidence.push(boxId);
      else problems.push({ severity: 'warning', file: where.file, item: where.item, field: `${where.field}.evidence`, reason: `evidence box "${e}" was not imported (missing or refused): the link is left out` });
    }
    out.push({
      id,
      question: template?.question ?? raw.question,
      answer: raw.unanswerable ? '' : raw.answer,
      unanswerable: raw.unanswerable,
      source: template ? 'template' : raw.source === 'template' ? 'annotator' : raw.source,
      templateId: template?.templateId ?? null,
      originPredictionId: null,
      evidenceBoxIds: [...new Set(evidence)],
      score: raw.score ?? 1,
    });
  }
  return { qa: out, problems };
}

/** A digest of an annotation's content (boxes and QA, order-free), to recognise a re-import. */
export function contentDigest(boxes: Pick<Box, 'id' | 'pageId' | 'label' | 'x' | 'y' | 'w' | 'h' | 'transcription'>[], qa: Pick<QaPair, 'id' | 'question' | 'answer' | 'unanswerable' | 'evidenceBoxIds'>[]): string {
  const b = boxes.map((x) => [x.id, x.pageId, x.label, x.x, x.y, x.w, x.h, x.transcription]).sort((p, q) => String(p[0]).localeCompare(String(q[0])));
  const a = qa.map((x) => [x.id, x.question, x.answer, x.unanswerable, x.evidenceBoxIds]).sort((p, q) => String(p[0]).localeCompare(String(q[0])));
  return createHash('sha256').update(JSON.stringify([b, a])).digest('hex');
}
