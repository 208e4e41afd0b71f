import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import type { VisionTier } from './catalog';
import { readImageHeader } from './imageHeader';
import { API_IMAGE_LIMITS, imageTokens, resizedSize } from './imageSizing';

export type ImageMediaType = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif';

/** A page image as it goes to the model, with what is needed to map its coordinates back. */
export interface PreparedImage {
  base64: string;
  mediaType: ImageMediaType;
  /** The size of the image sent: the model answers in these pixels. */
  sentWidth: number;
  sentHeight: number;
  /** The page's original size: predictions are stored in these pixels. */
  origWidth: number;
  origHeight: number;
  imageTokens: number;
  /** True when the file was sent byte for byte (it already fit the model's limits). */
  asIs: boolean;
}

const formats: Record<string, ImageMediaType> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp', gif: 'image/gif' };

/** base64 length of n bytes. */
const base64Length = (n: number): number => 4 * Math.ceil(n / 3);

/**
 * Read a page image and make it fit the tier: unchanged when it already fits (no re-encoding, so
 * no quality lost and no CPU spent), otherwise scaled to exactly the size the API would choose and
 * encoded as JPEG (quality 90, no chroma subsampling, so small print stays legible).
 */
export async function prepareImage(file: string, orig: { width: number; height: number }, tier: VisionTier): Promise<PreparedImage> {
  const target = resizedSize(orig.width, orig.height, tier);
  const bytes = await readFile(file);
  const fits = target.width === orig.width && target.height === orig.height;
  let sendAsIs = false;
  let mediaType: ImageMediaType | undefined;
  if (fits && base64Length(bytes.length) <= API_IMAGE_LIMITS.maxBase64Bytes) {
    // PNG and JPEG headers are read directly; other formats (and odd files) through sharp.
    const header = readImageHeader(bytes);
    const meta = header ?? (await sharp(bytes, { limitInputPixels: false }).metadata());
    mediaType = meta.format ? formats[meta.format] : undefined;
    const upright = meta.orientation === undefined || meta.orientation === 1;
    const pages = 'pages' in meta ? (meta.pages ?? 1) : 1;
    sendAsIs = mediaType !== undefined && upright && meta.width === orig.width && meta.height === orig.height && pages === 1;
  }
  if (sendAsIs && mediaType) {
    return {
      base64: bytes.toString('base64'),
      mediaType,
      sentWidth: orig.width,
      sentHeight: orig.height,
      origWidth: orig.width,
      origHeight: orig.height,
      imageTokens: imageTokens(orig.width, orig.height),
      asIs: true,
    };
  }
  for (const quality of [90, 75, 60]) {
    const out = await sharp(bytes, { limitInputPixels: false })
      .rotate()
      .resize(target.width, target.height, { fit: 'fill' })
      .flatten({ background: '#ffffff' })
      .jpeg({ quality, chromaSubsampling: '4:4:4' })
      .toBuffer();
    if (base64Length(out.length) <= API_IMAGE_LIMITS.maxBase64Bytes) {
      return {
        base64: out.toString('base64'),
        mediaType: 'image/jpeg',
        sentWidth: target.width,
        sentHeight: target.height,
        origWidth: orig.width,
        origHeight: orig.height,
        imageTokens: imageTokens(target.width, target.height),
        asIs: false,
      };
    }
  }
  throw new Error(`${file}: even at JPEG quality 60 the page is over the API's ${API_IMAGE_LIMITS.maxBase64Bytes / 2 ** 20} MB image limit`);
}
