import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp, { type Sharp, type SharpOptions } from 'sharp';
import type { PyramidLevel, TilePyramid } from '../../../shared/domain/model';
import { importLimits } from './limits';

// One libvips thread per image: the import runs a few files at once, and on a 2-core laptop
// libvips' default (a thread per core per image) starves the event loop of CPU.
sharp.concurrency(1);
// Imported files are read once; caching their handles only keeps files open.
sharp.cache({ files: 0 });

export const sharpInputOptions = {
  limitInputPixels: importLimits.maxPagePixels,
  // Tolerate the minor warnings real scanners produce, but not a file cut short.
  failOn: 'truncated',
} as const satisfies SharpOptions;

export interface PreparedPage {
  pageNumber: number;
  width: number;
  height: number;
  thumbnail: string;
  levels: PyramidLevel[];
  tiles: TilePyramid | null;
}

/** Where level 0 comes from: the original bytes when browsers can show them as they are, else an encoding. */
export type Level0Source =
  | { kind: 'copy'; path: string; ext: 'png' | 'jpg' | 'webp' }
  | { kind: 'png-bytes'; bytes: Buffer }
  | { kind: 'encode'; input: () => Sharp };

/**
 * Write one page's files into `pageDir` (absolute) and describe them with media paths under
 * `mediaPrefix`: level 0 at full resolution, halved levels until the long side fits
 * `pyramidTopSide` (so a fitted 10,000 × 14,000 scan never decodes at full size), a thumbnail,
 * and for very large pages a deep-zoom tile pyramid (zooming in decodes a few tiles, never the
 * whole page). Decoding each level from the one before also proves the whole file decodes.
 */
export async function writePagePyramid(opts: {
  pageNumber: number;
  width: number;
  height: number;
  level0: Level0Source;
  pageDir: string;
  mediaPrefix: string;
}): Promise<PreparedPage> {
  const { pageDir, mediaPrefix, width, height } = opts;
  await mkdir(pageDir, { recursive: true });

  let level0File: string;
  switch (opts.level0.kind) {
    case 'copy':
      level0File = `level0.${opts.level0.ext}`;
      await copyFile(opts.level0.path, join(pageDir, level0File));
      break;
    case 'png-bytes':
      level0File = 'level0.png';
      await writeFile(join(pageDir, level0File), opts.level0.bytes);
      break;
    case 'encode':
      level0File = 'level0.png';
      await opts.level0.input().png({ compressionLevel: 3 }).toFile(join(pageDir, level0File));
      break;
  }

  const levels: PyramidLevel[] = [{ level: 0, scale: 1, width, height, path: `${mediaPrefix}/${level0File}` }];
  const tiled = Math.max(width, height) > importLimits.tileThresholdSide;
  let previous = join(pageDir, level0File);
  let k = 1;
  while (Math.max(levels[k - 1]!.width, levels[k - 1]!.height) > importLimits.pyramidTopSide) {
    const scale = 1 / 2 ** k;
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    // A tiled page needs only the overview level; its detail comes from tiles.
    const last = Math.max(w, h) <= importLimits.pyramidTopSide;
    if (tiled && !last) {
      k++;
      levels.push({ level: k - 1, scale, width: w, height: h, path: '' });
      continue;
    }
    const file = `level${k}.jpg`;
    await sharp(previous, sharpInputOptions)
      .resize(w, h, { fit: 'fill' })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 85 })
      .toFile(join(pageDir, file));
    levels.push({ level: k, scale, width: w, height: h, path: `${mediaPrefix}/${file}` });
    previous = join(pageDir, file);
    k++;
  }
  // Levels skipped on a tiled page are not listed: every listed level is a file.
  const written = levels.filter((l) => l.path !== '');

  let tiles: TilePyramid | null = null;
  if (tiled) {
    await sharp(join(pageDir, level0File), sharpInputOptions)
      .flatten({ background: '#ffffff' })
      .jpeg({ quality: 85 })
      .tile({ size: importLimits.tileSize, overlap: 0, layout: 'dz' })
      .toFile(join(pageDir, 'tiles.dz'));
    tiles = { size: importLimits.tileSize, maxLevel: Math.ceil(Math.log2(Math.max(width, height))), format: 'jpeg', path: `${mediaPrefix}/tiles_files` };
  }

  await sharp(previous, sharpInputOptions)
    .resize(importLimits.thumbnailSide, importLimits.thumbnailSide, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 80 })
    .toFile(join(pageDir, 'thumb.jpg'));

  return { pageNumber: opts.pageNumber, width, height, thumbnail: `${mediaPrefix}/thumb.jpg`, levels: written, tiles };
}
