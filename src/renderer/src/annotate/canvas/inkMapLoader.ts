import type { Page } from '../../../../shared/domain/model';
import { mediaUrl } from '../../lib/api';
import type { InkMapReply, InkMapRequest } from './inkMap.worker';
import { InkMap, inkMapSize } from './labelRoom';

/** Ink maps of recently opened pages, most recent last (a letter page's map is about 3 MB). */
const cache = new Map<string, Promise<InkMap | null>>();
const CACHE_SIZE = 6;

/**
 * The ink map of a page, made in a worker from the smallest pyramid level at least as wide as the
 * map. Null when the image cannot be read: label text then stays off the canvas, and hover and
 * the status bar still name every box.
 */
export function loadInkMap(page: Page): Promise<InkMap | null> {
  const hit = cache.get(page.id);
  if (hit) {
    cache.delete(page.id);
    cache.set(page.id, hit);
    return hit;
  }
  const made = build(page).catch((err: unknown) => {
    console.warn(`Label text stays off the canvas for page ${page.pageNumber}: its image could not be read (${(err as Error).message}).`);
    cache.delete(page.id);
    return null;
  });
  cache.set(page.id, made);
  while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return made;
}

function build(page: Page): Promise<InkMap> {
  const { cols, rows } = inkMapSize(page.width, page.height);
  const level = [...page.levels].sort((a, b) => a.width - b.width).find((l) => l.width >= cols) ?? page.levels.reduce((a, b) => (a.width > b.width ? a : b));
  // An absolute address: the worker resolves relative ones against its own script.
  const request: InkMapRequest = { url: new URL(mediaUrl(level.path), document.baseURI).href, cols, rows, pageWidth: page.width, pageHeight: page.height };
  return new Promise<InkMap>((resolve, reject) => {
    const worker = new Worker(new URL('./inkMap.worker.ts', import.meta.url));
    worker.onmessage = (e: MessageEvent<InkMapReply>) => {
      worker.terminate();
      const r = e.data;
      if (r.ok) resolve(new InkMap(r.cols, r.rows, r.cellW, r.cellH, r.sums));
      else reject(new Error(r.message));
    };
    worker.onerror = (e) => {
      worker.terminate();
      reject(new Error(e.message || 'the ink map worker failed'));
    };
    worker.postMessage(request);
  });
}
