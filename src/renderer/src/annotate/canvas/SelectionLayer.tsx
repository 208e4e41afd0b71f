import type Konva from 'konva';
import { useEffect, type RefObject } from 'react';
import { Layer, Rect, Transformer } from 'react-konva';
import type { Box, Page } from '../../../../shared/domain/model';
import type { Rect as R } from '../geometry';
import { endResize, keepResizeOnPage, selectionNodeId } from './interactions';

const SELECT_COLOUR = '#0091ff';

/** Show the rectangle being drawn (solid green) or the marquee (dashed blue); null hides it. */
export function showDraft(node: Konva.Rect | null, r: R | null, dashed: boolean): void {
  if (!node) return;
  if (!r) {
    node.visible(false);
  } else {
    node.setAttrs({ x: r.x, y: r.y, width: r.w, height: r.h, visible: true, dash: dashed ? [6, 4] : [], stroke: dashed ? SELECT_COLOUR : '#16a34a' });
  }
  node.getLayer()?.batchDraw();
}

interface SelectionLayerProps {
  page: Page;
  /** The selected, shown boxes of this page. */
  selected: Box[];
  /** Whether the transformer may resize them (the select tool, on an editable document). */
  resizable: boolean;
  layerRef: RefObject<Konva.Layer | null>;
  transformerRef: RefObject<Konva.Transformer | null>;
  draftRef: RefObject<Konva.Rect | null>;
}

/** The selection as real nodes, the transformer that resizes them, and the draft or marquee rectangle. */
export function SelectionLayer({ page, selected, resizable, layerRef, transformerRef, draftRef }: SelectionLayerProps) {
  // Attach the transformer to the selected, unlocked boxes.
  useEffect(() => {
    const tr = transformerRef.current;
    const layer = layerRef.current;
    if (!tr || !layer) return;
    const nodes = selected.filter((b) => !b.locked).map((b) => layer.findOne(`#${selectionNodeId(b.id)}`)).filter((n): n is Konva.Node => !!n);
    tr.nodes(resizable ? nodes : []);
    layer.batchDraw();
  }, [selected, resizable, layerRef, transformerRef]);

  const onTransformEnd = () => {
    const layer = layerRef.current;
    if (layer) endResize(page, layer, selected);
  };

  return (
    <Layer ref={layerRef}>
      {selected.map((b) => (
        <Rect
          key={b.id}
          id={selectionNodeId(b.id)}
          x={b.x}
          y={b.y}
          width={b.w}
          height={b.h}
          stroke={b.locked ? '#9ca3af' : SELECT_COLOUR}
          strokeWidth={2}
          strokeScaleEnabled={false}
          fill="rgba(0, 145, 255, 0.08)"
          perfectDrawEnabled={false}
          listening={false}
        />
      ))}
      <Transformer
        ref={transformerRef}
        rotateEnabled={false}
        keepRatio={false}
        flipEnabled={false}
        ignoreStroke
        anchorSize={8}
        borderStroke={SELECT_COLOUR}
        anchorStroke={SELECT_COLOUR}
        boundBoxFunc={(oldBox, newBox) => keepResizeOnPage(page, oldBox, newBox)}
        onTransformEnd={onTransformEnd}
      />
      <Rect ref={draftRef} visible={false} strokeWidth={1.5} strokeScaleEnabled={false} fill="rgba(0, 145, 255, 0.06)" perfectDrawEnabled={false} listening={false} />
    </Layer>
  );
}
