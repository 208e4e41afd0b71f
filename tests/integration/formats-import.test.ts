import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import type { AnnotationsImportJob, FormatProblem } from '../../src/shared/domain/formats';
import { openTestCore, tempDir } from '../helpers/core';
import { pagePng } from '../helpers/fixtures';

/**
 * Importing files made elsewhere: what is wrong is reported naming the file, the item and the
 * field, and the rest is imported; images are found by content, path or name; annotations never
 * overwrite local work; predictions become model predictions and re-imports add nothing.
 */

let dir: ReturnType<typeof tempDir>;
let core: Core;
let projectId: string;
let pageDoc: string;
let otherDoc: string;
let files: string;

const W = 1200;
const H = 1600;

beforeEach(async () => {
  dir = tempDir('folio-formats-import-');
  core = await openTestCore(join(dir.path, 'data'));
  await core.api['settings.update']({ annotatorName: 'Ada' });
  projectId = (
    await core.api['projects.create']({
      name: 'Receipts',
      labels: [
        { name: 'total', color: '#ff0000' },
        { name: 'date', color: '#00ff00' },
      ],
    })
  ).id;
  const scans = join(dir.path, 'scans');
  mkdirSync(scans);
  writeFileSync(join(scans, 'page.png'), await pagePng(1, W, H));
  writeFileSync(join(scans, 'other.png'), await pagePng(2, W, H));
  await core.importer.run(projectId, [join(scans, 'page.png'), join(scans, 'other.png')]);
  const items = (await core.api['documents.list']({ projectId })).items;
  pageDoc = items.find((d) => d.sourceName === 'page.png')!.id;
  otherDoc = items.find((d) => d.sourceName === 'other.png')!.id;
  // The files to import sit next to copies of the images, as exports from other tools do.
  files = join(dir.path, 'files');
  mkdirSync(files);
  copyFileSync(join(scans, 'page.png'), join(files, 'page.png'));
  copyFileSync(join(scans, 'other.png'), join(files, 'other.png'));
});
afterEach(async () => {
  await core.close();
  dir.cleanup();
});

const region = (id: string, label: string, x: number, y: number, width: number, height: number, text?: string) => [
  { original_width: W, original_height: H, image_rotation: 0, value: { x, y, width, height, rotation: 0, rectanglelabels: [label] }, id, from_name: 'label', to_name: 'image', type: 'rectanglelabels' },
  ...(text === undefined ? [] : [{ original_width: W, original_height: H, image_rotation: 0, value: { x, y, width, height, rotation: 0, text: [text] }, id, from_name: 'transcription', to_name: 'image', type: 'textarea' }]),
];

const boxesOf = (documentId: string, annotatorName: string) =>
  core.db
    .prepare(
      `SELECT b.id, b.label, b.x, b.y, b.w, b.h, b.transcription FROM boxes b JOIN annotations a ON a.id = b.annotation_id JOIN annotators u ON u.id = a.annotator_id
       WHERE a.document_id = ? AND u.name = ? AND a.status = 'verified' ORDER BY b.position`,
    )
    .all(documentId, annotatorName) as { id: string; label: string; x: number; y: number; w: number; h: number; transcription: string }[];

/** Every problem names the file, the item and the field, and says why. */
function expectWellFormed(problems: FormatProblem[]): void {
  for (const p of problems) {
    expect(p.file).toMatch(/\S/);
    expect(p.item).toMatch(/\S/);
    expect(p.field).toMatch(/\S/);
    expect(p.reason.length).toBeGreaterThan(10);
  }
}

const errors = (job: AnnotationsImportJob) => job.problems.filter((p) => p.severity === 'error');

