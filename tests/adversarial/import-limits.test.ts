import { copyFileSync, mkdirSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import type { AnnotationsImportJob } from '../../src/shared/domain/formats';
import { openTestCore, tempDir } from '../helpers/core';
import { pagePng } from '../helpers/fixtures';

/**
 * Annotation files with fields no real file has: a 100 MB image reference, labels, texts and ids
 * past the contract's limits, files too big to read whole. Each is refused naming the file, the
 * item and the field; the job ends (never stays "running"); its progress stays small; the
 * database does not grow and what was saved before is unchanged.
 */

const W = 1200;
const H = 1600;
const MiB = 1024 * 1024;

let dir: ReturnType<typeof tempDir>;
let core: Core;
let projectId: string;
let files: string;

beforeEach(async () => {
  dir = tempDir('folio-import-limits-');
  core = await openTestCore(join(dir.path, 'data'));
  await core.api['settings.update']({ annotatorName: 'Ada' });
  projectId = (await core.api['projects.create']({ name: 'Receipts', labels: [{ name: 'total', color: '#ff0000' }] })).id;
  const scans = join(dir.path, 'scans');
  mkdirSync(scans);
  writeFileSync(join(scans, 'page.png'), await pagePng(1, W, H));
  await core.importer.run(projectId, [join(scans, 'page.png')]);
  files = join(dir.path, 'files');
  mkdirSync(files);
  copyFileSync(join(scans, 'page.png'), join(files, 'page.png'));
});
afterEach(async () => {
  await core.close();
  dir.cleanup();
});

const rect = (id: string, label: string, text?: string) => [
  { original_width: W, original_height: H, value: { x: 10, y: 10, width: 20, height: 5, rotation: 0, rectanglelabels: [label] }, id, from_name: 'label', to_name: 'image', type: 'rectanglelabels' },
  ...(text === undefined ? [] : [{ original_width: W, original_height: H, value: { x: 10, y: 10, width: 20, height: 5, rotation: 0, text: [text] }, id, from_name: 'transcription', to_name: 'image', type: 'textarea' }]),
];

const dbBytes = () => {
  const { n } = core.db.prepare('SELECT page_count * page_size AS n FROM pragma_page_count(), pragma_page_size()').get() as { n: number };
  return n;
};
const running = () => (core.db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE state = 'running'").get() as { n: number }).n;
const savedRows = () => core.db.prepare('SELECT id, version, status FROM annotations ORDER BY id').all();
const errorsOf = (job: AnnotationsImportJob) => job.problems.filter((p) => p.severity === 'error');

describe('annotation files with fields past their limits', () => {
  it('a Label Studio task with a 100 MB image reference is refused by itself, fast and in bounded memory; the job finishes and the database does not grow', { timeout: 60_000 }, async () => {
    const file = join(files, 'tasks.json');
    // The file is written in pieces so the test itself never holds the 100 MB string twice.
    const head = '[{"id": 1, "data": {"image": "';
    const tail = `"}, "annotations": [{"result": ${JSON.stringify(rect('r1', 'total'))}}]}, ${JSON.stringify({ id: 2, data: { image: 'page.png' }, annotations: [{ result: rect('ok', 'total', '$12.00') }] })}]`;
    writeFileSync(file, head);
    const block = 'x'.repeat(MiB);
    for (let i = 0; i < 100; i++) writeFileSync(file, block, { flag: 'a' });
    writeFileSync(file, tail, { flag: 'a' });

    const before = { db: dbBytes(), rss: process.memoryUsage.rss() };
    let peak = before.rss;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
    const t0 = Date.now();
    const job = await core.annotationsImport.run({ projectId, format: 'labelstudio', file, annotator: 'Lee' }).finally(() => clearInterval(timer));
    const seconds = (Date.now() - t0) / 1000;

    expect(job.state).toBe('completed');
    expect(errorsOf(job)).toEqual([{ severity: 'error', file, item: 'tasks[0]', field: '(task)', reason: 'the task is 100.0 MiB of JSON, over the limit of 64.0 MiB for one task; refused' }]);
    expect(job.documents.imported).toBe(1);
    expect(seconds).toBeLessThan(15);
    expect(peak - before.rss).toBeLessThan(300 * MiB);
    // The job row holds a short result, not the reference.
    const row = core.db.prepare('SELECT state, length(progress) AS p, length(result) AS r FROM jobs WHERE id = ?').get(job.jobId) as { state: string; p: number; r: number };
    expect(row.state).toBe('completed');
    expect(row.r).toBeLessThan(10_000);
    expect(dbBytes() - before.db).toBeLessThan(256 * 1024);
    expect(running()).toBe(0);
  });

  it('an image reference, a label, a transcription, a question and an answer over the contract’s limits: each refused naming file, item and field', async () => {
    const file = join(files, 'tasks.json');
    const q = 'q'.repeat(2001);
    writeFileSync(
      file,
      JSON.stringify([
        { id: 1, data: { image: `${'d/'.repeat(2100)}page.png` }, annotations: [{ result: rect('a', 'total') }] },
        {
          id: 2,
          data: { image: 'page.png', qa: [{ question: q }, { question: 'What is the total?' }] },
          annotations: [
            {
              result: [
                ...rect('long-label', 't'.repeat(65)),
                ...rect('long-text', 'total', 'w'.repeat(20_001)),
                ...rect('fine', 'total', '$3.00'),
                { id: 'qa0', from_name: 'answer_0', to_name: 'image', type: 'textarea', value: { text: ['yes'] } },
                { id: 'qa1', from_name: 'answer_1', to_name: 'image', type: 'textarea', value: { text: ['a'.repeat(20_001)] } },
              ],
            },
          ],
        },
        { id: 'i'.repeat(100_000), data: { image: 'page.png' }, annotations: [] },
      ]),
    );
    const job = await core.annotationsImport.run({ projectId, format: 'labelstudio', file, annotator: 'Lee' });
    expect(job.state).toBe('completed');
    expect(errorsOf(job)).toEqual([
      { severity: 'error', file, item: 'tasks[0] (id 1)', field: 'data.image', reason: 'the image reference is 4,208 characters, over the limit of 4,096; the item is refused' },
      { severity: 'error', file, item: 'tasks[1] (id 2)', field: 'annotations[0].result[0].value.rectanglelabels', reason: 'the label is 65 characters, over the limit of 64; the box is refused' },
      { severity: 'error', file, item: 'tasks[1] (id 2)', field: 'annotations[0].result[1]', reason: 'the transcription is 20,001 characters, over the limit of 20,000; the box is refused' },
      { severity: 'error', file, item: 'tasks[1] (id 2)', field: 'annotations[0].result[5].question', reason: 'the question is 2,001 characters, over the limit of 2,000; the QA pair is refused' },
      { severity: 'error', file, item: 'tasks[1] (id 2)', field: 'annotations[0].result[6].answer', reason: 'the answer is 20,001 characters, over the limit of 20,000; the QA pair is refused' },
    ]);
    // The box within limits was imported.
    expect(job).toMatchObject({ boxes: 1, qa: 0, documents: { imported: 1 } });
    expect(running()).toBe(0);
  });

  it('COCO, VOC and JSONL fields over the limits are refused the same way', async () => {
    const coco = join(files, 'coco.json');
    writeFileSync(
      coco,
      JSON.stringify({
        images: [{ id: 1, file_name: 'page.png', width: W, height: H }],
        categories: [{ id: 1, name: 'total' }],
        annotations: [
          { id: 1, image_id: 1, category_id: 1, bbox: [10, 10, 50, 20], transcription: 'z'.repeat(20_001) },
          { id: 2, image_id: 1, category_id: 1, bbox: [10, 40, 50, 20], folio_box_id: 'b'.repeat(300) },
        ],
      }),
    );
    const cocoJob = await core.annotationsImport.run({ projectId, format: 'coco', file: coco, annotator: 'Coco' });
    expect(errorsOf(cocoJob)).toEqual([
      { severity: 'error', file: coco, item: 'annotations[0] (id 1)', field: 'bbox', reason: 'the transcription is 20,001 characters, over the limit of 20,000; the box is refused' },
      { severity: 'error', file: coco, item: 'annotations[1] (id 2)', field: 'bbox', reason: 'the box id is 300 characters, over the limit of 256; the box is refused' },
    ]);

    const voc = join(files, 'page.xml');
    writeFileSync(voc, `<annotation><filename>page.png</filename><size><width>${W}</width><height>${H}</height></size><object><name>${'n'.repeat(70)}</name><bndbox><xmin>10</xmin><ymin>10</ymin><xmax>60</xmax><ymax>30</ymax></bndbox></object></annotation>`);
    const vocJob = await core.annotationsImport.run({ projectId, format: 'voc', file: voc, annotator: 'Vi' });
    expect(errorsOf(vocJob)[0]).toEqual({ severity: 'error', file: voc, item: 'object[0]', field: 'name', reason: 'the label is 70 characters, over the limit of 64; the box is refused' });

    const jsonl = join(files, 'lines.jsonl');
    writeFileSync(jsonl, `${JSON.stringify({ format: 'folio.annotations' })}\n`);
    writeFileSync(jsonl, '{"document": "', { flag: 'a' });
    for (let i = 0; i < 65; i++) writeFileSync(jsonl, 'y'.repeat(MiB), { flag: 'a' });
    writeFileSync(jsonl, '"}\n', { flag: 'a' });
    const jsonlJob = await core.annotationsImport.run({ projectId, format: 'jsonl', file: jsonl });
    expect(errorsOf(jsonlJob)).toContainEqual({ severity: 'error', file: jsonl, item: 'line 2', field: '(line)', reason: 'the line is 65.0 MiB, over the limit of 64.0 MiB for one document; refused' });
    expect(running()).toBe(0);
  });

  it('a COCO file too big to read whole fails the job with the file, its size and the limit; nothing saved changes', async () => {
    const ok = join(files, 'ok.json');
    writeFileSync(ok, JSON.stringify([{ id: 1, data: { image: 'page.png' }, annotations: [{ result: rect('ok', 'total', '$1') }] }]));
    expect((await core.annotationsImport.run({ projectId, format: 'labelstudio', file: ok, annotator: 'Lee' })).documents.imported).toBe(1);
    const saved = savedRows();
    const file = join(files, 'huge-coco.json');
    writeFileSync(file, '');
    truncateSync(file, 300 * MiB); // sparse: its size is what is checked, nothing is read
    const before = dbBytes();
    const job = await core.annotationsImport.run({ projectId, format: 'coco', file, annotator: 'Coco' });
    expect(job.state).toBe('failed');
    expect(job.error).toBe(`${file}: the COCO file is 300.0 MiB, over the limit of 256.0 MiB for a file read whole; split it into several files`);
    expect(core.annotationsImport.get(job.jobId)).toMatchObject({ state: 'failed', error: job.error });
    expect(running()).toBe(0);
    expect(savedRows()).toEqual(saved);
    expect(dbBytes() - before).toBeLessThan(64 * 1024);
  });

  it('a job whose result cannot be saved still ends failed, with the reason, never "running"', async () => {
    const file = join(files, 'tasks.json');
    writeFileSync(file, JSON.stringify([{ id: 1, data: { image: 'missing.png' }, annotations: [{ result: rect('a', 'total') }] }]));
    // The database refuses the first finishing write that carries problems (as a full disk would).
    core.db.exec(`CREATE TEMP TRIGGER refuse_result BEFORE UPDATE OF state ON jobs WHEN NEW.result LIKE '%missing.png%'
      BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
    const job = await core.annotationsImport.run({ projectId, format: 'labelstudio', file, annotator: 'Lee' });
    core.db.exec('DROP TRIGGER refuse_result');
    expect(job.state).toBe('failed');
    expect(job.error).toBe(`${file}: the import's result could not be saved (database or disk is full)`);
    expect(core.annotationsImport.get(job.jobId)).toMatchObject({ state: 'failed', error: job.error });
    expect(running()).toBe(0);
  });
});
