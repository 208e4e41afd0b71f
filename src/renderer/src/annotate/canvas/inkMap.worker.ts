import { inkMapFromPixels } from './labelRoom';

/**
 * Builds a page's ink map off the renderer's main thread: fetching, decoding and scanning a
 * pyramid level takes long enough to drop frames on a large scan.
 */

export interface InkMapRequest {
  url: string;
  /** The level as the page canvas already decoded it, scaled to the map's size, when it had it. */
  bitmap: ImageBitmap | null;
  /** The map's size in cells: the image is decoded straight to this size, one pixel per cell. */
  cols: number;
  rows: number;
  pageWidth: number;
  pageHeight: number;
}

export type InkMapReply = { ok: true; cols: number; rows: number; cellW: number; cellH: number; sums: Int32Array } | { ok: false; message: string };

const worker = self as unknown as { onmessage: ((e: MessageEvent<InkMapRequest>) => void) | null; postMessage(reply: InkMapReply, transfer?: Transferable[]): void };

worker.onmessage = (e) => {
  void build(e.data).then(
    (map) => worker.postMessage({ ok: true, cols: map.cols, rows: map.rows, cellW: map.cellW, cellH: map.cellH, sums: map.sums }, [map.sums.buffer]),
    (err: unknown) => worker.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) }),
  );
};

async function build({ url, bitmap, cols, rows, pageWidth, pageHeight }: InkMapRequest) {
  let data: Uint8ClampedArray | null = null;
  if (bitmap) {
    try {
      data = pixels(bitmap, cols, rows);
    } catch {
      // Drawn from another origin without CORS (the desktop app's folio://media): fetch it below.
    }
  }
  if (!data) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
    // The level is at most about twice the map's size (inkSourceLevel), so scaling it while decoding
    // keeps thin rules visible and scans a third of the pixels.
    data = pixels(await createImageBitmap(await response.blob(), { resizeWidth: cols, resizeHeight: rows, resizeQuality: 'medium' }), cols, rows);
  }
  return inkMapFromPixels(data, cols, rows, cols, rows, pageWidth, pageHeight);
}

function pixels(bitmap: ImageBitmap, cols: number, rows: number): Uint8ClampedArray {
  const canvas = new OffscreenCanvas(cols, rows);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D canvas in the worker');
  ctx.drawImage(bitmap, 0, 0, cols, rows);
  bitmap.close();
  return ctx.getImageData(0, 0, cols, rows).data;
}
