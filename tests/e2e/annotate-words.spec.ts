import type { Page } from '@playwright/test';
import type { SynthBox } from '../../src/main/core/synth';
import type { OcrWord } from '../../src/shared/domain/ocr';
import { expect, test, type FolioHost } from './fixtures';
import { chipBoxIds, createDocument, openDocument, qaCard, QUESTIONS, saved, toScreen, waitSaved } from './panelsSetup';
import { callHost } from './rpc';

/**
 * The words the page's OCR read, on the canvas: the words layer, a drawn box filled from them at
 * once (marked prefilled until confirmed), S snapping a box to the ink, Alt+click and Alt+drag
 * making boxes from words, and Alt+click taking a word into the answer being typed. The hosts run
 * without background OCR, so each test reads its page with `ocr.start` first.
 */

const OCR_TIMEOUT = 90_000;
const rows = (page: Page) => page.getByTestId('region-row');
const canvas = (page: Page) => page.getByTestId('page-canvas');

const field = (truth: { boxes: SynthBox[] }, label: string) => {
  const b = truth.boxes.find((x) => x.label === label && x.text);
  if (!b) throw new Error(`the generated invoice has no ${label} field`);
  return b;
};

async function readPages(host: FolioHost, doc: { projectId: string; documentId: string; pageId: string }): Promise<OcrWord[]> {
  await callHost(host, 'ocr.start', { projectId: doc.projectId });
  await expect
    .poll(
      async () => {
        const s = await callHost(host, 'ocr.status', { projectId: doc.projectId });
        return s.pagesTotal > 0 && s.pagesRead === s.pagesTotal;
      },
      { timeout: OCR_TIMEOUT, intervals: [500] },
    )
    .toBe(true);
  const words = await callHost(host, 'ocr.pageWords', { projectId: doc.projectId, documentId: doc.documentId, pageId: doc.pageId });
  expect(words?.words.length).toBeGreaterThan(0);
  return words!.words;
}

const centre = (w: { x: number; y: number; w: number; h: number }) => ({ x: w.x + w.w / 2, y: w.y + w.h / 2 });

async function drag(page: Page, a: { x: number; y: number }, b: { x: number; y: number }) {
  const from = await toScreen(page, a.x, a.y);
  const to = await toScreen(page, b.x, b.y);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 5 });
  await page.mouse.up();
}

async function altClick(page: Page, p: { x: number; y: number }) {
  const at = await toScreen(page, p.x, p.y);
  await page.keyboard.down('Alt');
  await page.mouse.click(at.x, at.y);
  await page.keyboard.up('Alt');
}

/** Two words next to each other on one line, neither inside `avoid`. */
function neighbours(words: OcrWord[], avoid: SynthBox[]): [OcrWord, OcrWord] {
  const clear = (w: OcrWord) => avoid.every((b) => w.x + w.w < b.x - 4 || w.x > b.x + b.width + 4 || w.y + w.h < b.y - 4 || w.y > b.y + b.height + 4);
  for (let i = 0; i + 1 < words.length; i++) {
    const a = words[i]!;
    const b = words[i + 1]!;
    if (a.line === b.line && clear(a) && clear(b) && a.confidence > 0.6 && b.confidence > 0.6 && /^[\w.,:$-]+$/.test(a.text + b.text)) return [a, b];
  }
  throw new Error('no two neighbouring words on the page');
}

