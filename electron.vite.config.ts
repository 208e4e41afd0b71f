import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import { rendererConfig } from './vite.renderer.config';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // syncProcess: the sync engine's utility process (src/main/core/sync/process), started by path at run time.
      // reviewWorker: the review analyses' worker thread (src/main/core/review/worker), loaded by path.
      // pdfWorker: the import's PDF rendering threads (src/main/core/import/pdfWorker), loaded by path.
      rollupOptions: {
        input: {
          index: resolve(import.meta.dirname, 'src/main/electron/main.ts'),
          syncProcess: resolve(import.meta.dirname, 'src/main/core/sync/process/entry.ts'),
          reviewWorker: resolve(import.meta.dirname, 'src/main/core/review/worker/entry.ts'),
          pdfWorker: resolve(import.meta.dirname, 'src/main/core/import/pdfWorker/entry.ts'),
        },
      },
    },
  },
  preload: {
    // A sandboxed preload can only require('electron'): bundle everything into one CJS file.
    build: {
      outDir: 'out/preload',
      externalizeDeps: false,
      isolatedEntries: true,
      rollupOptions: {
        input: { index: resolve(import.meta.dirname, 'src/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    ...rendererConfig,
    build: { ...rendererConfig.build, rollupOptions: { input: resolve(import.meta.dirname, 'src/renderer/index.html') } },
  },
});
