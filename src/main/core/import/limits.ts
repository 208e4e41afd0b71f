import { AppError } from '../../../shared/contract/errors';

/** Documented limits of what Folio imports (README "Import"). */
export const importLimits = {
  /** Longest side of a page image, in pixels. */
  maxPageSide: 30_000,
  /** Pixels of one page image (width × height). */
  maxPagePixels: 300_000_000,
  /** Pages of one PDF or TIFF. */
  maxPages: 2_000,
  /** PDF pages are rendered at this resolution... */
  pdfDpi: 200,
  /** ...unless that would make a side longer than this, then lower. */
  pdfMaxRenderSide: 8_000,
  /** Pyramid levels halve the page until its long side fits this. */
  pyramidTopSide: 2_048,
  thumbnailSide: 320,
  /** Pages longer than this also get a deep-zoom tile pyramid, so zooming in decodes tiles, not the page. */
  tileThresholdSide: 4_096,
  tileSize: 512,
} as const;

export function checkPageSize(width: number, height: number, where: string): void {
  if (Math.max(width, height) > importLimits.maxPageSide || width * height > importLimits.maxPagePixels) {
    throw new AppError(
      'too_large',
      `${where} is ${width} × ${height} px, over Folio's limit of ${importLimits.maxPageSide.toLocaleString('en-US')} px per side ` +
        `and ${(importLimits.maxPagePixels / 1e6).toFixed(0)} megapixels per page`,
    );
  }
}