test('the words layer shows the read words; a drawn box takes their text at once, prefilled until confirmed; S snaps a loose box', async ({ page, host }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const doc = await createDocument(page, host, 'Words');
  // Drawn boxes keep their size, so S has something to do.
  await callHost(host, 'settings.update', { ui: { snapDrawnBoxes: false } });
  const words = await readPages(host, doc);
  await openDocument(page, host, doc);
  await expect(canvas(page)).toHaveAttribute('data-words', 'loaded');
  await expect(canvas(page)).toHaveAttribute('data-words-count', String(words.length));
  await expect(canvas(page)).toHaveAttribute('data-words-layer', 'off');
  await page.keyboard.press('Shift+O');
  await expect(canvas(page)).toHaveAttribute('data-words-layer', 'on');
  await expect(page.getByTestId('words-toggle')).toHaveAttribute('aria-pressed', 'true');

  // Drawn over a field: the stored words fill the text at once, no reading round trip.
  const date = field(doc.truth, 'date');
  await page.keyboard.press('r');
  await drag(page, { x: date.x - 8, y: date.y - 8 }, { x: date.x + date.width + 8, y: date.y + date.height + 8 });
  const first = rows(page).first();
  await expect(first.getByTestId('region-transcription')).toHaveValue(date.text, { timeout: 1_000 });
  await expect(first.getByTestId('region-prefilled')).toBeVisible();
  await expect(first.getByTestId('region-prefilled')).toContainText('OCR');

  // S: the loose box (still selected) is pulled in to the ink, one undo step.
  await waitSaved(page);
  const [loose] = (await saved(host, doc)).boxes;
  await page.keyboard.press('s');
  await waitSaved(page);
  await expect.poll(async () => (await saved(host, doc)).boxes[0]!.w, { timeout: 10_000 }).toBeLessThan(date.width + 10);
  const [snapped] = (await saved(host, doc)).boxes;
  expect(snapped!.x).toBeGreaterThan(date.x - 8);
  expect(snapped!.x + snapped!.w).toBeLessThan(date.x + date.width + 8);
  expect(snapped!.w).toBeGreaterThan(date.width * 0.8);
  await page.keyboard.press('Control+z');
  await waitSaved(page);
  expect((await saved(host, doc)).boxes[0]).toEqual(loose);
  await page.keyboard.press('Control+Shift+z');

  // Enter in the field confirms the text: the marker goes.
  await page.keyboard.press('Enter');
  await expect(first.getByTestId('region-transcription')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(first.getByTestId('region-prefilled')).toHaveCount(0);

  // Typing in a prefilled field makes the text the person's.
  const total = field(doc.truth, 'total');
  await page.keyboard.press('r');
  await drag(page, { x: total.x - 6, y: total.y - 6 }, { x: total.x + total.width + 6, y: total.y + total.height + 6 });
  const second = rows(page).nth(1);
  await expect(second.getByTestId('region-transcription')).toHaveValue(total.text, { timeout: 1_000 });
  await expect(second.getByTestId('region-prefilled')).toBeVisible();
  await page.keyboard.press('Enter');
  await page.keyboard.type('1,234.00');
  await expect(second.getByTestId('region-prefilled')).toHaveCount(0);
  await page.keyboard.press('Escape');
  await waitSaved(page);
  expect((await saved(host, doc)).boxes.map((b) => b.transcription)).toEqual([date.text, '1,234.00']);
});

test('Alt+click makes a box around a word, Alt+drag one around several; Alt+click in an answer takes the word and its box', async ({ page, host }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const doc = await createDocument(page, host, 'Words by click');
  const words = await readPages(host, doc);
  await openDocument(page, host, doc);
  await expect(canvas(page)).toHaveAttribute('data-words', 'loaded');
  const [a, b] = neighbours(words, []);

  // One word: a box exactly around it, with its text (the words layer need not be on).
  await altClick(page, centre(a));
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first().getByTestId('region-transcription')).toHaveValue(a.text);
  await expect(rows(page).first().getByTestId('region-prefilled')).toBeVisible();
  await waitSaved(page);
  const [one] = (await saved(host, doc)).boxes;
  expect(one).toMatchObject({ x: a.x, y: a.y, w: a.w, h: a.h, transcription: a.text });

  // Two words dragged across: one box around both, their text in reading order; one undo step.
  await page.keyboard.down('Alt');
  await drag(page, centre(a), centre(b));
  await page.keyboard.up('Alt');
  await expect(rows(page)).toHaveCount(2);
  await expect(rows(page).nth(1).getByTestId('region-transcription')).toHaveValue(`${a.text} ${b.text}`);
  await waitSaved(page);
  const both = (await saved(host, doc)).boxes[1]!;
  expect(both).toMatchObject({ x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), transcription: `${a.text} ${b.text}` });
  expect(both.x + both.w).toBe(Math.max(a.x + a.w, b.x + b.w));
  await page.keyboard.press('Control+z');
  await expect(rows(page)).toHaveCount(1);

  // In an answer: Alt+click appends the word, and the box it lies in becomes evidence.
  await page.getByTestId('panel-tab-questions').click();
  const card = qaCard(page, QUESTIONS[0]!);
  const answer = card.getByTestId('qa-answer');
  await answer.click();
  await answer.fill('Total:');
  await altClick(page, centre(a));
  await expect(answer).toHaveValue(`Total: ${a.text}`);
  await expect(answer).toBeFocused();
  await altClick(page, centre(b));
  await expect(answer).toHaveValue(`Total: ${a.text} ${b.text}`);
  expect(await chipBoxIds(card)).toEqual([one!.id]);
  await waitSaved(page);
  const qa = (await saved(host, doc)).qa.find((q) => q.question === QUESTIONS[0]);
  expect(qa).toMatchObject({ answer: `Total: ${a.text} ${b.text}`, evidenceBoxIds: [one!.id] });
  expect((await saved(host, doc)).boxes).toHaveLength(1);
});
