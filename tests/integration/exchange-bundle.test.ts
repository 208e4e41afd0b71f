import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import { contentDigest } from '../../src/main/core/exchange';
import { readStoredContent } from '../../src/main/core/exchange/apply';
import { generateTruth } from '../../src/main/core/synth';
import { newId } from '../../src/main/core/util/ids';
import { AppError } from '../../src/shared/contract/errors';
import { installationsPerTest } from '../helpers/installations';
import { insertGold, truthContent, verifyAs, type Content } from '../helpers/review';
import { readEntries, writeEntries } from '../helpers/bundle';
import { addDocuments, createSyncProject, type SeededDocument } from '../helpers/sync';

/**
 * Bundles between installations without W&B: a round trip that creates the project and the
 * documents, an idempotent re-import, local work never overwritten, and tampered bundles refused
 * with errors that name the file and field — with nothing written.
 */

async function pageImage(i: number): Promise<{ bytes: Buffer; ext: 'png' }> {
  const { width, height } = generateTruth(7, i);
  const bytes = await sharp({ create: { width, height, channels: 3, background: { r: (i * 53) % 256, g: 200, b: (i * 91) % 256 } } })
    .png({ compressionLevel: 9 })
    .toBuffer();
  return { bytes, ext: 'png' };
}

describe('bundles', () => {
  const dir = installationsPerTest();
  const installation = dir.installation;

  const otherView = (c: Content): Content => ({ boxes: c.boxes.map((b, i) => (i === 0 ? { ...b, transcription: `${b.transcription} (edited)` } : b)), qa: c.qa });
  const counts = (core: Core) =>
    Object.fromEntries(['projects', 'documents', 'pages', 'annotations', 'boxes', 'annotators', 'gold_lineage'].map((t) => [t, (core.db.prepare(`SELECT COUNT(*) AS n FROM ${t}`).get() as { n: number }).n]));

  /** Ada's installation: a project with questions, two verified documents and a gold version with lineage. */
  async function adaWithWork() {
    const ada = await installation('Ada');
    const projectId = await createSyncProject(ada.core, 'Receipts');
    await ada.core.api['projects.update']({ projectId, questions: [{ text: 'What is the total?', required: false }] });
    const docs: SeededDocument[] = await addDocuments(ada.core, projectId, { count: 2, image: pageImage });
    for (const d of docs) verifyAs(ada.core, projectId, d.documentId, ada.me, truthContent(d.truth, d.pageId));
    const resolver = { id: newId(), name: 'Grace' };
    const goldId = insertGold(ada.core, projectId, docs[0]!.documentId, resolver, truthContent(docs[0]!.truth, docs[0]!.pageId), '2026-04-01T09:00:00.000Z');
    ada.core.db
      .prepare('INSERT INTO gold_lineage (annotation_id, resolved_by, resolved_at, sources, items) VALUES (?, ?, ?, ?, ?)')
      .run(goldId, resolver.id, '2026-04-01T09:00:00.000Z', JSON.stringify([{ id: ada.me.id, kind: 'annotator' }]), JSON.stringify({ boxes: {}, qa: {} }));
    const file = join(dir.path, 'receipts.folio.tar.gz');
    const summary = await ada.core.api['bundle.export']({ projectId, path: file });
    return { ada, projectId, docs, goldId, file, summary };
  }

  it('round-trips a project between installations, creating it with its documents; re-importing changes nothing', { timeout: 60_000 }, async () => {
    const { ada, projectId, docs, goldId, file, summary } = await adaWithWork();
    expect(summary).toMatchObject({ path: file, projectId, projectName: 'Receipts', documents: 2, pages: 2, versions: 3, annotators: 2 });
    expect(summary.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(readFileSync(file).length).toBe(summary.bytes);
    await expect(ada.core.api['bundle.export']({ projectId, path: file })).rejects.toThrow(/already exists/);

    const bob = await installation('Bob');
    const first = await bob.core.api['bundle.import']({ path: file });
    expect(first).toMatchObject({ projectId, projectName: 'Receipts', projectCreated: true, documentsCreated: 2, versionsSeen: 3, imported: 3, skipped: 0, conflicts: [] });

    const theirs = await ada.core.api['projects.get']({ projectId });
    const mine = await bob.core.api['projects.get']({ projectId });
    expect(mine.labels.map((l) => [l.name, l.color, l.hotkey])).toEqual(theirs.labels.map((l) => [l.name, l.color, l.hotkey]));
    expect(mine.questions).toEqual(theirs.questions);
    for (const id of (ada.core.db.prepare("SELECT id FROM annotations WHERE status = 'verified'").all() as { id: string }[]).map((r) => r.id)) {
      expect(contentDigest(readStoredContent(bob.core.db, id))).toBe(contentDigest(readStoredContent(ada.core.db, id)));
    }
    // Template answers stay linked to the same template (the project kept its question ids).
    expect(bob.core.db.prepare('SELECT COUNT(*) AS n FROM qa_pairs WHERE template_id IS NOT NULL').get()).toEqual(ada.core.db.prepare('SELECT COUNT(*) AS n FROM qa_pairs WHERE template_id IS NOT NULL').get());
    expect(bob.core.db.prepare('SELECT resolved_by, sources FROM gold_lineage WHERE annotation_id = ?').get(goldId)).toEqual(ada.core.db.prepare('SELECT resolved_by, sources FROM gold_lineage WHERE annotation_id = ?').get(goldId));
    for (const d of docs) {
      const doc = await bob.core.api['documents.get']({ projectId, documentId: d.documentId });
      expect(existsSync(bob.core.media.absolute(doc.pages[0]!.thumbnail))).toBe(true);
      expect(readFileSync(bob.core.media.absolute(doc.pages[0]!.levels[0]!.path))).toEqual(readFileSync(d.imagePath));
    }

    const before = counts(bob.core);
    const again = await bob.core.api['bundle.import']({ path: file });
    expect(again).toMatchObject({ projectId, projectCreated: false, documentsCreated: 0, imported: 0, skipped: 3, conflicts: [] });
    expect(counts(bob.core)).toEqual(before);

    // Bob's own work on the shared documents goes back to Ada the same way, and hers is kept.
    verifyAs(bob.core, projectId, docs[1]!.documentId, bob.me, otherView(truthContent(docs[1]!.truth, docs[1]!.pageId)));
    const back = join(dir.path, 'bob.folio.tar.gz');
    await bob.core.api['bundle.export']({ projectId, path: back });
    const returned = await ada.core.api['bundle.import']({ path: back });
    expect(returned).toMatchObject({ projectId, projectCreated: false, documentsCreated: 0, imported: 1, skipped: 3, conflicts: [] });
  });

  it('never overwrites local work: the same version with other content is a conflict, reported and not applied', { timeout: 60_000 }, async () => {
    const { ada, docs, file } = await adaWithWork();
    // A lead who has the project under the same name (another id) and Ada's version 1 of the first
    // document with other content.
    const lead = await installation('Lead');
    const projectId = await createSyncProject(lead.core, 'receipts');
    await addDocuments(lead.core, projectId, { count: 1, image: pageImage });
    const local = verifyAs(lead.core, projectId, docs[0]!.documentId, { id: ada.me.id, name: 'Ada' }, otherView(truthContent(docs[0]!.truth, docs[0]!.pageId)));
    const digest = contentDigest(readStoredContent(lead.core.db, local.annotationId));

    const result = await lead.core.api['bundle.import']({ path: file });
    expect(result).toMatchObject({ projectId, projectName: 'receipts', projectCreated: false, documentsCreated: 1, imported: 2, skipped: 0 });
    expect(result.conflicts).toHaveLength(1);
    expect(result.conflicts[0]).toMatchObject({ documentId: docs[0]!.documentId, annotatorId: ada.me.id, kind: 'annotation', version: 1 });
    expect(result.conflicts[0]!.reason).toMatch(/with different content/);
    expect(contentDigest(readStoredContent(lead.core.db, local.annotationId))).toBe(digest);
  });

  it('refuses a tampered bundle with errors naming the file and field, and writes nothing', { timeout: 60_000 }, async () => {
    const { file } = await adaWithWork();
    const entries = await readEntries(file);
    expect(entries[0]!.name).toBe('folio-bundle.json');
    const manifest = () => JSON.parse(entries[0]!.data.toString('utf8')) as Record<string, unknown> & { project: Record<string, unknown>; formatVersion: number; documents: { pages: { file: string }[] }[] };
    const variant = async (name: string, change: (list: { name: string; data: Buffer }[]) => void) => {
      const list = entries.map((e) => ({ ...e, data: Buffer.from(e.data) }));
      change(list);
      const out = join(dir.path, name);
      await writeEntries(out, list);
      return out;
    };
    const setManifest = (list: { name: string; data: Buffer }[], m: unknown) => (list[0]!.data = Buffer.from(JSON.stringify(m)));

    const image = manifest().documents[0]!.pages[0]!.file;
    const badSha = await variant('bad-sha.tar.gz', (list) => {
      const e = list.find((x) => x.name === image)!;
      e.data[e.data.length - 20]! ^= 0x01;
    });
    const missingField = await variant('missing-field.tar.gz', (list) => {
      const m = manifest();
      delete m.project.name;
      setManifest(list, m);
    });
    const newerFormat = await variant('newer.tar.gz', (list) => setManifest(list, { ...manifest(), formatVersion: 2 }));
    const extraFile = await variant('extra.tar.gz', (list) => list.push({ name: '../../etc/evil', data: Buffer.from('x') }));
    const notGzip = join(dir.path, 'plain.tar.gz');
    writeFileSync(notGzip, 'this is not a bundle');

    const target = await installation('Target');
    const before = counts(target.core);
    const refusal = async (path: string) => {
      const err = (await target.core.api['bundle.import']({ path }).catch((e: unknown) => e)) as AppError;
      expect(err).toBeInstanceOf(AppError);
      expect(err.code).toBe('invalid_request');
      return err.message;
    };
    expect(await refusal(badSha)).toMatch(new RegExp(`${image.replace(/[.]/g, '\\.')}: SHA-256 is [0-9a-f]{64}, but folio-bundle\\.json says [0-9a-f]{64} \\(damaged or altered\\)`));
    expect(await refusal(missingField)).toMatch(/folio-bundle\.json: project\.name: /);
    expect(await refusal(newerFormat)).toMatch(/folio-bundle\.json: formatVersion is 2; this Folio reads bundles of format version 1 \(update Folio to import it\)/);
    expect(await refusal(extraFile)).toMatch(/\.\.\/\.\.\/etc\/evil: unexpected entry/);
    expect(await refusal(notGzip)).toMatch(/not a readable Folio bundle/);
    expect(await refusal(badSha)).toMatch(/nothing was written/);

    expect(counts(target.core)).toEqual(before);
    expect(existsSync(join(target.core.media.root, 'docs'))).toBe(false);
  });
});
