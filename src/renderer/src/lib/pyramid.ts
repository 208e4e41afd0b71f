import type { PyramidLevel } from '../../../shared/domain/model';

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
