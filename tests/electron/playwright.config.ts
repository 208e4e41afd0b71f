import { defineConfig } from '@playwright/test';

/** Runs only where an Electron binary exists (see scripts/electron-tests.mjs). */
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  timeout: 60_000,
  workers: 1,
  outputDir: '../../test-results/electron',
  use: { screenshot: 'only-on-failure' },
});
