import { canvasInk, enterName, expect, openFolio, test } from './fixtures';
import { withToolbarControl } from './toolbar';

test('first start: name, open the demo project, see thumbnails, open a document, zoom', async ({ page, host }) => {
  test.setTimeout(240_000); // the demo project is generated and imported on the spot
  await openFolio(page, host);

  // No annotator name yet: Folio asks for one before anything else.
  await expect(page.getByTestId('first-start')).toBeVisible();
  await expect(page.getByText('Your name')).toBeVisible();
  await enterName(page, 'Grace Annotator');

  // The demo is generated and imported; progress shows while it runs.
  await page.getByTestId('open-demo').click();
  await expect(page.getByTestId('document-list')).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId('project-title')).toBeVisible();

  const cards = page.getByTestId('document-card');
  await expect(cards.first()).toBeVisible();
  expect(await cards.count()).toBeGreaterThan(0);

  // Thumbnails really load (served through the host's media route at signed URLs).
  const thumb = page.getByTestId('document-thumbnail').first();
  await expect(thumb).toBeVisible();
  await expect.poll(() => thumb.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);

  // The name is remembered and shown.
  await expect(page.getByTestId('sidebar-user')).toContainText('Grace Annotator');

  // Open the first document: the page image is drawn on the Konva canvas.
  const firstName = (await cards.first().getByTestId('document-name').textContent()) ?? '';
  await cards.first().click();
  await expect(page.getByTestId('document-view')).toBeVisible();
  await expect(page.getByTestId('document-title')).toHaveText(firstName);
  const canvas = page.getByTestId('page-canvas');
  await expect(canvas).toHaveAttribute('data-image-state', 'loaded');
  await expect.poll(async () => (await canvasInk(page)).varied, { message: 'the page image has ink on the canvas' }).toBeGreaterThan(200);

  // Fitted, a large page is drawn from a smaller pyramid level than full size when one exists.
  const fittedLevelWidth = Number(await canvas.getAttribute('data-level-width'));
  expect(fittedLevelWidth).toBeGreaterThan(0);

  // Zoom with the buttons, the keyboard and the wheel: the percentage follows (in the toolbar, or
  // in its "⋯" menu when the window is too narrow for every group).
  const zoomText = () => withToolbarControl(page, 'zoom-level', (zoom) => zoom.textContent());
  const fitted = await zoomText();
  await withToolbarControl(page, 'zoom-in', (button) => button.click());
  await expect.poll(zoomText).not.toBe(fitted);
  await withToolbarControl(page, 'zoom-100', (button) => button.click());
  await expect.poll(zoomText).toBe('100%');
  // At 100% the full-resolution level is decoded (the page is as wide as level 0).
  const pageWidth = Number((await page.getByTestId('page-size').textContent())?.split('×')[0]?.trim());
  await expect.poll(async () => Number(await canvas.getAttribute('data-level-width')), { timeout: 10_000 }).toBe(pageWidth);

  // Space+drag pans by exactly the distance moved (a plain drag belongs to the selection tool).
  const offset = async () => ((await canvas.getAttribute('data-offset')) ?? '0,0').split(',').map(Number);
  const before = await offset();
  const area = await canvas.boundingBox();
  if (!area) throw new Error('canvas has no box');
  await page.mouse.move(area.x + 300, area.y + 300);
  await page.keyboard.down('Space');
  await page.mouse.down();
  await page.mouse.move(area.x + 360, area.y + 340, { steps: 4 });
  await page.mouse.up();
  await page.keyboard.up('Space');
  await expect.poll(offset).toEqual([(before[0] ?? 0) + 60, (before[1] ?? 0) + 40]);
  // The middle button pans too.
  await page.mouse.down({ button: 'middle' });
  await page.mouse.move(area.x + 330, area.y + 360, { steps: 4 });
  await page.mouse.up({ button: 'middle' });
  await expect.poll(offset).toEqual([(before[0] ?? 0) + 30, (before[1] ?? 0) + 60]);
  await page.keyboard.press('0');
  await expect.poll(zoomText).toBe(fitted);

  const box = await canvas.boundingBox();
  if (!box) throw new Error('canvas has no box');
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.wheel(0, -400);
  await expect.poll(async () => parseInt((await zoomText()) ?? '0', 10)).toBeGreaterThan(parseInt(fitted ?? '0', 10));

  // Next document and back to the list.
  if (await withToolbarControl(page, 'next-document', (button) => button.isEnabled())) {
    await withToolbarControl(page, 'next-document', (button) => button.click());
    await expect(page.getByTestId('document-title')).not.toHaveText(firstName);
    await expect(canvas).toHaveAttribute('data-image-state', 'loaded');
  }
  await page.getByTestId('back-to-list').click();
  await expect(page.getByTestId('document-list')).toBeVisible();

  // A reload keeps the place (hash routing) and does not ask for the name again.
  await page.reload();
  await expect(page.getByTestId('document-list')).toBeVisible();
  await expect(page.getByTestId('first-start')).toHaveCount(0);
});
