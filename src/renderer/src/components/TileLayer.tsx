import { useEffect, useMemo, useState } from 'react';
import { Group, Image as KonvaImage } from 'react-konva';
import type { Page } from '../../../shared/domain/model';
import { mediaUrl } from '../lib/api';
import { visibleTiles } from '../lib/pyramid';
import { useViewer } from '../stores/viewer';

/** Decoded tiles, most recent last (about 1 MB each). */
const tileCache = new Map<string, HTMLImageElement>();
const TILE_CACHE_SIZE = 160;
const pending = new Map<string, Promise<HTMLImageElement>>();

function loadTile(url: string): Promise<HTMLImageElement> {
  const cached = tileCache.get(url);
  if (cached) {
    tileCache.delete(url);
    tileCache.set(url, cached);
    return Promise.resolve(cached);
  }
  let p = pending.get(url);
  if (!p) {
    const img = new window.Image();
    img.decoding = 'async';
    img.src = url;
    p = img.decode().then(() => {
      tileCache.set(url, img);
      while (tileCache.size > TILE_CACHE_SIZE) tileCache.delete(tileCache.keys().next().value as string);
      return img;
    });
    p.finally(() => pending.delete(url)).catch(() => undefined);
    pending.set(url, p);
  }
  return p;
}

/**
 * The detail of a very large page when zoomed in: only the tiles in (and just around) the view are
 * decoded, drawn over the overview level in original image pixels (inside the page's layer: every
 * Konva layer is a full-size canvas the browser composites each frame, so there are few). Tiles arrive one by one; the
 * overview underneath keeps the page whole meanwhile.
 */
export function TileLayer({ page, level }: { page: Page; level: number }) {
  const x = useViewer((s) => s.x);
  const y = useViewer((s) => s.y);
  const scale = useViewer((s) => s.scale);
  const view = useViewer((s) => s.view);
  const [, setLoaded] = useState(0);
  const tiles = useMemo(() => {
    if (!page.tiles || !view) return [];
    return visibleTiles({ width: page.width, height: page.height, tiles: page.tiles }, level, { x: -x / scale, y: -y / scale, w: view.width / scale, h: view.height / scale });
  }, [page.tiles, page.width, page.height, level, x, y, scale, view]);

  useEffect(() => {
    let cancelled = false;
    for (const t of tiles) {
      const url = mediaUrl(t.path);
      if (tileCache.has(url)) continue;
      loadTile(url).then(
        () => !cancelled && setLoaded((n) => n + 1),
        () => undefined, // a missing tile leaves the overview showing there
      );
    }
    return () => {
      cancelled = true;
    };
  }, [tiles]);

  return (
    <Group listening={false}>
      {tiles.map((t) => {
        const img = tileCache.get(mediaUrl(t.path));
        return img ? <KonvaImage key={t.key} image={img} x={t.x} y={t.y} width={img.naturalWidth * t.factor} height={img.naturalHeight * t.factor} perfectDrawEnabled={false} listening={false} /> : null;
      })}
    </Group>
  );
}
