import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createCanvas } from '@napi-rs/canvas';
import type * as PdfJsModule from 'pdfjs-dist/legacy/build/pdf.mjs';
import sharp from 'sharp';
import { AppError } from '../../../../shared/contract/errors';
import { checkPageSize, importLimits } from '../../media/limits';

type PdfJs = typeof PdfJsModule;
let pdfjsPromise: Promise<PdfJs> | null = null;
const pdfjsRoot = dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));

/** pdf.js is large: load it the first time a PDF is opened, not when the worker starts. */
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

export interface RenderedPage {
  png: Buffer;
  width: number;
  height: number;
}

export interface OpenPdf {
  pages: number;
  /** Page `n` (from 1) at `importLimits.pdfDpi`, lowered for pages that would exceed `pdfMaxRenderSide`, as PNG on white. */
  render(n: number): Promise<RenderedPage>;
  close(): Promise<void>;
}

/**
 * Open a PDF with pdf.js and render its pages one at a time (to bound memory). pdf.js and the
 * canvas run JavaScript for seconds on a big page: this runs on the PDF worker thread only
 * (entry.ts), never on the thread that serves the UI.
 */
export async function openPdf(path: string): Promise<OpenPdf> {
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
  let doc;
  try {
    doc = await task.promise;
  } catch (err) {
    await task.destroy().catch(() => undefined);
    throw describePdfError(err);
  }
  if (doc.numPages > importLimits.maxPages) {
    await task.destroy().catch(() => undefined);
    throw new AppError('too_large', `the PDF has ${doc.numPages} pages, over Folio's limit of ${importLimits.maxPages}`);
  }
  const opened = doc;
  return {
    pages: opened.numPages,
    async render(n) {
      try {
        const page = await opened.getPage(n);
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
        // The canvas's own PNG encoder takes seconds for an 8,000 px page, libvips a fraction of one.
        const png = await sharp(canvas.data(), { raw: { width, height, channels: 4 } }).removeAlpha().png({ compressionLevel: 3 }).toBuffer();
        page.cleanup();
        return { png, width, height };
      } catch (err) {
        const described = describePdfError(err);
        throw new AppError(described.code, `page ${n}: ${described.message}`, { cause: err });
      }
    },
    async close() {
      await task.destroy().catch(() => undefined);
    },
  };
}
