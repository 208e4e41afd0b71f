import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests: the real renderer (built by `npm run build:renderer`) in Debian's Chromium,
 * against the browser host (`src/main/host/start.ts`) on a fresh data folder per test.
 * Chromium comes from apt (`/usr/bin/chromium`) or FOLIO_CHROMIUM; Playwright never downloads one.
 */
const chromium = process.env.FOLIO_CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(chromium)) {
  throw new Error(
    `No Chromium at ${chromium}. Install Debian's chromium (apt-get install -y chromium) or set FOLIO_CHROMIUM to a Chromium/Chrome binary.`,
  );
}
const root = resolve(import.meta.dirname, '../..');
if (!existsSync(resolve(root, 'out/renderer/index.html'))) {
  throw new Error('The renderer is not built: run `npm run build:renderer` (or `npm run test:e2e`, which builds it first).');
}

export default defineConfig({
  testDir: '.',
  testMatch: '**/*.spec.ts',
  outputDir: resolve(root, 'test-results/e2e'),
  globalSetup: resolve(import.meta.dirname, 'globalSetup.ts'),
  fullyParallel: false,
  workers: process.env.CI ? 1 : 2,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  forbidOnly: !!process.env.CI,
  reporter: process.env.CI ? [['list'], ['html', { outputFolder: resolve(root, 'test-results/e2e-report'), open: 'never' }]] : [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    launchOptions: {
      executablePath: chromium,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-dev-shm-usage',
      ],
    },
  },
});
