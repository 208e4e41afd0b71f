import { existsSync } from 'node:fs';
import { AppError } from '../../../../shared/contract/errors';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { VOC_ANNOTATIONS_DIR } from '../export/voc';
import { YOLO_CLASSES, YOLO_IMAGE_LIST, YOLO_LABELS_DIR } from '../export/yolo';
import { child, childrenNamed, childText, parseXml, XmlError } from './xml';
import { sizeText, WHOLE_FILE_LIMITS } from './limits';
import { problem, type RawBox, type RawItem, type ReadOutput, type ReaderOptions } from './types';

const IMAGE_EXTS = ['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff', '.bmp'];

async function listFiles(dir: string, ext: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n.toLowerCase().endsWith(ext)).sort().map((n) => join(dir, n));
}

/**
 * Pascal VOC: a folder of XML files (its Annotations/ sub-folder when there is one) or one XML
 * file. Coordinates are 1-based inclusive pixel indices (see fromVoc). CVAT-style <attributes>
 * named `transcription` and `folio_box_id`, and a <folio> element, are read when present.
 */
export async function* readVoc(opts: ReaderOptions): AsyncGenerator<ReadOutput> {
  const info = await stat(opts.file);
  const files = info.isDirectory() ? await listFiles(existsSync(join(opts.file, VOC_ANNOTATIONS_DIR)) ? join(opts.file, VOC_ANNOTATIONS_DIR) : opts.file, '.xml') : [opts.file];
  for (const file of files) {
    const bytes = (await stat(file)).size;
    if (bytes > WHOLE_FILE_LIMITS.page) {
      opts.onBytes?.(bytes);
      yield problem(file, 'annotation', '(file)', `the file is ${sizeText(bytes)}, over the limit of ${sizeText(WHOLE_FILE_LIMITS.page)} for one image's annotation; refused`);
      continue;
    }
    const source = await readFile(file, 'utf8');
    opts.onBytes?.(Buffer.byteLength(source));
    let root;
    try {
      root = parseXml(source);
    } catch (err) {
      yield problem(file, 'annotation', '(file)', err instanceof XmlError ? `not valid XML: ${err.message}` : String(err));
      continue;
    }
    if (root.name !== 'annotation') {
      yield problem(file, 'annotation', root.name, `a VOC file's root element is <annotation>, found <${root.name}>`);
      continue;
    }
    const filename = childText(root, 'filename');
    const path = childText(root, 'path');
    const size = child(root, 'size');
    const width = Number(size ? childText(size, 'width') : NaN);
    const height = Number(size ? childText(size, 'height') : NaN);
    const folio = child(root, 'folio');
    const boxes: RawBox[] = [];
    for (const [k, obj] of childrenNamed(root, 'object').entries()) {
      const item = `object[${k}]`;
      const name = childText(obj, 'name');
      const bnd = child(obj, 'bndbox');
      if (!bnd) {
        yield problem(file, item, 'bndbox', 'an object needs a <bndbox>');
        continue;
      }
      const v: Record<string, number> = {};
      let bad: string | null = null;
      for (const key of ['xmin', 'ymin', 'xmax', 'ymax']) {
        const t = childText(bnd, key);
        const n = t === undefined || t === '' ? NaN : Number(t);
        if (!Number.isFinite(n)) {
          bad = `bndbox.${key}`;
          yield problem(file, item, bad, `not a number: ${t === undefined ? 'missing' : JSON.stringify(t)}`);
          break;
        }
        v[key] = n;
      }
      if (bad) continue;
      const attrs = new Map<string, string>();
      const attributes = child(obj, 'attributes');
      for (const a of attributes ? childrenNamed(attributes, 'attribute') : []) {
        const n = childText(a, 'name');
        if (n) attrs.set(n, child(a, 'value')?.text ?? '');
      }
      boxes.push({
        item,
        field: 'bndbox',
        page: 0,
        id: attrs.get('folio_box_id') || `voc-${basename(file, '.xml')}-${k + 1}`,
        label: name ?? null,
        labelField: 'name',
        geometry: { units: 'voc', xmin: v.xmin!, ymin: v.ymin!, xmax: v.xmax!, ymax: v.ymax! },
        transcription: attrs.get('transcription') ?? '',
        score: null,
      });
    }
    const annotatorName = folio ? childText(folio, 'annotator') : undefined;
    const item: RawItem = {
      item: 'annotation',
      file,
      pages: [
        {
          field: path ? 'path' : 'filename',
          // <path> may be absolute (referenced images); <filename> is looked for next to the file.
          ref: path || filename || null,
          hint: folio ? { documentId: childText(folio, 'document_id'), page: Number(childText(folio, 'page')) || undefined } : null,
          size: Number.isFinite(width) && Number.isFinite(height) && width > 0 && height > 0 ? { width, height } : null,
        },
      ],
      annotator: annotatorName ? { id: folio ? childText(folio, 'annotator_id') : undefined, name: annotatorName } : null,
      model: null,
      boxes,
      qa: [],
    };
    yield { kind: 'item', item };
  }
}

