import { describe, expect, it } from 'vitest';
import { inkMapFromPixels, inkMapSize, inkSourceLevel, placeBeside } from '../../src/renderer/src/annotate/canvas/labelRoom';
import { intersects } from '../../src/renderer/src/annotate/geometry';

/** A grey-level image as RGBA, painted by `lum(x, y)`. */
function image(width: number, height: number, lum: (x: number, y: number) => number): Uint8ClampedArray {
  const data = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const v = lum(x, y);
      data.set([v, v, v, 255], (y * width + x) * 4);
    }
  return data;
}

describe('the ink map', () => {
  it('finds a thin grey rule on paper that darkens across the page, and nothing on the blank paper', () => {
    const paper = (x: number) => 250 - Math.round((x / 400) * 12);
    const px = image(400, 300, (x, y) => (y === 150 && x >= 50 && x < 350 ? 200 : paper(x)));
    const map = inkMapFromPixels(px, 400, 300, 400, 300, 400, 300);
    expect(map.inked({ x: 100, y: 148, w: 60, h: 4 }, 0)).toBe(true);
    expect(map.inked({ x: 100, y: 20, w: 250, h: 100 }, 0)).toBe(false);
    expect(map.inked({ x: 0, y: 160, w: 400, h: 140 }, 0)).toBe(false);
  });

  it('keeps the rule when the map is coarser than the image', () => {
    const px = image(800, 600, (x, y) => (y === 300 && x >= 100 && x < 700 ? 190 : 245));
    const map = inkMapFromPixels(px, 800, 600, 200, 150, 1600, 1200);
    // Page coordinates: the image is half the page's size, the map a quarter of the image's.
    expect(map.inked({ x: 400, y: 596, w: 200, h: 8 }, 0)).toBe(true);
    expect(map.inked({ x: 400, y: 700, w: 200, h: 200 }, 0)).toBe(false);
  });

  it('ignores a lone speck of dust but not a dot of print', () => {
    const speck = inkMapFromPixels(image(100, 100, (x, y) => (x === 50 && y === 50 ? 60 : 245)), 100, 100, 100, 100, 100, 100);
    expect(speck.inked({ x: 40, y: 40, w: 20, h: 20 }, 0)).toBe(false);
    const dot = inkMapFromPixels(image(100, 100, (x, y) => (x >= 50 && x < 52 && y >= 50 && y < 52 ? 60 : 245)), 100, 100, 100, 100, 100, 100);
    expect(dot.inked({ x: 40, y: 40, w: 20, h: 20 }, 0)).toBe(true);
  });

  it('judges a receipt photographed on a table against the receipt, and white print against its band', () => {
    // A table (198) with a receipt (239) on it, a line of print (40) on the receipt.
    const receipt = (x: number, y: number) => x >= 300 && x < 500 && y >= 0 && y < 600;
    const px = image(800, 600, (x, y) => (receipt(x, y) ? (y >= 100 && y < 110 && x >= 320 && x < 480 ? 40 : 239) : 198));
    const map = inkMapFromPixels(px, 800, 600, 800, 600, 800, 600);
    expect(map.inked({ x: 330, y: 102, w: 50, h: 6 }, 0)).toBe(true);
    expect(map.inked({ x: 330, y: 300, w: 140, h: 100 }, 0)).toBe(false);
    expect(map.inked({ x: 0, y: 0, w: 150, h: 600 }, 0)).toBe(false);
    // White print (255) on a dark band (60): the band around the print is not room for a label.
    const band = inkMapFromPixels(image(400, 200, (x, y) => (y < 60 ? (y >= 20 && y < 40 && x >= 100 && x < 200 ? 255 : 60) : 245)), 400, 200, 400, 200, 400, 200);
    expect(band.inked({ x: 120, y: 42, w: 60, h: 10 }, 0)).toBe(true);
    expect(band.inked({ x: 0, y: 100, w: 400, h: 100 }, 0)).toBe(false);
  });

  it('grows the asked rectangle by a margin of cells', () => {
    const map = inkMapFromPixels(image(100, 100, (x, y) => (x >= 50 && x < 60 && y >= 50 && y < 52 ? 30 : 245)), 100, 100, 100, 100, 100, 100);
    expect(map.inked({ x: 50, y: 52, w: 10, h: 5 }, 0)).toBe(false);
    expect(map.inked({ x: 50, y: 52, w: 10, h: 5 }, 1)).toBe(true);
  });

  it('refuses pixels that do not match the size it is told', () => {
    expect(() => inkMapFromPixels(new Uint8ClampedArray(10), 10, 10, 10, 10, 10, 10)).toThrow(/expected 400 RGBA values for 10 × 10, got 10/);
    expect(() => inkMapFromPixels(new Uint8ClampedArray(400), 10, 10, 20, 10, 10, 10)).toThrow(/20 × 10 cells cannot be made from 10 × 10 pixels/);
  });

  it('is read from the smallest pyramid level at least 640 pixels long, or the only one', () => {
    const scan = [10_000, 5_000, 2_500, 1_250, 625].map((w) => ({ width: w, height: w * 1.4 }));
    expect(inkSourceLevel(scan)).toEqual({ width: 625, height: 875 });
    expect(inkSourceLevel([{ width: 850, height: 1100 }, { width: 1700, height: 2200 }])).toEqual({ width: 850, height: 1100 });
    expect(inkSourceLevel([{ width: 500, height: 400 }])).toEqual({ width: 500, height: 400 });
    expect(() => inkSourceLevel([])).toThrow(/at least one pyramid level/);
  });

  it('is at most INK_MAP_SIZE cells on the long side, never more than the page has pixels', () => {
    expect(inkMapSize(1700, 2200)).toEqual({ cols: 791, rows: 1024 });
    expect(inkMapSize(10_000, 14_000)).toEqual({ cols: 731, rows: 1024 });
    expect(inkMapSize(300, 200)).toEqual({ cols: 300, rows: 200 });
  });
});

describe('placing a label beside its box', () => {
  const box = { x: 100, y: 100, w: 80, h: 20 };

  it('goes above the box when there is room, never inside it', () => {
    const spot = placeBeside(box, 60, 15, 2, () => true)!;
    expect(spot).toEqual({ x: 100, y: 83, w: 60, h: 15 });
    expect(intersects(spot, box)).toBe(false);
  });

  it('tries below, right and left in turn, and gives up when nothing fits', () => {
    const blockedAbove = (r: { y: number }) => r.y >= box.y;
    expect(placeBeside(box, 60, 15, 2, blockedAbove)).toEqual({ x: 100, y: 122, w: 60, h: 15 });
    const onlyRight = (r: { x: number }) => r.x >= box.x + box.w;
    expect(placeBeside(box, 60, 15, 2, onlyRight)).toEqual({ x: 184, y: 102.5, w: 60, h: 15 });
    const onlyLeft = (r: { x: number; w: number }) => r.x + r.w <= box.x;
    expect(placeBeside(box, 60, 15, 2, onlyLeft)).toEqual({ x: 36, y: 102.5, w: 60, h: 15 });
    expect(placeBeside(box, 60, 15, 2, () => false)).toBeNull();
  });
});
