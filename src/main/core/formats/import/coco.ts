import { readFile, stat } from 'node:fs/promises';
import { AppError } from '../../../../shared/contract/errors';
import { jsonDepth } from './jsonStream';
import { JSON_DEPTH_LIMIT, sizeText, WHOLE_FILE_LIMITS } from './limits';
import { finite, isObject, problem, shown, type RawBox, type RawItem, type RawQa, type ReadOutput, type ReaderOptions } from './types';

/**
 * COCO detection JSON: `images` (id, file_name, width, height), `annotations` (id, image_id,
 * category_id, bbox [x, y, width, height] in pixels) and `categories` (id, name). Folio's extra
 * fields are read when present (`transcription`, `folio_box_id`, `score`; per image
 * `folio_document_id`, `folio_page`, `folio_annotator`, `folio_qa`). The file is parsed whole:
 * annotations may come in any order and refer to any image.
 */
export async function* readCoco(opts: ReaderOptions): AsyncGenerator<ReadOutput> {
  const { file } = opts;
  const root = yield* parseCocoFile(opts);
  if (!root) return;
  const images = root.images as unknown[];
  const categories = yield* indexCategories(file, root.categories as unknown[]);
  const imageIndex = yield* indexImages(file, images);
  const byImage = yield* groupAnnotationsByImage(file, root.annotations as unknown[], imageIndex);
  for (const [i, img] of images.entries()) {
    const item = yield* readImage(file, img, i, byImage.get(i) ?? [], categories);
    if (item) yield { kind: 'item', item };
  }
}

/** An annotation with its index in `annotations`. */
interface Annotation {
  ann: Record<string, unknown>;
  k: number;
}

/** Read the file whole and check its top level; null (after a problem) when it is not a COCO file. */
async function* parseCocoFile(opts: ReaderOptions): AsyncGenerator<ReadOutput, Record<string, unknown> | null> {
  const { file } = opts;
  const size = (await stat(file)).size;
  // Parsed whole (annotations may refer to any image), so its size is what it costs in memory, several times over.
  if (size > WHOLE_FILE_LIMITS.coco) throw new AppError('invalid_request', `${file}: the COCO file is ${sizeText(size)}, over the limit of ${sizeText(WHOLE_FILE_LIMITS.coco)} for a file read whole; split it into several files`);
  const text = await readFile(file, 'utf8');
  opts.onBytes?.(size);
  const deep = jsonDepth(text);
  if (deep > JSON_DEPTH_LIMIT) {
    yield problem(file, '(file)', '(file)', `the JSON nests ${deep} levels deep, over the limit of ${JSON_DEPTH_LIMIT}; refused`);
    return null;
  }
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    yield problem(file, '(file)', '(file)', `not valid JSON (${(err as Error).message})`);
    return null;
  }
  if (!isObject(root)) {
    yield problem(file, '(file)', '(file)', `a COCO file is a JSON object with images, annotations and categories; found ${shown(root)}`);
    return null;
  }
  for (const key of ['images', 'annotations', 'categories'] as const) {
    if (!Array.isArray(root[key])) {
      yield problem(file, '(file)', key, `expected a list, found ${shown(root[key])}`);
      return null;
    }
  }
  return root;
}

/** Category id → name; a category without both is a problem and left out. */
function* indexCategories(file: string, categories: unknown[]): Generator<ReadOutput, Map<unknown, string>> {
  const names = new Map<unknown, string>();
  for (const [i, c] of categories.entries()) {
    if (!isObject(c) || (typeof c.id !== 'number' && typeof c.id !== 'string') || typeof c.name !== 'string') {
      yield problem(file, `categories[${i}]`, isObject(c) ? (typeof c.name !== 'string' ? 'name' : 'id') : '(category)', `a category needs an id and a name, found ${shown(c)}`);
      continue;
    }
    names.set(c.id, c.name);
  }
  return names;
}

/** Image id → its index in `images`; the first image with an id keeps it. */
function* indexImages(file: string, images: unknown[]): Generator<ReadOutput, Map<unknown, number>> {
  const imageIndex = new Map<unknown, number>();
  for (const [i, img] of images.entries()) {
    if (isObject(img) && (typeof img.id === 'number' || typeof img.id === 'string')) {
      if (imageIndex.has(img.id)) yield problem(file, `images[${i}] (id ${img.id})`, 'id', `image id ${img.id} is used twice (also images[${imageIndex.get(img.id)}])`);
      else imageIndex.set(img.id, i);
    }
  }
  return imageIndex;
}

/** Each image's annotations (by the image's index), in file order. */
function* groupAnnotationsByImage(file: string, annotations: unknown[], imageIndex: Map<unknown, number>): Generator<ReadOutput, Map<number, Annotation[]>> {
  const byImage = new Map<number, Annotation[]>();
  for (const [k, ann] of annotations.entries()) {
    const name = `annotations[${k}]${isObject(ann) && ann.id !== undefined ? ` (id ${shown(ann.id)})` : ''}`;
    if (!isObject(ann)) {
      yield problem(file, name, '(annotation)', `expected an object, found ${shown(ann)}`);
      continue;
    }
    const i = imageIndex.get(ann.image_id);
    if (i === undefined) {
      yield problem(file, name, 'image_id', `no image has id ${shown(ann.image_id)}`);
      continue;
    }
    let list = byImage.get(i);
    if (!list) byImage.set(i, (list = []));
    list.push({ ann, k });
  }
  return byImage;
}

