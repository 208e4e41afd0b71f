import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Image as KonvaImage, Layer, Rect, Stage } from 'react-konva';
import type { Page } from '../../../shared/domain/model';
import { mediaUrl } from '../lib/api';
import { levelScale, pickTiledLevels } from '../lib/pyramid';
import { TileLayer } from './TileLayer';
import { toImage, wheelFactor } from '../lib/viewport';
import { useViewer } from '../stores/viewer';

/** Decoded page images, most recent last; switching back to a level already seen is instant. */
const imageCache = new Map<string, HTMLImageElement>();
const CACHE_SIZE = 12;

/** A page image already decoded for display, if it is still cached (others may read it, not evict it). */
export function decodedPageImage(url: string): HTMLImageElement | null {
  return imageCache.get(url) ?? null;
}

async function loadImage(url: string): Promise<HTMLImageElement> {
  const cached = imageCache.get(url);
  if (cached) {
    imageCache.delete(url);
    imageCache.set(url, cached);
    return cached;
  }
  const img = new window.Image();
  img.decoding = 'async';
  img.src = url;
  try {
    await img.decode();
  } catch {
    throw new Error('The page image could not be loaded. The file in the data folder may be missing or damaged.');
  }
  imageCache.set(url, img);
  while (imageCache.size > CACHE_SIZE) {
    const oldest = imageCache.keys().next().value;
    if (oldest === undefined) break;
    imageCache.delete(oldest);
  }
  return img;
}

/** Input types that take typed text; a checkbox, radio or button never swallows shortcuts. */
const TEXT_INPUTS = new Set(['text', 'search', 'email', 'url', 'tel', 'password', 'number', 'date', 'datetime-local', 'month', 'time', 'week']);

/**
 * Whether a key belongs to the focused element rather than to the view's shortcuts: text fields,
 * a select (its arrows and letters pick options) and anything in a dialog. Only these take keys;
 * other controls leave single-key shortcuts to the view (see isActivation for Enter and Space).
 */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT') return true;
  if (target instanceof HTMLInputElement) return TEXT_INPUTS.has(target.type);
  return target.closest('[role="dialog"], [role="alertdialog"]') !== null;
}

/** Enter or Space on a focused button, link or checkbox: that control's own action, not a shortcut. */
export function isActivation(e: Pick<KeyboardEvent, 'key' | 'target'>): boolean {
  if (e.key !== 'Enter' && e.key !== ' ') return false;
  const t = e.target;
  return t instanceof HTMLElement && t.closest('button, a[href], input, summary, [role="button"], [role="tab"], [role="radio"], [role="option"]') !== null;
}

interface PageCanvasProps {
  page: Page;
  /** Overlay layers (boxes, later) drawn in original image pixels: the stage carries the zoom. */
  children?: ReactNode;
  /** While no editing tool owns the primary button, a plain drag pans. */
  panWithPrimaryButton?: boolean;
}

/**
 * The page on a Konva stage. The stage transform (scale, x, y) maps original image pixels to the
 * screen; the page image is always placed at its original size (width × height of level 0) whichever
 * pyramid level is decoded, so anything else put on the stage in image pixels lines up exactly.
 */
