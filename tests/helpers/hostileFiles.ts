import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';

/**
 * Files whose headers declare far more pixels than their data holds, built the way an attacker
 * would: a real small file with its size fields rewritten, or a header with almost nothing after it.
 */

/** A 16 × 16 JPEG whose frame header says `width × height`: a few hundred bytes in all. */
export async function jpegDeclaring(width: number, height: number): Promise<Buffer> {
  const bytes = Buffer.from(await sharp({ create: { width: 16, height: 16, channels: 3, background: '#fff' } }).jpeg({ quality: 50 }).toBuffer());
  for (let i = 2; i + 4 < bytes.length; ) {
    const marker = bytes[i + 1]!;
    if (marker >= 0xc0 && marker <= 0xc2) {
      bytes.writeUInt16BE(height, i + 5);
      bytes.writeUInt16BE(width, i + 7);
      return bytes;
    }
    i += 2 + bytes.readUInt16BE(i + 2);
  }
  throw new Error('no frame header in the JPEG sharp wrote');
}

const pngChunk = (type: string, data: Buffer) => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
};

/** A well-formed PNG (valid CRCs) of `width × height` 8-bit grey whose pixel data holds one row. */
export function pngDeclaring(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  const oneRow = Buffer.alloc(1 + width, 0xff);
  oneRow[0] = 0;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', header), pngChunk('IDAT', deflateSync(oneRow)), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A 16 × 16 lossy WebP whose VP8 frame header says `width × height` (at most 16,383 each). */
export async function webpDeclaring(width: number, height: number): Promise<Buffer> {
  const bytes = Buffer.from(await sharp({ create: { width: 16, height: 16, channels: 3, background: '#888' } }).webp({ quality: 50 }).toBuffer());
  const start = bytes.indexOf(Buffer.from([0x9d, 0x01, 0x2a]));
  if (start < 0) throw new Error('no VP8 frame header in the WebP sharp wrote');
  bytes.writeUInt16LE(width, start + 3);
  bytes.writeUInt16LE(height, start + 5);
  return bytes;
}

/** An uncompressed 8-bit grey TIFF of `width × height` in one strip that holds 100 bytes. */
export function tiffDeclaring(width: number, height: number): Buffer {
  // [tag, type (3 short, 4 long), value]
  const entries: [number, number, number][] = [
    [256, 4, width],
    [257, 4, height],
    [258, 3, 8],
    [259, 3, 1],
    [262, 3, 1],
    [273, 4, 200],
    [277, 3, 1],
    [278, 4, height],
    [279, 4, 100],
  ];
  const bytes = Buffer.alloc(300);
  bytes.write('II', 0, 'latin1');
  bytes.writeUInt16LE(42, 2);
  bytes.writeUInt32LE(8, 4);
  bytes.writeUInt16LE(entries.length, 8);
  entries.forEach(([tag, type, value], k) => {
    const at = 10 + k * 12;
    bytes.writeUInt16LE(tag, at);
    bytes.writeUInt16LE(type, at + 2);
    bytes.writeUInt32LE(1, at + 4);
    if (type === 3) bytes.writeUInt16LE(value, at + 8);
    else bytes.writeUInt32LE(value, at + 8);
  });
  bytes.fill(0xff, 200);
  return bytes;
}

/**
 * A PDF of `pages` blank pages `side` points square, written by hand: a few hundred bytes that
 * pdf.js renders at Folio's largest render size, seconds of work per page.
 */
export function hugePagesPdf(pages: number, side: number): Buffer {
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    `<< /Type /Pages /Kids [${Array.from({ length: pages }, (_, i) => `${3 + i} 0 R`).join(' ')}] /Count ${pages} >>`,
    ...Array.from({ length: pages }, () => `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${side} ${side}] >>`),
  ];
  let text = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(text.length);
    text += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = text.length;
  text += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  text += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(text, 'latin1');
}
