import { existsSync, mkdirSync, readdirSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import { importLimits } from '../../src/main/core/media/limits';
import type { ImportJob } from '../../src/shared/domain/model';
import { openTestCore, tempDir } from '../helpers/core';
import { importScenarioFolder, multiPagePdf, pagePng, passwordProtectedPdf } from '../helpers/fixtures';

describe('import', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: Core;
  let projectId: string;
  const dataDir = () => join(dir.path, 'data');

  beforeEach(async () => {
    dir = tempDir();
    core = await openTestCore(dataDir());
    projectId = (await core.api['projects.create']({ name: 'Invoices' })).id;
  });
  afterEach(async () => {
    await core.close();
    dir.cleanup();
  });

  const importPaths = (paths: string[]) => core.importer.run(projectId, paths);
  const totalPages = async () => (await core.api['projects.get']({ projectId })).pageCount;

  it('imports a folder of images, a 3-page PDF, a duplicate and a corrupt file: 8 pages, 1 duplicate, 1 failure with its reason', async () => {
    const folder = await importScenarioFolder(join(dir.path, 'incoming'));
    const progress: ImportJob[] = [];
    const off = core.subscribe((event, payload) => {
      if (event === 'import.progress') progress.push(payload as ImportJob);
    });
    const job = await importPaths([folder.dir]);
    off();

    expect(job).toMatchObject({ state: 'completed', imported: 6, pages: 8, duplicates: 1, total: 8, done: 8 });
    expect(job.failed).toEqual([{ path: folder.corrupt, reason: expect.stringMatching(/^the file is damaged or truncated/) }]);
    expect(await totalPages()).toBe(8);

    const list = await core.api['documents.list']({ projectId });
    expect(list.total).toBe(6);
    expect(list.counts).toEqual({ new: 6, pre_annotated: 0, in_progress: 0, verified: 0 });
    const pdf = list.items.find((d) => d.sourceName === 'statement.pdf')!;
    expect(pdf).toMatchObject({ kind: 'pdf', pageCount: 3 });

    // Progress went up to the total with an ETA while it ran.
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toMatchObject({ done: 8, total: 8 });
    expect(progress.some((p) => p.currentFile !== null)).toBe(true);
  });

  it('stores each page content-addressed: the document id is the sha256 of the file, pages add their number', async () => {
    const folder = await importScenarioFolder(join(dir.path, 'incoming'));
    await importPaths([folder.pdf]);
    const { createHash } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const id = createHash('sha256').update(readFileSync(folder.pdf)).digest('hex');
    const doc = await core.api['documents.get']({ projectId, documentId: id });
    expect(doc.pages.map((p) => p.id)).toEqual([`${id}-p1`, `${id}-p2`, `${id}-p3`]);
    // 200 DPI of a US-letter page.
    expect(doc.pages[0]).toMatchObject({ width: 1700, height: 2200 });
    for (const page of doc.pages) {
      for (const level of page.levels) expect(existsSync(core.media.absolute(level.path))).toBe(true);
      expect(existsSync(core.media.absolute(page.thumbnail))).toBe(true);
    }
    // The rendered page is not blank: the red rectangle drawn on it is there.
    const { data, info } = await sharp(core.media.absolute(doc.pages[0]!.levels[0]!.path)).raw().toBuffer({ resolveWithObject: true });
    let red = 0;
    for (let i = 0; i < data.length; i += info.channels) if (data[i]! > 150 && data[i + 1]! < 100 && data[i + 2]! < 100) red++;
    expect(red).toBeGreaterThan(1000);
  });

  it('adds nothing when the same files are imported again, and shows the same state after a restart', async () => {
    const folder = await importScenarioFolder(join(dir.path, 'incoming'));
    await importPaths([folder.dir]);
    const before = await core.api['documents.list']({ projectId });
    const again = await importPaths([folder.dir]);
    expect(again).toMatchObject({ imported: 0, pages: 0, duplicates: 7 });
    await core.close();
    core = await openTestCore(dataDir());
    expect(await core.api['documents.list']({ projectId })).toEqual(before);
    expect(await totalPages()).toBe(8);
  });

  it('reports every kind of bad file with its reason and imports the rest', async () => {
    const bad = join(dir.path, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'empty.png'), '');
    writeFileSync(join(bad, 'notes.pdf'), 'this is plain text with a .pdf name');
    writeFileSync(join(bad, 'locked.pdf'), await passwordProtectedPdf());
    writeFileSync(join(bad, 'huge.png'), await sharp({ create: { width: 31_000, height: 8, channels: 3, background: '#fff' } }).png().toBuffer());
    const cut = await multiPagePdf(2);
    writeFileSync(join(bad, 'cut.pdf'), cut.subarray(0, 300));
    writeFileSync(join(bad, 'good.png'), await pagePng(1));
    writeFileSync(join(bad, 'readme.txt'), 'not a document');
    // One byte over the per-file limit, sparse: refused by its size before a byte is read.
    writeFileSync(join(bad, 'scan-of-everything.tif'), '');
    truncateSync(join(bad, 'scan-of-everything.tif'), importLimits.maxFileBytes + 1);
    const job = await importPaths([bad, join(dir.path, 'no-such-file.png')]);
    const reasons = Object.fromEntries(job.failed.map((f) => [f.path.split('/').pop(), f.reason]));
    expect(reasons).toEqual({
      'empty.png': 'the file is empty (0 bytes)',
      'notes.pdf': 'not an image or PDF (Folio reads PNG, JPEG, TIFF, WebP and PDF files)',
      'locked.pdf': expect.stringContaining('the PDF is password-protected'),
      'huge.png': expect.stringMatching(/31000 × 8 px, over Folio's limit of 30,000 px per side/),
      'cut.pdf': expect.stringMatching(/^the PDF (is damaged|could not be read)/),
      'no-such-file.png': 'no such file or folder',
      'scan-of-everything.tif': "the file is 2,147,483,649 bytes, over Folio's limit of 2,147,483,648 bytes per file",
    });
    expect(job).toMatchObject({ imported: 1, pages: 1, skipped: 1 });
    expect(await totalPages()).toBe(1);
  });

  it('splits a multi-page TIFF into pages and keeps EXIF-rotated photos the way a viewer shows them', async () => {
    const src = join(dir.path, 'src');
    mkdirSync(src);
    const pages = await Promise.all([1, 2].map((n) => pagePng(n, 800, 1000)));
    // A two-page TIFF: libvips writes one page per `pageHeight` rows of a tall image.
    const stacked = await sharp({ create: { width: 800, height: 2000, channels: 3, background: '#fff' } })
      .composite([
        { input: pages[0]!, top: 0, left: 0 },
        { input: pages[1]!, top: 1000, left: 0 },
      ])
      .raw()
      .toBuffer();
    await sharp(stacked, { raw: { width: 800, height: 2000, channels: 3, pageHeight: 1000 } })
      .tiff({ compression: 'lzw' })
      .toFile(join(src, 'fax.tiff'));
    await sharp(await pagePng(3, 1000, 600)).jpeg().withMetadata({ orientation: 6 }).toFile(join(src, 'phone.jpg'));
    const job = await importPaths([src]);
    expect(job.failed).toEqual([]);
    const { items } = await core.api['documents.list']({ projectId });
    const tiff = await core.api['documents.get']({ projectId, documentId: items.find((d) => d.sourceName === 'fax.tiff')!.id });
    expect(tiff).toMatchObject({ kind: 'tiff', pageCount: 2 });
    expect(tiff.pages.map((p) => [p.width, p.height])).toEqual([
      [800, 1000],
      [800, 1000],
    ]);
    // Browsers cannot show TIFF: level 0 is re-encoded.
    expect(tiff.pages[0]!.levels[0]!.path).toMatch(/level0\.png$/);
    const photo = items.find((d) => d.sourceName === 'phone.jpg')!;
    expect([photo.width, photo.height]).toEqual([600, 1000]);
    const meta = await sharp(core.media.absolute((await core.api['documents.get']({ projectId, documentId: photo.id })).pages[0]!.levels[0]!.path)).metadata();
    expect([meta.width, meta.height]).toEqual([600, 1000]);
  });

  it('builds a pyramid and deep-zoom tiles for large scans so no view needs the full page decoded', async () => {
    const file = join(dir.path, 'big.png');
    await sharp({ create: { width: 5000, height: 7000, channels: 3, background: '#f4f4f4' } }).png({ compressionLevel: 1 }).toFile(file);
    await importPaths([file]);
    const { items } = await core.api['documents.list']({ projectId });
    const doc = await core.api['documents.get']({ projectId, documentId: items[0]!.id });
    // The overview level fits 2,048 px; the detail comes from 512 px tiles (DZI layout).
    expect(doc.pages[0]!.levels.map((l) => [l.level, l.width, l.height])).toEqual([
      [0, 5000, 7000],
      [2, 1250, 1750],
    ]);
    const tiles = doc.pages[0]!.tiles!;
    expect(tiles).toMatchObject({ size: 512, maxLevel: 13, format: 'jpeg' });
    // Level 13 is full size: ceil(5000/512) × ceil(7000/512) tiles; the corner tile is cut to the page.
    const corner = await sharp(core.media.absolute(`${tiles.path}/13/9_13.jpeg`)).metadata();
    expect([corner.width, corner.height]).toEqual([5000 - 9 * 512, 7000 - 13 * 512]);
    expect(existsSync(core.media.absolute(`${tiles.path}/13/10_0.jpeg`))).toBe(false);
    const thumb = await sharp(core.media.absolute(doc.pages[0]!.thumbnail)).metadata();
    expect(Math.max(thumb.width!, thumb.height!)).toBe(320);
  });

  it('can be cancelled, leaving every document either fully imported or not at all', async () => {
    const src = join(dir.path, 'many');
    mkdirSync(src);
    for (let i = 0; i < 30; i++) writeFileSync(join(src, `p${String(i).padStart(2, '0')}.png`), await pagePng(i, 2400, 3000));
    const jobId = core.importer.start(projectId, [src]);
    await new Promise<void>((resolve) => {
      const off = core.subscribe((event, payload) => {
        if (event === 'import.progress' && (payload as ImportJob).done >= 3) {
          off();
          resolve();
        }
      });
    });
    expect(core.importer.cancel(jobId)).toBe(true);
    await core.importer.idle();
    const job = core.importer.get(jobId);
    expect(job.state).toBe('cancelled');
    expect(job.imported).toBeLessThan(30);
    const { items, total } = await core.api['documents.list']({ projectId, limit: 100 });
    expect(total).toBe(job.imported);
    for (const item of items) {
      const doc = await core.api['documents.get']({ projectId, documentId: item.id });
      for (const level of doc.pages[0]!.levels) expect(existsSync(core.media.absolute(level.path))).toBe(true);
    }
    // Nothing half-written is left: no staging folders, no document folders the database does not know.
    expect(existsSync(join(core.media.root, '.staging')) ? readdirSync(join(core.media.root, '.staging')) : []).toEqual([]);
    const onDisk = readdirSync(join(core.media.root, 'docs')).flatMap((shard) => readdirSync(join(core.media.root, 'docs', shard)));
    expect(onDisk.sort()).toEqual(items.map((i) => i.id).sort());
    // The job's final state survives a restart.
    await core.close();
    core = await openTestCore(dataDir());
    expect(core.importer.get(jobId)).toMatchObject({ state: 'cancelled', imported: job.imported });
  });

  it('cleans up what a crash left behind at the next start, but not an import still running in another process', async () => {
    const f = join(dir.path, 'one.png');
    writeFileSync(f, await pagePng(1));
    await importPaths([f]);
    const orphan = join(core.media.root, 'docs', 'ab', 'ab'.padEnd(64, '0'));
    const staging = join(core.media.root, '.staging', 'leftover');
    const fresh = join(core.media.root, '.staging', 'another-process-importing');
    const freshDoc = join(core.media.root, 'docs', 'cd', 'cd'.padEnd(64, '0'));
    for (const d of [orphan, staging, fresh, freshDoc]) mkdirSync(d, { recursive: true });
    // Leftovers from a crash are old; the other process's work is from just now.
    const hoursAgo = new Date(Date.now() - 3 * 3600_000);
    for (const d of [orphan, staging]) utimesSync(d, hoursAgo, hoursAgo);
    core.db.prepare("INSERT INTO jobs (id, kind, project_id, state, created_at) VALUES ('j1', 'import', ?, 'running', 't')").run(projectId);
    await core.close();
    core = await openTestCore(dataDir());
    expect(existsSync(orphan)).toBe(false);
    expect(existsSync(staging)).toBe(false);
    expect(existsSync(fresh)).toBe(true);
    expect(existsSync(freshDoc)).toBe(true);
    expect(core.importer.get('j1')).toMatchObject({ state: 'failed', error: expect.stringContaining('interrupted') });
    expect(await totalPages()).toBe(1);
  });

  it('links a document already imported into another project without processing it again', async () => {
    const file = join(dir.path, 'shared.png');
    writeFileSync(file, await pagePng(4));
    await importPaths([file]);
    const other = await core.api['projects.create']({ name: 'Receipts' });
    const job = await core.importer.run(other.id, [file]);
    expect(job).toMatchObject({ imported: 1, pages: 1, duplicates: 0 });
    expect((await core.api['projects.get']({ projectId: other.id })).pageCount).toBe(1);
  });

  it('refuses to start an import into a project that does not exist', async () => {
    await expect(core.api['import.start']({ projectId: 'nope', paths: ['/tmp'] })).rejects.toMatchObject({ code: 'not_found' });
  });
});
