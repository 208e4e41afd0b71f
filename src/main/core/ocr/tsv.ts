import type { OcrLine, OcrWord } from '../../../shared/domain/ocr';

/** What a page reads as: words in reading order, grouped into lines. */
export interface PageText {
  words: OcrWord[];
  lines: OcrLine[];
}

/** Where a box read at `scale` lands on the page (page pixels, whole, inside the page). */
export interface ToPage {
  scale: number;
  width: number;
  height: number;
}

/** A word as tesseract saw it: its box in the image's pixels, and which line of the TSV it is on. */
export interface TsvWord {
  text: string;
  x: number;
  y: number;
  w: number;
  h: number;
  /** Tesseract's confidence, 0–100. */
  conf: number;
  /** Page, block, paragraph and line numbers: words sharing it are one line. */
  lineKey: string;
}

/**
 * Tesseract's TSV output (level, page, block, paragraph, line, word, left, top, width, height,
 * confidence, text) as words and lines. Words with no text are dropped (tesseract reports noise
 * as empty words); a line's box is the union of its words', not tesseract's, which includes them.
 * Boxes are scaled back from the image tesseract saw to the page.
 */
export function parseTsv(tsv: string, to: ToPage): PageText {
  return pageTextOf(tsvWords(tsv), to);
}

/** The TSV's words with text, in its order, boxes in the image's pixels. */
export function tsvWords(tsv: string): TsvWord[] {
  const words: TsvWord[] = [];
  for (const row of tsv.split('\n')) {
    const cols = row.split('\t');
    if (cols.length < 12 || cols[0] !== '5') continue;
    const text = cols.slice(11).join('\t').trim();
    const [x, y, w, h, conf] = cols.slice(6, 11).map(Number) as [number, number, number, number, number];
    if (!text || !(w > 0) || !(h > 0)) continue;
    words.push({ text, x, y, w, h, conf, lineKey: cols.slice(1, 5).join('.') });
  }
  return words;
}

/** Words (image pixels) as the page's words and lines (page pixels). */
export function pageTextOf(tsv: readonly TsvWord[], to: ToPage): PageText {
  const words: OcrWord[] = [];
  const lines: OcrLine[] = [];
  let lineKey = '';
  let lineStart = 0;
  const closeLine = () => {
    if (words.length > lineStart) lines.push(lineOf(words, lineStart, words.length - 1));
    lineStart = words.length;
  };
  for (const word of tsv) {
    if (word.lineKey !== lineKey) {
      closeLine();
      lineKey = word.lineKey;
    }
    const box = scaleBox(word.x, word.y, word.w, word.h, to);
    words.push({ ...box, text: word.text, confidence: Math.max(0, Math.min(1, word.conf / 100)), line: lines.length });
  }
  closeLine();
  return { words, lines };
}

function lineOf(words: OcrWord[], first: number, last: number): OcrLine {
  const span = words.slice(first, last + 1);
  const x0 = Math.min(...span.map((w) => w.x));
  const y0 = Math.min(...span.map((w) => w.y));
  const x1 = Math.max(...span.map((w) => w.x + w.w));
  const y1 = Math.max(...span.map((w) => w.y + w.h));
  const confidence = span.reduce((s, w) => s + w.confidence, 0) / span.length;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0, text: span.map((w) => w.text).join(' '), confidence, words: [first, last] };
}

function scaleBox(left: number, top: number, width: number, height: number, to: ToPage): { x: number; y: number; w: number; h: number } {
  const x0 = Math.max(0, Math.floor(left / to.scale));
  const y0 = Math.max(0, Math.floor(top / to.scale));
  const x1 = Math.min(to.width, Math.ceil((left + width) / to.scale));
  const y1 = Math.min(to.height, Math.ceil((top + height) / to.scale));
  return { x: x0, y: y0, w: Math.max(1, x1 - x0), h: Math.max(1, y1 - y0) };
}

/** The page's text for search: its lines, one per row. */
export const searchText = (page: PageText): string => page.lines.map((l) => l.text).join('\n');
