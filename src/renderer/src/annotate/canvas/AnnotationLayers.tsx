import type Konva from 'konva';
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { Layer, Rect, Shape, Transformer } from 'react-konva';
import type { Box, Label, Page } from '../../../../shared/domain/model';
import { useApp } from '../../stores/app';
import { useViewer } from '../../stores/viewer';
import { publishDrawnText, recordPerf } from '../../lib/perf';
import { clampRect, MIN_BOX_SIZE, SpatialIndex, type Rect as R } from '../geometry';
import { LOW_CONFIDENCE, useAnnotationUi } from '../uiStore';
import { questionBeingAnswered } from '../panels/qaActions';
import { isReadOnly } from '../store';
import { annotationStore, useAnnotation } from '../useAnnotation';
import { describeBox, describePrediction, drawAnnotations, newLabelLayout } from './draw';
import { loadInkMap } from './inkMapLoader';
import { drawInteraction, marqueeInteraction, moveInteraction, type Interaction, type InteractionSurface, type Point } from './interactions';
import type { InkMap } from './labelRoom';
import { pageBoxes as pageBoxesOf } from './pageBoxes';

/**
 * The annotation layers on the page stage: every box and pending prediction drawn by one custom
 * shape (no Konva node per box, no hit canvas), then one layer with the selection as real nodes, a
 * transformer for resizing and the rectangle being drawn or the marquee. Pointer input is
 * hit-tested against a spatial index, and the model is written once per gesture (a drag is one
 * undo step), following Label Studio's canvas but without its per-region nodes.
 */

const SELECT_COLOUR = '#0091ff';
/** Screen pixels around the pointer that still count as "on" a box edge. */
const HIT_TOLERANCE = 3;
const DOUBLE_CLICK_MS = 400;
/** How long the zoom must rest before label text is placed for it. */
const ZOOM_REST_MS = 150;

function visibleRect(page: Page): R {
  const { scale, x, y, view } = useViewer.getState();
  if (!view) return { x: 0, y: 0, w: page.width, h: page.height };
  return { x: -x / scale, y: -y / scale, w: view.width / scale, h: view.height / scale };
}

