import { AppError } from '../../../shared/contract/errors';
import { formatBytes } from '../../../shared/format';

/** Documented limits of what Folio imports (README "Import"). */
export const importLimits = {
  /** Bytes of one file (an image, PDF or TIFF); also what one upload from a browser may carry. */
  maxFileBytes: 2 * 1024 ** 3,
  /** Files in one import from a browser (as many as `import.start` takes paths). */
  maxUploadFiles: 10_000,
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
  /** JavaScript memory of the thread rendering one PDF, in MB: a PDF needing more is refused, the app lives on. */
  pdfWorkerHeapMb: 1_024,
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

/** Why a file of this size is not imported, or null when it is within the limit. */
export function fileSizeProblem(bytes: number, maxBytes: number = importLimits.maxFileBytes): string | null {
  if (bytes <= maxBytes) return null;
  const [size, limit] = [formatBytes(bytes), formatBytes(maxBytes)];
  // Just over the limit both round alike ("2.0 GB, over … 2.0 GB"): then the exact bytes say it.
  return size === limit
    ? `the file is ${bytes.toLocaleString('en-US')} bytes, over Folio's limit of ${maxBytes.toLocaleString('en-US')} bytes per file`
    : `the file is ${size}, over Folio's limit of ${limit} per file`;
}
