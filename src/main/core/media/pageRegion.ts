import { access } from 'node:fs/promises';
import sharp, { type Sharp } from 'sharp';
import { AppError } from '../../../shared/contract/errors';
import type { Page } from '../../../shared/domain/model';
import type { MediaStore } from './mediaStore';

/** A rectangle in whole page pixels. */
export interface PixelRect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One channel of grey, row after row, `width × height` bytes. */
export interface GreyImage {
  data: Uint8Array;
  width: number;
  height: number;
}

// The files were checked against Folio's page limits when they were imported.
const ownFile = { limitInputPixels: false } as const;

/**
 * Part of a page as grey pixels, read from the page's stored images: level 0 (the full-resolution
 * file) for ordinary pages; for tiled pages the deep-zoom tiles under the region, because decoding
 * a 10,000 × 14,000 level 0 down to a region near its bottom takes the better part of a second and
 * a few 512 px tiles take milliseconds. `scale` < 1 reads the region smaller (a coarser tile level
 * where there is one); the result is `round(w × scale) × round(h × scale)` pixels, white where the
 * image has transparency.
 */
export async function readPageRegion(media: MediaStore, page: Page, rect: PixelRect, scale = 1): Promise<GreyImage> {
  const width = Math.max(1, Math.round(rect.w * scale));
  const height = Math.max(1, Math.round(rect.h * scale));
  if (page.tiles) return readFromTiles(media, page, rect, scale, width, height);
  const level0 = page.levels.find((l) => l.level === 0);
  if (!level0) throw new AppError('not_found', `Page ${page.pageNumber} has no full-resolution image recorded`, { details: { pageId: page.id } });
  const file = await existing(media, level0.path, page);
  let pipeline = sharp(file, ownFile).extract({ left: rect.x, top: rect.y, width: rect.w, height: rect.h });
  if (width !== rect.w || height !== rect.h) pipeline = pipeline.resize(width, height, { fit: 'fill', kernel: 'lanczos3' });
  return toGrey(pipeline, file);
}

async function readFromTiles(media: MediaStore, page: Page, rect: PixelRect, scale: number, width: number, height: number): Promise<GreyImage> {
  const tiles = page.tiles!;
  // DZI level L is the page scaled by 2^(L − maxLevel): the coarsest level still at least `scale`.
  const shrink = scale >= 1 ? 0 : Math.min(tiles.maxLevel, Math.floor(Math.log2(1 / scale)));
  const factor = 2 ** shrink;
  const level = tiles.maxLevel - shrink;
  const levelWidth = Math.ceil(page.width / factor);
  const levelHeight = Math.ceil(page.height / factor);
  const x0 = Math.min(levelWidth - 1, Math.floor(rect.x / factor));
  const y0 = Math.min(levelHeight - 1, Math.floor(rect.y / factor));
  const x1 = Math.min(levelWidth, Math.max(x0 + 1, Math.ceil((rect.x + rect.w) / factor)));
  const y1 = Math.min(levelHeight, Math.max(y0 + 1, Math.ceil((rect.y + rect.h) / factor)));
  const outWidth = x1 - x0;
  const outHeight = y1 - y0;
  const out = new Uint8Array(outWidth * outHeight).fill(255);
  const size = tiles.size;
  const reads: Promise<void>[] = [];
  for (let row = Math.floor(y0 / size); row * size < y1; row++) {
    for (let col = Math.floor(x0 / size); col * size < x1; col++) {
      const left = Math.max(x0, col * size);
      const top = Math.max(y0, row * size);
      const w = Math.min(x1, (col + 1) * size) - left;
      const h = Math.min(y1, (row + 1) * size) - top;
      reads.push(
        (async () => {
          const file = await existing(media, `${tiles.path}/${level}/${col}_${row}.${tiles.format}`, page);
          const tile = await toGrey(sharp(file, ownFile).extract({ left: left - col * size, top: top - row * size, width: w, height: h }), file);
          for (let y = 0; y < h; y++) out.set(tile.data.subarray(y * w, (y + 1) * w), (top - y0 + y) * outWidth + (left - x0));
        })(),
      );
    }
  }
  await Promise.all(reads);
  if (outWidth === width && outHeight === height) return { data: out, width, height };
  return toGrey(sharp(out, { raw: { width: outWidth, height: outHeight, channels: 1 } }).resize(width, height, { fit: 'fill', kernel: 'lanczos3' }), 'a tiled page');
}

async function existing(media: MediaStore, mediaPath: string, page: Page): Promise<string> {
  const file = media.absolute(mediaPath);
  try {
    await access(file);
  } catch {
    throw new AppError('not_found', `The image of page ${page.pageNumber} is missing from the media folder (${mediaPath})`, { details: { pageId: page.id, path: mediaPath } });
  }
  return file;
}

async function toGrey(pipeline: Sharp, source: string): Promise<GreyImage> {
  try {
    const { data, info } = await pipeline.flatten({ background: '#ffffff' }).greyscale().raw().toBuffer({ resolveWithObject: true });
    if (info.channels === 1) return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
    const grey = new Uint8Array(info.width * info.height);
    for (let i = 0; i < grey.length; i++) grey[i] = data[i * info.channels]!;
    return { data: grey, width: info.width, height: info.height };
  } catch (err) {
    throw new AppError('io_error', `Could not read ${source}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
