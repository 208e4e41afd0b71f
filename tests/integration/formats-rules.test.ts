import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import { parseXml, childrenNamed, child, childText } from '../../src/main/core/formats/import/xml';
import { SYNTH_LABELS } from '../../src/main/core/synth';
import { openTestCore, tempDir } from '../helpers/core';
import { pagePng } from '../helpers/fixtures';
import { addTwoPageDoc, createLabelledProject, seedOnePageDocs, verifyTwoPageDoc, type SeededDoc } from '../helpers/formats';

/**
 * Each format against its own rules: COCO's data format (ids, bbox order, area, references),
 * Label Studio's serialized regions (a fixture written from Label Studio's source), the committed
 * JSON Schema for Folio JSONL, VOC's and YOLO's files.
 */

const fixtures = join(import.meta.dirname, '..', 'fixtures', 'formats');

let dir: ReturnType<typeof tempDir>;
let core: Core;
let projectId: string;
let seeded: SeededDoc[];

beforeAll(async () => {
  dir = tempDir('folio-formats-rules-');
  core = await openTestCore(join(dir.path, 'data'));
  await core.api['settings.update']({ annotatorName: 'Ada' });
  projectId = await createLabelledProject(core, 'Invoices');
  seeded = await seedOnePageDocs(core, projectId, 4);
  seeded.push(await verifyTwoPageDoc(core, projectId, await addTwoPageDoc(core, projectId)));
});
afterAll(async () => {
  await core.close();
  dir.cleanup();
});

const exportTo = async (format: 'coco' | 'labelstudio' | 'voc' | 'yolo' | 'jsonl', images: 'copy' | 'reference' = 'copy') => {
  const out = join(dir.path, `out-${format}-${images}`);
  const job = await core.exporter.run({ projectId, format, out, images });
  expect(job.state).toBe('completed');
  return out;
};

