import { useRef, type ReactNode } from 'react';
import { Image as KonvaImage, Layer, Rect, Stage } from 'react-konva';
import type { Page } from '../../../shared/domain/model';
import { TileLayer } from './TileLayer';
import { usePageImage } from './usePageImage';
import { usePointerPan, useSpaceToPan, useStageSize, useWheelZoom } from './useViewportInput';
import { useViewer } from '../stores/viewer';

// Views take their key handling rules from here with the canvas.
export { isActivation, isTypingTarget } from './keyTargets';

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
  const view = useViewer((s) => s.view);
  const scale = useViewer((s) => s.scale);
  const x = useViewer((s) => s.x);
  const y = useViewer((s) => s.y);
  const fittedPageId = useViewer((s) => s.pageId);
  const dpr = useStageSize(container);
  useWheelZoom(container);
  const spaceDown = useSpaceToPan();
  const { panning, readout: pointerReadout, handlers } = usePointerPan(container, page, panWithPrimaryButton, spaceDown);

  const ready = view !== null && fittedPageId === page.id;
  const { shown: shownForPage, tileLevel, state: imageState, error } = usePageImage(page, ready, scale, dpr);
  const image = shownForPage?.img ?? null;
  const cursor = panning ? 'grabbing' : spaceDown || panWithPrimaryButton ? 'grab' : 'default';

  return (
    <div
      ref={container}
      className="page-canvas"
      tabIndex={-1}
      style={{ cursor }}
      {...handlers}
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
      {imageState === 'error' && error !== null ? (
        <div className="canvas-note canvas-note-error" role="alert" data-testid="page-image-error">
          {error}
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
