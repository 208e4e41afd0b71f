import { LS_NAMES } from '../export/labelstudio';
import { jsonArrayElements } from './jsonStream';
import { ELEMENT_LIMIT, JSON_DEPTH_LIMIT, sizeText } from './limits';
import { finite, isObject, problem, shown, type RawBox, type RawItem, type RawPage, type RawQa, type ReadOutput, type ReaderOptions } from './types';

/**
 * Label Studio JSON (the "JSON" export: an array of tasks, or one task). A task's `annotations`
 * (or, with --as predictions, its `predictions`) hold results; results that share an id are one
 * region: geometry from a `rectanglelabels`/`rectangle`/`labels` result (percent of the image),
 * the label from `rectanglelabels`/`labels`, the transcription from a per-region `textarea`.
 * TextArea results without geometry named `answer_<i>` are QA answers to `data.qa[i]` (the shape
 * Folio's export writes). Other region types (polygons, brushes…) are reported, not imported.
 */

const IMAGE_EXT = /\.(png|jpe?g|webp|tiff?|bmp|gif)(\?|#|$)/i;

function imageField(data: Record<string, unknown>): string | null {
  if (typeof data.image === 'string') return 'image';
  for (const [k, v] of Object.entries(data)) if (typeof v === 'string' && (IMAGE_EXT.test(v) || v.startsWith('/data/'))) return k;
  return null;
}

const completedBy = (v: unknown): { name: string } | null => {
  if (isObject(v)) {
    const name = [v.email, [v.first_name, v.last_name].filter((s) => typeof s === 'string' && s).join(' '), v.id].find((s) => (typeof s === 'string' && s) || typeof s === 'number');
    return name !== undefined ? { name: typeof name === 'number' ? `Label Studio user ${name}` : String(name) } : null;
  }
  if (typeof v === 'number' || (typeof v === 'string' && v)) return { name: `Label Studio user ${v}` };
  return null;
};

interface Region {
  id: string;
  field: string;
  geometry: { field: string; x: unknown; y: unknown; width: unknown; height: unknown; rotation: unknown; w: unknown; h: unknown } | null;
  geometryFromText: boolean;
  label: { field: string; values: unknown } | null;
  text: string[];
  score: number | null;
  kinds: Set<string>;
}

export async function* readLabelStudio(opts: ReaderOptions): AsyncGenerator<ReadOutput> {
  const { file } = opts;
  for await (const { index, value: task, oversized, tooDeep } of jsonArrayElements(file, opts.onBytes, undefined, ELEMENT_LIMIT, JSON_DEPTH_LIMIT)) {
    if (oversized !== undefined) {
      yield problem(file, `tasks[${index}]`, '(task)', `the task is ${sizeText(oversized)} of JSON, over the limit of ${sizeText(ELEMENT_LIMIT)} for one task; refused`);
      continue;
    }
    if (tooDeep !== undefined) {
      yield problem(file, `tasks[${index}]`, '(task)', `the task nests ${tooDeep} levels deep, over the limit of ${JSON_DEPTH_LIMIT}; refused`);
      continue;
    }
    yield* readTask(opts, index, task);
  }
}

/** What reading one task's results needs to know about the task. */
interface TaskContext {
  file: string;
  itemName: string;
  /** `data.qa`: the questions `answer_<i>` results answer. */
  questions: unknown[];
}

/** An annotation (or prediction) with its index in the task's list. */
interface Entry {
  entry: unknown;
  j: number;
}

/** One task: an item for each of its annotations (or predictions) that is imported. */
function* readTask(opts: ReaderOptions, index: number, task: unknown): Generator<ReadOutput> {
  const { file } = opts;
  const itemName = `tasks[${index}]${isObject(task) && (typeof task.id === 'number' || typeof task.id === 'string') ? ` (id ${shown(task.id)})` : ''}`;
  if (!isObject(task)) {
    yield problem(file, itemName, '(task)', `a task must be a JSON object, found ${shown(task)}`);
    return;
  }
  const data = task.data;
  if (!isObject(data)) {
    yield problem(file, itemName, 'data', `a task needs a "data" object naming its image, found ${shown(data)}`);
    return;
  }
  const key = imageField(data);
  const folio = isObject(data.folio) ? data.folio : null;
  // One page for all of the task's items: the first region that says the image's size sets it.
  const page: RawPage = {
    field: key ? `data.${key}` : 'data',
    ref: key ? (data[key] as string) : null,
    hint: folio ? { documentId: typeof folio.documentId === 'string' ? folio.documentId : undefined, page: finite(folio.page) ? folio.page : undefined } : null,
    size: null,
  };
  const context: TaskContext = { file, itemName, questions: Array.isArray(data.qa) ? data.qa : [] };

  const listName = opts.as === 'predictions' ? 'predictions' : task.annotations === undefined && task.completions !== undefined ? 'completions' : 'annotations';
  const list = task[listName];
  if (list === undefined) return; // a task without work: nothing to import
  if (!Array.isArray(list)) {
    yield problem(file, itemName, listName, `expected a list, found ${shown(list)}`);
    return;
  }
  const entries = yield* chooseEntries(opts, context, listName, list);
  for (const { entry, j } of entries) {
    const e = entry as Record<string, unknown>;
    const base = `${listName}[${j}]`;
    if (!Array.isArray(e.result)) {
      yield problem(file, itemName, `${base}.result`, `expected a list of results, found ${shown(e.result)}`);
      continue;
    }
    const predictionScore = finite(e.score) ? e.score : null;
    const { regions, qa } = yield* readResults(context, base, e.result as unknown[], predictionScore);
    const boxes = yield* regionBoxes(context, regions, predictionScore, page);
    const annotator = opts.as === 'annotations' ? (folio && isObject(folio.annotator) && typeof folio.annotator.name === 'string' ? { id: typeof folio.annotator.id === 'string' ? folio.annotator.id : undefined, name: folio.annotator.name } : completedBy(e.completed_by)) : null;
    const model = typeof e.model_version === 'string' && e.model_version ? e.model_version : null;
    const item: RawItem = { item: itemName, file, pages: [page], annotator, model, boxes, qa };
    yield { kind: 'item', item };
  }
}

/** The entries imported: objects not cancelled or skipped, and with --annotator only the newest. */
function* chooseEntries(opts: ReaderOptions, { file, itemName }: TaskContext, listName: string, list: unknown[]): Generator<ReadOutput, Entry[]> {
  let entries = list.map((entry, j) => ({ entry, j })).filter(({ entry }) => isObject(entry) && !entry.was_cancelled && !entry.skipped);
  for (const { entry, j } of list.map((entry, j) => ({ entry, j }))) {
    if (!isObject(entry)) yield problem(file, itemName, `${listName}[${j}]`, `expected an object, found ${shown(entry)}`);
  }
  if (opts.as === 'annotations' && opts.annotatorGiven && entries.length > 1) {
    // One annotator receives one version: the newest annotation of the task.
    const newest = [...entries].sort((a, b) => String((b.entry as Record<string, unknown>).created_at ?? '').localeCompare(String((a.entry as Record<string, unknown>).created_at ?? '')))[0]!;
    for (const e of entries) if (e !== newest) yield problem(file, itemName, `${listName}[${e.j}]`, 'an older annotation of this task: with --annotator only the newest one is imported', 'warning');
    entries = [newest];
  }
  return entries;
}

/** One entry's results: QA answers, and the regions the other results (grouped by id) describe. */
function* readResults(context: TaskContext, base: string, results: unknown[], predictionScore: number | null): Generator<ReadOutput, { regions: Map<string, Region>; qa: RawQa[] }> {
  const { file, itemName } = context;
  const regions = new Map<string, Region>();
  const qa: RawQa[] = [];
  for (const [k, r] of results.entries()) {
    const field = `${base}.result[${k}]`;
    if (!isObject(r)) {
      yield problem(file, itemName, field, `expected a result object, found ${shown(r)}`);
      continue;
    }
    const type = typeof r.type === 'string' ? r.type : '';
    const v = r.value;
    if (!isObject(v)) {
      yield problem(file, itemName, `${field}.value`, `a result needs a "value" object, found ${shown(v)}`);
      continue;
    }
    if (r.image_rotation !== undefined && r.image_rotation !== 0) {
      yield problem(file, itemName, `${field}.image_rotation`, `the image was rotated ${shown(r.image_rotation)}° in Label Studio; Folio only imports regions drawn on the upright image`);
      continue;
    }
    const fromName = typeof r.from_name === 'string' ? r.from_name : '';
    const answer = new RegExp(`^${LS_NAMES.answer}_(\\d+)$`).exec(fromName);
    const hasGeometry = v.x !== undefined || v.width !== undefined;
    if (type === 'textarea' && answer && !hasGeometry) {
      const pair = yield* readAnswer(context, field, Number(answer[1]), r, v, predictionScore);
      if (pair) qa.push(pair);
      continue;
    }
    if (!['rectanglelabels', 'rectangle', 'labels', 'textarea'].includes(type)) {
      yield problem(file, itemName, `${field}.type`, `a "${type || '(no type)'}" result is not a rectangle; Folio imports rectangles with labels and text areas`, 'warning');
      continue;
    }
    if (type === 'textarea' && !hasGeometry) {
      yield problem(file, itemName, field, 'a text area that belongs to no region (not per-region) and is not a QA answer: left out', 'warning');
      continue;
    }
    addToRegion(regions, field, `r${k}`, type, hasGeometry, r, v);
  }
  return { regions, qa };
}

/** An `answer_<n>` text area as the answer to `data.qa[n]`; null (after a problem) when there is no such question. */
function* readAnswer(
  { file, itemName, questions }: TaskContext,
  field: string,
  n: number,
  r: Record<string, unknown>,
  v: Record<string, unknown>,
  predictionScore: number | null,
): Generator<ReadOutput, RawQa | null> {
  const meta = isObject(r.meta) ? r.meta : {};
  const q = questions[n];
  const question = isObject(q) && typeof q.question === 'string' ? q.question : typeof meta.question === 'string' ? meta.question : null;
  if (question === null) {
    yield problem(file, itemName, `${field}.from_name`, `answer ${n} has no question: data.qa[${n}].question is missing`);
    return null;
  }
  const text = Array.isArray(v.text) ? v.text.filter((s): s is string => typeof s === 'string') : typeof v.text === 'string' ? [v.text] : [];
  const unanswerable = meta.unanswerable === true;
  return {
    field,
    id: typeof r.id === 'string' && r.id ? r.id : isObject(q) && typeof q.id === 'string' ? q.id : `q${n + 1}`,
    question,
    answer: unanswerable ? '' : text.join('\n'),
    unanswerable,
    evidence: Array.isArray(meta.evidence) ? meta.evidence.filter((s): s is string => typeof s === 'string') : [],
    source: meta.source === 'template' || meta.source === 'model' ? meta.source : 'annotator',
    score: finite(r.score) ? r.score : predictionScore,
  };
}

/** Add a shape, label or text result to the region its id names (`fallbackId` when it has none). */
function addToRegion(regions: Map<string, Region>, field: string, fallbackId: string, type: string, hasGeometry: boolean, r: Record<string, unknown>, v: Record<string, unknown>): void {
  const id = typeof r.id === 'string' && r.id ? r.id : fallbackId;
  let region = regions.get(id);
  if (!region) regions.set(id, (region = { id, field, geometry: null, geometryFromText: false, label: null, text: [], score: null, kinds: new Set() }));
  region.kinds.add(type);
  if (finite(r.score)) region.score = r.score;
  // The first shape result's geometry (a text area only when nothing else has one).
  if (hasGeometry && (!region.geometry || (region.geometryFromText && type !== 'textarea'))) {
    region.geometryFromText = type === 'textarea';
    region.geometry = { field: `${field}.value`, x: v.x, y: v.y, width: v.width, height: v.height, rotation: v.rotation, w: r.original_width, h: r.original_height };
  }
  if (type === 'rectanglelabels' || type === 'labels') region.label = { field: `${field}.value.${type}`, values: v[type] };
  if (type === 'textarea') {
    const text = Array.isArray(v.text) ? v.text : [v.text];
    for (const s of text) if (typeof s === 'string') region.text.push(s);
  }
}

/** Each region as a box, unless its rectangle or labels are unusable; the first that says the image's size sets `page.size`. */
function* regionBoxes({ file, itemName }: TaskContext, regions: Map<string, Region>, predictionScore: number | null, page: RawPage): Generator<ReadOutput, RawBox[]> {
  const boxes: RawBox[] = [];
  for (const region of regions.values()) {
    const g = region.geometry;
    if (!g) {
      yield problem(file, itemName, region.field, `region ${region.id} has a ${[...region.kinds].join('/')} result but no rectangle (x, y, width, height)`);
      continue;
    }
    const bad = (['x', 'y', 'width', 'height'] as const).find((k) => !finite(g[k]));
    if (bad) {
      yield problem(file, itemName, `${g.field}.${bad}`, `not a number: ${shown(g[bad])}`);
      continue;
    }
    if (g.rotation !== undefined && !finite(g.rotation)) {
      yield problem(file, itemName, `${g.field}.rotation`, `not a number: ${shown(g.rotation)}`);
      continue;
    }
    let label: string | null = null;
    if (region.label) {
      const values = region.label.values;
      if (!Array.isArray(values) || values.some((s) => typeof s !== 'string')) {
        yield problem(file, itemName, region.label.field, `expected a list of label names, found ${shown(values)}`);
        continue;
      }
      label = (values[0] as string | undefined) ?? null;
      if (values.length > 1) yield problem(file, itemName, region.label.field, `region ${region.id} has ${values.length} labels; Folio boxes have one: "${label}" is kept`, 'warning');
    }
    const rotation = (g.rotation as number | undefined) ?? 0;
    const notes = rotation % 360 !== 0 ? [{ field: `${g.field}.rotation`, reason: `rotated ${rotation}°: imported as the axis-aligned box around it` }] : undefined;
    boxes.push({
      field: region.field,
      page: 0,
      id: region.id,
      label,
      labelField: region.label?.field ?? `${region.field}.value`,
      geometry: { units: 'percent', x: g.x as number, y: g.y as number, width: g.width as number, height: g.height as number, rotation },
      transcription: region.text.join('\n'),
      score: region.score ?? predictionScore,
      ...(notes ? { notes } : {}),
    });
    if (finite(g.w) && finite(g.h) && !page.size) page.size = { width: g.w, height: g.h };
  }
  return boxes;
}
