import { inkMapFromPixels } from './labelRoom';

/**
 * Builds a page's ink map off the renderer's main thread: fetching, decoding and scanning a
 * pyramid level takes long enough to drop frames on a large scan.
 */

export interface InkMapRequest {
  url: string;
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

async function build({ url, cols, rows, pageWidth, pageHeight }: InkMapRequest) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`HTTP ${response.status} for ${url}`);
  const bitmap = await createImageBitmap(await response.blob());
  // Read at the level's own size: scaling it down first would average thin rules and small print away.
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D canvas in the worker');
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return inkMapFromPixels(ctx.getImageData(0, 0, width, height).data, width, height, Math.min(cols, width), Math.min(rows, height), pageWidth, pageHeight);
}
