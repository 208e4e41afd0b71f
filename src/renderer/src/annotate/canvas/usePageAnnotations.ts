import { useEffect, useMemo, useState } from 'react';
import type { Label, Page } from '../../../../shared/domain/model';
import { SpatialIndex, type Rect } from '../geometry';
import { LOW_CONFIDENCE, useAnnotationUi } from '../uiStore';
import { useAnnotation } from '../useAnnotation';
import { loadInkMap } from './inkMapLoader';
import type { InkMap } from './labelRoom';
import { pageBoxes as pageBoxesOf } from './pageBoxes';

/** What the layers show of one page: its boxes (with their spatial index), its shown predictions and the labels by name. */
export function usePageAnnotations(page: Page, labels: Label[]) {
  const boxesById = useAnnotation((s) => s.boxes);
  const order = useAnnotation((s) => s.order);
  const predictions = useAnnotation((s) => s.predictions);
  const showPredictions = useAnnotationUi((s) => s.showPredictions);
  const lowOnly = useAnnotationUi((s) => s.lowConfidenceOnly);

  const labelMap = useMemo(() => new Map(labels.map((l) => [l.name, l])), [labels]);
  const onPage = useMemo(() => pageBoxesOf(page.id, Math.max(page.width, page.height), order, boxesById), [order, boxesById, page.id, page.width, page.height]);
  const pagePredictions = useMemo(
    () => (showPredictions ? predictions.filter((p) => p.pageId === page.id && p.status === 'pending' && (!lowOnly || p.confidence < LOW_CONFIDENCE)) : []),
    [predictions, page.id, showPredictions, lowOnly],
  );
  const { index } = onPage;
  // Boxes and predictions near a spot, which label text must not cover either.
  const predictionIndex = useMemo(() => {
    const rects = new Map<string, Rect>();
    const spatial = new SpatialIndex(Math.max(64, Math.round(Math.max(page.width, page.height) / 64)));
    for (const p of pagePredictions) {
      if (p.kind !== 'box' || p.x === null || p.y === null || p.w === null || p.h === null) continue;
      const r = { x: p.x, y: p.y, w: p.w, h: p.h };
      rects.set(p.id, r);
      spatial.set(p.id, r);
    }
    return { rects, spatial };
  }, [pagePredictions, page.width, page.height]);
  const near = useMemo(
    () =>
      function* (r: Rect): Iterable<Rect> {
        for (const id of index.query(r)) {
          const b = boxesById[id];
          if (b) yield b;
        }
        for (const id of predictionIndex.spatial.query(r)) yield predictionIndex.rects.get(id)!;
      },
    [index, boxesById, predictionIndex],
  );
  return { boxesById, ...onPage, pagePredictions, labelMap, near };
}

/** Where the page is printed on, so label text can be kept off it: null while loading or when unreadable, told apart by `state`. */
export function useInkMap(page: Page): { map: InkMap | null; state: 'loading' | 'ready' | 'unavailable' } {
  const [ink, setInk] = useState<{ pageId: string; map: InkMap | null } | null>(null);
  useEffect(() => {
    let cancelled = false;
    void loadInkMap(page).then((map) => !cancelled && setInk({ pageId: page.id, map }));
    return () => {
      cancelled = true;
    };
  }, [page]);
  if (ink?.pageId !== page.id) return { map: null, state: 'loading' };
  return { map: ink.map, state: ink.map ? 'ready' : 'unavailable' };
}
