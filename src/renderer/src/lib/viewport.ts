/**
 * Viewport arithmetic for the page canvas. The stage transform maps original image pixels to
 * screen pixels: screen = image × scale + (x, y). Everything drawn on the stage (the page image,
 * later the boxes) is placed in original image pixels, so overlays stay exact at any zoom.
 */
/** One zoom step in or out, the same for the toolbar's buttons and the keys. */
export const ZOOM_STEP = 1.25;

export interface Viewport {
  scale: number;
  x: number;
  y: number;
}

export interface Size {
  width: number;
  height: number;
}

export const MIN_SCALE = 0.02;
export const MAX_SCALE = 16;
const PADDING = 24;

export function clampScale(scale: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, scale));
}

/** The whole page visible and centred. */
export function fitPage(view: Size, page: Size): Viewport {
  const scale = clampScale(
    Math.min((view.width - 2 * PADDING) / page.width, (view.height - 2 * PADDING) / page.height),
  );
  return { scale, x: (view.width - page.width * scale) / 2, y: (view.height - page.height * scale) / 2 };
}

/** The page as wide as the panel, its top edge showing. */
export function fitWidth(view: Size, page: Size): Viewport {
  const scale = clampScale((view.width - 2 * PADDING) / page.width);
  const height = page.height * scale;
  return { scale, x: (view.width - page.width * scale) / 2, y: height < view.height ? (view.height - height) / 2 : PADDING };
}

/** One image pixel per CSS pixel, keeping the point at the centre of the panel where it is. */
export function actualSize(current: Viewport, view: Size): Viewport {
  return zoomAt(current, 1 / current.scale, { x: view.width / 2, y: view.height / 2 });
}

/** Multiply the zoom by `factor`, keeping the image point under `anchor` (screen pixels) fixed. */
export function zoomAt(current: Viewport, factor: number, anchor: { x: number; y: number }): Viewport {
  const scale = clampScale(current.scale * factor);
  const imageX = (anchor.x - current.x) / current.scale;
  const imageY = (anchor.y - current.y) / current.scale;
  return { scale, x: anchor.x - imageX * scale, y: anchor.y - imageY * scale };
}

export function panBy(current: Viewport, dx: number, dy: number): Viewport {
  return { ...current, x: current.x + dx, y: current.y + dy };
}

/** Screen point → original image pixels. */
export function toImage(current: Viewport, point: { x: number; y: number }): { x: number; y: number } {
  return { x: (point.x - current.x) / current.scale, y: (point.y - current.y) / current.scale };
}

/** The zoom factor for one wheel event: pinch gestures (ctrlKey) are finer than mouse wheels. */
export function wheelFactor(deltaY: number, deltaMode: number, pinch: boolean): number {
  const pixels = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  const clamped = Math.max(-200, Math.min(200, pixels));
  return Math.exp(-clamped * (pinch ? 0.01 : 0.0025));
}
