import type { Page } from '../../../../shared/domain/model';
import { decodedPageImage } from '../../components/usePageImage';
import { mediaUrl } from '../../lib/api';
import { useViewer } from '../../stores/viewer';
import type { InkMapReply, InkMapRequest } from './inkMap.worker';
import { InkMap, inkMapSize, inkSourceLevel } from './labelRoom';

/** Ink maps of recently opened pages, most recent last (a letter page's map is about 3 MB). */
const cache = new Map<string, Promise<InkMap | null>>();
const CACHE_SIZE = 6;
/** How long the view must rest before a map is built: decoding and scanning a level competes with drawing frames. */
const QUIET_MS = 400;

/**
 * The ink map of a page, made in a worker from a small pyramid level (inkSourceLevel), once the
 * view has come to rest (panning and zooming keep the CPU). Null when the image cannot be read: label text then stays off the canvas, and hover and
 * the status bar still name every box.
 */
export function loadInkMap(page: Page): Promise<InkMap | null> {
  const hit = cache.get(page.id);
  if (hit) {
    cache.delete(page.id);
    cache.set(page.id, hit);
    return hit;
  }
  const made = viewQuiet().then(() => build(page)).catch((err: unknown) => {
    console.warn(`Label text stays off the canvas for page ${page.pageNumber}: its image could not be read (${(err as Error).message}).`);
    cache.delete(page.id);
    return null;
  });
  cache.set(page.id, made);
  while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return made;
}

function viewQuiet(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      unsubscribe();
      resolve();
    };
    let timer = setTimeout(done, QUIET_MS);
    const unsubscribe = useViewer.subscribe(() => {
      clearTimeout(timer);
      timer = setTimeout(done, QUIET_MS);
    });
  });
}

async function build(page: Page): Promise<InkMap> {
  const size = inkMapSize(page.width, page.height);
  const level = inkSourceLevel(page.levels);
  // Never finer than the level read.
  const cols = Math.min(size.cols, level.width);
  const rows = Math.min(size.rows, level.height);
  const url = mediaUrl(level.path);
  // At fit zoom the canvas shows this very level: hand its decoded pixels over rather than decode
  // them again (the worker fetches the file when there are none, or when it may not read them).
  const shown = decodedPageImage(url);
  const bitmap = shown ? await createImageBitmap(shown, { resizeWidth: cols, resizeHeight: rows, resizeQuality: 'medium' }).catch(() => null) : null;
  // An absolute address: the worker resolves relative ones against its own script.
  const request: InkMapRequest = { url: new URL(url, document.baseURI).href, bitmap, cols, rows, pageWidth: page.width, pageHeight: page.height };
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
    worker.postMessage(request, bitmap ? [bitmap] : []);
  });
}