/**
 * YOLO: a folder with classes.txt and labels/<stem>.txt (or the .txt files themselves), each line
 * `class cx cy w h [confidence]` in fractions of the image. The image of a label file is the file
 * with the same stem in images/ (or the --images folder), or the one images.txt lists.
 */
export async function* readYolo(opts: ReaderOptions & { imagesDir?: string | undefined }): AsyncGenerator<ReadOutput> {
  const root = opts.file;
  if (!(await stat(root)).isDirectory()) {
    yield problem(root, '(folder)', '(folder)', 'a YOLO import reads a folder (with classes.txt and labels/)');
    return;
  }
  const classesFile = join(root, YOLO_CLASSES);
  if (!existsSync(classesFile)) {
    yield problem(classesFile, '(file)', '(file)', 'classes.txt is missing: YOLO class numbers cannot be turned into labels without it');
    return;
  }
  for (const list of [classesFile, join(root, YOLO_IMAGE_LIST)]) {
    const size = existsSync(list) ? (await stat(list)).size : 0;
    if (size > WHOLE_FILE_LIMITS.list) throw new AppError('invalid_request', `${list}: the file is ${sizeText(size)}, over the limit of ${sizeText(WHOLE_FILE_LIMITS.list)}`);
  }
  const classes = (await readFile(classesFile, 'utf8')).split(/\r?\n/).map((s) => s.trim());
  while (classes.length && classes[classes.length - 1] === '') classes.pop();
  const labelsDir = existsSync(join(root, YOLO_LABELS_DIR)) ? join(root, YOLO_LABELS_DIR) : root;
  const imagesDir = opts.imagesDir ?? join(root, 'images');
  const listed = new Map<string, string>();
  if (existsSync(join(root, YOLO_IMAGE_LIST))) {
    for (const line of (await readFile(join(root, YOLO_IMAGE_LIST), 'utf8')).split(/\r?\n/)) {
      const p = line.trim();
      if (p) listed.set(basename(p, extname(p)), p);
    }
  }
  const imageFiles = new Map<string, string>();
  if (existsSync(imagesDir)) {
    for (const name of await readdir(imagesDir)) if (IMAGE_EXTS.includes(extname(name).toLowerCase())) imageFiles.set(basename(name, extname(name)), join(imagesDir, name));
  }
  for (const file of await listFiles(labelsDir, '.txt')) {
    if (basename(file) === YOLO_CLASSES || basename(file) === YOLO_IMAGE_LIST) continue;
    const stem = basename(file, '.txt');
    const size = (await stat(file)).size;
    if (size > WHOLE_FILE_LIMITS.page) {
      opts.onBytes?.(size);
      yield problem(file, basename(file), '(file)', `the file is ${sizeText(size)}, over the limit of ${sizeText(WHOLE_FILE_LIMITS.page)} for one image's labels; refused`);
      continue;
    }
    const text = await readFile(file, 'utf8');
    opts.onBytes?.(Buffer.byteLength(text));
    const boxes: RawBox[] = [];
    for (const [n, raw] of text.split(/\r?\n/).entries()) {
      const line = raw.trim();
      if (!line) continue;
      const item = `line ${n + 1}`;
      const cols = line.split(/\s+/);
      if (cols.length !== 5 && cols.length !== 6) {
        yield problem(file, item, '(line)', `expected "class cx cy w h" (and optionally a confidence), found ${cols.length} values`);
        continue;
      }
      const nums = cols.map(Number);
      const names = ['class', 'cx', 'cy', 'w', 'h', 'confidence'];
      const bad = nums.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        yield problem(file, item, names[bad]!, `not a number: ${JSON.stringify(cols[bad])}`);
        continue;
      }
      const cls = nums[0]!;
      if (!Number.isInteger(cls) || cls < 0 || cls >= classes.length) {
        yield problem(file, item, 'class', `class ${cols[0]} is not in classes.txt (${classes.length} classes, numbered from 0)`);
        continue;
      }
      boxes.push({
        item,
        field: 'cx cy w h',
        page: 0,
        id: `yolo-${stem}-${n + 1}`,
        label: classes[cls]!,
        labelField: 'class',
        geometry: { units: 'normalized', cx: nums[1]!, cy: nums[2]!, w: nums[3]!, h: nums[4]! },
        transcription: '',
        score: cols.length === 6 ? nums[5]! : null,
      });
    }
    const image = imageFiles.get(stem) ?? listed.get(stem) ?? null;
    const item: RawItem = {
      item: basename(file),
      file,
      pages: [{ field: '(image)', ref: image ?? stem, hint: null, size: null }],
      annotator: null,
      model: null,
      boxes,
      qa: [],
    };
    yield { kind: 'item', item };
  }
}
