import { create } from 'zustand';
import type { OcrJob, OcrWord, PageWords } from '../../../shared/domain/ocr';
import { api } from '../lib/api';
import { isOcrJobActive, useOcr } from '../ocr/ocrStore';
import { toastError, useToasts } from '../stores/toasts';
import type { Rect } from './geometry';
import { useAnnotationUi } from './uiStore';
import { annotationStore } from './useAnnotation';

/**
 * The words the core's OCR read on each page (`ocr.pageWords`), fetched once per page and kept
 * for the open document: the words layer draws them, a drawn box takes its text from them, and
 * Alt+click turns them into boxes or answers. A page not read yet is asked again when the person
 * asks for its words (the layer turned on, reading started), never cached as "no words" for good.
 */

export type PageWordsEntry = { state: 'loading' } | { state: 'loaded'; words: PageWords } | { state: 'none' } | { state: 'failed' };

interface PageWordsState {
  documentId: string | null;
  byPage: Readonly<Record<string, PageWordsEntry>>;
  /** The project's pages are being read because the person asked (Read pages). */
  readingPages: boolean;
}

export const usePageWords = create<PageWordsState>(() => ({ documentId: null, byPage: {}, readingPages: false }));

const inFlight = new Map<string, Promise<PageWordsEntry>>();

function forCurrentDocument(): string {
  const { documentId } = annotationStore.getState();
  if (usePageWords.getState().documentId !== documentId) {
    inFlight.clear();
    usePageWords.setState({ documentId, byPage: {} });
  }
  return documentId;
}

/** The page's words as known now (undefined: never asked). */
export function pageWordsEntry(pageId: string): PageWordsEntry | undefined {
  forCurrentDocument();
  return usePageWords.getState().byPage[pageId];
}

/** The page's words when they are loaded and there are any. */
export function knownWords(pageId: string): readonly OcrWord[] | null {
  const entry = pageWordsEntry(pageId);
  return entry?.state === 'loaded' && entry.words.words.length > 0 ? entry.words.words : null;
}

/** Fetch the page's words unless they are loaded (or `again`: also when the page had none). */
export function loadPageWords(pageId: string, again = false): Promise<PageWordsEntry> {
  const documentId = forCurrentDocument();
  const known = usePageWords.getState().byPage[pageId];
  if (known?.state === 'loaded' || (known && known.state !== 'loading' && !again)) return Promise.resolve(known);
  const pending = inFlight.get(pageId);
  if (pending) return pending;
  const { projectId } = annotationStore.getState();
  const set = (entry: PageWordsEntry) => {
    if (usePageWords.getState().documentId === documentId) usePageWords.setState((s) => ({ byPage: { ...s.byPage, [pageId]: entry } }));
    return entry;
  };
  if (!known) set({ state: 'loading' });
  const fetchWords = api()['ocr.pageWords'];
  const promise = fetchWords({ projectId, documentId, pageId })
    .then(
      (words): PageWordsEntry => set(words && words.words.length > 0 ? { state: 'loaded', words } : { state: 'none' }),
      (): PageWordsEntry => set({ state: 'failed' }),
    )
    .finally(() => inFlight.delete(pageId));
  inFlight.set(pageId, promise);
  return promise;
}

const NO_WORDS_YET = 'No words read on this page yet';

/** The words layer on or off; turned on over a page without words, it says so. */
export function toggleWordsLayer(pageId: string): void {
  const ui = useAnnotationUi.getState();
  if (ui.showWords) return ui.set({ showWords: false });
  ui.set({ showWords: true });
  void loadPageWords(pageId, true).then((entry) => {
    if (entry.state === 'none' && !usePageWords.getState().readingPages)
      useToasts.getState().push({ kind: 'info', title: NO_WORDS_YET, message: 'Read pages, beside the Words button, reads them on this computer.' });
    else if (entry.state === 'failed') useToasts.getState().push({ kind: 'error', title: 'The page’s words could not be loaded' });
  });
}

/**
 * Read the project's unread pages now (`ocr.start`); the page's words appear when it is read. The
 * run's progress events (kept by the OCR store) say when a page is done: the page's words are asked
 * for then, until they come or the run ends.
 */
export async function readProjectPages(pageId: string): Promise<void> {
  if (usePageWords.getState().readingPages) return;
  const { projectId, documentId } = annotationStore.getState();
  usePageWords.setState({ readingPages: true });
  try {
    await useOcr.getState().control('start', projectId);
    useToasts.getState().push({ kind: 'info', title: 'Reading the pages', message: 'The words appear on each page as it is read.' });
    await new Promise<void>((resolve) => {
      let lastDone = -1;
      let settled = false;
      const settle = () => {
        if (settled) return;
        settled = true;
        unsubscribe();
        resolve();
      };
      const check = (job: OcrJob | null | undefined) => {
        if (annotationStore.getState().documentId !== documentId) return settle();
        // Until the project's status arrives there is nothing to go by.
        if (!job || (isOcrJobActive(job) && job.pagesDone === lastDone)) return;
        lastDone = job.pagesDone;
        void loadPageWords(pageId, true).then((entry) => {
          if (entry.state === 'loaded' || !isOcrJobActive(job)) settle();
        }, settle);
      };
      const unsubscribe = useOcr.subscribe((s) => check(s.byProject[projectId]?.job));
      check(useOcr.getState().byProject[projectId]?.job);
    });
  } catch (err) {
    toastError('Folio could not read the pages', err);
  } finally {
    usePageWords.setState({ readingPages: false });
  }
}

const area = (r: Rect) => Math.max(0, r.w) * Math.max(0, r.h);

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Share of a word's box that lies inside a region where the word counts as the region's. */
export const WORD_INSIDE_SHARE = 0.5;

/** Words whose boxes lie mostly (by area) inside the region. */
export function wordsInside(words: readonly OcrWord[], region: Rect): OcrWord[] {
  return words.filter((w) => overlap(w, region) >= WORD_INSIDE_SHARE * area(w));
}

/** Words the region touches at all. */
export function wordsTouching(words: readonly OcrWord[], region: Rect): OcrWord[] {
  return words.filter((w) => w.x <= region.x + region.w && region.x <= w.x + w.w && w.y <= region.y + region.h && region.y <= w.y + w.h);
}

/** The smallest word under a point (within `tolerance` image pixels). */
export function wordAt(words: readonly OcrWord[], p: { x: number; y: number }, tolerance = 0): OcrWord | null {
  let best: OcrWord | null = null;
  for (const w of words) {
    if (p.x >= w.x - tolerance && p.x <= w.x + w.w + tolerance && p.y >= w.y - tolerance && p.y <= w.y + w.h + tolerance) {
      if (!best || area(w) < area(best)) best = w;
    }
  }
  return best;
}

/** Words in reading order (line, then left to right), joined with single spaces. */
export function readingText(words: readonly OcrWord[]): string {
  return [...words]
    .sort((a, b) => a.line - b.line || a.x - b.x)
    .map((w) => w.text)
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The rectangle around all the words (null for none). */
export function wordsBounds(words: readonly OcrWord[]): Rect | null {
  if (!words.length) return null;
  const x = Math.min(...words.map((w) => w.x));
  const y = Math.min(...words.map((w) => w.y));
  return { x, y, w: Math.max(...words.map((w) => w.x + w.w)) - x, h: Math.max(...words.map((w) => w.y + w.h)) - y };
}

/** The words' mean confidence (0 for none). */
export function meanConfidence(words: readonly OcrWord[]): number {
  return words.length ? words.reduce((sum, w) => sum + w.confidence, 0) / words.length : 0;
}
