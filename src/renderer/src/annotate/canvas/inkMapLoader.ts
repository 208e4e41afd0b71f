import type { Page } from '../../../../shared/domain/model';
import { mediaUrl } from '../../lib/api';
import { inkMapFromPixels, inkMapSize, type InkMap } from './labelRoom';

/** Ink maps of recently opened pages, most recent last (a letter page's map is about 3 MB). */
const cache = new Map<string, Promise<InkMap | null>>();
const CACHE_SIZE = 6;

/**
 * The ink map of a page, made from the smallest pyramid level at least as wide as the map, once
 * the renderer is idle (opening a document draws its first frame first). Null when the image
 * cannot be read: label text then stays off the canvas, and hover and the status bar still name
 * every box.
 */
export function loadInkMap(page: Page): Promise<InkMap | null> {
  const hit = cache.get(page.id);
  if (hit) {
    cache.delete(page.id);
    cache.set(page.id, hit);
    return hit;
  }
  const made = idle().then(() => build(page)).catch((err: unknown) => {
    console.warn(`Label text stays off the canvas for page ${page.pageNumber}: its image could not be read (${(err as Error).message}).`);
    cache.delete(page.id);
    return null;
  });
  cache.set(page.id, made);
  while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return made;
}

function idle(): Promise<void> {
  return new Promise((resolve) => (typeof requestIdleCallback === 'function' ? requestIdleCallback(() => resolve(), { timeout: 1000 }) : setTimeout(resolve, 50)));
}

async function build(page: Page): Promise<InkMap> {
  const { cols, rows } = inkMapSize(page.width, page.height);
  const level = [...page.levels].sort((a, b) => a.width - b.width).find((l) => l.width >= cols) ?? page.levels.reduce((a, b) => (a.width > b.width ? a : b));
  const img = new Image();
  // Pixels are read back: in the desktop app the media come from another folio:// host.
  img.crossOrigin = 'anonymous';
  img.decoding = 'async';
  img.src = mediaUrl(level.path);
  await img.decode();
  // Read at the level's own size: scaling it down first would average thin rules and small print away.
  const width = img.naturalWidth;
  const height = img.naturalHeight;
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D canvas');
  ctx.drawImage(img, 0, 0);
  return inkMapFromPixels(ctx.getImageData(0, 0, width, height).data, width, height, Math.min(cols, width), Math.min(rows, height), page.width, page.height);
}
