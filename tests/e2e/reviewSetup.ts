import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generatePage, type SynthDocument } from '../../src/main/core/synth';
import { truthContent, type Content } from '../helpers/review';
import { expect, type FolioHost } from './fixtures';
import { callHost, importAndWait } from './rpc';

/**
 * What review tests arrange on annotators' installations: generated invoices imported into a
 * project, and each annotator's verified version of them (the ground truth, changed as the test
 * needs), saved and verified through the host's API as the annotator's own app would.
 */

export interface ReviewDoc {
  id: string;
  pageId: string;
  sourceName: string;
  truth: SynthDocument;
}

/** `count` generated invoices (invoice-1.png, …) imported into the project, sorted by name. */
export async function importInvoices(host: FolioHost, projectId: string, count: number): Promise<ReviewDoc[]> {
  const files: string[] = [];
  const truths = new Map<string, SynthDocument>();
  for (let i = 0; i < count; i++) {
    const { png, truth } = await generatePage(5150, i, { kind: 'invoice', width: 900, height: 1200 });
    const file = join(host.dataDir, `invoice-${i + 1}.png`);
    await writeFile(file, png);
    files.push(file);
    truths.set(`invoice-${i + 1}.png`, truth);
  }
  expect((await importAndWait(host, projectId, files)).failed).toEqual([]);
  const listed = (await callHost(host, 'documents.list', { projectId })).items;
  const docs: ReviewDoc[] = [];
  for (const item of listed.sort((a, b) => a.sourceName.localeCompare(b.sourceName))) {
    const d = await callHost(host, 'documents.get', { projectId, documentId: item.id });
    docs.push({ id: d.id, pageId: d.pages[0]!.id, sourceName: d.sourceName, truth: truths.get(d.sourceName)! });
  }
  return docs;
}

/** What an annotator verifies: the page's ground truth, changed by `edit`. */
export function content(doc: ReviewDoc, edit: (c: Content) => void = () => undefined): Content {
  const c = truthContent(doc.truth, doc.pageId);
  edit(c);
  return c;
}

/** Save `c` as the installation's annotator's version of the document and verify it. */
export async function verify(host: FolioHost, projectId: string, documentId: string, c: Content): Promise<void> {
  const state = await callHost(host, 'annotations.get', { projectId, documentId });
  await callHost(host, 'annotations.save', { projectId, documentId, baseRevision: state.revision, upsertBoxes: c.boxes, upsertQa: c.qa });
  const result = await callHost(host, 'annotations.verify', { projectId, documentId });
  expect(result.result).toBe('verified');
}
