import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statfsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { Command } from 'commander';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { registerExchangeCommands } from '../../src/main/cli/commands/exchange';
import { bundleLimits } from '../../src/main/core/exchange/bundleFormat';
import { AppError } from '../../src/shared/contract/errors';
import { END_OF_ARCHIVE, entryParts, readEntries, tarHeader, watchWhile, writeArchive, writeEntries, type Entry } from '../helpers/bundle';
import { openTestCore } from '../helpers/core';
import { installationsPerTest } from '../helpers/installations';
import { truthContent, verifyAs } from '../helpers/review';
import { addDocuments, createSyncProject, type SeededDocument } from '../helpers/sync';
import { generateTruth } from '../../src/main/core/synth';

/**
 * `bundle import` fed what a careless or hostile sender could make: archives that inflate to
 * gigabytes, manifests too large to parse, pages that are not images, entries the manifest does
 * not list, versions the app could never show, pages over the import limits, and a document that
 * claims another file's id. Each is refused with a message naming what is wrong, within bounded
 * memory, and nothing of it reaches the data folder (not even media/.staging).
 */

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;

type Manifest = {
  files: Record<string, { sha256: string; size: number }>;
  documents: { id: string; pages: { pageNumber: number; width: number; height: number; file: string }[] }[];
  versions: { documentId: string; annotationId: string; version: number; boxes: { id: string; transcription: string }[]; qa: { id: string; question: string; evidenceBoxIds: string[] }[] }[];
} & Record<string, unknown>;

async function pageImage(i: number): Promise<{ bytes: Buffer; ext: 'png' }> {
  const { width, height } = generateTruth(7, i);
  const bytes = await sharp({ create: { width, height, channels: 3, background: { r: (i * 53) % 256, g: 200, b: (i * 91) % 256 } } }).png().toBuffer();
  return { bytes, ext: 'png' };
}