describe('bad input', () => {
  it('Label Studio: each bad task or region is reported with file, item and field; the good ones are imported', async () => {
    const file = join(files, 'tasks.json');
    const bad = { ...region('rx', 'total', 1, 1, 5, 5)[0]!, value: { x: 'abc', y: 1, width: 5, height: 5, rotation: 0, rectanglelabels: ['total'] } };
    writeFileSync(
      file,
      JSON.stringify([
        {
          id: 1,
          data: { image: 'page.png' },
          annotations: [
            {
              result: [
                ...region('good', 'total', 10, 5, 25, 2.5, '$12.00'),
                bad,
                ...region('unk', 'vendor', 10, 10, 10, 2),
                ...region('far', 'date', 90, 50, 20, 2),
                ...region('flat', 'date', 10, 60, 0, 2),
              ],
            },
          ],
        },
        { id: 2, annotations: [] },
        { id: 3, data: { image: 'missing.png' }, annotations: [{ result: region('m1', 'total', 1, 1, 5, 5) }] },
        { id: 4, data: { image: 'other.png' }, annotations: [{ result: [{ ...region('r1', 'total', 1, 1, 5, 5)[0]!, image_rotation: 90 }] }] },
      ]),
    );
    const job = await core.annotationsImport.run({ projectId, format: 'labelstudio', file, annotator: 'Lee' });
    expect(job.state).toBe('completed');
    expectWellFormed(job.problems);
    const got = errors(job).map((p) => [p.file, p.item, p.field, p.reason]);
    expect(got).toEqual([
      [file, 'tasks[0] (id 1)', 'annotations[0].result[2].value.x', 'not a number: "abc"'],
      [file, 'tasks[0] (id 1)', 'annotations[0].result[3].value.rectanglelabels', 'unknown label "vendor": not in the project\'s label set ("total", "date")'],
      [file, 'tasks[0] (id 1)', 'annotations[0].result[4]', 'out of range: the box spans x 1080–1320, y 800–832 px but the image is 1200×1600 px'],
      [file, 'tasks[0] (id 1)', 'annotations[0].result[5]', 'degenerate box: width 0 px (a box needs a positive width and height)'],
      [file, 'tasks[1] (id 2)', 'data', expect.stringContaining('a task needs a "data" object')],
      [file, 'tasks[2] (id 3)', 'data.image', expect.stringMatching(/^unmatched image "missing\.png": image not found: no file "missing\.png" in .*; no document of this project is called "missing\.png"$/)],
      [file, 'tasks[3] (id 4)', 'annotations[0].result[0].image_rotation', expect.stringContaining('rotated 90° in Label Studio')],
    ]);
    expect(job.documents).toEqual({ imported: 1, unchanged: 0, skipped: 1 });
    expect(boxesOf(pageDoc, 'Lee')).toEqual([{ id: 'good', label: 'total', x: 120, y: 80, w: 300, h: 40, transcription: '$12.00' }]);
  });

  it('a broken Label Studio file fails the job, naming the file and where', async () => {
    const file = join(files, 'broken.json');
    writeFileSync(file, '[{"data": {"image": "page.png"}}, {"data": ');
    const job = await core.annotationsImport.run({ projectId, format: 'labelstudio', file, annotator: 'Lee' });
    expect(job.state).toBe('failed');
    expect(job.error).toBe(`${file}: the file ends before its top-level array is closed (truncated?)`);
  });

  it('COCO: bad references, boxes and images are reported per annotation or image', async () => {
    const file = join(files, 'coco.json');
    writeFileSync(
      file,
      JSON.stringify({
        images: [{ id: 1, file_name: 'page.png', width: W, height: H }, { id: 2, width: 10, height: 10 }],
        annotations: [
          { id: 1, image_id: 1, category_id: 1, bbox: [10, 10, 100, 20], transcription: 'Total' },
          { id: 2, image_id: 1, category_id: 9, bbox: [10, 40, 100, 20] },
          { id: 3, image_id: 7, category_id: 1, bbox: [10, 70, 100, 20] },
          { id: 4, image_id: 1, category_id: 1, bbox: [1, 2, 3] },
          { id: 5, image_id: 1, category_id: 2, bbox: [1190, 10, 50, 10] },
          { id: 6, image_id: 1, category_id: 2, bbox: [20, 10, 50, -3] },
        ],
        categories: [
          { id: 1, name: 'total' },
          { id: 2, name: 'date' },
        ],
      }),
    );
    const job = await core.annotationsImport.run({ projectId, format: 'coco', file, annotator: 'Coco' });
    expectWellFormed(job.problems);
    expect(errors(job).map((p) => [p.item, p.field, p.reason])).toEqual([
      ['annotations[2] (id 3)', 'image_id', 'no image has id 7'],
      ['annotations[1] (id 2)', 'category_id', 'no category has id 9'],
      ['annotations[3] (id 4)', 'bbox', 'expected [x, y, width, height] in pixels, found [1,2,3]'],
      ['annotations[4] (id 5)', 'bbox', 'out of range: the box spans x 1190–1240, y 10–20 px but the image is 1200×1600 px'],
      ['annotations[5] (id 6)', 'bbox', 'degenerate box: height -3 px (a box needs a positive width and height)'],
      ['images[1] (id 2)', 'file_name', 'an image needs a file_name, found nothing'],
    ]);
    for (const p of job.problems) expect(p.file).toBe(file);
    expect(boxesOf(pageDoc, 'Coco')).toEqual([{ id: 'coco-1', label: 'total', x: 10, y: 10, w: 100, h: 20, transcription: 'Total' }]);
  });

  it('Folio JSONL: a line that is not JSON or breaks the schema is reported with its field', async () => {
    const file = join(files, 'documents.jsonl');
    const line = (over: Record<string, unknown> = {}, box: Record<string, unknown> = {}) =>
      JSON.stringify({
        format: 'folio.annotations',
        formatVersion: 1,
        project: { id: 'p', name: 'Elsewhere' },
        document: { id: pageDoc, sourceName: 'page.png', sourcePath: null, kind: 'image', pageCount: 1, byteSize: 1 },
        pages: [{ page: 1, width: W, height: H, image: 'page.png' }],
        annotation: { id: 'a1', kind: 'annotation', status: 'verified', version: 1, annotator: { id: 'u-jo', name: 'Jo' }, createdAt: '2026-01-01T00:00:00.000Z', verifiedAt: '2026-01-01T00:00:00.000Z', parentId: null },
        lineage: [],
        boxes: [{ id: 'b1', page: 1, label: 'date', x: 5, y: 6, w: 70, h: 8, transcription: '1 May', originPredictionId: null, ...box }],
        qa: [{ id: 'q1', question: 'When?', answer: '1 May', unanswerable: false, source: 'annotator', templateId: null, evidence: ['b1'] }],
        ...over,
      });
    writeFileSync(file, ['{"format": "folio.annotations",', line({}, { w: -5 }), line({ document: { id: 'f'.repeat(64), sourceName: 'gone.png', sourcePath: null, kind: 'image', pageCount: 1, byteSize: 1 }, pages: [{ page: 1, width: W, height: H, image: 'gone.png' }] }), line()].join('\n'));
    const job = await core.annotationsImport.run({ projectId, format: 'jsonl', file });
    expectWellFormed(job.problems);
    expect(errors(job).map((p) => [p.item, p.field])).toEqual([
      ['line 1', '(line)'],
      ['line 2', 'boxes.0.w'],
      ['line 3', 'pages.0.image'],
    ]);
    expect(errors(job)[0]!.reason).toMatch(/^not valid JSON/);
    expect(errors(job)[2]!.reason).toContain('is not in this project');
    expect(boxesOf(pageDoc, 'Jo')).toEqual([{ id: 'b1', label: 'date', x: 5, y: 6, w: 70, h: 8, transcription: '1 May' }]);
  });

  it('VOC and YOLO: broken XML, bad numbers and unknown classes name the file, the object or line, and the field', async () => {
    const voc = join(files, 'voc');
    mkdirSync(join(voc, 'Annotations'), { recursive: true });
    writeFileSync(join(voc, 'Annotations', 'broken.xml'), '<annotation><filename>page.png</annotation>');
    writeFileSync(
      join(voc, 'Annotations', 'page.xml'),
      `<annotation><filename>page.png</filename><size><width>${W}</width><height>${H}</height><depth>3</depth></size>
       <object><name>total</name><bndbox><xmin>11</xmin><ymin>21</ymin><xmax>110</xmax><ymax>40</ymax></bndbox></object>
       <object><name>date</name><bndbox><xmin>5</xmin><ymin>5</ymin><xmax>ten</xmax><ymax>9</ymax></bndbox></object></annotation>`,
    );
    copyFileSync(join(files, 'page.png'), join(voc, 'page.png'));
    const vocJob = await core.annotationsImport.run({ projectId, format: 'voc', file: voc, annotator: 'Vi' });
    expectWellFormed(vocJob.problems);
    expect(errors(vocJob).map((p) => [p.file, p.item, p.field])).toEqual([
      [join(voc, 'Annotations', 'broken.xml'), 'annotation', '(file)'],
      [join(voc, 'Annotations', 'page.xml'), 'object[1]', 'bndbox.xmax'],
    ]);
    expect(errors(vocJob)[0]!.reason).toMatch(/^not valid XML: <\/annotation> closes <filename> at line 1/);
    // VOC's 1-based inclusive pixels 11..110 are Folio's [10, 110).
    expect(boxesOf(pageDoc, 'Vi')).toEqual([{ id: 'voc-page-1', label: 'total', x: 10, y: 20, w: 100, h: 20, transcription: '' }]);

    const yolo = join(files, 'yolo');
    mkdirSync(join(yolo, 'labels'), { recursive: true });
    mkdirSync(join(yolo, 'images'));
    copyFileSync(join(files, 'other.png'), join(yolo, 'images', 'other.png'));
    writeFileSync(join(yolo, 'classes.txt'), 'total\ndate\n');
    writeFileSync(join(yolo, 'labels', 'other.txt'), '0 0.5 0.5 0.1 0.05\n5 0.5 0.5 0.1 0.1\n1 0.5 x 0.1 0.1\n1 0.2 0.2\n');
    const yoloJob = await core.annotationsImport.run({ projectId, format: 'yolo', file: yolo, annotator: 'Yo' });
    expectWellFormed(yoloJob.problems);
    const labelFile = join(yolo, 'labels', 'other.txt');
    expect(errors(yoloJob).map((p) => [p.file, p.item, p.field])).toEqual([
      [labelFile, 'line 2', 'class'],
      [labelFile, 'line 3', 'cy'],
      [labelFile, 'line 4', '(line)'],
    ]);
    const [box] = boxesOf(otherDoc, 'Yo');
    expect(box).toMatchObject({ label: 'total', transcription: '' });
    expect(box!.x).toBeCloseTo(540, 6);
    expect(box!.y).toBeCloseTo(760, 6);
    expect(box!.w).toBeCloseTo(120, 6);
    expect(box!.h).toBeCloseTo(80, 6);
  });
});

