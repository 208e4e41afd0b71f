import { z } from 'zod';
import { annotationStateSchema, type Box } from './model';

/**
 * A page's boxes as columns, for the canvas opening a dense document (10,000 boxes): one array per
 * field instead of one object per box, page ids and labels as indexes into short dictionaries,
 * the two flags packed in one number. The JSON is about half the size, and checking it against
 * the contract is one plain loop per column instead of a zod object parse per box (the response
 * of `annotations.get` for 10,000 boxes costs ~50 ms to validate in a freshly started core).
 * Every rule of `boxSchema` is checked here too; `boxColumns.test.ts` holds the two to each other.
 */

/** Bits of `flags`. */
export const BOX_LOCKED = 1;
export const BOX_HIDDEN = 2;

export interface BoxColumns {
  /** Number of boxes: every per-box column has exactly this length. */
  count: number;
  id: string[];
  /** Distinct page ids; `page[i]` indexes into it. */
  pageIds: string[];
  page: number[];
  /** Distinct labels; `label[i]` indexes into it, -1 for an unlabelled box. */
  labels: string[];
  label: number[];
  x: number[];
  y: number[];
  w: number[];
  h: number[];
  transcription: string[];
  /** BOX_LOCKED | BOX_HIDDEN. */
  flags: number[];
  originPredictionId: (string | null)[];
}

/** One box, field by field, in the order of the database's raw rows (flags as booleans or 0/1). */
export type BoxFields = readonly [
  id: string,
  pageId: string,
  label: string | null,
  x: number,
  y: number,
  w: number,
  h: number,
  transcription: string,
  locked: boolean | number,
  hidden: boolean | number,
  originPredictionId: string | null,
];

/** Columns from boxes given field by field: the database's raw rows as they are, with no object per box. */
export function boxColumnsFrom(rows: readonly BoxFields[]): BoxColumns {
  const n = rows.length;
  const c: BoxColumns = {
    count: n,
    id: new Array<string>(n),
    pageIds: [],
    page: new Array<number>(n),
    labels: [],
    label: new Array<number>(n),
    x: new Array<number>(n),
    y: new Array<number>(n),
    w: new Array<number>(n),
    h: new Array<number>(n),
    transcription: new Array<string>(n),
    flags: new Array<number>(n),
    originPredictionId: new Array<string | null>(n),
  };
  const pageIndex = new Map<string, number>();
  const labelIndex = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const [id, pageId, label, x, y, w, h, transcription, locked, hidden, originPredictionId] = rows[i]!;
    c.id[i] = id;
    let p = pageIndex.get(pageId);
    if (p === undefined) pageIndex.set(pageId, (p = c.pageIds.push(pageId) - 1));
    c.page[i] = p;
    let l = label === null ? -1 : labelIndex.get(label);
    if (l === undefined) labelIndex.set(label!, (l = c.labels.push(label!) - 1));
    c.label[i] = l;
    c.x[i] = x;
    c.y[i] = y;
    c.w[i] = w;
    c.h[i] = h;
    c.transcription[i] = transcription;
    c.flags[i] = (locked ? BOX_LOCKED : 0) | (hidden ? BOX_HIDDEN : 0);
    c.originPredictionId[i] = originPredictionId;
  }
  return c;
}

export function toBoxColumns(boxes: readonly Box[]): BoxColumns {
  return boxColumnsFrom(boxes.map((b): BoxFields => [b.id, b.pageId, b.label, b.x, b.y, b.w, b.h, b.transcription, b.locked, b.hidden, b.originPredictionId]));
}

/** The boxes back as objects, in the same order (the input must have passed `boxColumnsSchema`). */
export function fromBoxColumns(c: BoxColumns): Box[] {
  const boxes = new Array<Box>(c.count);
  for (let i = 0; i < c.count; i++) {
    const label = c.label[i]!;
    const flags = c.flags[i]!;
    boxes[i] = {
      id: c.id[i]!,
      pageId: c.pageIds[c.page[i]!]!,
      label: label < 0 ? null : c.labels[label]!,
      x: c.x[i]!,
      y: c.y[i]!,
      w: c.w[i]!,
      h: c.h[i]!,
      transcription: c.transcription[i]!,
      locked: (flags & BOX_LOCKED) !== 0,
      hidden: (flags & BOX_HIDDEN) !== 0,
      originPredictionId: c.originPredictionId[i]!,
    };
  }
  return boxes;
}

