/**
 * The real PDF worker, except that it crashes (an uncaught exception on its thread, as a fault in
 * pdf.js or the canvas would) when asked to open a PDF whose name contains "crash".
 */
import { parentPort } from 'node:worker_threads';
import type { ToPdfWorker } from '../../src/main/core/import/pdfWorker/messages';
// First, so the real worker's listener is there when the first message is delivered.
import '../../src/main/core/import/pdfWorker/entry';

parentPort?.on('message', (m: ToPdfWorker) => {
  if (m.kind === 'open' && m.path.includes('crash')) throw new Error('the renderer hit a fault');
});
