import type Konva from 'konva';
import { useEffect, useMemo, useRef } from 'react';
import type { Label, Page } from '../../../../shared/domain/model';
import type { OcrWord } from '../../../../shared/domain/ocr';
import { isReadOnly } from '../store';
import { useAnnotationUi } from '../uiStore';
import { useAnnotation } from '../useAnnotation';
import { loadPageWords, usePageWords } from '../pageWords';
import { BoxesLayer } from './BoxesLayer';
import { useCanvasDataset, useHoverLabel, useWordsDataset } from './canvasHost';
import { SelectionLayer } from './SelectionLayer';
import { useInkMap, usePageAnnotations } from './usePageAnnotations';
import { useStagePointer } from './useStagePointer';
import { WordsLayer } from './WordsLayer';

/**
 * The annotation layers on the page stage: every box and pending prediction drawn by one custom
 * shape (BoxesLayer), then one layer with the selection as real nodes, a transformer for resizing
 * and the rectangle being drawn or the marquee (SelectionLayer). Pointer input is hit-tested
 * against a spatial index, and the model is written once per gesture (a drag is one undo step),
 * following Label Studio's canvas but without its per-region nodes. Under them, when asked for,
 * the page's OCR words (WordsLayer).
 */
export function AnnotationLayers({ page, labels }: { page: Page; labels: Label[] }) {
  const { boxesById, boxes: pageBoxes, index, drawVersion, pagePredictions, labelMap, near } = usePageAnnotations(page, labels);
  const selection = useAnnotation((s) => s.selection);
  const readOnly = useAnnotation(isReadOnly);
  const tool = useAnnotationUi((s) => s.tool);
  const ink = useInkMap(page);
  const words = usePageWordsOf(page);
  const showWords = useAnnotationUi((s) => s.showWords);

  const boxesLayer = useRef<Konva.Layer>(null);
  const selectionLayer = useRef<Konva.Layer>(null);
  const transformer = useRef<Konva.Transformer>(null);
  const draft = useRef<Konva.Rect>(null);
  useCanvasDataset(boxesLayer, { boxes: pageBoxes.length, predictions: pagePredictions.length }, ink.state);
  useWordsDataset(boxesLayer, showWords, words.state, words.list.length);
  const hoverLabel = useHoverLabel(boxesLayer);
  useStagePointer({ page, index, boxesById, pagePredictions, words: words.list, boxesLayer, selectionLayer, transformer, draft, hoverLabel });

  const selected = useMemo(() => pageBoxes.filter((b) => selection.has(b.id) && !b.hidden), [pageBoxes, selection]);

  return (
    <>
      {showWords && words.list.length ? <WordsLayer words={words.list} /> : null}
      <BoxesLayer page={page} layerRef={boxesLayer} pageBoxes={pageBoxes} drawVersion={drawVersion} pagePredictions={pagePredictions} labelMap={labelMap} inkMap={ink.map} near={near} />
      <SelectionLayer page={page} selected={selected} resizable={tool === 'select' && !readOnly} layerRef={selectionLayer} transformerRef={transformer} draftRef={draft} />
    </>
  );
}

const NO_WORDS: readonly OcrWord[] = [];

/** The page's OCR words, fetched once the document is loaded (drawn boxes and Alt+click use them). */
function usePageWordsOf(page: Page): { state: string; list: readonly OcrWord[] } {
  const documentId = useAnnotation((s) => (s.loaded ? s.documentId : ''));
  const entry = usePageWords((s) => (s.documentId === documentId ? s.byPage[page.id] : undefined));
  useEffect(() => {
    if (documentId) void loadPageWords(page.id);
  }, [documentId, page.id]);
  return { state: entry?.state ?? 'loading', list: entry?.state === 'loaded' ? entry.words.words : NO_WORDS };
}