export function AnnotationLayers({ page, labels }: { page: Page; labels: Label[] }) {
  const boxesById = useAnnotation((s) => s.boxes);
  const order = useAnnotation((s) => s.order);
  const predictions = useAnnotation((s) => s.predictions);
  const selection = useAnnotation((s) => s.selection);
  const problems = useAnnotation((s) => s.problems);
  const readOnly = useAnnotation(isReadOnly);
  const tool = useAnnotationUi((s) => s.tool);
  const hoverId = useAnnotationUi((s) => s.hoverBoxId);
  const hoverPredictionId = useAnnotationUi((s) => s.hoverPredictionId);
  const highlightIds = useAnnotationUi((s) => s.highlightBoxIds);
  const selectedPredictionId = useAnnotationUi((s) => s.selectedPredictionId);
  const showPredictions = useAnnotationUi((s) => s.showPredictions);
  const lowOnly = useAnnotationUi((s) => s.lowConfidenceOnly);
  const showLabels = useApp((s) => s.settings?.ui.showBoxLabels ?? true);

  const labelMap = useMemo(() => new Map(labels.map((l) => [l.name, l])), [labels]);
  const onPage = useMemo(() => pageBoxesOf(page.id, Math.max(page.width, page.height), order, boxesById), [order, boxesById, page.id, page.width, page.height]);
  const { boxes: pageBoxes, index, drawVersion } = onPage;
  const pagePredictions = useMemo(
    () => (showPredictions ? predictions.filter((p) => p.pageId === page.id && p.status === 'pending' && (!lowOnly || p.confidence < LOW_CONFIDENCE)) : []),
    [predictions, page.id, showPredictions, lowOnly],
  );
  const problemIds = useMemo(() => new Set(problems.flatMap((p) => (p.kind === 'unlabelled_box' ? [p.boxId] : []))), [problems]);
  const highlight = useMemo(() => new Set(highlightIds), [highlightIds]);

  // Where the page is printed on, so label text can be kept off it (null until known).
  const [ink, setInk] = useState<{ pageId: string; map: InkMap | null } | null>(null);
  useEffect(() => {
    let cancelled = false;
    void loadInkMap(page).then((map) => !cancelled && setInk({ pageId: page.id, map }));
    return () => {
      cancelled = true;
    };
  }, [page]);
  const inkMap = ink?.pageId === page.id ? ink.map : null;
  // Boxes and predictions near a spot, which label text must not cover either.
  const predictionIndex = useMemo(() => {
    const rects = new Map<string, R>();
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
      function* (r: R): Iterable<R> {
        for (const id of index.query(r)) {
          const b = boxesById[id];
          if (b) yield b;
        }
        for (const id of predictionIndex.spatial.query(r)) yield predictionIndex.rects.get(id)!;
      },
    [index, boxesById, predictionIndex],
  );
  const labelLayout = useRef(newLabelLayout());
  // When the zoom last changed: label text waits for it to rest, then one more frame draws it.
  const zoom = useRef({ scale: 0, at: 0, timer: 0 });
  useEffect(() => () => clearTimeout(zoom.current.timer), []);

  // What the shape draws is read at draw time, so pan and zoom redraw without React.
  const drawState = useRef({ pageBoxes, pagePredictions, labelMap, selection, hoverId, hoverPredictionId, highlight, problemIds, selectedPredictionId, showLabels, inkMap, near });
  const boxesLayer = useRef<Konva.Layer>(null);
  // Fresh data for the next draw always; a redraw only when something drawn changed (typing a
  // transcription changes no pixel of the canvas).
  useLayoutEffect(() => {
    drawState.current = { pageBoxes, pagePredictions, labelMap, selection, hoverId, hoverPredictionId, highlight, problemIds, selectedPredictionId, showLabels, inkMap, near };
  }, [pageBoxes, pagePredictions, labelMap, selection, hoverId, hoverPredictionId, highlight, problemIds, selectedPredictionId, showLabels, inkMap, near]);
  useLayoutEffect(() => {
    boxesLayer.current?.batchDraw();
  }, [drawVersion, pagePredictions, labelMap, selection, hoverId, hoverPredictionId, highlight, problemIds, selectedPredictionId, showLabels, inkMap]);

  // State the end-to-end tests and the benchmark read from the DOM (the canvas itself has none).
  // Save state is mirrored synchronously from the store, so a test that just pressed a key sees
  // "pending", never a stale "saved".
  useEffect(() => {
    const el = boxesLayer.current?.getStage()?.container().closest<HTMLElement>('[data-testid="page-canvas"]');
    if (!el) return;
    const mirror = (s: ReturnType<typeof annotationStore.getState>) => {
      el.dataset.saveState = s.saveState;
      el.dataset.revision = String(s.revision);
      el.dataset.selected = String(s.selection.size);
    };
    mirror(annotationStore.getState());
    return annotationStore.subscribe(mirror);
  }, []);
  useEffect(() => {
    const el = boxesLayer.current?.getStage()?.container().closest<HTMLElement>('[data-testid="page-canvas"]');
    if (!el) return;
    el.dataset.boxes = String(pageBoxes.length);
    el.dataset.predictions = String(pagePredictions.length);
  }, [pageBoxes.length, pagePredictions.length]);
  useEffect(() => {
    const el = boxesLayer.current?.getStage()?.container().closest<HTMLElement>('[data-testid="page-canvas"]');
    if (el) el.dataset.inkMap = ink?.pageId !== page.id ? 'loading' : ink.map ? 'ready' : 'unavailable';
  }, [ink, page.id]);

  // The label of what is under the pointer, beside the pointer: on the canvas itself label text
  // only goes where there is room (draw.ts), so hover is how any box can be read at any zoom.
  const hoverLabel = useRef<HTMLDivElement | null>(null);
  useEffect(() => {
    const host = boxesLayer.current?.getStage()?.container().closest<HTMLElement>('[data-testid="page-canvas"]');
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
  }, []);

  const selected = useMemo(() => pageBoxes.filter((b) => selection.has(b.id) && !b.hidden), [pageBoxes, selection]);
  const editable = !readOnly;
  const selectionLayer = useRef<Konva.Layer>(null);
  const transformer = useRef<Konva.Transformer>(null);
  const draft = useRef<Konva.Rect>(null);
  const gesture = useRef<Interaction | null>(null);
  const lastClick = useRef<{ id: string; at: number } | null>(null);

  // Attach the transformer to the selected, unlocked boxes.
  useEffect(() => {
    const tr = transformer.current;
    const layer = selectionLayer.current;
    if (!tr || !layer) return;
    const nodes = selected.filter((b) => !b.locked).map((b) => layer.findOne(`#sel-${cssId(b.id)}`)).filter((n): n is Konva.Node => !!n);
    tr.nodes(tool === 'select' && editable ? nodes : []);
    layer.batchDraw();
  }, [selected, tool, editable]);

  /** The smallest visible box under the point (nested fields win over the table around them). */
  const hitBox = (p: { x: number; y: number }): Box | null => {
    const tol = HIT_TOLERANCE / useViewer.getState().scale;
    let best: Box | null = null;
    for (const id of index.query({ x: p.x - tol, y: p.y - tol, w: 2 * tol, h: 2 * tol })) {
      const b = boxesById[id];
      if (!b || b.hidden) continue;
      if (p.x >= b.x - tol && p.x <= b.x + b.w + tol && p.y >= b.y - tol && p.y <= b.y + b.h + tol) {
        if (!best || b.w * b.h < best.w * best.h) best = b;
      }
    }
    return best;
  };

  const hitPrediction = (p: { x: number; y: number }) => {
    const tol = HIT_TOLERANCE / useViewer.getState().scale;
    let best: (typeof pagePredictions)[number] | null = null;
    for (const pr of pagePredictions) {
      if (pr.x === null || pr.y === null || pr.w === null || pr.h === null) continue;
      if (p.x >= pr.x - tol && p.x <= pr.x + pr.w + tol && p.y >= pr.y - tol && p.y <= pr.y + pr.h + tol) {
        if (!best || pr.w * pr.h < best.w! * best.h!) best = pr;
      }
    }
    return best;
  };

  // Pointer handling on the stage (Konva events, so the transformer's handles keep theirs).
  useEffect(() => {
    const stage = boxesLayer.current?.getStage();
    if (!stage) return;
    const imagePoint = () => stage.getRelativePointerPosition() ?? { x: 0, y: 0 };
    const onTransformer = (target: Konva.Node) => target.getParent()?.getClassName() === 'Transformer' || target.getClassName() === 'Transformer';
    const showDraft = (r: R | null, dashed: boolean) => {
      const node = draft.current;
      if (!node) return;
      if (!r) {
        node.visible(false);
      } else {
        node.setAttrs({ x: r.x, y: r.y, width: r.w, height: r.h, visible: true, dash: dashed ? [6, 4] : [], stroke: dashed ? SELECT_COLOUR : '#16a34a' });
      }
      node.getLayer()?.batchDraw();
    };
    let hoverFrame = 0;
    const showHoverLabel = (text: string | null) => {
      const tip = hoverLabel.current;
      if (!tip) return;
      const at = stage.getPointerPosition();
      if (!text || !at) {
        tip.hidden = true;
        return;
      }
      if (tip.textContent !== text) tip.textContent = text;
      tip.hidden = false;
      // Below and to the right of the pointer, flipped to stay inside the canvas.
      const { width, height } = stage.size();
      const x = at.x + 14 + tip.offsetWidth > width ? at.x - 8 - tip.offsetWidth : at.x + 14;
      const y = at.y + 20 + tip.offsetHeight > height ? at.y - 8 - tip.offsetHeight : at.y + 20;
      tip.style.transform = `translate(${Math.max(0, x)}px, ${Math.max(0, y)}px)`;
    };
    const clearHover = () => {
      cancelAnimationFrame(hoverFrame);
      showHoverLabel(null);
      const ui = useAnnotationUi.getState();
      if (ui.hoverBoxId || ui.hoverPredictionId) ui.set({ hoverBoxId: null, hoverPredictionId: null });
    };

    // A second plain click on the same box soon after the first: edit its transcription.
    // (Konva's own dblclick also fires for a marquee followed by a click.)
    const click = (p: Point) => {
      const hit = hitBox(p);
      const now = performance.now();
      const prev = lastClick.current;
      lastClick.current = hit ? { id: hit.id, at: now } : null;
      if (hit && prev && prev.id === hit.id && now - prev.at < DOUBLE_CLICK_MS) {
        lastClick.current = null;
        useAnnotationUi.getState().requestFocus('transcription', hit.id);
      }
    };
    const surface: InteractionSurface = {
      page,
      showDraft,
      selectionLayer: () => selectionLayer.current,
      transformer: () => transformer.current,
      query: (r) => index.query(r),
      click,
      selectionNodeId: (id) => `sel-${cssId(id)}`,
    };

    const down = (e: Konva.KonvaEventObject<PointerEvent>) => {
      showHoverLabel(null);
      if (e.evt.button !== 0 || useViewer.getState().spaceHeld || onTransformer(e.target)) return;
      const ui = useAnnotationUi.getState();
      const store = annotationStore.getState();
      const p = imagePoint();
      // A box clicked while an answer is being typed is linked as its evidence; the caret stays.
      const answering = questionBeingAnswered();
      if (answering) {
        const hit = hitBox(p);
        if (hit) {
          e.evt.preventDefault();
          store.setActiveQa(answering);
          store.toggleEvidence(answering, hit.id);
          return;
        }
      }
      if (ui.tool === 'draw' && !isReadOnly(store)) {
        gesture.current = drawInteraction(surface, p);
        return;
      }
      const hit = hitBox(p);
      if (hit && ui.linkingEvidence && store.activeQaId) {
        store.toggleEvidence(store.activeQaId, hit.id);
        return;
      }
      if (!hit) {
        const pred = hitPrediction(p);
        if (pred) {
          ui.set({ selectedPredictionId: pred.id });
          store.select([]);
          return;
        }
        ui.set({ selectedPredictionId: null });
        gesture.current = marqueeInteraction(surface, p, e.evt.shiftKey);
        return;
      }
      ui.set({ selectedPredictionId: null });
      if (e.evt.shiftKey || e.evt.ctrlKey || e.evt.metaKey) {
        store.select([hit.id], 'toggle');
        return;
      }
      if (!store.selection.has(hit.id)) store.select([hit.id]);
      const ids = store.selection.has(hit.id) ? [...annotationStore.getState().selection] : [hit.id];
      const origins = new Map<string, Box>();
      for (const id of isReadOnly(store) ? [] : ids) {
        const b = annotationStore.getState().boxes[id];
        if (b && !b.locked && b.pageId === page.id) origins.set(id, b);
      }
      gesture.current = moveInteraction(surface, p, origins);
    };

    const move = (e: Konva.KonvaEventObject<PointerEvent>) => {
      const g = gesture.current;
      const p = imagePoint();
      if (!g && (e.evt.buttons !== 0 || useViewer.getState().spaceHeld)) return showHoverLabel(null); // panning: no hover work
      if (!g) {
        cancelAnimationFrame(hoverFrame);
        hoverFrame = requestAnimationFrame(() => {
          const hit = hitBox(p);
          const pred = hit ? null : hitPrediction(p);
          const ui = useAnnotationUi.getState();
          if ((hit?.id ?? null) !== ui.hoverBoxId || (pred?.id ?? null) !== ui.hoverPredictionId) ui.set({ hoverBoxId: hit?.id ?? null, hoverPredictionId: pred?.id ?? null });
          showHoverLabel(hit ? describeBox(hit) : pred ? describePrediction(pred, LOW_CONFIDENCE) : null);
          stage.container().style.cursor = ui.tool === 'draw' ? 'crosshair' : hit ? (hit.locked ? 'not-allowed' : 'move') : 'default';
        });
        return;
      }
      g.move(p);
    };

    const up = () => {
      const g = gesture.current;
      gesture.current = null;
      g?.end(imagePoint());
    };

    stage.on('pointerdown.annotate', down);
    stage.on('pointermove.annotate', move);
    stage.on('pointerup.annotate pointercancel.annotate', up);
    stage.on('pointerleave.annotate', clearHover);
    return () => {
      cancelAnimationFrame(hoverFrame);
      stage.off('.annotate');
    };
    // hitBox/hitPrediction close over the current index and boxes; re-bind when they change.
  });

  const onTransformEnd = () => {
    const layer = selectionLayer.current;
    if (!layer) return;
    const updates = selected.flatMap((b) => {
      const node = layer.findOne(`#sel-${cssId(b.id)}`);
      if (!node) return [];
      const r = clampRect({ x: node.x(), y: node.y(), w: Math.max(MIN_BOX_SIZE, node.width() * node.scaleX()), h: Math.max(MIN_BOX_SIZE, node.height() * node.scaleY()) }, page.width, page.height);
      node.setAttrs({ scaleX: 1, scaleY: 1, width: r.w, height: r.h, x: r.x, y: r.y });
      return [{ id: b.id, patch: r }];
    });
    annotationStore.getState().updateBoxes(updates);
  };

  return (
    <>
      <Layer ref={boxesLayer} listening={false}>
        <Shape
          perfectDrawEnabled={false}
          listening={false}
          sceneFunc={(context) => {
            const s = drawState.current;
            const { scale } = useViewer.getState();
            const started = performance.now();
            const z = zoom.current;
            if (scale !== z.scale) {
              z.scale = scale;
              z.at = started;
              clearTimeout(z.timer);
              // A little past the rest, so that frame is no longer "zooming".
              z.timer = window.setTimeout(() => boxesLayer.current?.batchDraw(), ZOOM_REST_MS + 30);
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
            if (incomplete) requestAnimationFrame(() => boxesLayer.current?.batchDraw());
          }}
        />
      </Layer>
      <Layer ref={selectionLayer}>
        {selected.map((b) => (
          <Rect
            key={b.id}
            id={`sel-${cssId(b.id)}`}
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
          ref={transformer}
          rotateEnabled={false}
          keepRatio={false}
          flipEnabled={false}
          ignoreStroke
          anchorSize={8}
          borderStroke={SELECT_COLOUR}
          anchorStroke={SELECT_COLOUR}
          boundBoxFunc={(oldBox, newBox) => {
            const { scale, x, y } = useViewer.getState();
            // newBox is in screen pixels: keep it on the page and not smaller than a couple of pixels.
            const left = x;
            const top = y;
            const right = x + page.width * scale;
            const bottom = y + page.height * scale;
            if (newBox.width < MIN_BOX_SIZE * scale || newBox.height < MIN_BOX_SIZE * scale) return oldBox;
            if (newBox.x < left - 0.5 || newBox.y < top - 0.5 || newBox.x + newBox.width > right + 0.5 || newBox.y + newBox.height > bottom + 0.5) return oldBox;
            return newBox;
          }}
          onTransformEnd={onTransformEnd}
        />
        <Rect ref={draft} visible={false} strokeWidth={1.5} strokeScaleEnabled={false} fill="rgba(0, 145, 255, 0.06)" perfectDrawEnabled={false} listening={false} />
      </Layer>
    </>
  );
}

/** Box ids are UUIDs or imported ids: make them safe inside a Konva "#id" selector. */
function cssId(id: string): string {
  return id.replace(/[^a-zA-Z0-9_-]/g, '_');
}
