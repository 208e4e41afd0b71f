import { join } from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { AppError } from '../../../shared/contract/errors';
import { checkPageSize, importLimits } from '../media/limits';
import type { PdfRenderers } from './pdf';
import { sharpInputOptions, writePagePyramid, type PreparedPage } from '../media/pyramid';
import type { SniffedType } from '../media/sniff';
import { verifyPixelData } from './verify';

/** Why sharp could not read a file, in words a user can act on. */
export function describeImageError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/pixel limit/i.test(message)) {
    return new AppError('too_large', `the image is larger than ${(importLimits.maxPagePixels / 1e6).toFixed(0)} megapixels`, { cause: err });
  }
  if (/unsupported image format/i.test(message)) {
    return new AppError('unsupported_file', 'the file is not an image Folio can read', { cause: err });
  }
  return new AppError('corrupt_file', `the file is damaged or truncated (${message.split('\n')[0]?.trim()})`, { cause: err });
}

/**
 * Turn one file into page folders under `stagingDir` (`p1/`, `p2/`, …). Images keep their
 * original bytes as level 0 when a browser can show them as they are.
 */
export async function rasterizeFile(opts: {
  path: string;
  type: SniffedType;
  stagingDir: string;
  mediaPrefix: string;
  signal: AbortSignal;
  /** PDFs render on these worker threads, never on the caller's. */
  pdf: PdfRenderers;
}): Promise<PreparedPage[]> {
  const { path, type, stagingDir, mediaPrefix, signal } = opts;
  const pageTarget = (n: number) => ({ pageDir: join(stagingDir, `p${n}`), mediaPrefix: `${mediaPrefix}/p${n}` });

  if (type === 'pdf') {
    const pages: PreparedPage[] = [];
    await opts.pdf.render(path, signal, async (pageNumber, png, width, height) => {
      pages.push(await writePagePyramid({ pageNumber, width, height, level0: { kind: 'png-bytes', bytes: png }, ...pageTarget(pageNumber) }));
    });
    return pages;
  }

  let meta: Metadata;
  try {
    meta = await sharp(path, sharpInputOptions).metadata();
  } catch (err) {
    throw describeImageError(err);
  }
  const pageCount = type === 'tiff' ? (meta.pages ?? 1) : 1;
  if (pageCount > importLimits.maxPages) {
    throw new AppError('too_large', `the TIFF has ${pageCount} pages, over Folio's limit of ${importLimits.maxPages}`);
  }

  const pages: PreparedPage[] = [];
  for (let index = 0; index < pageCount; index++) {
    signal.throwIfAborted();
    const pageNumber = index + 1;
    const where = pageCount > 1 ? `page ${pageNumber}` : 'the image';
    try {
      const pageMeta = pageCount > 1 ? await sharp(path, { ...sharpInputOptions, page: index }).metadata() : meta;
      const rawWidth = pageMeta.width ?? 0;
      const rawHeight = pageMeta.pageHeight ?? pageMeta.height ?? 0;
      if (rawWidth <= 0 || rawHeight <= 0) throw new AppError('corrupt_file', `${where} has no pixels`);
      // EXIF orientations 5–8 turn the picture a quarter: what a viewer shows has the sides swapped.
      const oriented = (pageMeta.orientation ?? 1) > 1;
      const swap = (pageMeta.orientation ?? 1) >= 5;
      const width = swap ? rawHeight : rawWidth;
      const height = swap ? rawWidth : rawHeight;
      checkPageSize(width, height, where);
      await verifyPixelData({ path, type, page: index, width: rawWidth, height: rawHeight, where });
      signal.throwIfAborted();
      const canCopy = !oriented && (type === 'png' || type === 'jpeg' || type === 'webp');
      const level0 = canCopy
        ? ({ kind: 'copy', path, ext: type === 'jpeg' ? 'jpg' : type } as const)
        : ({ kind: 'encode', input: () => sharp(path, { ...sharpInputOptions, page: index }).rotate() } as const);
      pages.push(await writePagePyramid({ pageNumber, width, height, level0, ...pageTarget(pageNumber) }));
    } catch (err) {
      const described = describeImageError(err);
      if (pageCount > 1 && !(err instanceof AppError)) {
        throw new AppError(described.code, `page ${pageNumber}: ${described.message}`, { cause: err });
      }
      throw described;
    }
  }
  return pages;
}
