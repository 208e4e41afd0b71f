import type { FormatProblem } from '../../../../shared/domain/formats';
import { boxSchema, LABEL_NAME_MAX, qaPairSchema } from '../../../../shared/domain/model';
import type { RawItem } from './types';

/**
 * How big what an annotation file says may be, checked once for every format on what its reader
 * produced: a field over its limit refuses its box, QA pair or item with a problem that names the
 * file, the item, the field, its length and the limit — before the value reaches a matcher, a
 * message, a progress row or the database. Text limits are the contract's (what Folio can store
 * and show); the rest are far above any real file.
 */

const max = (s: { maxLength: number | null }): number => s.maxLength ?? Infinity;

export const FIELD_LIMITS = {
  /** An image reference: a path, URL or file name (PATH_MAX is 4,096 on Linux). */
  imageRef: 4096,
  /** Label names as a project can hold them (projects.create). */
  label: LABEL_NAME_MAX,
  transcription: max(boxSchema.shape.transcription),
  question: max(qaPairSchema.shape.question),
  answer: max(qaPairSchema.shape.answer),
  /** Stored ids are at most 64 (longer ones become a digest, see boxIdFor); an id longer than this is not an id. */
  sourceId: 256,
  documentId: max(boxSchema.shape.id),
  /** Annotator and model names, as --annotator and --model take them. */
  name: 200,
  /** Evidence boxes of one QA pair (qaPairSchema's evidenceBoxIds). */
  evidence: 1000,
} as const;

const MiB = 1024 * 1024;

/** Files a reader parses whole (COCO; a VOC XML or a YOLO label file is one page's). */
export const WHOLE_FILE_LIMITS = {
  coco: 256 * MiB,
  /** One VOC XML file or YOLO label file: a single image's boxes. */
  page: 16 * MiB,
  /** classes.txt and images.txt. */
  list: 16 * MiB,
} as const;

/**
 * One Label Studio task or one JSONL line: the contract's largest save (50,000 boxes with
 * 400-character transcriptions) is ≈ 26 MiB of JSON.
 */
export const ELEMENT_LIMIT = 64 * MiB;

/** Nesting of JSON arrays and objects: the formats Folio reads nest fewer than 10 deep. */
export const JSON_DEPTH_LIMIT = 100;

export const sizeText = (bytes: number): string => (bytes >= MiB ? `${(bytes / MiB).toFixed(1)} MiB` : `${bytes} bytes`);

/** Problems' own text, so that progress and results stay small whatever a file holds. */
const PROBLEM_TEXT = { file: 4096, item: 300, field: 300, reason: 1000 } as const;

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function clipProblem(p: FormatProblem): FormatProblem {
  return { severity: p.severity, file: clip(p.file, PROBLEM_TEXT.file), item: clip(p.item, PROBLEM_TEXT.item), field: clip(p.field, PROBLEM_TEXT.field), reason: clip(p.reason, PROBLEM_TEXT.reason) };
}

const over = (what: string, value: string, limit: number): string => `${what} is ${value.length.toLocaleString('en-US')} characters, over the limit of ${limit.toLocaleString('en-US')}`;

/**
 * The item with every box and QA pair whose fields are within limits, and a problem for each
 * field over one. An item whose image reference, annotator or model is over is refused whole
 * (null): what it belongs to cannot be told.
 */
export function checkFieldLimits(item: RawItem): { item: RawItem | null; problems: FormatProblem[] } {
  const problems: FormatProblem[] = [];
  const at = (where: string, field: string, reason: string) => problems.push({ severity: 'error', file: item.file, item: where, field, reason });
  const L = FIELD_LIMITS;
  let refused = false;
  for (const p of item.pages) {
    if (p.ref !== null && p.ref.length > L.imageRef) {
      at(item.item, p.field, `${over('the image reference', p.ref, L.imageRef)}; the item is refused`);
      refused = true;
    }
    if (p.hint?.documentId !== undefined && p.hint.documentId.length > L.documentId) {
      at(item.item, p.field, `${over('the Folio document id', p.hint.documentId, L.documentId)}; the item is refused`);
      refused = true;
    }
  }
  for (const [what, v, limit] of [
    ['the annotator name', item.annotator?.name, L.name],
    ['the annotator id', item.annotator?.id, L.sourceId],
    ['the model name', item.model ?? undefined, L.name],
  ] as const) {
    if (v !== undefined && v.length > limit) {
      at(item.item, '(annotator)', `${over(what, v, limit)}; the item is refused`);
      refused = true;
    }
  }
  if (refused) return { item: null, problems };

  const boxes = item.boxes.filter((b) => {
    const where = b.item ?? item.item;
    const before = problems.length;
    if (b.id.length > L.sourceId) at(where, b.field, `${over('the box id', b.id, L.sourceId)}; the box is refused`);
    if (b.label !== null && b.label.length > L.label) at(where, b.labelField, `${over('the label', b.label, L.label)}; the box is refused`);
    if (b.transcription.length > L.transcription) at(where, b.field, `${over('the transcription', b.transcription, L.transcription)}; the box is refused`);
    return problems.length === before;
  });
  const qa = item.qa.filter((q) => {
    const before = problems.length;
    if (q.id.length > L.sourceId) at(item.item, q.field, `${over('the QA id', q.id, L.sourceId)}; the QA pair is refused`);
    if (q.question.length > L.question) at(item.item, `${q.field}.question`, `${over('the question', q.question, L.question)}; the QA pair is refused`);
    if (q.answer.length > L.answer) at(item.item, `${q.field}.answer`, `${over('the answer', q.answer, L.answer)}; the QA pair is refused`);
    if (q.evidence.length > L.evidence) at(item.item, `${q.field}.evidence`, `${q.evidence.length.toLocaleString('en-US')} evidence boxes, over the limit of ${L.evidence.toLocaleString('en-US')}; the QA pair is refused`);
    const long = q.evidence.find((e) => e.length > L.sourceId);
    if (long !== undefined) at(item.item, `${q.field}.evidence`, `${over('an evidence box id', long, L.sourceId)}; the QA pair is refused`);
    return problems.length === before;
  });
  return { item: boxes.length === item.boxes.length && qa.length === item.qa.length ? item : { ...item, boxes, qa }, problems };
}
