import type Konva from 'konva';
import { useEffect, useLayoutEffect, useMemo, useRef, type RefObject } from 'react';
import { Layer, Shape } from 'react-konva';
import type { Box, Label, Page, Prediction } from '../../../../shared/domain/model';
import { useApp } from '../../stores/app';
import { useViewer } from '../../stores/viewer';
import { publishDrawnText, recordPerf } from '../../lib/perf';
import type { Rect } from '../geometry';
import { LOW_CONFIDENCE, useAnnotationUi } from '../uiStore';
import { useAnnotation } from '../useAnnotation';
import { drawAnnotations, newLabelLayout } from './draw';
import type { InkMap } from './labelRoom';

/** How long the zoom must rest before label text is placed for it. */
const ZOOM_REST_MS = 150;

function visibleRect(page: Page): Rect {
  const { scale, x, y, view } = useViewer.getState();
  if (!view) return { x: 0, y: 0, w: page.width, h: page.height };
  return { x: -x / scale, y: -y / scale, w: view.width / scale, h: view.height / scale };
}

interface BoxesLayerProps {
  page: Page;
  layerRef: RefObject<Konva.Layer | null>;
  pageBoxes: Box[];
  /** Moves only when something drawn of the boxes changed. */
  drawVersion: number;
  pagePredictions: Prediction[];
  labelMap: Map<string, Label>;
  inkMap: InkMap | null;
  near: (r: Rect) => Iterable<Rect>;
}

/**
 * Every box and pending prediction of the page drawn by one custom shape: no Konva node per box,
 * no hit canvas (pointer input is hit-tested against the spatial index instead).
 */
export function BoxesLayer({ page, layerRef, pageBoxes, drawVersion, pagePredictions, labelMap, inkMap, near }: BoxesLayerProps) {
  const selection = useAnnotation((s) => s.selection);
  const problems = useAnnotation((s) => s.problems);
  const hoverId = useAnnotationUi((s) => s.hoverBoxId);
  const hoverPredictionId = useAnnotationUi((s) => s.hoverPredictionId);
  const highlightIds = useAnnotationUi((s) => s.highlightBoxIds);
  const selectedPredictionId = useAnnotationUi((s) => s.selectedPredictionId);
  const showLabels = useApp((s) => s.settings?.ui.showBoxLabels ?? true);
  const problemIds = useMemo(() => new Set(problems.flatMap((p) => (p.kind === 'unlabelled_box' ? [p.boxId] : []))), [problems]);
  const highlight = useMemo(() => new Set(highlightIds), [highlightIds]);

  const labelLayout = useRef(newLabelLayout());
  // When the zoom last changed: label text waits for it to rest, then one more frame draws it.
  const zoom = useRef({ scale: 0, at: 0, timer: 0 });
  useEffect(() => () => clearTimeout(zoom.current.timer), []);

  // What the shape draws is read at draw time, so pan and zoom redraw without React.
  const drawState = useRef({ pageBoxes, pagePredictions, labelMap, selection, hoverId, hoverPredictionId, highlight, problemIds, selectedPredictionId, showLabels, inkMap, near });
  // Fresh data for the next draw always; a redraw only when something drawn changed (typing a
  // transcription changes no pixel of the canvas).
  useLayoutEffect(() => {
    drawState.current = { pageBoxes, pagePredictions, labelMap, selection, hoverId, hoverPredictionId, highlight, problemIds, selectedPredictionId, showLabels, inkMap, near };
  }, [pageBoxes, pagePredictions, labelMap, selection, hoverId, hoverPredictionId, highlight, problemIds, selectedPredictionId, showLabels, inkMap, near]);
  useLayoutEffect(() => {
    layerRef.current?.batchDraw();
  }, [layerRef, drawVersion, pagePredictions, labelMap, selection, hoverId, hoverPredictionId, highlight, problemIds, selectedPredictionId, showLabels, inkMap]);

  const drawScene = (context: Konva.Context) => {
    const s = drawState.current;
    const { scale } = useViewer.getState();
    const started = performance.now();
    const z = zoom.current;
    if (scale !== z.scale) {
      z.scale = scale;
      z.at = started;
      clearTimeout(z.timer);
      // A little past the rest, so that frame is no longer "zooming".
      z.timer = window.setTimeout(() => layerRef.current?.batchDraw(), ZOOM_REST_MS + 30);
    }
    const { texts, incomplete } = drawAnnotations(context._context, {
      boxes: s.pageBoxes,
      predictions: s.pagePredictions,
      labels: s.labelMap,
      selection: s.selection,
      hoverId: s.hoverId,
      highlight: s.highlight,
      problems: s.problemIds,
      selectedPredictionId: s.selectedPredictionId,
      hoverPredictionId: s.hoverPredictionId,
      showLabels: s.showLabels,
      zooming: started - z.at < ZOOM_REST_MS,
      scale,
      visible: visibleRect(page),
      lowConfidence: LOW_CONFIDENCE,
      page,
      ink: s.inkMap,
      near: s.near,
      layout: labelLayout.current,
    });
    recordPerf('drawBoxes', performance.now() - started);
    publishDrawnText(texts);
    if (incomplete) requestAnimationFrame(() => layerRef.current?.batchDraw());
  };

  return (
    <Layer ref={layerRef} listening={false}>
      <Shape perfectDrawEnabled={false} listening={false} sceneFunc={drawScene} />
    </Layer>
  );
}
