import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createCanvas } from '@napi-rs/canvas';
import type * as PdfJsModule from 'pdfjs-dist/legacy/build/pdf.mjs';
import { AppError } from '../../../shared/contract/errors';
import { checkPageSize, importLimits } from './limits';

type PdfJs = typeof PdfJsModule;
let pdfjsPromise: Promise<PdfJs> | null = null;
const pdfjsRoot = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));

/** pdf.js is large: load it the first time a PDF is imported, not at start-up. */
function loadPdfJs(): Promise<PdfJs> {
  pdfjsPromise ??= import('pdfjs-dist/legacy/build/pdf.mjs').then((pdfjs) => {
    pdfjs.GlobalWorkerOptions.workerSrc = pathToFileURL(join(pdfjsRoot, 'legacy/build/pdf.worker.mjs')).href;
    return pdfjs;
  });
  return pdfjsPromise;
}

function describePdfError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const name = (err as { name?: string }).name ?? '';
  const message = err instanceof Error ? err.message : String(err);
  if (name === 'PasswordException') {
    return new AppError('password_protected', 'the PDF is password-protected; remove the password (e.g. print it to a new PDF) and import it again', { cause: err });
  }
  if (name === 'InvalidPDFException') return new AppError('corrupt_file', `the PDF is damaged or incomplete (${message})`, { cause: err });
  return new AppError('corrupt_file', `the PDF could not be read (${message})`, { cause: err });
}

/**
 * Render each page at `importLimits.pdfDpi` (lowered for pages so big they would exceed
 * `pdfMaxRenderSide`) to PNG on a white background, one page at a time to bound memory.
 */
export async function renderPdfPages(
  path: string,
  signal: AbortSignal,
  onPage: (pageNumber: number, png: Buffer, width: number, height: number) => Promise<void>,
): Promise<number> {
  const pdfjs = await loadPdfJs();
  const data = new Uint8Array(await readFile(path));
  const task = pdfjs.getDocument({
    data,
    isEvalSupported: false,
    useSystemFonts: false,
    disableFontFace: true,
    standardFontDataUrl: join(pdfjsRoot, 'standard_fonts') + '/',
    cMapUrl: join(pdfjsRoot, 'cmaps') + '/',
    cMapPacked: true,
    wasmUrl: join(pdfjsRoot, 'wasm') + '/',
    verbosity: 0,
  });
  const onAbort = () => void task.destroy();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    let doc;
    try {
      doc = await task.promise;
    } catch (err) {
      signal.throwIfAborted();
      throw describePdfError(err);
    }
    if (doc.numPages > importLimits.maxPages) {
      throw new AppError('too_large', `the PDF has ${doc.numPages} pages, over Folio's limit of ${importLimits.maxPages}`);
    }
    for (let n = 1; n <= doc.numPages; n++) {
      signal.throwIfAborted();
      try {
        const page = await doc.getPage(n);
        const base = page.getViewport({ scale: 1 });
        const longest = Math.max(base.width, base.height);
        const scale = Math.min(importLimits.pdfDpi / 72, importLimits.pdfMaxRenderSide / longest);
        const viewport = page.getViewport({ scale });
        const width = Math.max(1, Math.round(viewport.width));
        const height = Math.max(1, Math.round(viewport.height));
        checkPageSize(width, height, `page ${n}`);
        const canvas = createCanvas(width, height);
        const ctx = canvas.getContext('2d');
        ctx.fillStyle = '#ffffff';
        ctx.fillRect(0, 0, width, height);
        await page.render({ canvas: canvas as unknown as HTMLCanvasElement, canvasContext: ctx as unknown as CanvasRenderingContext2D, viewport }).promise;
        const png = await canvas.encode('png');
        page.cleanup();
        await onPage(n, png, width, height);
      } catch (err) {
        signal.throwIfAborted();
        const described = err instanceof AppError ? err : describePdfError(err);
        throw new AppError(described.code, `page ${n}: ${described.message}`, { cause: err });
      }
    }
    return doc.numPages;
  } finally {
    signal.removeEventListener('abort', onAbort);
    await task.destroy().catch(() => undefined);
  }
}
