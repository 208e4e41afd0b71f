import type Konva from 'konva';
import { useMemo, useRef } from 'react';
import type { Label, Page } from '../../../../shared/domain/model';
import { isReadOnly } from '../store';
import { useAnnotationUi } from '../uiStore';
import { useAnnotation } from '../useAnnotation';
import { BoxesLayer } from './BoxesLayer';
import { useCanvasDataset, useHoverLabel } from './canvasHost';
import { SelectionLayer } from './SelectionLayer';
import { useInkMap, usePageAnnotations } from './usePageAnnotations';
import { useStagePointer } from './useStagePointer';

/**
 * The annotation layers on the page stage: every box and pending prediction drawn by one custom
 * shape (BoxesLayer), then one layer with the selection as real nodes, a transformer for resizing
 * and the rectangle being drawn or the marquee (SelectionLayer). Pointer input is hit-tested
 * against a spatial index, and the model is written once per gesture (a drag is one undo step),
 * following Label Studio's canvas but without its per-region nodes.
 */
export function AnnotationLayers({ page, labels }: { page: Page; labels: Label[] }) {
  const { boxesById, boxes: pageBoxes, index, drawVersion, pagePredictions, labelMap, near } = usePageAnnotations(page, labels);
  const selection = useAnnotation((s) => s.selection);
  const readOnly = useAnnotation(isReadOnly);
  const tool = useAnnotationUi((s) => s.tool);
  const ink = useInkMap(page);

  const boxesLayer = useRef<Konva.Layer>(null);
  const selectionLayer = useRef<Konva.Layer>(null);
  const transformer = useRef<Konva.Transformer>(null);
  const draft = useRef<Konva.Rect>(null);
  useCanvasDataset(boxesLayer, { boxes: pageBoxes.length, predictions: pagePredictions.length }, ink.state);
  const hoverLabel = useHoverLabel(boxesLayer);
  useStagePointer({ page, index, boxesById, pagePredictions, boxesLayer, selectionLayer, transformer, draft, hoverLabel });

  const selected = useMemo(() => pageBoxes.filter((b) => selection.has(b.id) && !b.hidden), [pageBoxes, selection]);

  return (
    <>
      <BoxesLayer page={page} layerRef={boxesLayer} pageBoxes={pageBoxes} drawVersion={drawVersion} pagePredictions={pagePredictions} labelMap={labelMap} inkMap={ink.map} near={near} />
      <SelectionLayer page={page} selected={selected} resizable={tool === 'select' && !readOnly} layerRef={selectionLayer} transformerRef={transformer} draftRef={draft} />
    </>
  );
}
