import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { Page } from '../../../shared/domain/model';
import type { MediaStore } from '../media/mediaStore';
import { readPageRegion, type GreyImage } from '../media/pageRegion';
import { findInk, includeFringe } from './ink';
import type { PageReading } from './store';
import { TesseractReader, type TesseractOptions } from './tesseract';
import { pageTextOf, tsvWords, type TsvWord } from './tsv';

/** Which reader made a page's words (stored with them, so a better one can tell what to redo). */
export const PAGE_ENGINE = 'tesseract.js 7, eng 4.0.0_best_int, automatic layout, boxes fitted to ink';

/** Pages larger than this many pixels are read scaled down (a 10,000 × 14,000 scan, say). */
export const MAX_PAGE_PIXELS = 16_000_000;

/** Pixels around a word's box searched for the rest of its ink (a clipped descender). */
const FIT_MARGIN = 4;
/** The main thread fits word boxes for at most this long before letting other work run. */
const FIT_SLICE_MS = 8;

/**
 * Reads every word on a page: the page's stored image as grey pixels (tiles for very large pages),
 * recognised by its own tesseract.js worker thread with automatic layout analysis (measured on
 * generated invoices, receipts and forms: it keeps table columns apart, where reading the page as
 * one block runs cells together, and finds more words than sparse-text mode). Tesseract's word boxes take in the ruled lines and shading of tables and form fields
 * next to the text, so each is fitted to the ink inside it. Its worker is not the one that reads
 * drawn boxes, so a box drawn while pages are being read is not queued behind a whole page.
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
    const { tsv } = await this.reader.recognise(png, 'page', { words: true });
    const words = await fitToInk(grey, tsvWords(tsv ?? ''));
    const text = pageTextOf(words, { scale: grey.width / page.width, width: page.width, height: page.height });
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

/**
 * Each word's box shrunk to the ink it holds, ruled lines and specks left out (a word with no ink
 * found keeps tesseract's box). Done in slices so the main thread is never blocked for long.
 */
async function fitToInk(image: GreyImage, words: TsvWord[]): Promise<TsvWord[]> {
  const out: TsvWord[] = [];
  let sliceStart = performance.now();
  for (const word of words) {
    const box = fittedBox(image, word);
    out.push({ ...word, ...box, text: withoutRuleMarks(word, box) });
    if (performance.now() - sliceStart > FIT_SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  return out;
}

/** Characters tesseract reads a ruled line as. */
const RULE_MARKS = /^[|[\]]+|[|[\]]+$/g;

/**
 * The word's text without the marks a ruled line at its edge was read as: only at an edge the
 * fitted box moved in from by more than a third of its height (so an ink `[` or `|` stays).
 */
function withoutRuleMarks(word: TsvWord, fitted: { x: number; y: number; w: number; h: number }): string {
  const reach = fitted.h / 3;
  const leftGone = fitted.x - word.x > reach;
  const rightGone = word.x + word.w - (fitted.x + fitted.w) > reach;
  if (!leftGone && !rightGone) return word.text;
  const text = word.text.replace(RULE_MARKS, (mark, at: number) => ((at === 0 ? leftGone : rightGone) ? '' : mark));
  return text || word.text;
}

function fittedBox(image: GreyImage, box: { x: number; y: number; w: number; h: number }): { x: number; y: number; w: number; h: number } {
  const x0 = Math.max(0, box.x - FIT_MARGIN);
  const y0 = Math.max(0, box.y - FIT_MARGIN);
  const x1 = Math.min(image.width, box.x + box.w + FIT_MARGIN);
  const y1 = Math.min(image.height, box.y + box.h + FIT_MARGIN);
  if (x1 <= x0 || y1 <= y0) return box;
  const width = x1 - x0;
  const data = new Uint8Array(width * (y1 - y0));
  for (let y = y0; y < y1; y++) data.set(image.data.subarray(y * image.width + x0, y * image.width + x1), (y - y0) * width);
  const cut = { data, width, height: y1 - y0 };
  const ink = findInk(cut, { x: box.x - x0, y: box.y - y0, w: box.w, h: box.h });
  if (!ink) return box;
  const fitted = includeFringe(cut, ink.box, ink.threshold);
  return { x: x0 + fitted.x, y: y0 + fitted.y, w: fitted.w, h: fitted.h };
}
