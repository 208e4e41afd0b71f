/**
 * Width, height and orientation from the first bytes of a PNG or JPEG, without decoding: enough
 * to decide that a page can go to the model byte for byte. Anything unusual (other formats, EXIF
 * in a PNG, a malformed header) returns null and the caller asks sharp instead.
 */
export interface ImageHeader {
  format: 'png' | 'jpeg';
  width: number;
  height: number;
  /** EXIF orientation (1 = upright). */
  orientation: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function readImageHeader(b: Buffer): ImageHeader | null {
  if (b.length > 24 && b.subarray(0, 8).equals(PNG_SIGNATURE) && b.toString('latin1', 12, 16) === 'IHDR') {
    // An eXIf chunk could rotate the page: leave those to sharp.
    if (b.includes('eXIf', 16, 'latin1')) return null;
    return { format: 'png', width: b.readUInt32BE(16), height: b.readUInt32BE(20), orientation: 1 };
  }
  if (b.length > 4 && b[0] === 0xff && b[1] === 0xd8) return jpegHeader(b);
  return null;
}

function jpegHeader(b: Buffer): ImageHeader | null {
  let orientation = 1;
  let i = 2;
  while (i + 4 <= b.length) {
    if (b[i] !== 0xff) return null;
    const marker = b[i + 1]!;
    if (marker === 0xff) {
      i++;
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    const length = b.readUInt16BE(i + 2);
    if (length < 2 || i + 2 + length > b.length) return null;
    const body = i + 4;
    if (marker === 0xe1 && b.toString('latin1', body, body + 6) === 'Exif\0\0') {
      const o = exifOrientation(b, body + 6, i + 2 + length);
      if (o === null) return null;
      orientation = o;
    }
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) return { format: 'jpeg', height: b.readUInt16BE(body + 1), width: b.readUInt16BE(body + 3), orientation };
    if (marker === 0xda) return null; // scan data before any frame header
    i += 2 + length;
  }
  return null;
}

function exifOrientation(b: Buffer, tiff: number, end: number): number | null {
  if (tiff + 8 > end) return null;
  const order = b.toString('latin1', tiff, tiff + 2);
  if (order !== 'II' && order !== 'MM') return null;
  const le = order === 'II';
  const u16 = (at: number) => (le ? b.readUInt16LE(at) : b.readUInt16BE(at));
  const u32 = (at: number) => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));
  const ifd = tiff + u32(tiff + 4);
  if (ifd + 2 > end) return null;
  const count = u16(ifd);
  for (let k = 0; k < count; k++) {
    const entry = ifd + 2 + k * 12;
    if (entry + 12 > end) return null;
    if (u16(entry) === 0x0112) return u16(entry + 8);
  }
  return 1;
}
