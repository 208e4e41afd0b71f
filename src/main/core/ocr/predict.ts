import type { OcrLine, OcrWord, PageWords } from '../../../shared/domain/ocr';
import { boxPrediction, type NewPrediction } from '../db/repos/predictions';

/** The model name Local OCR's predictions carry (the predictions panel and exports show it). */
export const LOCAL_OCR_MODEL = 'local-ocr';

export type Granularity = 'line' | 'word';

/**
 * Text shapes a label can be given by rule, and the label names each applies to. A line gets a
 * label only when its whole text has the shape and exactly one of the project's labels has a
 * matching name: a rule never guesses between two labels.
 */
const RULES: { shape: RegExp; label: RegExp }[] = [
  { shape: /^[\w.+-]+@[\w-]+(\.[\w-]+)+$/, label: /e-?mail/i },
  { shape: /^(\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2} [A-Za-z]{3,9}\.? \d{2,4}|[A-Za-z]{3,9}\.? \d{1,2},? \d{4})$/, label: /date/i },
  { shape: /^[$€£¥]?\s?-?\d{1,3}([,. ]\d{3})*[.,]\d{2}\s?[$€£¥]?$/, label: /amount|total|price/i },
  { shape: /^\+?[\d ()./-]{7,}\d$/, label: /phone|tel\b|fax/i },
];

/** The label a rule gives a text, among the project's label names (null: unlabelled). */
export function ruleLabel(text: string, labels: readonly string[]): string | null {
  const t = text.trim();
  for (const rule of RULES) {
    if (!rule.shape.test(t)) continue;
    const named = labels.filter((l) => rule.label.test(l));
    if (named.length === 1) return named[0]!;
  }
  return null;
}

/**
 * A page's words as pending box predictions: one per line (or per word), with its text and the
 * reader's confidence; labelled by rule where one applies. Ids are stable for the project, the
 * page and its image, so predicting the same page again gives the same predictions (and the same
 * page in another project gets its own: prediction ids are unique across projects).
 */
export function localOcrPredictions(doc: { projectId: string; documentId: string; pageId: string }, words: PageWords, labels: readonly string[], granularity: Granularity): NewPrediction[] {
  const items: (OcrLine | OcrWord)[] = granularity === 'line' ? words.lines : words.words;
  return items
    .filter((item) => /[\p{L}\p{N}]/u.test(item.text))
    .map((item, i) =>
      boxPrediction({
        id: `${LOCAL_OCR_MODEL}-${doc.projectId}-${doc.pageId}-${words.imageSha256.slice(0, 12)}-${granularity[0]}${i}`,
        documentId: doc.documentId,
        pageId: doc.pageId,
        model: LOCAL_OCR_MODEL,
        confidence: Math.round(item.confidence * 1000) / 1000,
        label: ruleLabel(item.text, labels),
        x: item.x,
        y: item.y,
        w: item.w,
        h: item.h,
        transcription: item.text,
      }),
    );
}
