import { useEffect, useState } from 'react';
import type { Page } from '../../../shared/domain/model';
import { mediaUrl } from '../lib/api';
import { levelScale, pickTiledLevels } from '../lib/pyramid';

/** Decoded page images, most recent last; switching back to a level already seen is instant. */
const imageCache = new Map<string, HTMLImageElement>();
const CACHE_SIZE = 12;
/** How long the zoom must rest before a pyramid level is chosen for it. */
const LEVEL_REST_MS = 150;

/** A page image already decoded for display, if it is still cached (others may read it, not evict it). */
export function decodedPageImage(url: string): HTMLImageElement | null {
  return imageCache.get(url) ?? null;
}

async function loadImage(url: string): Promise<HTMLImageElement> {
  const cached = imageCache.get(url);
  if (cached) {
    imageCache.delete(url);
    imageCache.set(url, cached);
    return cached;
  }
  const img = new window.Image();
  img.decoding = 'async';
  img.src = url;
  try {
    await img.decode();
  } catch {
    throw new Error('The page image could not be loaded. The file in the data folder may be missing or damaged.');
  }
  imageCache.set(url, img);
  while (imageCache.size > CACHE_SIZE) {
    const oldest = imageCache.keys().next().value;
    if (oldest === undefined) break;
    imageCache.delete(oldest);
  }
  return img;
}

export interface ShownImage {
  pageId: string;
  url: string;
  level: number;
  img: HTMLImageElement;
}

/**
 * The pyramid level of the page to show at the current zoom, decoded, and the tile level drawn
 * over it on huge pages. Nothing is loaded until `ready` (the page fitted in a sized view).
 */
export function usePageImage(page: Page, ready: boolean, scale: number, dpr: number) {
  // The zoom the pyramid level is chosen for: it follows the zoom once it has rested 150 ms. Until
  // this page has been fitted and settled once, the live zoom is used: a settled zoom left over from
  // before the fit (1, or the previous document's) picked full-resolution tiles for the whole page
  // at fit zoom, hundreds of tile requests and decodes on opening a large scan.
  const [settled, setSettled] = useState<{ pageId: string; scale: number } | null>(null);
  const [loaded, setLoaded] = useState<ShownImage | null>(null);
  const [failed, setFailed] = useState<{ url: string; message: string } | null>(null);

  // Choose a pyramid level once the zoom settles, not on every wheel tick (only zooms of this page,
  // fitted: until then `levelScale` takes the live zoom).
  useEffect(() => {
    if (!ready) return;
    const t = setTimeout(() => setSettled({ pageId: page.id, scale }), LEVEL_REST_MS);
    return () => clearTimeout(t);
  }, [scale, ready, page.id]);

  const shown = loaded && loaded.pageId === page.id ? loaded : null;
  // Huge pages draw an overview level plus the visible tiles; others one whole level.
  const { base: level, tileLevel } = pickTiledLevels(page, page.width * levelScale(settled, page.id, scale, shown !== null), dpr);
  const url = mediaUrl(level.path);

  useEffect(() => {
    if (!ready) return;
    let cancelled = false;
    loadImage(url).then(
      (img) => {
        if (cancelled) return;
        setLoaded({ pageId: page.id, url, level: level.level, img });
        setFailed(null);
      },
      (err: unknown) => {
        if (!cancelled) setFailed({ url, message: (err as Error).message });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [ready, url, page.id, level.level]);

  const image = shown?.img ?? null;
  const state: 'error' | 'loaded' | 'loading' = failed && failed.url === url && !image ? 'error' : image ? 'loaded' : 'loading';
  return { shown, tileLevel, state, error: state === 'error' ? (failed?.message ?? null) : null };
}