describe('bundle import under attack', () => {
  const dir = installationsPerTest('folio-bundle-adv-');
  const installation = dir.installation;

  /** A genuine bundle of one verified document, and its entries to alter. */
  async function genuine(): Promise<{ entries: Entry[]; manifest: () => Manifest; docs: SeededDocument[] }> {
    const ada = await installation('Ada');
    const projectId = await createSyncProject(ada.core, 'Receipts');
    const docs = await addDocuments(ada.core, projectId, { count: 1, image: pageImage });
    for (const d of docs) verifyAs(ada.core, projectId, d.documentId, ada.me, truthContent(d.truth, d.pageId));
    const file = join(dir.path, 'genuine.folio.tar.gz');
    await ada.core.api['bundle.export']({ projectId, path: file });
    const entries = await readEntries(file);
    return { entries, manifest: () => JSON.parse(entries[0]!.data.toString('utf8')) as Manifest, docs };
  }

  const json = (m: unknown) => Buffer.from(JSON.stringify(m));
  const padTo512 = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);
  /** The parts of an entry whose bytes are all in hand. */
  const whole = (name: string, data: Buffer) => [tarHeader(name, data.length), data, padTo512(data.length)];

  /** Import `path` into a fresh installation, watching memory and media/.staging; the refusal's message. */
  async function refused(path: string) {
    const target = await installation(`Target-${Math.random().toString(36).slice(2, 8)}`);
    const staging = join(target.core.media.root, '.staging');
    const watched = await watchWhile(staging, () => target.core.api['bundle.import']({ path }));
    const err = watched.result as AppError;
    expect(err, JSON.stringify(watched.result)).toBeInstanceOf(AppError);
    expect(err.code).toBe('invalid_request');
    expect(err.message).toMatch(/nothing was written/);
    // Nothing of it stays, and nothing of it was ever written to the database.
    expect(readdirSync(staging)).toEqual([]);
    expect(target.core.db.prepare('SELECT COUNT(*) AS n FROM projects').get()).toEqual({ n: 0 });
    expect(target.core.db.prepare('SELECT COUNT(*) AS n FROM documents').get()).toEqual({ n: 0 });
    expect(target.core.db.prepare('SELECT COUNT(*) AS n FROM annotations').get()).toEqual({ n: 0 });
    return { message: err.message, rssGrowth: watched.rssGrowth, maxStaged: watched.maxBytes };
  }

  it('refuses a 500 MB manifest in a ~0.5 MB archive at its header, in bounded memory', { timeout: 60_000 }, async () => {
    const size = 500_000_000;
    const file = join(dir.path, 'manifest-bomb.tar.gz');
    const made = writeArchive(file, [tarHeader('folio-bundle.json', size), Buffer.from('['), { fill: Buffer.from('0,'), bytes: size - 3 }, Buffer.from('0]'), padTo512(size), END_OF_ARCHIVE]);
    expect(made.bytes).toBeLessThan(1 * MiB);
    expect(made.inflated).toBeGreaterThanOrEqual(size);
    const r = await refused(file);
    expect(r.message).toMatch(/folio-bundle\.json: its tar header declares 500,000,000 bytes, over the 128 MiB a manifest may be/);
    expect(r.rssGrowth).toBeLessThan(300 * MiB);
  });

  it('requires the manifest to be the first entry', { timeout: 60_000 }, async () => {
    const { entries } = await genuine();
    const file = join(dir.path, 'manifest-last.tar.gz');
    await writeEntries(file, [...entries.slice(1), entries[0]!]);
    const r = await refused(file);
    expect(r.message).toMatch(/the first entry is pages\/[0-9a-f]+\/p1\.png, not folio-bundle\.json: a bundle starts with its manifest/);
  });

  it('refuses a 2 GiB zero-filled page (2 MB compressed) from its first bytes: none of it is written', { timeout: 120_000 }, async () => {
    const { manifest } = await genuine();
    const m = manifest();
    const page = Object.keys(m.files)[0]!;
    m.files[page] = { sha256: 'f'.repeat(64), size: 2 * GiB };
    const file = join(dir.path, 'page-bomb.tar.gz');
    const made = writeArchive(file, [...whole('folio-bundle.json', json(m)), ...entryParts(page, 2 * GiB), END_OF_ARCHIVE]);
    expect(made.bytes).toBeLessThan(4 * MiB);
    const r = await refused(file);
    expect(r.message).toContain(`${page}: is not a PNG, JPEG or WebP page image (unknown type); not written`);
    expect(r.maxStaged).toBe(0);
    expect(r.rssGrowth).toBeLessThan(300 * MiB);
  });

  it('writes no entry the manifest does not list, nor one whose tar header disagrees with its listed size or image size', { timeout: 60_000 }, async () => {
    const { entries, manifest } = await genuine();
    const m = manifest();
    const [page] = Object.keys(m.files);
    const png = entries[1]!.data;
    const other = `pages/${'a'.repeat(64)}/p1.png`;
    const file = join(dir.path, 'unlisted.tar.gz');
    // An unlisted page of 8 MiB that starts like a PNG, then the listed page with a longer header size.
    const unlisted = Buffer.concat([png, Buffer.alloc(8 * MiB)]);
    writeArchive(file, [...whole('folio-bundle.json', json(m)), ...whole(other, unlisted), ...whole(page!, Buffer.concat([png, Buffer.alloc(100)])), END_OF_ARCHIVE]);
    const r = await refused(file);
    expect(r.message).toContain(`${other}: in the archive but not listed in folio-bundle.json (files); not written`);
    expect(r.message).toContain(`${page}: its tar header declares ${(png.length + 100).toLocaleString('en-US')} bytes, but folio-bundle.json says ${png.length.toLocaleString('en-US')}; not written`);
    expect(r.maxStaged).toBe(0);

    // A listed page whose PNG header says another size than the manifest records.
    const m2 = manifest();
    const d = m2.documents[0]!.pages[0]!;
    d.width += 1;
    const file2 = join(dir.path, 'wrong-size.tar.gz');
    await writeEntries(file2, [{ name: 'folio-bundle.json', data: json(m2) }, entries[1]!]);
    const r2 = await refused(file2);
    expect(r2.message).toContain(`${page}: is ${d.width - 1} × ${d.height} px, but page 1 is recorded as ${d.width} × ${d.height} px; not written`);
    expect(r2.maxStaged).toBe(0);
  });

  it('refuses, before reading any page, pages that add up to more than the disk has free (three times over) or a bundle may hold', { timeout: 60_000 }, async () => {
    const { manifest } = await genuine();
    const m = manifest();
    const template = m.documents[0]!;
    const fs = statfsSync(dir.path);
    const free = fs.bavail * fs.bsize;
    // Enough 2 GiB pages that unpacking them and their pyramids would not fit; the archive holds none of them.
    const count = Math.ceil(free / (3 * 2 * GiB)) + 1;
    expect(count * 2 * GiB, 'this disk is too large for the test').toBeLessThanOrEqual(bundleLimits.maxTotalBytes);
    m.files = {};
    m.documents = [];
    m.versions = [];
    for (let i = 0; i < count; i++) {
      const id = createHash('sha256').update(`doc ${i}`).digest('hex');
      const file = `pages/${id}/p1.png`;
      m.files[file] = { sha256: 'e'.repeat(64), size: 2 * GiB };
      m.documents.push({ ...template, id, pages: [{ ...template.pages[0]!, file }] });
    }
    const file = join(dir.path, 'too-big-for-disk.tar.gz');
    writeArchive(file, [...whole('folio-bundle.json', json(m)), END_OF_ARCHIVE]);
    const r = await refused(file);
    expect(r.message).toMatch(/folio-bundle\.json: files: its page images need [\d.]+ GiB free to import, but the disk of Folio's data folder has [\d.]+ GiB free/);

    // Over the bundle's own cap, however large the disk: 129 pages of 2 GiB, and one page over 2 GiB.
    m.files = {};
    m.documents = [];
    for (let i = 0; i < 129; i++) {
      const id = createHash('sha256').update(`big ${i}`).digest('hex');
      const file = `pages/${id}/p1.png`;
      m.files[file] = { sha256: 'e'.repeat(64), size: 2 * GiB };
      m.documents.push({ ...template, id, pages: [{ ...template.pages[0]!, file }] });
    }
    const capped = join(dir.path, 'over-cap.tar.gz');
    writeArchive(capped, [...whole('folio-bundle.json', json(m)), END_OF_ARCHIVE]);
    expect((await refused(capped)).message).toMatch(/folio-bundle\.json: files: its page images add up to 258\.0 GiB, over the 256\.0 GiB a bundle may hold/);
    const first = Object.keys(m.files)[0]!;
    m.files = { [first]: { sha256: 'e'.repeat(64), size: 2 * GiB + 1 } };
    m.documents = m.documents.slice(0, 1);
    const oneTooBig = join(dir.path, 'entry-over-cap.tar.gz');
    writeArchive(oneTooBig, [...whole('folio-bundle.json', json(m)), END_OF_ARCHIVE]);
    expect((await refused(oneTooBig)).message).toMatch(new RegExp(`folio-bundle\\.json: files\\.${first.replace(/[./]/g, '\\$&')}\\.size: Too big: expected number to be <=2147483648`));
  });

  it('refuses archive bombs — nested gzip, a huge-ratio entry, thousands of tiny entries, negative and absurd sizes, a truncated file — in bounded memory, writing nothing', { timeout: 180_000 }, async () => {
    const { entries, manifest } = await genuine();
    const m = manifest();
    const head = whole('folio-bundle.json', json(m));
    const page = Object.keys(m.files)[0]!;

    // A 1 GiB entry the manifest does not list, inflating from about 1 MB.
    const ratio = join(dir.path, 'ratio.tar.gz');
    const made = writeArchive(ratio, [...head, ...entryParts(`pages/${'b'.repeat(64)}/p1.png`, 1 * GiB, [entries[1]!.data.subarray(0, 64), { fill: Buffer.alloc(1), bytes: 1 * GiB - 64 }]), END_OF_ARCHIVE]);
    expect(made.inflated).toBeGreaterThanOrEqual(1 * GiB);
    const r1 = await refused(ratio);
    expect(r1.message).toMatch(/not listed in folio-bundle\.json \(files\); not written/);
    expect(r1.message).toMatch(/stopped reading after 16 MiB of entries that would not be written/);
    expect(r1.maxStaged).toBe(0);
    expect(r1.rssGrowth).toBeLessThan(300 * MiB);

    // The same archive gzipped again (and again): the outer layer holds no tar.
    const nested = join(dir.path, 'nested.tar.gz');
    writeFileSync(nested, gzipSync(gzipSync(readFileSync(ratio))));
    const r2 = await refused(nested);
    expect(r2.message).toMatch(/not a readable Folio bundle \(a gzipped tar\)/);
    expect(r2.rssGrowth).toBeLessThan(300 * MiB);

    // 5,000 one-byte entries after the manifest: reading stops at the first the manifest does not list.
    const tiny = join(dir.path, 'tiny.tar.gz');
    writeArchive(tiny, [...head, ...Array.from({ length: 5000 }, (_, i) => whole(`pages/${'c'.repeat(64)}/p${i + 1}.png`, Buffer.from('x'))).flat(), END_OF_ARCHIVE]);
    const r3 = await refused(tiny);
    expect(r3.message).toMatch(/more entries than the 1 page images folio-bundle\.json lists/);
    expect(r3.message.split('\n').length).toBeLessThan(10);
    expect(r3.maxStaged).toBe(0);

    // A header of negative size, and one of a terabyte where the manifest lists a small page.
    const negative = join(dir.path, 'negative.tar.gz');
    writeArchive(negative, [...head, tarHeader(page, -1), END_OF_ARCHIVE]);
    expect((await refused(negative)).message).toMatch(/not a readable Folio bundle \(a gzipped tar\): Invalid header/);
    const absurd = join(dir.path, 'absurd.tar.gz');
    writeArchive(absurd, [...head, tarHeader(page, 2 ** 40), { fill: Buffer.alloc(1), bytes: 64 * MiB }]);
    const r4 = await refused(absurd);
    expect(r4.message).toContain(`${page}: its tar header declares 1,099,511,627,776 bytes, but folio-bundle.json says`);
    expect(r4.maxStaged).toBe(0);

    // A genuine bundle cut short.
    const good = join(dir.path, 'good.tar.gz');
    await writeEntries(good, entries);
    const truncated = join(dir.path, 'truncated.tar.gz');
    const bytes = readFileSync(good);
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect((await refused(truncated)).message).toMatch(/it ends in the middle \(truncated: was it copied completely\?\)/);
  });

  it('names a __proto__ or constructor key in the manifest’s files instead of dropping it', { timeout: 60_000 }, async () => {
    const { entries } = await genuine();
    const text = entries[0]!.data.toString('utf8');
    const withKeys = text.replace('"files": {', '"files": {\n  "__proto__": {"sha256": "' + 'a'.repeat(64) + '", "size": 1},\n  "constructor": {"sha256": "' + 'a'.repeat(64) + '", "size": 1},');
    expect(withKeys).not.toBe(text);
    const file = join(dir.path, 'proto.tar.gz');
    await writeEntries(file, [{ name: 'folio-bundle.json', data: Buffer.from(withKeys) }, ...entries.slice(1)]);
    const r = await refused(file);
    expect(r.message).toContain('folio-bundle.json: files: "__proto__" is not a page image path');
    expect(r.message).toContain('folio-bundle.json: files: "constructor" is not a page image path');
  });

  it('refuses versions the app could not show — a 100-character box id, a 30,000-character transcription, a 5,000-character question — naming document, version, field and limit', { timeout: 60_000 }, async () => {
    const { entries, manifest } = await genuine();
    const m = manifest();
    const v = m.versions[0]!;
    const longId = 'b'.repeat(100);
    const oldId = v.boxes[0]!.id;
    v.boxes[0]!.id = longId;
    for (const q of v.qa) q.evidenceBoxIds = q.evidenceBoxIds.map((id) => (id === oldId ? longId : id));
    v.boxes[1]!.transcription = 't'.repeat(30_000);
    v.qa[0]!.question = 'q'.repeat(5_000);
    (v.boxes[2] as unknown as { label: string }).label = 'l'.repeat(65);
    const file = join(dir.path, 'outside-contract.tar.gz');
    await writeEntries(file, [{ name: 'folio-bundle.json', data: json(m) }, ...entries.slice(1)]);
    const r = await refused(file);
    const who = `folio-bundle.json: versions.0: document ${v.documentId} version ${v.version} (annotation ${v.annotationId})`;
    expect(r.message).toContain(`${who}: boxes.0.id is 100 characters, over the limit of 64`);
    expect(r.message).toContain(`${who}: boxes.1.transcription is 30,000 characters, over the limit of 20,000`);
    expect(r.message).toContain(`${who}: boxes.2.label is 65 characters, over the limit of 64`);
    expect(r.message).toContain(`${who}: qa.0.question is 5,000 characters, over the limit of 2,000`);
  });

  it('holds received pages to the import’s page-size limits: a 1 × 2,000,000 px page is refused', { timeout: 60_000 }, async () => {
    const { entries, manifest } = await genuine();
    const m = manifest();
    const page = Object.keys(m.files)[0]!;
    const tall = await sharp({ create: { width: 1, height: 2_000_000, channels: 3, background: '#ffffff' } }).png().toBuffer();
    m.files[page] = { sha256: createHash('sha256').update(tall).digest('hex'), size: tall.length };
    Object.assign(m.documents[0]!.pages[0]!, { width: 1, height: 2_000_000 });
    m.versions = [];
    const file = join(dir.path, 'tall.tar.gz');
    await writeEntries(file, [{ name: 'folio-bundle.json', data: json(m) }, { name: entries[1]!.name, data: tall }]);
    const r = await refused(file);
    expect(r.message).toContain(`folio-bundle.json: documents.0.pages.0: ${page}: page 1 is 1 × 2000000 px, over Folio's limit of 30,000 px per side and 300 megapixels per page`);
  });

  /** A bundle of two documents whose second page has a sound PNG header, hash and size over a body cut short. */
  async function brokenBodyBundle(): Promise<{ file: string; broken: string }> {
    const ada = await installation('Ada');
    const projectId = await createSyncProject(ada.core, 'Receipts');
    const noise = async (i: number) => {
      const { width, height } = generateTruth(7, i);
      const raw = Buffer.alloc(width * height * 3);
      for (let k = 0; k < raw.length; k++) raw[k] = ((k + i) * 2654435761) >>> 24;
      return { bytes: await sharp(raw, { raw: { width, height, channels: 3 } }).png().toBuffer(), ext: 'png' as const };
    };
    const docs = await addDocuments(ada.core, projectId, { count: 2, image: noise });
    for (const d of docs) verifyAs(ada.core, projectId, d.documentId, ada.me, truthContent(d.truth, d.pageId));
    const exported = join(dir.path, 'noise.folio.tar.gz');
    await ada.core.api['bundle.export']({ projectId, path: exported });
    const entries = await readEntries(exported);
    const m = JSON.parse(entries[0]!.data.toString('utf8')) as Manifest;
    const broken = entries[2]!;
    broken.data = Buffer.concat([broken.data.subarray(0, broken.data.length >> 1), Buffer.alloc(1000, 7)]);
    m.files[broken.name] = { sha256: createHash('sha256').update(broken.data).digest('hex'), size: broken.data.length };
    const file = join(dir.path, 'broken-body.tar.gz');
    await writeEntries(file, [{ name: 'folio-bundle.json', data: json(m) }, ...entries.slice(1)]);
    return { file, broken: broken.name };
  }

  it('refuses a bundle whole when a page’s body does not decode, though its header, hash and size are sound: no project, document or version is written', { timeout: 60_000 }, async () => {
    const { file, broken } = await brokenBodyBundle();
    const r = await refused(file);
    expect(r.message).toMatch(new RegExp(`${broken.replace(/[./]/g, '\\$&')}: cannot be decoded to the end \\(`));
  });

  it('`folio import-bundle` ends its progress bar (and shows the cursor again) when the bundle is refused', { timeout: 60_000 }, async () => {
    const { file } = await brokenBodyBundle();
    let terminal = '';
    const tty = Object.assign(
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          terminal += chunk.toString('utf8');
          cb();
        },
      }),
      { isTTY: true, columns: 100 },
    ) as unknown as NodeJS.WriteStream;
    const program = new Command().exitOverride();
    registerExchangeCommands(program, { openCore: () => openTestCore(join(dir.path, 'cli-target')), progressStream: tty });
    await expect(program.parseAsync(['node', 'folio', 'import-bundle', file])).rejects.toThrow(/was refused; nothing was written/);
    const hidden = terminal.lastIndexOf('\x1b[?25l');
    expect(hidden).toBeGreaterThanOrEqual(0);
    expect(terminal.lastIndexOf('\x1b[?25h')).toBeGreaterThan(hidden);
  });

  it('a bundle claiming file A’s id with B’s pixels does not survive a genuine import of A: A’s pixels are served', { timeout: 60_000 }, async () => {
    const ada = await installation('Ada');
    const projectId = await createSyncProject(ada.core, 'Receipts');
    const a = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#ff0000' } }).png().toBuffer();
    const b = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#0000ff' } }).png().toBuffer();
    const fileB = join(dir.path, 'b.png');
    writeFileSync(fileB, b);
    expect((await ada.core.importer.run(projectId, [fileB])).imported).toBe(1);
    const idA = createHash('sha256').update(a).digest('hex');
    const idB = createHash('sha256').update(b).digest('hex');
    const exported = join(dir.path, 'b.folio.tar.gz');
    await ada.core.api['bundle.export']({ projectId, path: exported });
    // Document B renamed to A's id everywhere in the bundle; its page keeps B's bytes (and their true hash).
    const forged = (await readEntries(exported)).map((e) => {
      if (!e.name.endsWith('.json')) return { name: e.name.replaceAll(idB, idA), data: e.data };
      const m = JSON.parse(e.data.toString('utf8').replaceAll(idB, idA)) as Manifest;
      for (const f of Object.values(m.files)) f.sha256 = idB;
      return { name: e.name, data: json(m) };
    });
    const bundle = join(dir.path, 'forged.folio.tar.gz');
    await writeEntries(bundle, forged);

    const lead = await installation('Lead');
    const summary = await lead.core.api['bundle.import']({ path: bundle });
    expect(summary.documentsCreated).toBe(1);
    const fileA = join(dir.path, 'a.png');
    writeFileSync(fileA, a);
    const job = await lead.core.importer.run(summary.projectId, [fileA]);
    expect(job.failed).toEqual([]);
    const doc = await lead.core.api['documents.get']({ projectId: summary.projectId, documentId: idA });
    expect(readFileSync(lead.core.media.absolute(doc.pages[0]!.levels[0]!.path))).toEqual(a);
    expect(doc.sourceName).toBe('a.png');
    // Now proven: a second import of A is a duplicate, and another bundle cannot take it back.
    expect((await lead.core.importer.run(summary.projectId, [fileA])).duplicates).toBe(1);
    expect(lead.core.documents.isReceived(idA)).toBe(false);
  });
});
