import type { PyramidLevel, TilePyramid } from '../../../shared/domain/model';

/**
 * The pyramid level to decode for a page drawn `displayedWidth` CSS pixels wide: the smallest level
 * whose width still covers the device pixels (`displayedWidth × devicePixelRatio`), so a fitted
 * 600-dpi scan never decodes at full resolution. Falls back to the largest level when zoomed past it.
 */
export function pickLevel(levels: readonly PyramidLevel[], displayedWidth: number, devicePixelRatio = 1): PyramidLevel {
  if (levels.length === 0) throw new Error('a page has at least one pyramid level');
  const needed = displayedWidth * Math.max(1, devicePixelRatio);
  const bySize = [...levels].sort((a, b) => a.width - b.width);
  for (const level of bySize) {
    if (level.width >= needed) return level;
  }
  return bySize[bySize.length - 1] as PyramidLevel;
}

/**
 * On a tiled page the whole-image levels stop at the overview; detail comes from tiles. Returns
 * the overview level to draw underneath and the tile level (or null when the overview is enough).
 */
export function pickTiledLevels(
  page: { width: number; levels: readonly PyramidLevel[]; tiles: TilePyramid | null },
  displayedWidth: number,
  devicePixelRatio = 1,
): { base: PyramidLevel; tileLevel: number | null } {
  if (!page.tiles) return { base: pickLevel(page.levels, displayedWidth, devicePixelRatio), tileLevel: null };
  const overview = [...page.levels].filter((l) => l.level > 0).sort((a, b) => b.width - a.width)[0] ?? page.levels[0]!;
  const needed = displayedWidth * Math.max(1, devicePixelRatio);
  if (overview.width >= needed) return { base: pickLevel(page.levels.filter((l) => l.level > 0), displayedWidth, devicePixelRatio), tileLevel: null };
  // DZI level L is the page scaled by 2^(L − maxLevel): the first level at least `needed` wide.
  const shrink = Math.max(0, Math.floor(Math.log2(page.width / needed)));
  return { base: overview, tileLevel: Math.max(0, page.tiles.maxLevel - shrink) };
}

/**
 * The zoom to pick a pyramid level for: the settled zoom once an image of this page is on screen
 * (so a wheel gesture does not reload levels tick by tick), the live zoom before that, and never a
 * settled zoom that belongs to another page or to the moment before the page was fitted.
 */
export function levelScale(settled: { pageId: string; scale: number } | null, pageId: string, liveScale: number, imageShown: boolean): number {
  return imageShown && settled?.pageId === pageId ? settled.scale : liveScale;
}

export interface TileRef {
  key: string;
  path: string;
  /** Where the tile goes, in original image pixels. */
  x: number;
  y: number;
  /** Original image pixels per tile pixel. */
  factor: number;
}

/** The tiles of `level` that cover `visible` (image pixels), with a one-tile margin for panning. */
export function visibleTiles(
  page: { width: number; height: number; tiles: TilePyramid },
  level: number,
  visible: { x: number; y: number; w: number; h: number },
): TileRef[] {
  const { size, maxLevel, format, path } = page.tiles;
  const factor = 2 ** (maxLevel - level);
  const span = size * factor;
  const cols = Math.ceil(Math.ceil(page.width / factor) / size);
  const rows = Math.ceil(Math.ceil(page.height / factor) / size);
  const c0 = Math.max(0, Math.floor(visible.x / span) - 1);
  const r0 = Math.max(0, Math.floor(visible.y / span) - 1);
  const c1 = Math.min(cols - 1, Math.floor((visible.x + visible.w) / span) + 1);
  const r1 = Math.min(rows - 1, Math.floor((visible.y + visible.h) / span) + 1);
  const out: TileRef[] = [];
  for (let r = r0; r <= r1; r++) {
    for (let c = c0; c <= c1; c++) out.push({ key: `${level}/${c}_${r}`, path: `${path}/${level}/${c}_${r}.${format}`, x: c * span, y: r * span, factor });
  }
  return out;
}
