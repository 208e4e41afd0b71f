import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { Page } from '../../../shared/domain/model';
import type { MediaStore } from '../media/mediaStore';
import { readPageRegion } from '../media/pageRegion';
import type { PageReading } from './store';
import { TesseractReader, type TesseractOptions } from './tesseract';
import { parseTsv } from './tsv';

/** Which reader made a page's words (stored with them, so a better one can tell what to redo). */
export const PAGE_ENGINE = 'tesseract.js 7, eng 4.0.0_best_int, sparse text';

/** Pages larger than this many pixels are read scaled down (a 10,000 × 14,000 scan, say). */
export const MAX_PAGE_PIXELS = 16_000_000;

/**
 * Reads every word on a page: the page's stored image as grey pixels (tiles for very large pages),
 * recognised by its own tesseract.js worker thread in sparse-text mode (forms and receipts are
 * text scattered over the page, not paragraphs). Its worker is not the one that reads drawn boxes,
 * so a box drawn while pages are being read is not queued behind a whole page.
 */
export class PageReader {
  private readonly reader: TesseractReader;

  constructor(
    private readonly media: MediaStore,
    tesseract?: TesseractOptions,
  ) {
    this.reader = new TesseractReader({ timeoutMs: 180_000, ...tesseract });
  }

  get running(): boolean {
    return this.reader.running;
  }

  async read(page: Page): Promise<PageReading> {
    const started = performance.now();
    const scale = Math.min(1, Math.sqrt(MAX_PAGE_PIXELS / (page.width * page.height)));
    const grey = await readPageRegion(this.media, page, { x: 0, y: 0, w: page.width, h: page.height }, scale);
    const imageSha256 = createHash('sha256').update(grey.data).digest('hex');
    const png = await sharp(grey.data, { raw: { width: grey.width, height: grey.height, channels: 1 } })
      .png({ compressionLevel: 1 })
      .toBuffer();
    const { tsv } = await this.reader.recognise(png, 'sparse', { words: true });
    const text = parseTsv(tsv ?? '', { scale: grey.width / page.width, width: page.width, height: page.height });
    return { ...text, imageSha256, engine: PAGE_ENGINE, ms: performance.now() - started };
  }

  /** Frees the worker's memory (about 160 MB) between runs. */
  release(): Promise<void> {
    return this.reader.release();
  }

  close(): Promise<void> {
    return this.reader.close();
  }
}
