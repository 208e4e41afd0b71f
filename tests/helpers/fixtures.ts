import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PDFDocument, PDFName, PDFHexString, PDFNumber, rgb, StandardFonts } from 'pdf-lib';
import sharp from 'sharp';

/** A plain page image with a little drawing on it, different for each `n`. */
export async function pagePng(n: number, width = 1200, height = 1600): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <rect width="100%" height="100%" fill="#ffffff"/>
    <rect x="${40 + n * 7}" y="60" width="${width / 3}" height="40" fill="#203040"/>
    <rect x="80" y="${200 + n * 11}" width="${width / 2}" height="20" fill="#506070"/>
  </svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

export async function multiPagePdf(pages: number, label = 'Page'): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (let i = 0; i < pages; i++) {
    const page = pdf.addPage([612, 792]);
    page.drawText(`${label} ${i + 1}`, { x: 72, y: 700, size: 28, font, color: rgb(0.1, 0.1, 0.2) });
    page.drawRectangle({ x: 72, y: 600, width: 300, height: 40, color: rgb(0.8, 0.2, 0.2) });
  }
  return pdf.save();
}

/**
 * A PDF with a standard security handler whose passwords are unknown: readers must ask for a
 * password, exactly as with a real protected file.
 */
export async function passwordProtectedPdf(): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.addPage([612, 792]).drawText('secret', { x: 72, y: 700, size: 20 });
  const bytes = (n: number, seed: number) => Array.from({ length: n }, (_, i) => ((i * 37 + seed) % 256).toString(16).padStart(2, '0')).join('');
  const encrypt = pdf.context.obj({
    Filter: PDFName.of('Standard'),
    V: PDFNumber.of(1),
    R: PDFNumber.of(2),
    Length: PDFNumber.of(40),
    O: PDFHexString.of(bytes(32, 11)),
    U: PDFHexString.of(bytes(32, 99)),
    P: PDFNumber.of(-44),
  });
  pdf.context.trailerInfo.Encrypt = pdf.context.register(encrypt);
  pdf.context.trailerInfo.ID = pdf.context.obj([PDFHexString.of(bytes(16, 5)), PDFHexString.of(bytes(16, 5))]);
  return pdf.save({ useObjectStreams: false });
}

/**
 * The folder of the foundation issue's import scenario: 5 images, a 3-page PDF, a duplicate and
 * a corrupt file — 8 pages once imported.
 */
export async function importScenarioFolder(dir: string): Promise<{ dir: string; images: string[]; pdf: string; duplicate: string; corrupt: string }> {
  mkdirSync(dir, { recursive: true });
  const images: string[] = [];
  for (let i = 1; i <= 5; i++) {
    const file = join(dir, `scan-${i}.png`);
    writeFileSync(file, await pagePng(i));
    images.push(file);
  }
  const pdf = join(dir, 'statement.pdf');
  writeFileSync(pdf, await multiPagePdf(3));
  const duplicate = join(dir, 'scan-1-copy.png');
  copyFileSync(images[0]!, duplicate);
  const corrupt = join(dir, 'broken.png');
  const good = await pagePng(9);
  writeFileSync(corrupt, good.subarray(0, Math.floor(good.length / 2)));
  return { dir, images, pdf, duplicate, corrupt };
}
