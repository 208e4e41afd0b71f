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
  const size = (await stat(file)).size;
  // Parsed whole (annotations may refer to any image), so its size is what it costs in memory, several times over.
  if (size > WHOLE_FILE_LIMITS.coco) throw new AppError('invalid_request', `${file}: the COCO file is ${sizeText(size)}, over the limit of ${sizeText(WHOLE_FILE_LIMITS.coco)} for a file read whole; split it into several files`);
  const text = await readFile(file, 'utf8');
  opts.onBytes?.(size);
  const deep = jsonDepth(text);
  if (deep > JSON_DEPTH_LIMIT) {
    yield problem(file, '(file)', '(file)', `the JSON nests ${deep} levels deep, over the limit of ${JSON_DEPTH_LIMIT}; refused`);
    return;
  }
  let root: unknown;
  try {
    root = JSON.parse(text);
  } catch (err) {
    yield problem(file, '(file)', '(file)', `not valid JSON (${(err as Error).message})`);
    return;
  }
  if (!isObject(root)) {
    yield problem(file, '(file)', '(file)', `a COCO file is a JSON object with images, annotations and categories; found ${shown(root)}`);
    return;
  }
  for (const key of ['images', 'annotations', 'categories'] as const) {
    if (!Array.isArray(root[key])) {
      yield problem(file, '(file)', key, `expected a list, found ${shown(root[key])}`);
      return;
    }
  }
  const images = root.images as unknown[];
  const annotations = root.annotations as unknown[];
  const categories = new Map<unknown, string>();
  for (const [i, c] of (root.categories as unknown[]).entries()) {
    if (!isObject(c) || (typeof c.id !== 'number' && typeof c.id !== 'string') || typeof c.name !== 'string') {
      yield problem(file, `categories[${i}]`, isObject(c) ? (typeof c.name !== 'string' ? 'name' : 'id') : '(category)', `a category needs an id and a name, found ${shown(c)}`);
      continue;
    }
    categories.set(c.id, c.name);
  }

  const imageIndex = new Map<unknown, number>();
  for (const [i, img] of images.entries()) {
    if (isObject(img) && (typeof img.id === 'number' || typeof img.id === 'string')) {
      if (imageIndex.has(img.id)) yield problem(file, `images[${i}] (id ${img.id})`, 'id', `image id ${img.id} is used twice (also images[${imageIndex.get(img.id)}])`);
      else imageIndex.set(img.id, i);
    }
  }
  const byImage = new Map<number, { ann: Record<string, unknown>; k: number }[]>();
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

  for (const [i, img] of images.entries()) {
    const itemName = `images[${i}]${isObject(img) && img.id !== undefined ? ` (id ${shown(img.id)})` : ''}`;
    if (!isObject(img)) {
      yield problem(file, itemName, '(image)', `expected an object, found ${shown(img)}`);
      continue;
    }
    if (typeof img.id !== 'number' && typeof img.id !== 'string') {
      yield problem(file, itemName, 'id', `an image needs an id, found ${shown(img.id)}`);
      continue;
    }
    if (typeof img.file_name !== 'string' || !img.file_name) {
      yield problem(file, itemName, 'file_name', `an image needs a file_name, found ${shown(img.file_name)}`);
      continue;
    }
    const sizeOk = finite(img.width) && finite(img.height) && img.width > 0 && img.height > 0;
    if (!sizeOk) {
      yield problem(file, itemName, finite(img.width) && img.width > 0 ? 'height' : 'width', `an image needs its width and height in pixels, found ${shown(finite(img.width) && img.width > 0 ? img.height : img.width)}`);
      continue;
    }
    const boxes: RawBox[] = [];
    for (const { ann, k } of byImage.get(i) ?? []) {
      const annName = `annotations[${k}]${ann.id !== undefined ? ` (id ${shown(ann.id)})` : ''}`;
      const label = categories.get(ann.category_id);
      if (label === undefined) {
        yield problem(file, annName, 'category_id', `no category has id ${shown(ann.category_id)}`);
        continue;
      }
      const bbox = ann.bbox;
      if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every(finite)) {
        yield problem(file, annName, 'bbox', `expected [x, y, width, height] in pixels, found ${shown(bbox)}`);
        continue;
      }
      if (ann.score !== undefined && !finite(ann.score)) {
        yield problem(file, annName, 'score', `not a number: ${shown(ann.score)}`);
        continue;
      }
      const [x, y, w, h] = bbox as [number, number, number, number];
      boxes.push({
        item: annName,
        field: 'bbox',
        page: 0,
        id: typeof ann.folio_box_id === 'string' && ann.folio_box_id ? ann.folio_box_id : `coco-${String(ann.id ?? k)}`,
        label,
        labelField: 'category_id',
        geometry: { units: 'px', x, y, w, h },
        transcription: typeof ann.transcription === 'string' ? ann.transcription : typeof ann.text === 'string' ? ann.text : '',
        score: finite(ann.score) ? ann.score : null,
      });
    }
    const qa: RawQa[] = [];
    if (Array.isArray(img.folio_qa)) {
      const boxOfAnnotation = new Map<unknown, string>();
      for (const { ann, k } of byImage.get(i) ?? []) boxOfAnnotation.set(ann.id, typeof ann.folio_box_id === 'string' && ann.folio_box_id ? ann.folio_box_id : `coco-${String(ann.id ?? k)}`);
      for (const [n, q] of img.folio_qa.entries()) {
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
    }
    const annotator = typeof img.folio_annotator === 'string' ? { id: typeof img.folio_annotator_id === 'string' ? img.folio_annotator_id : undefined, name: img.folio_annotator } : null;
    const item: RawItem = {
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
    yield { kind: 'item', item };
  }
}
