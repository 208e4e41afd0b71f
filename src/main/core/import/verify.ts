import sharp from 'sharp';
import { AppError } from '../../../shared/contract/errors';
import { sharpInputOptions } from '../media/pyramid';
import type { SniffedType } from '../media/sniff';

// libjpeg only warns when the compressed data ends before the last block (and paints the rest
// grey); every other JPEG warning (extraneous bytes, a bad Huffman code it resyncs past) is
// something real cameras and scanners produce, and the picture is still there.
const JPEG_DATA_ENDS = /premature end|ran out/i;

/**
 * Decode every pixel of one image page once, before anything is built from it, and refuse a file
 * whose data cannot fill the size its header declares. A header costs a few bytes and can declare
 * 300 megapixels; building a pyramid and thousands of tiles from the decoder's grey fill takes
 * many seconds. Byte-per-pixel ratios cannot tell: a blank page in WebP lossless or CCITT G4 is a
 * few hundred bytes for millions of pixels, so only decoding tells a short file from a plain one.
 * The decode reads into a picture an eighth of the size (JPEG and WebP shrink while decoding), so
 * it costs the entropy decoding, not a full-size buffer.
 */
export async function verifyPixelData(opts: { path: string; type: SniffedType; page: number; width: number; height: number; where: string }): Promise<void> {
  const { path, type, page, width, height, where } = opts;
  const decode = (failOn: 'error' | 'warning') =>
    sharp(path, { ...sharpInputOptions, failOn, page })
      .resize(Math.max(1, Math.ceil(width / 8)), Math.max(1, Math.ceil(height / 8)), { fit: 'fill', kernel: 'nearest' })
      .raw()
      .toBuffer();
  try {
    if (type !== 'jpeg') {
      await decode('error');
      return;
    }
    try {
      await decode('warning');
    } catch (err) {
      if (JPEG_DATA_ENDS.test(err instanceof Error ? err.message : String(err))) throw err;
      await decode('error');
    }
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError(
      'corrupt_file',
      `the file is damaged or truncated: ${where} declares ${width.toLocaleString('en-US')} × ${height.toLocaleString('en-US')} px, ` +
        `but its data ends or breaks off before those pixels are filled (${messageOf(err)})`,
      { cause: err },
    );
  }
}

/** The decoder's first line, without the "VipsJpeg:"-style prefixes libvips adds. */
function messageOf(err: unknown): string {
  const first = (err instanceof Error ? err.message : String(err)).split('\n')[0]?.trim() ?? '';
  return first.replace(/^(?:[\w ]+:\s*)?Vips\w+:\s*/i, '').replace(/^\w+2vips:\s*/i, '');
}