type Check = (v: unknown) => string | null;
const isString: Check = (v) => (typeof v === 'string' ? null : 'must be a string');
const isFinite: Check = (v) => (typeof v === 'number' && Number.isFinite(v) ? null : 'must be a finite number');
const isSize: Check = (v) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? null : 'must be a finite number, not negative');
const isId: Check = (v) => (typeof v === 'string' && v.length >= 1 && v.length <= 64 ? null : 'must be an id of 1 to 64 characters');
const isPageId: Check = (v) => (typeof v === 'string' && v.length >= 1 ? null : 'must be a page id');
const isTranscription: Check = (v) => (typeof v === 'string' && v.length <= 20_000 ? null : 'must be a string of at most 20000 characters');
const isFlags: Check = (v) => (v === 0 || v === 1 || v === 2 || v === 3 ? null : 'must be 0 to 3');
const isOrigin: Check = (v) => (v === null || typeof v === 'string' ? null : 'must be a string or null');
const indexInto =
  (size: number, nullable: boolean): Check =>
  (v) =>
    Number.isInteger(v) && (v as number) < size && (v as number) >= (nullable ? -1 : 0) ? null : `must be an index below ${size}${nullable ? ' or -1' : ''}`;

/** One plain loop per column; the first bad entry of each column is reported with its path. */
function checkColumn(ctx: z.RefinementCtx, data: Record<string, unknown>, key: string, length: number | null, check: Check): void {
  const column = data[key];
  if (!Array.isArray(column)) {
    ctx.addIssue({ code: 'custom', path: [key], message: 'must be an array' });
    return;
  }
  if (length !== null && column.length !== length) {
    ctx.addIssue({ code: 'custom', path: [key], message: `must hold ${length} entries, not ${column.length}` });
    return;
  }
  for (let i = 0; i < column.length; i++) {
    const problem = check(column[i]);
    if (problem) {
      ctx.addIssue({ code: 'custom', path: [key, i], message: problem });
      return;
    }
  }
}

/** An array taken as is: its entries are checked by the loops below, not one zod parse each. */
const column = z.custom<unknown[]>((v) => Array.isArray(v), 'must be an array');

export const boxColumnsSchema = z
  .object({
    count: z.number().int().nonnegative().max(200_000),
    id: column,
    pageIds: column,
    page: column,
    labels: column,
    label: column,
    x: column,
    y: column,
    w: column,
    h: column,
    transcription: column,
    flags: column,
    originPredictionId: column,
  })
  .strict()
  .superRefine((data, ctx) => {
    const n = data.count;
    checkColumn(ctx, data, 'pageIds', null, isPageId);
    checkColumn(ctx, data, 'labels', null, isString);
    checkColumn(ctx, data, 'id', n, isId);
    checkColumn(ctx, data, 'page', n, indexInto(data.pageIds.length, false));
    checkColumn(ctx, data, 'label', n, indexInto(data.labels.length, true));
    checkColumn(ctx, data, 'x', n, isFinite);
    checkColumn(ctx, data, 'y', n, isFinite);
    checkColumn(ctx, data, 'w', n, isSize);
    checkColumn(ctx, data, 'h', n, isSize);
    checkColumn(ctx, data, 'transcription', n, isTranscription);
    checkColumn(ctx, data, 'flags', n, isFlags);
    checkColumn(ctx, data, 'originPredictionId', n, isOrigin);
  })
  .transform((data) => data as unknown as BoxColumns);

/** `annotations.getColumns`: the annotation state with its boxes as columns. */
export const annotationColumnsStateSchema = annotationStateSchema.omit({ boxes: true }).extend({ boxColumns: boxColumnsSchema });
export type AnnotationColumnsState = z.output<typeof annotationColumnsStateSchema>;
