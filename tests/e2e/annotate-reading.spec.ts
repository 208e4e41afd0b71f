import type { Page } from '@playwright/test';
import type { SynthBox } from '../../src/main/core/synth';
import { expect, test } from './fixtures';
import { createDocument, openDocument, saved, toScreen, waitSaved } from './panelsSetup';
import { callHost } from './rpc';

/**
 * Drawing a box over printed text: the page is read on the host (tesseract) and the box's
 * transcription fills itself, the box pulled in to the ink; one Ctrl+Z takes the box and its
 * reading together. Each test starts a fresh host, so the first reading also starts the reader.
 */

const READ_TIMEOUT = 20_000;
const rows = (page: Page) => page.getByTestId('region-row');

/** Drag a rectangle `pad` image pixels loose around a printed field with the rectangle tool. */
async function drawAround(page: Page, b: SynthBox, pad = 6) {
  const from = await toScreen(page, b.x - pad, b.y - pad);
  const to = await toScreen(page, b.x + b.width + pad, b.y + b.height + pad);
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps: 5 });
  await page.mouse.up();
}

const field = (truth: { boxes: SynthBox[] }, label: string) => {
  const b = truth.boxes.find((x) => x.label === label && x.text);
  if (!b) throw new Error(`the generated invoice has no ${label} field`);
  return b;
};

test('a box drawn over a printed field fills its transcription with the text and snaps to it; one Ctrl+Z takes both', async ({ page, host }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const doc = await createDocument(page, host, 'Reading');
  await openDocument(page, host, doc);
  const date = field(doc.truth, 'date');

  await page.keyboard.press('r');
  await drawAround(page, date, 8);
  await expect(rows(page)).toHaveCount(1);
  // The reader starts with the first box: the row says it is reading meanwhile.
  await expect(rows(page).first().getByTestId('region-reading')).toBeVisible();
  await expect(rows(page).first().getByTestId('region-transcription')).toHaveAttribute('placeholder', 'Reading the page…');
  await expect(rows(page).first().getByTestId('region-transcription')).toHaveValue(date.text, { timeout: READ_TIMEOUT });
  await expect(rows(page).first().getByTestId('region-reading')).toHaveCount(0);
  await waitSaved(page);
  const [box] = (await saved(host, doc)).boxes;
  expect(box).toMatchObject({ transcription: date.text });
  // Snapped: inside what was drawn (give or take the few pixels a clipped letter may add) and
  // around the printed text, far tighter than the 8 px loose box.
  expect(box!.x).toBeGreaterThan(date.x - 8);
  expect(box!.y).toBeGreaterThan(date.y - 8);
  expect(box!.x + box!.w).toBeLessThan(date.x + date.width + 8);
  expect(box!.y + box!.h).toBeLessThan(date.y + date.height + 8);
  expect(box!.w).toBeGreaterThan(date.width * 0.8);

  // The reading joined the drawing: one undo removes the box, text and all; redo brings both.
  await page.keyboard.press('Control+z');
  await expect(rows(page)).toHaveCount(0);
  await waitSaved(page);
  expect((await saved(host, doc)).boxes).toEqual([]);
  await page.keyboard.press('Control+Shift+z');
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first().getByTestId('region-transcription')).toHaveValue(date.text);
  await waitSaved(page);
  expect((await saved(host, doc)).boxes).toEqual([box]);
});

test('two boxes drawn one right after the other both fill, one undo step each', async ({ page, host }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const doc = await createDocument(page, host, 'Reading two');
  await openDocument(page, host, doc);
  const total = field(doc.truth, 'total');
  // White on the blue banner: read dark on light all the same.
  const vendor = field(doc.truth, 'vendor');

  await page.keyboard.press('r');
  await drawAround(page, total);
  await drawAround(page, vendor);
  await expect(rows(page)).toHaveCount(2);
  await expect(rows(page).nth(0).getByTestId('region-transcription')).toHaveValue(total.text, { timeout: READ_TIMEOUT });
  await expect(rows(page).nth(1).getByTestId('region-transcription')).toHaveValue(vendor.text, { timeout: READ_TIMEOUT });
  await waitSaved(page);
  expect((await saved(host, doc)).boxes.map((b) => b.transcription)).toEqual([total.text, vendor.text]);
  // Undo goes back one box at a time.
  await page.keyboard.press('Control+z');
  await expect(rows(page)).toHaveCount(1);
  await expect(rows(page).first().getByTestId('region-transcription')).toHaveValue(total.text);
});

