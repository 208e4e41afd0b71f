import { create } from 'zustand';
import { actualSize, fitPage, fitWidth, panBy, zoomAt, type Size, type Viewport } from '../lib/viewport';

export type FitMode = 'page' | 'width' | 'free';

interface ViewerState extends Viewport {
  /** The canvas panel in CSS pixels, and the page in original image pixels. */
  view: Size | null;
  page: Size | null;
  /** Which page the transform was fitted for (the canvas waits for it before choosing a level). */
  pageId: string | null;
  /** Kept on resize: a fitted page stays fitted when the window changes size. */
  mode: FitMode;
  /** Space is held: a drag pans whatever tool is active (the canvas tools stand aside). */
  spaceHeld: boolean;
  setView(view: Size): void;
  /** A new page: fit it. */
  setPage(pageId: string, page: Size): void;
  fitPage(): void;
  fitWidth(): void;
  actualSize(): void;
  zoomBy(factor: number, anchor?: { x: number; y: number }): void;
  panBy(dx: number, dy: number): void;
}

export const useViewer = create<ViewerState>((set, get) => {
  const refit = (mode: FitMode) => {
    const { view, page } = get();
    if (!view || !page || view.width <= 0 || view.height <= 0) {
      set({ mode });
      return;
    }
    if (mode === 'page') set({ ...fitPage(view, page), mode });
    else if (mode === 'width') set({ ...fitWidth(view, page), mode });
  };
  return {
    scale: 1,
    x: 0,
    y: 0,
    view: null,
    page: null,
    pageId: null,
    mode: 'page',
    spaceHeld: false,
    setView(view) {
      const previous = get().view;
      if (previous && previous.width === view.width && previous.height === view.height) return;
      set({ view });
      const mode = get().mode;
      if (mode !== 'free') refit(mode);
    },
    setPage(pageId, page) {
      set({ page, pageId });
      refit('page');
    },
    fitPage: () => refit('page'),
    fitWidth: () => refit('width'),
    actualSize() {
      const { view } = get();
      if (!view) return;
      set({ ...actualSize(get(), view), mode: 'free' });
    },
    zoomBy(factor, anchor) {
      const { view } = get();
      if (!view) return;
      set({ ...zoomAt(get(), factor, anchor ?? { x: view.width / 2, y: view.height / 2 }), mode: 'free' });
    },
    panBy(dx, dy) {
      set({ ...panBy(get(), dx, dy), mode: 'free' });
    },
  };
});