describe('matching images', () => {
  const coco = (fileName: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ images: [{ id: 1, file_name: fileName, width: W, height: H, ...extra }], annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [10, 10, 100, 20] }], categories: [{ id: 1, name: 'total' }] });

  it('finds the image in the --images folder by content, by the path it was imported from, and by name', async () => {
    const elsewhere = join(dir.path, 'elsewhere');
    mkdirSync(elsewhere);
    const renamed = join(dir.path, 'renamed');
    mkdirSync(renamed);
    copyFileSync(join(files, 'page.png'), join(renamed, 'scan-0001.png'));
    writeFileSync(join(elsewhere, 'a.json'), coco('scan-0001.png'));
    const byContent = await core.annotationsImport.run({ projectId, format: 'coco', file: join(elsewhere, 'a.json'), annotator: 'A', images: renamed });
    expect(byContent.documents.imported).toBe(1);
    expect(boxesOf(pageDoc, 'A')).toHaveLength(1);

    // The absolute path the document was imported from.
    writeFileSync(join(elsewhere, 'b.json'), coco(join(dir.path, 'scans', 'other.png')));
    const byPath = await core.annotationsImport.run({ projectId, format: 'coco', file: join(elsewhere, 'b.json'), annotator: 'B' });
    expect(byPath.documents.imported).toBe(1);
    expect(boxesOf(otherDoc, 'B')).toHaveLength(1);

    // No file anywhere, but exactly one document has that name (a URL's last segment).
    writeFileSync(join(elsewhere, 'c.json'), coco('https://bucket.example/x/page.png'));
    const byName = await core.annotationsImport.run({ projectId, format: 'coco', file: join(elsewhere, 'c.json'), annotator: 'C' });
    expect(byName.documents.imported).toBe(1);
    expect(boxesOf(pageDoc, 'C')).toHaveLength(1);
  });

  it('refuses a name two documents share, and an image whose size is a different shape', async () => {
    const twin = join(dir.path, 'twin');
    mkdirSync(twin);
    writeFileSync(join(twin, 'page.png'), await pagePng(3, W, H));
    await core.importer.run(projectId, [join(twin, 'page.png')]);
    const elsewhere = join(dir.path, 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'a.json'), coco('page.png'));
    const job = await core.annotationsImport.run({ projectId, format: 'coco', file: join(elsewhere, 'a.json'), annotator: 'A' });
    expect(errors(job)).toEqual([expect.objectContaining({ item: 'images[0] (id 1)', field: 'file_name', reason: expect.stringContaining('2 documents of this project are called "page.png"') })]);

    writeFileSync(join(files, 'wide.json'), coco('page.png', { width: 2000, height: 1000 }));
    const shape = await core.annotationsImport.run({ projectId, format: 'coco', file: join(files, 'wide.json'), annotator: 'A' });
    expect(errors(shape)[0]!.reason).toContain('the file says the image is 2000×1000 px but the matched page is 1200×1600 px');

    // Half size: the same image, boxes scaled (with a warning).
    writeFileSync(join(files, 'half.json'), coco('page.png', { width: 600, height: 800 }));
    const half = await core.annotationsImport.run({ projectId, format: 'coco', file: join(files, 'half.json'), annotator: 'Half' });
    expect(half.problems).toEqual([expect.objectContaining({ severity: 'warning', reason: expect.stringContaining('boxes scaled to the page') })]);
    expect(boxesOf(pageDoc, 'Half')).toEqual([expect.objectContaining({ x: 20, y: 20, w: 200, h: 40 })]);
  });
});