export function PageCanvas({ page, children, panWithPrimaryButton = true }: PageCanvasProps) {
  const container = useRef<HTMLDivElement>(null);
  const pointerReadout = useRef<HTMLSpanElement>(null);
  const view = useViewer((s) => s.view);
  const scale = useViewer((s) => s.scale);
  const x = useViewer((s) => s.x);
  const y = useViewer((s) => s.y);
  const fittedPageId = useViewer((s) => s.pageId);
  // The zoom the pyramid level is chosen for: it follows the zoom once it has rested 150 ms. Until
  // this page has been fitted and settled once, the live zoom is used: a settled zoom left over from
  // before the fit (1, or the previous document's) picked full-resolution tiles for the whole page
  // at fit zoom, hundreds of tile requests and decodes on opening a large scan.
  const [settled, setSettled] = useState<{ pageId: string; scale: number } | null>(null);
  const [loaded, setLoaded] = useState<{ pageId: string; url: string; level: number; img: HTMLImageElement } | null>(null);
  const [failed, setFailed] = useState<{ url: string; message: string } | null>(null);
  const [panning, setPanning] = useState(false);
  const spaceDown = useViewer((s) => s.spaceHeld);
  const setSpaceDown = (held: boolean) => useViewer.setState({ spaceHeld: held });
  const [dpr, setDpr] = useState(() => window.devicePixelRatio || 1);

  // Size the stage to the panel.
  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const observer = new ResizeObserver(() => {
      useViewer.getState().setView({ width: Math.floor(el.clientWidth), height: Math.floor(el.clientHeight) });
      setDpr(window.devicePixelRatio || 1);
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  const ready = view !== null && fittedPageId === page.id;

  // Choose a pyramid level once the zoom settles, not on every wheel tick (only zooms of this page,
  // fitted: until then `levelScale` takes the live zoom).
  useEffect(() => {
    if (!ready) return;
    const t = setTimeout(() => setSettled({ pageId: page.id, scale }), 150);
    return () => clearTimeout(t);
  }, [scale, ready, page.id]);

  const shownForPage = loaded && loaded.pageId === page.id ? loaded : null;
  // Huge pages draw an overview level plus the visible tiles; others one whole level.
  const { base: level, tileLevel } = pickTiledLevels(page, page.width * levelScale(settled, page.id, scale, shownForPage !== null), dpr);
  const url = mediaUrl(level.path);

  useEffect(() => {
    if (!ready) return;
    let cancelled = false;
    loadImage(url).then(
      (img) => {
        if (cancelled) return;
        setLoaded({ pageId: page.id, url, level: level.level, img });
        setFailed(null);
      },
      (err: unknown) => {
        if (!cancelled) setFailed({ url, message: (err as Error).message });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [ready, url, page.id, level.level]);

  // Wheel: zoom around the pointer (pinch arrives as ctrl+wheel); horizontal or shift+wheel scrolls.
  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const rect = el.getBoundingClientRect();
      const anchor = { x: e.clientX - rect.left, y: e.clientY - rect.top };
      const viewer = useViewer.getState();
      const lineScale = e.deltaMode === 1 ? 16 : 1;
      if (!e.ctrlKey && !e.metaKey && (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY))) {
        const dx = e.shiftKey && e.deltaX === 0 ? e.deltaY : e.deltaX;
        const dy = e.shiftKey && e.deltaX === 0 ? 0 : e.deltaY;
        viewer.panBy(-dx * lineScale, -dy * lineScale);
        return;
      }
      viewer.zoomBy(wheelFactor(e.deltaY, e.deltaMode, e.ctrlKey || e.metaKey), anchor);
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, []);

  // Space held: drag pans even when a tool owns the primary button.
  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      if (e.code === 'Space' && !isTypingTarget(e.target) && !isActivation(e)) {
        e.preventDefault();
        setSpaceDown(true);
      }
    };
    const up = (e: KeyboardEvent) => {
      if (e.code === 'Space') setSpaceDown(false);
    };
    const blur = () => setSpaceDown(false);
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    window.addEventListener('blur', blur);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
      window.removeEventListener('blur', blur);
    };
  }, []);

  const last = useRef<{ x: number; y: number; id: number } | null>(null);

  const onPointerDown = (e: React.PointerEvent<HTMLDivElement>) => {
    // The page takes the keyboard when it is clicked (a panel control loses it), unless a layer
    // kept the focus on purpose (by preventing the default).
    if (!e.defaultPrevented) container.current?.focus({ preventScroll: true });
    const pan = e.button === 1 || (e.button === 0 && (spaceDown || panWithPrimaryButton));
    if (!pan) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    last.current = { x: e.clientX, y: e.clientY, id: e.pointerId };
    setPanning(true);
  };

  const onPointerMove = (e: React.PointerEvent<HTMLDivElement>) => {
    const start = last.current;
    if (start && start.id === e.pointerId) {
      useViewer.getState().panBy(e.clientX - start.x, e.clientY - start.y);
      last.current = { x: e.clientX, y: e.clientY, id: e.pointerId };
    }
    const readout = pointerReadout.current;
    const el = container.current;
    if (readout && el) {
      const rect = el.getBoundingClientRect();
      const p = toImage(useViewer.getState(), { x: e.clientX - rect.left, y: e.clientY - rect.top });
      const inside = p.x >= 0 && p.y >= 0 && p.x <= page.width && p.y <= page.height;
      readout.textContent = inside ? `${Math.floor(p.x)}, ${Math.floor(p.y)} px` : '';
    }
  };

  const endPan = (e: React.PointerEvent<HTMLDivElement>) => {
    if (last.current?.id === e.pointerId) {
      last.current = null;
      setPanning(false);
    }
  };

  const image = shownForPage?.img ?? null;
  const cursor = panning ? 'grabbing' : spaceDown || panWithPrimaryButton ? 'grab' : 'default';
  const imageState = failed && failed.url === url && !image ? 'error' : image ? 'loaded' : 'loading';

  return (
    <div
      ref={container}
      className="page-canvas"
      tabIndex={-1}
      style={{ cursor }}
      onPointerDown={onPointerDown}
      onPointerMove={onPointerMove}
      onPointerUp={endPan}
      onPointerCancel={endPan}
      onPointerLeave={() => {
        if (pointerReadout.current) pointerReadout.current.textContent = '';
      }}
      onAuxClick={(e) => e.preventDefault()}
      data-testid="page-canvas"
      data-image-state={imageState}
      data-level={shownForPage?.level ?? ''}
      data-level-width={shownForPage?.img.naturalWidth ?? ''}
      data-scale={scale.toFixed(6)}
      data-offset={`${x.toFixed(3)},${y.toFixed(3)}`}
    >
      {view && view.width > 0 && view.height > 0 ? (
        <Stage width={view.width} height={view.height} scaleX={scale} scaleY={scale} x={x} y={y}>
          <Layer listening={false}>
            <Rect
              x={0}
              y={0}
              width={page.width}
              height={page.height}
              fill="#ffffff"
              stroke="rgba(0,0,0,0.18)"
              strokeWidth={1}
              strokeScaleEnabled={false}
              perfectDrawEnabled={false}
            />
            {image ? <KonvaImage image={image} x={0} y={0} width={page.width} height={page.height} perfectDrawEnabled={false} /> : null}
            {tileLevel !== null && image ? <TileLayer page={page} level={tileLevel} /> : null}
          </Layer>
          {children}
        </Stage>
      ) : null}
      {imageState === 'loading' ? <div className="canvas-note">Loading page…</div> : null}
      {imageState === 'error' && failed ? (
        <div className="canvas-note canvas-note-error" role="alert" data-testid="page-image-error">
          {failed.message}
        </div>
      ) : null}
      <div className="canvas-readout" aria-hidden="true">
        <span ref={pointerReadout} />
        {shownForPage ? (
          <span className="muted" data-testid="canvas-level">
            Level {shownForPage.level} · {shownForPage.img.naturalWidth} × {shownForPage.img.naturalHeight}
          </span>
        ) : null}
      </div>
    </div>
  );
}
