import type Konva from 'konva';
import { useLayoutEffect, useRef } from 'react';
import { Layer, Shape } from 'react-konva';
import type { OcrWord } from '../../../../shared/domain/ocr';
import { useViewer } from '../../stores/viewer';

/** Thin, faint outlines: the words are a guide under the boxes, never mistaken for them. */
const WORD_STROKE = 'rgba(14, 116, 144, 0.55)';

/**
 * The page's OCR words as outlines, all drawn by one custom shape (a dense page has hundreds of
 * words): no Konva node and no React element per word, no hit canvas.
 */
export function WordsLayer({ words }: { words: readonly OcrWord[] }) {
  const layer = useRef<Konva.Layer>(null);
  const current = useRef(words);
  useLayoutEffect(() => {
    current.current = words;
    layer.current?.batchDraw();
  }, [words]);

  const drawScene = (context: Konva.Context) => {
    const ctx = context._context;
    const { scale } = useViewer.getState();
    ctx.save();
    ctx.strokeStyle = WORD_STROKE;
    // One screen pixel at any zoom.
    ctx.lineWidth = 1 / scale;
    ctx.beginPath();
    for (const w of current.current) ctx.rect(w.x, w.y, w.w, w.h);
    ctx.stroke();
    ctx.restore();
  };

  return (
    <Layer ref={layer} listening={false}>
      <Shape perfectDrawEnabled={false} listening={false} sceneFunc={drawScene} />
    </Layer>
  );
}
