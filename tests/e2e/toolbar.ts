import type { Locator, Page } from '@playwright/test';

/**
 * Uses a control of the document toolbar wherever the window put it: in the bar, or in the "⋯"
 * menu the lowest-priority groups move into when the bar is too narrow (opened for it, and closed
 * again if using the control left it open).
 */
export async function withToolbarControl<T>(page: Page, testId: string, use: (control: Locator) => Promise<T>): Promise<T> {
  const menu = page.getByTestId('toolbar-menu');
  if ((await page.getByTestId(testId).count()) === 0 && (await menu.count()) === 0) await page.getByTestId('toolbar-more').click();
  const result = await use(page.getByTestId(testId));
  if ((await menu.count()) > 0) await page.keyboard.press('Escape');
  return result;
}
