import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import type { ExportFormat, ImportFormat } from '../../src/shared/domain/formats';
import type { Box, QaPair } from '../../src/shared/domain/model';
import { openTestCore, tempDir } from '../helpers/core';
import { addTwoPageDoc, createLabelledProject, SEED, seedOnePageDocs, verifyTwoPageDoc, versionOf, type SeededDoc } from '../helpers/formats';
import { addDocuments } from '../helpers/sync';

/**
 * Round trips: generated documents with exact ground truth are verified in one Folio, exported in
 * each format, and imported into another Folio holding the same documents. What comes back must be
 * the same boxes (within half a pixel), labels, transcriptions and QA pairs with their evidence —
 * as far as each format can carry them.
 */

const DOCS = 5;

/** integerPixels: VOC writes whole pixels, so each edge moves by up to half a pixel and a width by up to one. */
const carries: Record<ExportFormat, { transcriptions: boolean; qa: boolean; boxIds: boolean; integerPixels: boolean; file: string }> = {
  jsonl: { transcriptions: true, qa: true, boxIds: true, integerPixels: false, file: 'documents.jsonl' },
  coco: { transcriptions: true, qa: true, boxIds: true, integerPixels: false, file: 'annotations.json' },
  labelstudio: { transcriptions: true, qa: true, boxIds: true, integerPixels: false, file: 'tasks.json' },
  voc: { transcriptions: true, qa: false, boxIds: true, integerPixels: true, file: '.' },
  yolo: { transcriptions: false, qa: false, boxIds: false, integerPixels: false, file: '.' },
};

let dir: ReturnType<typeof tempDir>;
let source: Core;
let projectId: string;
let seeded: SeededDoc[];

beforeAll(async () => {
  dir = tempDir('folio-formats-rt-');
  source = await openTestCore(join(dir.path, 'source'));
  await source.api['settings.update']({ annotatorName: 'Ada' });
  projectId = await createLabelledProject(source, 'Invoices');
  seeded = await seedOnePageDocs(source, projectId, DOCS);
  seeded.push(await verifyTwoPageDoc(source, projectId, await addTwoPageDoc(source, projectId)));
});
afterAll(async () => {
  await source.close();
  dir.cleanup();
});

function expectSameBoxes(got: Box[], want: Box[], opts: { transcriptions: boolean; boxIds: boolean; integerPixels: boolean }): void {
  expect(got).toHaveLength(want.length);
  const byPage = (list: Box[]) => {
    const m = new Map<string, Box[]>();
    for (const b of list) m.set(b.pageId, [...(m.get(b.pageId) ?? []), b]);
    return m;
  };
  const gotPages = byPage(got);
  for (const [pageId, wanted] of byPage(want)) {
    const page = gotPages.get(pageId) ?? [];
    expect(page).toHaveLength(wanted.length);
    // Formats keep the boxes' order within a page.
    wanted.forEach((w, i) => {
      const g = page[i]!;
      if (opts.boxIds) expect(g.id).toBe(w.id);
      expect(g.label).toBe(w.label);
      // Every edge within half a pixel (left, top, right, bottom).
      const edges = (b: Box) => [b.x, b.y, b.x + b.w, b.y + b.h];
      edges(g).forEach((e, k) => expect(Math.abs(e - edges(w)[k]!), `${w.id} edge ${k}: ${e} vs ${edges(w)[k]}`).toBeLessThanOrEqual(0.5));
      for (const k of ['w', 'h'] as const) expect(Math.abs(g[k] - w[k]), `${w.id}.${k}: ${g[k]} vs ${w[k]}`).toBeLessThanOrEqual(opts.integerPixels ? 1 : 0.5);
      expect(g.transcription).toBe(opts.transcriptions ? w.transcription : '');
    });
  }
}

function expectSameQa(got: QaPair[], want: QaPair[]): void {
  const strip = (q: QaPair) => ({ id: q.id, question: q.question, answer: q.answer, unanswerable: q.unanswerable, evidence: q.evidenceBoxIds });
  expect(got.map(strip).sort((a, b) => a.id.localeCompare(b.id))).toEqual(want.map(strip).sort((a, b) => a.id.localeCompare(b.id)));
}

describe.each(Object.keys(carries) as ExportFormat[])('round trip through %s', (format) => {
  it('gives back the same boxes, labels, transcriptions and QA the format can carry', async () => {
    const out = join(dir.path, `export-${format}`);
    const job = await source.exporter.run({ projectId, format, out, images: 'copy' });
    expect(job.state).toBe('completed');
    expect(job.done).toBe(DOCS + 1);
    expect(job.pages).toBe(DOCS + 2);
    expect(job.imagesCopied).toBe(DOCS + 2);
    expect(job.skipped).toEqual([]);

    const target = await openTestCore(join(dir.path, `target-${format}`));
    try {
      const targetProject = await createLabelledProject(target, 'Invoices');
      await addDocuments(target, targetProject, { count: DOCS, seed: SEED });
      await addTwoPageDoc(target, targetProject);
      const file = join(out, carries[format].file);
      const imported = await target.annotationsImport.run({ projectId: targetProject, format: format as ImportFormat, file, ...(format === 'yolo' ? { annotator: 'Ada' } : {}) });
      expect(imported.state).toBe('completed');
      expect(imported.problems.filter((p) => p.severity === 'error')).toEqual([]);
      expect(imported.documents).toEqual({ imported: DOCS + 1, unchanged: 0, skipped: 0 });

      const ada = target.db.prepare("SELECT id FROM annotators WHERE name = 'Ada'").all() as { id: string }[];
      expect(ada).toHaveLength(1);
      for (const want of seeded) {
        const got = await versionOf(target, targetProject, want.documentId, ada[0]!.id);
        expect(got, `document ${want.documentId}`).not.toBeNull();
        expectSameBoxes(got!.boxes, want.boxes, carries[format]);
        if (carries[format].qa) expectSameQa(got!.qa, want.qa);
        else expect(got!.qa).toEqual([]);
      }

      // The same file again adds nothing.
      const again = await target.annotationsImport.run({ projectId: targetProject, format: format as ImportFormat, file, ...(format === 'yolo' ? { annotator: 'Ada' } : {}) });
      expect(again.documents).toEqual({ imported: 0, unchanged: DOCS + 1, skipped: 0 });
      expect((target.db.prepare('SELECT COUNT(*) AS n FROM annotations').get() as { n: number }).n).toBe(DOCS + 1);
    } finally {
      await target.close();
    }
  });
});