test('a reading that lands in the empty field the person is in arrives selected; what they type before it arrives is kept', async ({ page, host }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const doc = await createDocument(page, host, 'Reading typed');
  await openDocument(page, host, doc);
  const total = field(doc.truth, 'total');
  const due = field(doc.truth, 'due_date');

  // Straight to the transcription (Enter), usually while the reader is still starting: the text
  // lands in the field selected (as it is when the field is entered after it came), so a key
  // replaces it and Enter keeps it.
  await page.keyboard.press('r');
  await drawAround(page, due);
  await page.keyboard.press('Enter');
  const first = rows(page).first().getByTestId('region-transcription');
  await expect(first).toBeFocused();
  await expect(first).toHaveValue(due.text, { timeout: READ_TIMEOUT });
  await expect.poll(() => first.evaluate((el: HTMLInputElement) => [el.selectionStart, el.selectionEnd])).toEqual([0, due.text.length]);
  await page.keyboard.type('2021-06-17');
  await expect(first).toHaveValue('2021-06-17');
  await page.keyboard.press('Escape');

  // Typing slowly while the next box is read: every key is the person's.
  await drawAround(page, total);
  await page.keyboard.press('Enter');
  const second = rows(page).nth(1).getByTestId('region-transcription');
  await expect(second).toBeFocused();
  await page.keyboard.type('my own words', { delay: 150 });
  await expect(page.getByTestId('region-reading')).toHaveCount(0, { timeout: READ_TIMEOUT });
  await expect(second).toHaveValue('my own words');
  await page.keyboard.press('Escape');
  await waitSaved(page);
  expect((await saved(host, doc)).boxes.map((b) => b.transcription)).toEqual(['2021-06-17', 'my own words']);
});

test('with reading turned off in Settings a drawn box stays empty, and with snapping off it keeps its size', async ({ page, host }) => {
  await page.setViewportSize({ width: 1440, height: 900 });
  const doc = await createDocument(page, host, 'Reading off');
  await callHost(host, 'settings.update', { ui: { readDrawnBoxes: false } });
  await openDocument(page, host, doc);
  const total = field(doc.truth, 'total');
  const date = field(doc.truth, 'date');

  await page.keyboard.press('r');
  await drawAround(page, total, 10);
  await expect(page.getByTestId('region-reading')).toHaveCount(0, { timeout: READ_TIMEOUT });
  await waitSaved(page);
  const [snappedOnly] = (await saved(host, doc)).boxes;
  expect(snappedOnly!.transcription).toBe('');
  expect(snappedOnly!.w).toBeLessThan(total.width + 10); // pulled in from the 20 px wider box drawn

  // Both off (in Settings, as a person does it): nothing is asked of the reader at all.
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('settings-snap-drawn-boxes').uncheck();
  await expect(page.getByTestId('settings-read-drawn-boxes')).not.toBeChecked();
  await page.goBack();
  await expect(page.getByTestId('page-canvas')).toHaveAttribute('data-image-state', 'loaded');
  await page.keyboard.press('r');
  await drawAround(page, date, 10);
  await expect(rows(page)).toHaveCount(2);
  await expect(page.getByTestId('region-reading')).toHaveCount(0);
  await waitSaved(page);
  const second = (await saved(host, doc)).boxes[1]!;
  expect(second.transcription).toBe('');
  expect(second.w).toBeGreaterThan(date.width + 19);
});