describe('never overwriting local work, and predictions', () => {
  const lsFile = (name: string, regions: unknown[]) => {
    const file = join(files, name);
    writeFileSync(file, JSON.stringify([{ id: 1, data: { image: 'page.png' }, annotations: [{ result: regions }] }]));
    return file;
  };

  it('an annotator’s existing version or draft is left alone: same content is unchanged, other content is skipped', async () => {
    const first = lsFile('one.json', region('a', 'total', 10, 5, 25, 2.5, 'x'));
    expect((await core.annotationsImport.run({ projectId, format: 'labelstudio', file: first, annotator: 'Lee' })).documents).toEqual({ imported: 1, unchanged: 0, skipped: 0 });
    const outbox = (core.db.prepare("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'annotation_version'").get() as { n: number }).n;
    expect(outbox).toBe(1);

    const changed = lsFile('two.json', region('a', 'total', 11, 5, 25, 2.5, 'x'));
    const job = await core.annotationsImport.run({ projectId, format: 'labelstudio', file: changed, annotator: 'Lee' });
    expect(job.documents).toEqual({ imported: 0, unchanged: 0, skipped: 1 });
    expect(errors(job)[0]).toMatchObject({ item: 'tasks[0] (id 1)', field: '(document)', reason: expect.stringContaining('Lee already has verified version 1 of this document with other content') });
    expect(boxesOf(pageDoc, 'Lee')[0]!.x).toBe(120);

    // The local annotator's draft.
    const state = await core.api['annotations.get']({ projectId, documentId: pageDoc });
    await core.api['annotations.save']({ projectId, documentId: pageDoc, baseRevision: state.revision, upsertBoxes: [{ id: 'mine', pageId: `${pageDoc}-p1`, label: 'date', x: 1, y: 2, w: 3, h: 4, transcription: '', locked: false, hidden: false, originPredictionId: null }] });
    const onDraft = await core.annotationsImport.run({ projectId, format: 'labelstudio', file: first, annotator: 'Ada' });
    expect(onDraft.documents.skipped).toBe(1);
    expect(errors(onDraft)[0]!.reason).toContain('Ada already has a draft of this document');
    const after = await core.api['annotations.get']({ projectId, documentId: pageDoc });
    expect(after.boxes.map((b) => b.id)).toEqual(['mine']);
    expect(after.status).toBe('draft');
  });

  it('a verify the project refuses (a required template question unanswered) imports nothing for that document', async () => {
    await core.api['projects.update']({ projectId, questions: [{ text: 'What is the total?' }] });
    const file = lsFile('noqa.json', region('a', 'total', 10, 5, 25, 2.5, 'x'));
    const job = await core.annotationsImport.run({ projectId, format: 'labelstudio', file, annotator: 'Lee' });
    expect(job.documents).toEqual({ imported: 0, unchanged: 0, skipped: 1 });
    expect(errors(job)[0]!.reason).toBe('verifying it was refused: "What is the total?" has no answer and is not marked unanswerable');
    expect((core.db.prepare('SELECT COUNT(*) AS n FROM annotations').get() as { n: number }).n).toBe(0);
  });

  it('predictions: attributed to the model, idempotent, and a decision taken on one survives a re-import', async () => {
    const file = join(files, 'preds.json');
    writeFileSync(
      file,
      JSON.stringify({
        images: [{ id: 1, file_name: 'page.png', width: W, height: H }],
        annotations: [
          { id: 1, image_id: 1, category_id: 1, bbox: [10, 10, 100, 20], score: 0.42, transcription: '$1' },
          { id: 2, image_id: 1, category_id: 2, bbox: [10, 40, 100, 20], score: 0.9 },
          { id: 3, image_id: 1, category_id: 2, bbox: [10, 70, 100, 20], score: 1.5 },
        ],
        categories: [
          { id: 1, name: 'total' },
          { id: 2, name: 'date' },
        ],
      }),
    );
    const job = await core.annotationsImport.run({ projectId, format: 'coco', file, as: 'predictions', model: 'detector-v2' });
    expect(job.predictions).toBe(2);
    expect(errors(job)).toEqual([expect.objectContaining({ item: 'annotations[2] (id 3)', field: 'bbox', reason: 'confidence 1.5 is not between 0 and 1' })]);
    const byLabel = async () => [...(await core.api['annotations.get']({ projectId, documentId: pageDoc })).predictions].sort((a, b) => String(b.label).localeCompare(String(a.label)));
    expect((await byLabel()).map((p) => [p.model, p.label, p.confidence, p.transcription, p.status])).toEqual([
      ['detector-v2', 'total', 0.42, '$1', 'pending'],
      ['detector-v2', 'date', 0.9, '', 'pending'],
    ]);
    expect((await core.api['documents.list']({ projectId })).items.find((d) => d.id === pageDoc)!.status).toBe('pre_annotated');

    const total = (await byLabel())[0]!;
    await core.api['annotations.save']({ projectId, documentId: pageDoc, baseRevision: 0, predictionStatus: [{ id: total.id, status: 'rejected' }] });
    const again = await core.annotationsImport.run({ projectId, format: 'coco', file, as: 'predictions', model: 'detector-v2' });
    expect(again.documents).toEqual({ imported: 0, unchanged: 1, skipped: 0 });
    expect((await byLabel()).map((p) => p.status)).toEqual(['rejected', 'pending']);
    // Another model's predictions of the same boxes are new predictions.
    expect((await core.annotationsImport.run({ projectId, format: 'coco', file, as: 'predictions', model: 'detector-v3' })).predictions).toBe(2);
  });

  it('refuses options that do not fit before starting', async () => {
    const file = lsFile('x.json', []);
    expect(() => core.annotationsImport.start({ projectId, format: 'labelstudio', file, as: 'predictions', annotator: 'Lee' })).toThrow(/annotator: --annotator names who made imported annotations/);
    expect(() => core.annotationsImport.start({ projectId, format: 'labelstudio', file: join(files, 'nope.json') })).toThrow(/does not exist/);
    expect(() => core.annotationsImport.start({ projectId, format: 'coco', file: files })).toThrow(/is a folder/);
    await expect(core.api['annotationsImport.start']({ projectId, format: 'csv' as 'coco', file })).rejects.toMatchObject({ code: 'invalid_request' });
  });
});