const boxIdOf = ({ ann, k }: Annotation): string => (typeof ann.folio_box_id === 'string' && ann.folio_box_id ? ann.folio_box_id : `coco-${String(ann.id ?? k)}`);

/** One image with its boxes and QA pairs; null (after a problem) when the image itself is unusable. */
function* readImage(file: string, img: unknown, i: number, annotations: Annotation[], categories: Map<unknown, string>): Generator<ReadOutput, RawItem | null> {
  const itemName = `images[${i}]${isObject(img) && img.id !== undefined ? ` (id ${shown(img.id)})` : ''}`;
  if (!isObject(img)) {
    yield problem(file, itemName, '(image)', `expected an object, found ${shown(img)}`);
    return null;
  }
  if (typeof img.id !== 'number' && typeof img.id !== 'string') {
    yield problem(file, itemName, 'id', `an image needs an id, found ${shown(img.id)}`);
    return null;
  }
  if (typeof img.file_name !== 'string' || !img.file_name) {
    yield problem(file, itemName, 'file_name', `an image needs a file_name, found ${shown(img.file_name)}`);
    return null;
  }
  const sizeOk = finite(img.width) && finite(img.height) && img.width > 0 && img.height > 0;
  if (!sizeOk) {
    yield problem(file, itemName, finite(img.width) && img.width > 0 ? 'height' : 'width', `an image needs its width and height in pixels, found ${shown(finite(img.width) && img.width > 0 ? img.height : img.width)}`);
    return null;
  }
  const boxes: RawBox[] = [];
  for (const a of annotations) {
    const box = yield* readBox(file, a, categories);
    if (box) boxes.push(box);
  }
  const qa = Array.isArray(img.folio_qa) ? yield* readQa(file, itemName, img.folio_qa, annotations) : [];
  const annotator = typeof img.folio_annotator === 'string' ? { id: typeof img.folio_annotator_id === 'string' ? img.folio_annotator_id : undefined, name: img.folio_annotator } : null;
  return {
    item: itemName,
    file,
    pages: [
      {
        field: 'file_name',
        ref: img.file_name,
        hint: typeof img.folio_document_id === 'string' ? { documentId: img.folio_document_id, page: finite(img.folio_page) ? img.folio_page : undefined } : null,
        size: { width: img.width as number, height: img.height as number },
      },
    ],
    annotator,
    model: null,
    boxes,
    qa,
  };
}

/** One annotation as a box; null (after a problem) when its category, bbox or score is unusable. */
function* readBox(file: string, a: Annotation, categories: Map<unknown, string>): Generator<ReadOutput, RawBox | null> {
  const { ann, k } = a;
  const annName = `annotations[${k}]${ann.id !== undefined ? ` (id ${shown(ann.id)})` : ''}`;
  const label = categories.get(ann.category_id);
  if (label === undefined) {
    yield problem(file, annName, 'category_id', `no category has id ${shown(ann.category_id)}`);
    return null;
  }
  const bbox = ann.bbox;
  if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every(finite)) {
    yield problem(file, annName, 'bbox', `expected [x, y, width, height] in pixels, found ${shown(bbox)}`);
    return null;
  }
  if (ann.score !== undefined && !finite(ann.score)) {
    yield problem(file, annName, 'score', `not a number: ${shown(ann.score)}`);
    return null;
  }
  const [x, y, w, h] = bbox as [number, number, number, number];
  return {
    item: annName,
    field: 'bbox',
    page: 0,
    id: boxIdOf(a),
    label,
    labelField: 'category_id',
    geometry: { units: 'px', x, y, w, h },
    transcription: typeof ann.transcription === 'string' ? ann.transcription : typeof ann.text === 'string' ? ann.text : '',
    score: finite(ann.score) ? ann.score : null,
  };
}

/** An image's `folio_qa`; evidence names boxes by box id, or by annotation id (mapped to the box's id). */
function* readQa(file: string, itemName: string, pairs: unknown[], annotations: Annotation[]): Generator<ReadOutput, RawQa[]> {
  const qa: RawQa[] = [];
  const boxOfAnnotation = new Map<unknown, string>();
  for (const a of annotations) boxOfAnnotation.set(a.ann.id, boxIdOf(a));
  for (const [n, q] of pairs.entries()) {
    const field = `folio_qa[${n}]`;
    if (!isObject(q) || typeof q.question !== 'string') {
      yield problem(file, itemName, `${field}.question`, `a QA pair needs a question, found ${shown(isObject(q) ? q.question : q)}`);
      continue;
    }
    const evidence = Array.isArray(q.evidence_box_ids)
      ? q.evidence_box_ids.filter((s): s is string => typeof s === 'string')
      : Array.isArray(q.evidence_ids)
        ? q.evidence_ids.map((id) => boxOfAnnotation.get(id)).filter((s): s is string => s !== undefined)
        : [];
    qa.push({
      field,
      id: typeof q.id === 'string' && q.id ? q.id : `q${n + 1}`,
      question: q.question,
      answer: typeof q.answer === 'string' ? q.answer : '',
      unanswerable: q.unanswerable === true,
      evidence,
      source: q.source === 'template' || q.source === 'model' ? q.source : 'annotator',
      score: null,
    });
  }
  return qa;
}
