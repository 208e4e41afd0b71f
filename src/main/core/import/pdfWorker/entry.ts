/**
 * The PDF worker thread: pdf.js parses and renders pages here (render.ts), seconds of JavaScript
 * for a large page, so the core's thread — Electron's main process, the browser host's process —
 * keeps serving while a PDF imports. The host (../pdf.ts) terminates it to cancel.
 */
import { parentPort } from 'node:worker_threads';
import { AppError, toAppErrorData } from '../../../../shared/contract/errors';
import type { FromPdfWorker, ToPdfWorker } from './messages';
import { openPdf, type OpenPdf } from './render';

const port = parentPort;
if (!port) throw new Error('the PDF worker must run in a worker thread');
let doc: OpenPdf | null = null;

async function answer(m: ToPdfWorker): Promise<{ reply: FromPdfWorker; transfer: ArrayBuffer[] }> {
  switch (m.kind) {
    case 'open':
      await doc?.close();
      doc = null;
      doc = await openPdf(m.path);
      return { reply: { id: m.id, ok: true, kind: 'opened', pages: doc.pages }, transfer: [] };
    case 'render': {
      if (!doc) throw new AppError('internal', 'no PDF is open in the PDF worker');
      const page = await doc.render(m.page);
      // A buffer of its own can move to the core's thread without a copy.
      const png = page.png.byteOffset === 0 && page.png.byteLength === page.png.buffer.byteLength ? new Uint8Array(page.png.buffer) : Uint8Array.from(page.png);
      return { reply: { id: m.id, ok: true, kind: 'page', png, width: page.width, height: page.height }, transfer: [png.buffer as ArrayBuffer] };
    }
    case 'close':
      await doc?.close();
      doc = null;
      return { reply: { id: m.id, ok: true, kind: 'closed' }, transfer: [] };
  }
}

port.on('message', (m: ToPdfWorker) => {
  answer(m).then(
    ({ reply, transfer }) => port.postMessage(reply, transfer),
    (err: unknown) => port.postMessage({ id: m.id, ok: false, error: toAppErrorData(err) } satisfies FromPdfWorker),
  );
});
