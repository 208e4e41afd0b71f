import type Konva from 'konva';
import { useEffect, useRef, type RefObject } from 'react';
import { annotationStore } from '../useAnnotation';

/**
 * The page canvas element around the layers' stage: the end-to-end tests and the benchmark read
 * state from its data attributes (the canvas itself has none), and the hover label lives in it.
 */
function pageCanvasHost(layer: RefObject<Konva.Layer | null>): HTMLElement | null {
  return layer.current?.getStage()?.container().closest<HTMLElement>('[data-testid="page-canvas"]') ?? null;
}

/**
 * Mirror the canvas state onto the host's data attributes. Save state is mirrored synchronously
 * from the store, so a test that just pressed a key sees "pending", never a stale "saved".
 */
export function useCanvasDataset(layer: RefObject<Konva.Layer | null>, counts: { boxes: number; predictions: number }, inkMapState: string) {
  useEffect(() => {
    const el = pageCanvasHost(layer);
    if (!el) return;
    const mirror = (s: ReturnType<typeof annotationStore.getState>) => {
      el.dataset.saveState = s.saveState;
      el.dataset.revision = String(s.revision);
      el.dataset.selected = String(s.selection.size);
    };
    mirror(annotationStore.getState());
    return annotationStore.subscribe(mirror);
  }, [layer]);
  useEffect(() => {
    const el = pageCanvasHost(layer);
    if (!el) return;
    el.dataset.boxes = String(counts.boxes);
    el.dataset.predictions = String(counts.predictions);
  }, [layer, counts.boxes, counts.predictions]);
  useEffect(() => {
    const el = pageCanvasHost(layer);
    if (el) el.dataset.inkMap = inkMapState;
  }, [layer, inkMapState]);
}

/** The words layer's state on the host: whether it is shown, what is known of the page's words and how many there are. */
export function useWordsDataset(layer: RefObject<Konva.Layer | null>, shown: boolean, state: string, count: number) {
  useEffect(() => {
    const el = pageCanvasHost(layer);
    if (!el) return;
    el.dataset.wordsLayer = shown ? 'on' : 'off';
    el.dataset.words = state;
    el.dataset.wordsCount = String(count);
  }, [layer, shown, state, count]);
}

/**
 * The label of what is under the pointer, beside the pointer: on the canvas itself label text
 * only goes where there is room (draw.ts), so hover is how any box can be read at any zoom.
 */
export function useHoverLabel(layer: RefObject<Konva.Layer | null>): RefObject<HTMLDivElement | null> {
  const hoverLabel = useRef<HTMLDivElement | null>(null);
  useEffect(() => {
    const host = pageCanvasHost(layer);
    if (!host) return;
    const tip = document.createElement('div');
    tip.className = 'canvas-hover-label';
    tip.dataset.testid = 'canvas-hover-label';
    tip.setAttribute('aria-hidden', 'true');
    tip.hidden = true;
    host.appendChild(tip);
    hoverLabel.current = tip;
    return () => {
      tip.remove();
      hoverLabel.current = null;
    };
  }, [layer]);
  return hoverLabel;
}

/** Show `text` below and to the right of the pointer, flipped to stay inside the canvas; null hides it. */
export function showHoverLabel(tip: HTMLDivElement | null, stage: Konva.Stage, text: string | null): void {
  if (!tip) return;
  const at = stage.getPointerPosition();
  if (!text || !at) {
    tip.hidden = true;
    return;
  }
  if (tip.textContent !== text) tip.textContent = text;
  tip.hidden = false;
  const { width, height } = stage.size();
  const x = at.x + 14 + tip.offsetWidth > width ? at.x - 8 - tip.offsetWidth : at.x + 14;
  const y = at.y + 20 + tip.offsetHeight > height ? at.y - 8 - tip.offsetHeight : at.y + 20;
  tip.style.transform = `translate(${Math.max(0, x)}px, ${Math.max(0, y)}px)`;
}
