import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import { openTestCore, tempDir } from '../helpers/core';
import { jpegDeclaring, pngDeclaring, tiffDeclaring, webpDeclaring } from '../helpers/hostileFiles';

/**
 * Image headers are a few bytes and can declare hundreds of megapixels. A file whose data cannot
 * fill the size it declares is refused before a pyramid or a tile is built; real pages that
 * compress to almost nothing (blank scans) still import.
 */
describe('images whose data cannot fill their declared size', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: Core;
  let projectId: string;

  beforeEach(async () => {
    dir = tempDir('folio-adversarial-');
    core = await openTestCore(join(dir.path, 'data'));
    projectId = (await core.api['projects.create']({ name: 'Scans' })).id;
  });
  afterEach(async () => {
    await core.close();
    dir.cleanup();
  });

  it('refuses a 267-byte JPEG, a PNG, a WebP and a TIFF declaring 290 and 256 megapixels, and imports blank A4 pages of a few hundred bytes', async () => {
    const src = join(dir.path, 'in');
    mkdirSync(src);
    const hostile = {
      'declared.jpg': await jpegDeclaring(10_000, 29_000),
      'declared.png': pngDeclaring(10_000, 29_000),
      'declared.webp': await webpDeclaring(16_000, 16_000),
      'declared.tif': tiffDeclaring(10_000, 29_000),
    };
    for (const [name, bytes] of Object.entries(hostile)) writeFileSync(join(src, name), bytes);
    expect(hostile['declared.jpg'].length).toBeLessThan(300);

    // A4 at 300 dpi, white: what a scanner writes for an empty sheet, in the formats Folio reads.
    const a4 = () => sharp({ create: { width: 2480, height: 3508, channels: 3, background: '#ffffff' } });
    const blank = {
      'blank.png': await a4().greyscale().png({ palette: true, colours: 2, compressionLevel: 9 }).toBuffer(),
      'blank.jpg': await a4().jpeg({ quality: 75 }).toBuffer(),
      'blank.webp': await a4().webp({ lossless: true }).toBuffer(),
      'blank-g4.tif': await a4().greyscale().toColourspace('b-w').tiff({ compression: 'ccittfax4', bitdepth: 1 }).toBuffer(),
      'blank-deflate.tif': await a4().tiff({ compression: 'deflate' }).toBuffer(),
    };
    // Some scanners leave stray bytes between JPEG markers; libjpeg warns and the picture is whole.
    const photo = await sharp({ create: { width: 800, height: 600, channels: 3, background: '#fafafa' } }).jpeg().toBuffer();
    const scan = photo.indexOf(Buffer.from([0xff, 0xda]));
    const stray = Buffer.concat([photo.subarray(0, scan), Buffer.from([1, 2, 3, 4]), photo.subarray(scan)]);
    for (const [name, bytes] of Object.entries({ ...blank, 'stray-bytes.jpg': stray })) writeFileSync(join(src, name), bytes);
    expect(blank['blank.webp'].length).toBeLessThan(1_000);
    expect(blank['blank-g4.tif'].length).toBeLessThan(2_000);

    const started = Date.now();
    const job = await core.importer.run(projectId, [src]);
    const elapsed = Date.now() - started;

    const reasons = Object.fromEntries(job.failed.map((f) => [f.path.split('/').pop(), f.reason]));
    const refused = (w: string, h: string) => expect.stringMatching(new RegExp(`^the file is damaged or truncated: the image declares ${w} × ${h} px, but its data ends or breaks off before those pixels are filled \\(.+\\)$`));
    expect(reasons).toEqual({
      'declared.jpg': refused('10,000', '29,000'),
      'declared.png': refused('10,000', '29,000'),
      'declared.webp': refused('16,000', '16,000'),
      'declared.tif': refused('10,000', '29,000'),
    });
    expect(job).toMatchObject({ state: 'completed', imported: 6, pages: 6 });
    // Refused by decoding, not after a pyramid: the JPEG alone took 14.7 s and 1,554 tiles before.
    expect(elapsed).toBeLessThan(10_000);
    // Nothing of the refused files stays on disk.
    const staging = join(core.media.root, '.staging');
    expect(existsSync(staging) ? readdirSync(staging) : []).toEqual([]);
    const onDisk = readdirSync(join(core.media.root, 'docs')).flatMap((shard) => readdirSync(join(core.media.root, 'docs', shard)));
    expect(onDisk).toHaveLength(6);
  });
});