describe('COCO', () => {
  it('follows the COCO data format: ids from 1 and unique, bbox = [x, y, width, height], area = w × h, valid references', async () => {
    const out = await exportTo('coco');
    const coco = JSON.parse(readFileSync(join(out, 'annotations.json'), 'utf8')) as {
      images: { id: number; file_name: string; width: number; height: number; folio_document_id: string; folio_page: number; folio_qa?: { id: string; evidence_ids: number[]; evidence_box_ids: string[] }[] }[];
      annotations: { id: number; image_id: number; category_id: number; bbox: number[]; area: number; iscrowd: number; folio_box_id: string; transcription: string }[];
      categories: { id: number; name: string }[];
      info: object;
    };
    const ids = (list: { id: number }[]) => list.map((x) => x.id);
    const oneToN = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
    expect(ids(coco.images)).toEqual(oneToN(coco.images.length));
    expect(ids(coco.annotations)).toEqual(oneToN(coco.annotations.length));
    expect(ids(coco.categories)).toEqual(oneToN(coco.categories.length));
    expect(coco.categories.map((c) => c.name)).toEqual(SYNTH_LABELS.map((l) => l.name));
    expect(coco.images).toHaveLength(seeded.reduce((n, d) => n + d.pages.length, 0));
    expect(coco.annotations).toHaveLength(seeded.reduce((n, d) => n + d.boxes.length, 0));

    const images = new Map(coco.images.map((i) => [i.id, i]));
    const categories = new Map(coco.categories.map((c) => [c.id, c.name]));
    const boxes = new Map(seeded.flatMap((d) => d.boxes.map((b) => [`${d.documentId}/${b.id}`, { box: b, doc: d }] as const)));
    for (const a of coco.annotations) {
      const image = images.get(a.image_id);
      expect(image, `annotation ${a.id}: image ${a.image_id}`).toBeDefined();
      expect(categories.has(a.category_id), `annotation ${a.id}: category ${a.category_id}`).toBe(true);
      expect(a.iscrowd).toBe(0);
      expect(a.bbox).toHaveLength(4);
      const [x, y, w, h] = a.bbox as [number, number, number, number];
      expect(Math.abs(a.area - w * h)).toBeLessThan(1e-3);
      // The order is x, y, width, height — checked against the box it came from.
      const { box, doc } = boxes.get(`${image!.folio_document_id}/${a.folio_box_id}`)!;
      expect(doc.pages.findIndex((p) => p.pageId === box.pageId) + 1).toBe(image!.folio_page);
      expect([x, y, w, h].map((v, k) => Math.abs(v - [box.x, box.y, box.w, box.h][k]!) <= 0.0005)).toEqual([true, true, true, true]);
      expect(x + w).toBeLessThanOrEqual(image!.width);
      expect(y + h).toBeLessThanOrEqual(image!.height);
      expect(categories.get(a.category_id)).toBe(box.label);
      expect(a.transcription).toBe(box.transcription);
    }
    // QA evidence names annotation ids of the same document.
    const twoPage = coco.images.filter((i) => i.folio_document_id === seeded.at(-1)!.documentId);
    expect(twoPage.map((i) => i.folio_page)).toEqual([1, 2]);
    const across = twoPage[0]!.folio_qa!.find((q) => q.id === 'across')!;
    expect(across.evidence_box_ids).toEqual(['b1', 'p2b1']);
    const evidenceImages = across.evidence_ids.map((id) => coco.annotations.find((a) => a.id === id)!.image_id);
    expect(evidenceImages).toEqual(twoPage.map((i) => i.id));
    // Copied images are where file_name says.
    for (const img of coco.images) expect(readdirSync(join(out, 'images'))).toContain(img.file_name.replace(/^images\//, ''));
  });
});

describe('Label Studio', () => {
  let lsCore: Core;
  let lsProject: string;
  beforeAll(async () => {
    lsCore = await openTestCore(join(dir.path, 'ls'));
    await lsCore.api['settings.update']({ annotatorName: 'Ada' });
    lsProject = (
      await lsCore.api['projects.create']({
        name: 'Receipts',
        labels: [
          { name: 'total', color: '#ff0000' },
          { name: 'date', color: '#00ff00' },
        ],
      })
    ).id;
    const file = join(dir.path, 'page.png');
    writeFileSync(file, await pagePng(1, 1200, 1600));
    await lsCore.importer.run(lsProject, [file]);
    const documentId = (await lsCore.api['documents.list']({ projectId: lsProject })).items[0]!.id;
    const pageId = (await lsCore.api['documents.get']({ projectId: lsProject, documentId })).pages[0]!.id;
    const box = { pageId, locked: false, hidden: false, originPredictionId: null };
    await lsCore.api['annotations.save']({
      projectId: lsProject,
      documentId,
      baseRevision: 0,
      upsertBoxes: [
        { ...box, id: 'b1', label: 'total', x: 120, y: 80, w: 300, h: 40, transcription: '$12.00' },
        { ...box, id: 'b2', label: 'date', x: 600, y: 400, w: 240, h: 32, transcription: '' },
      ],
      upsertQa: [{ id: 'q1', question: 'What is the total?', answer: '$12.00', unanswerable: false, source: 'annotator', templateId: null, originPredictionId: null, evidenceBoxIds: ['b1'] }],
    });
    expect((await lsCore.api['annotations.verify']({ projectId: lsProject, documentId })).result).toBe('verified');
  });
  afterAll(() => lsCore.close());

  it('writes regions exactly as Label Studio serializes RectangleLabels with a per-region TextArea', async () => {
    const out = join(dir.path, 'ls-out');
    expect((await lsCore.exporter.run({ projectId: lsProject, format: 'labelstudio', out })).state).toBe('completed');
    const tasks = JSON.parse(readFileSync(join(out, 'tasks.json'), 'utf8')) as { id: number; data: { image: string; qa: { question: string }[] }; annotations: { result: Record<string, unknown>[]; was_cancelled: boolean }[] }[];
    const expected = JSON.parse(readFileSync(join(fixtures, 'labelstudio-region-results.json'), 'utf8')) as { box_with_text: unknown[]; box_without_text: unknown[] };
    expect(tasks).toHaveLength(1);
    const result = tasks[0]!.annotations[0]!.result;
    expect(result.filter((r) => r.id === 'b1')).toEqual(expected.box_with_text);
    expect(result.filter((r) => r.id === 'b2')).toEqual(expected.box_without_text);
    // Key order too, as the editor writes it (diffs against Label Studio's own exports stay quiet).
    expect(Object.keys(result[0]!)).toEqual(Object.keys(expected.box_with_text[0] as object));
    expect(tasks[0]!.annotations[0]!.was_cancelled).toBe(false);
    expect(tasks[0]!.data.image).toMatch(/^\/data\/local-files\/\?d=images\/page-[0-9a-f]{8}-p1\.png$/);
    // The QA answer: a TextArea result under the Repeater's names, evidence in meta.
    expect(tasks[0]!.data.qa).toEqual([{ id: 'q1', question: 'What is the total?' }]);
    expect(result.find((r) => r.from_name === 'answer_0')).toEqual({
      value: { text: ['$12.00'] },
      id: 'q1',
      from_name: 'answer_0',
      to_name: 'question_0',
      type: 'textarea',
      origin: 'manual',
      meta: { evidence: ['b1'], unanswerable: false, source: 'annotator' },
    });
    // The labeling config names every control the results use.
    const config = parseXml(readFileSync(join(out, 'label_config.xml'), 'utf8'));
    const names = new Set<string>();
    const walk = (el: ReturnType<typeof parseXml>) => {
      if (el.attrs.name) names.add(el.attrs.name.replace('{{idx}}', '0'));
      el.children.forEach(walk);
    };
    walk(config);
    for (const r of result) {
      expect(names).toContain(r.from_name);
      expect(names).toContain(r.to_name);
    }
    expect(childrenNamed(child(config, 'RectangleLabels')!, 'Label').map((l) => l.attrs.value)).toEqual(['total', 'date']);
  });

  it('imports Label Studio’s OCR-template export (rectangle + labels + textarea per region) and its predictions', async () => {
    const file = join(fixtures, 'labelstudio-ocr-template-export.json');
    const job = await lsCore.annotationsImport.run({ projectId: lsProject, format: 'labelstudio', file, annotator: 'Lee' });
    expect(job.state).toBe('completed');
    expect(job.documents).toEqual({ imported: 1, unchanged: 0, skipped: 0 });
    expect(job.problems).toEqual([
      expect.objectContaining({ severity: 'warning', item: 'tasks[0] (id 7)', field: 'annotations[0].result[5].type', reason: expect.stringContaining('"polygon" result is not a rectangle') }),
      expect.objectContaining({ severity: 'warning', item: 'tasks[0] (id 7)', field: 'annotations[0].result[3].value.rotation', reason: expect.stringContaining('rotated 90°') }),
    ]);
    const lee = lsCore.db.prepare("SELECT id FROM annotators WHERE name = 'Lee'").get() as { id: string };
    const rows = lsCore.db
      .prepare("SELECT b.id, b.label, b.x, b.y, b.w, b.h, b.transcription FROM boxes b JOIN annotations a ON a.id = b.annotation_id WHERE a.annotator_id = ? AND a.status = 'verified' ORDER BY b.position")
      .all(lee.id) as { id: string; label: string; x: number; y: number; w: number; h: number; transcription: string }[];
    expect(rows.map((r) => ({ ...r, x: Math.round(r.x * 1000) / 1000, y: Math.round(r.y * 1000) / 1000, w: Math.round(r.w * 1000) / 1000, h: Math.round(r.h * 1000) / 1000 }))).toEqual([
      { id: 'Fmo1', label: 'total', x: 120, y: 80, w: 300, h: 40, transcription: '$12.00' },
      // 120 × 32 px turned 90° clockwise about its top-left corner (600, 400).
      { id: 'Rot2', label: 'date', x: 568, y: 400, w: 32, h: 120, transcription: '' },
    ]);

    const predictions = await lsCore.annotationsImport.run({ projectId: lsProject, format: 'labelstudio', file, as: 'predictions' });
    expect(predictions.documents.imported).toBe(1);
    const stored = lsCore.db.prepare("SELECT model, label, transcription, confidence, status FROM predictions WHERE model = 'EasyOCR-v0.0.1' ORDER BY label DESC").all();
    expect(stored).toEqual([
      { model: 'EasyOCR-v0.0.1', label: 'total', transcription: '$12.00', confidence: 0.75, status: 'pending' },
      { model: 'EasyOCR-v0.0.1', label: 'date', transcription: '', confidence: 0.9, status: 'pending' },
    ]);
  });
});

describe('Folio JSONL', () => {
  it('every exported line validates against the committed JSON Schema (and a broken one does not)', async () => {
    const out = await exportTo('jsonl', 'reference');
    const schema = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'formats', 'folio-jsonl.schema.json'), 'utf8')) as Parameters<typeof z.fromJSONSchema>[0];
    const validator = z.fromJSONSchema(schema);
    const lines = readFileSync(join(out, 'documents.jsonl'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(seeded.length);
    for (const [i, line] of lines.entries()) {
      const parsed = validator.safeParse(JSON.parse(line));
      expect(parsed.success, `line ${i + 1}: ${parsed.error?.message}`).toBe(true);
    }
    const first = JSON.parse(lines[0]!) as { boxes: Record<string, unknown>[]; pages: { image: string }[]; annotation: { annotator: { name: string } } };
    expect(first.annotation.annotator.name).toBe('Ada');
    // Referenced images are absolute paths to the page images in the media folder.
    expect(readFileSync(first.pages[0]!.image).length).toBeGreaterThan(0);
    const broken = [{ ...first, boxes: [{ ...first.boxes[0], x: 'left' }] }, { ...first, extra: true }, { ...first, annotation: { ...first.annotation, status: 'draft' } }];
    for (const b of broken) expect(validator.safeParse(b).success).toBe(false);
  });
});

describe('Pascal VOC and YOLO', () => {
  it('VOC: one XML per page with 1-based whole-pixel boxes inside the image, and the image set', async () => {
    const out = await exportTo('voc');
    const files = readdirSync(join(out, 'Annotations')).sort();
    expect(files).toHaveLength(seeded.reduce((n, d) => n + d.pages.length, 0));
    expect(readFileSync(join(out, 'ImageSets', 'Main', 'default.txt'), 'utf8').trim().split('\n').sort()).toEqual(files.map((f) => f.replace(/\.xml$/, '')));
    let objects = 0;
    for (const f of files) {
      const root = parseXml(readFileSync(join(out, 'Annotations', f), 'utf8'));
      const size = child(root, 'size')!;
      const W = Number(childText(size, 'width'));
      const H = Number(childText(size, 'height'));
      expect(readdirSync(join(out, 'JPEGImages'))).toContain(childText(root, 'filename'));
      for (const o of childrenNamed(root, 'object')) {
        objects++;
        const b = child(o, 'bndbox')!;
        const [xmin, ymin, xmax, ymax] = ['xmin', 'ymin', 'xmax', 'ymax'].map((k) => Number(childText(b, k)));
        for (const v of [xmin, ymin, xmax, ymax]) expect(Number.isInteger(v)).toBe(true);
        expect(xmin).toBeGreaterThanOrEqual(1);
        expect(ymin).toBeGreaterThanOrEqual(1);
        expect(xmax).toBeLessThanOrEqual(W);
        expect(ymax).toBeLessThanOrEqual(H);
        expect(xmax).toBeGreaterThanOrEqual(xmin!);
        expect(SYNTH_LABELS.map((l) => l.name)).toContain(childText(o, 'name'));
      }
    }
    expect(objects).toBe(seeded.reduce((n, d) => n + d.boxes.length, 0));
  });

  it('YOLO: classes.txt in label-set order, one label file per image, lines of a class and four fractions with 6 decimals', async () => {
    const out = await exportTo('yolo');
    expect(readFileSync(join(out, 'classes.txt'), 'utf8')).toBe(SYNTH_LABELS.map((l) => `${l.name}\n`).join(''));
    expect(readFileSync(join(out, 'data.yaml'), 'utf8')).toContain(`nc: ${SYNTH_LABELS.length}`);
    const labelFiles = readdirSync(join(out, 'labels')).sort();
    const images = readdirSync(join(out, 'images')).sort();
    expect(labelFiles.map((f) => f.replace(/\.txt$/, ''))).toEqual(images.map((f) => f.replace(/\.[a-z]+$/, '')));
    let lines = 0;
    for (const f of labelFiles) {
      for (const line of readFileSync(join(out, 'labels', f), 'utf8').trimEnd().split('\n')) {
        if (!line) continue;
        lines++;
        expect(line).toMatch(/^\d+ (0|1)\.\d{6} (0|1)\.\d{6} (0|1)\.\d{6} (0|1)\.\d{6}$/);
        expect(Number(line.split(' ')[0])).toBeLessThan(SYNTH_LABELS.length);
      }
    }
    expect(lines).toBe(seeded.reduce((n, d) => n + d.boxes.length, 0));
  });
});
