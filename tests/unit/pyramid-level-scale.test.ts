import { describe, expect, it } from 'vitest';
import { levelScale, pickTiledLevels } from '../../src/renderer/src/lib/pyramid';

describe('levelScale', () => {
  it('takes the live zoom until an image of this page is shown and its zoom has settled', () => {
    expect(levelScale(null, 'p1', 0.07, false)).toBe(0.07);
    expect(levelScale(null, 'p1', 0.07, true)).toBe(0.07);
    expect(levelScale({ pageId: 'p1', scale: 1 }, 'p1', 0.07, false)).toBe(0.07);
  });

  it('keeps the settled zoom of this page while a wheel gesture moves the live one', () => {
    expect(levelScale({ pageId: 'p1', scale: 0.5 }, 'p1', 0.9, true)).toBe(0.5);
  });

  it('never uses a zoom settled on another page', () => {
    expect(levelScale({ pageId: 'p0', scale: 1 }, 'p1', 0.07, true)).toBe(0.07);
  });

  it('keeps a fitted 10,000 px scan off its tiles (a stale zoom of 1 asked for every full-resolution tile)', () => {
    const page: Parameters<typeof pickTiledLevels>[0] = {
      width: 10_000,
      levels: [
        { level: 0, scale: 1, width: 10_000, height: 14_000, path: 'l0' },
        { level: 1, scale: 0.25, width: 2_500, height: 3_500, path: 'l1' },
        { level: 2, scale: 0.0625, width: 625, height: 875, path: 'l2' },
      ],
      tiles: { size: 512, maxLevel: 14, format: 'jpeg', path: 't' },
    };
    const fitted = 0.06;
    expect(pickTiledLevels(page, page.width * levelScale({ pageId: 'old', scale: 1 }, 'p1', fitted, true)).tileLevel).toBeNull();
    expect(pickTiledLevels(page, page.width * 1).tileLevel).toBe(14);
  });
});
