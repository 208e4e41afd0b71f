import type Konva from 'konva';
import { useEffect, useRef, type RefObject } from 'react';
import type { Box, Page, Prediction } from '../../../../shared/domain/model';
import type { OcrWord } from '../../../../shared/domain/ocr';
import { useViewer } from '../../stores/viewer';
import type { SpatialIndex } from '../geometry';
import { wordAt, wordsInside } from '../pageWords';
import { questionBeingAnswered } from '../panels/qaActions';
import { isReadOnly } from '../store';
import { LOW_CONFIDENCE, useAnnotationUi } from '../uiStore';
import { annotationStore } from '../useAnnotation';
import { showHoverLabel } from './canvasHost';
import { describeBox, describePrediction } from './draw';
import {
  drawInteraction,
  hitBox,
  hitPrediction,
  marqueeInteraction,
  moveInteraction,
  selectionNodeId,
  wordBoxInteraction,
  type Interaction,
  type InteractionSurface,
  type Point,
} from './interactions';
import { showDraft } from './SelectionLayer';

const DOUBLE_CLICK_MS = 400;

/** What the pointer is tested against, and the nodes the interactions draw on. */
export interface StagePointerTargets {
  page: Page;
  index: SpatialIndex;
  boxesById: Readonly<Record<string, Box>>;
  pagePredictions: readonly Prediction[];
  /** The page's OCR words (none when the page has not been read). */
  words: readonly OcrWord[];
  boxesLayer: RefObject<Konva.Layer | null>;
  selectionLayer: RefObject<Konva.Layer | null>;
  transformer: RefObject<Konva.Transformer | null>;
  draft: RefObject<Konva.Rect | null>;
  hoverLabel: RefObject<HTMLDivElement | null>;
}

const onTransformer = (target: Konva.Node) => target.getParent()?.getClassName() === 'Transformer' || target.getClassName() === 'Transformer';

/**
 * What a press starts, or null when it is done at once: with Alt on a read page, a word taken
 * into the answer being typed or a box made from words; linking evidence to the question being
 * answered, drawing, picking a prediction, a marquee, toggling a box in the selection, or moving
 * the selection.
 */
function startPress(t: StagePointerTargets, surface: InteractionSurface, p: Point, e: PointerEvent): Interaction | null {
  const ui = useAnnotationUi.getState();
  const store = annotationStore.getState();
  const answering = questionBeingAnswered();
  // Alt works on the words whenever the page has them, shown or not.
  if (e.altKey && t.words.length) {
    e.preventDefault();
    if (isReadOnly(store)) {
      store.nudgeReadOnly();
      return null;
    }
    if (answering) {
      answerWithWord(t, answering, p);
      return null;
    }
    return wordBoxInteraction(surface, p, t.words);
  }
  // A box clicked while an answer is being typed is linked as its evidence; the caret stays.
  if (answering) {
    const hit = hitBox(p, t.index, t.boxesById);
    if (hit) {
      e.preventDefault();
      store.setActiveQa(answering);
      store.toggleEvidence(answering, hit.id);
      return null;
    }
  }
  if (ui.tool === 'draw' && !isReadOnly(store)) return drawInteraction(surface, p);
  const hit = hitBox(p, t.index, t.boxesById);
  if (hit && ui.linkingEvidence && store.activeQaId) {
    store.toggleEvidence(store.activeQaId, hit.id);
    return null;
  }
  if (!hit) {
    const pred = hitPrediction(p, t.pagePredictions);
    if (pred) {
      ui.set({ selectedPredictionId: pred.id });
      store.select([]);
      return null;
    }
    ui.set({ selectedPredictionId: null });
    return marqueeInteraction(surface, p, e.shiftKey);
  }
  ui.set({ selectedPredictionId: null });
  if (e.shiftKey || e.ctrlKey || e.metaKey) {
    store.select([hit.id], 'toggle');
    return null;
  }
  if (!store.selection.has(hit.id)) store.select([hit.id]);
  const ids = store.selection.has(hit.id) ? [...annotationStore.getState().selection] : [hit.id];
  const origins = new Map<string, Box>();
  for (const id of isReadOnly(store) ? [] : ids) {
    const b = annotationStore.getState().boxes[id];
    if (b && !b.locked && b.pageId === t.page.id) origins.set(id, b);
  }
  return moveInteraction(surface, p, origins);
}

/** The word under the pointer goes into the answer being typed; the box it lies in becomes evidence. */
function answerWithWord(t: StagePointerTargets, qaId: string, p: Point): void {
  const word = wordAt(t.words, p, 3 / useViewer.getState().scale);
  if (!word) return;
  let holder: Box | null = null;
  for (const id of t.index.query(word)) {
    const b = t.boxesById[id];
    if (b && !b.hidden && wordsInside([word], b).length && (!holder || b.w * b.h < holder.w * holder.h)) holder = b;
  }
  const store = annotationStore.getState();
  store.setActiveQa(qaId);
  store.appendToAnswer(qaId, word.text, holder?.id ?? null);
}

/** Name what is under the pointer (hover state, hover label, cursor). */
function hoverAt(t: StagePointerTargets, stage: Konva.Stage, p: Point): void {
  const hit = hitBox(p, t.index, t.boxesById);
  const pred = hit ? null : hitPrediction(p, t.pagePredictions);
  const ui = useAnnotationUi.getState();
  if ((hit?.id ?? null) !== ui.hoverBoxId || (pred?.id ?? null) !== ui.hoverPredictionId) ui.set({ hoverBoxId: hit?.id ?? null, hoverPredictionId: pred?.id ?? null });
  showHoverLabel(t.hoverLabel.current, stage, hit ? describeBox(hit) : pred ? describePrediction(pred, LOW_CONFIDENCE) : null);
  stage.container().style.cursor = ui.tool === 'draw' ? 'crosshair' : hit ? (hit.locked ? 'not-allowed' : 'move') : 'default';
}

/**
 * Pointer handling on the stage (Konva events, so the transformer's handles keep theirs): a press
 * starts one interaction (interactions.ts) that owns the pointer until release; without one, the
 * pointer hovers.
 */
export function useStagePointer(t: StagePointerTargets): void {
  const gesture = useRef<Interaction | null>(null);
  const lastClick = useRef<{ id: string; at: number } | null>(null);

  useEffect(() => {
    const stage = t.boxesLayer.current?.getStage();
    if (!stage) return;
    const imagePoint = () => stage.getRelativePointerPosition() ?? { x: 0, y: 0 };
    let hoverFrame = 0;
    const clearHover = () => {
      cancelAnimationFrame(hoverFrame);
      showHoverLabel(t.hoverLabel.current, stage, null);
      const ui = useAnnotationUi.getState();
      if (ui.hoverBoxId || ui.hoverPredictionId) ui.set({ hoverBoxId: null, hoverPredictionId: null });
    };

    // A second plain click on the same box soon after the first: edit its transcription.
    // (Konva's own dblclick also fires for a marquee followed by a click.)
    const click = (p: Point) => {
      const hit = hitBox(p, t.index, t.boxesById);
      const now = performance.now();
      const prev = lastClick.current;
      lastClick.current = hit ? { id: hit.id, at: now } : null;
      if (hit && prev && prev.id === hit.id && now - prev.at < DOUBLE_CLICK_MS) {
        lastClick.current = null;
        useAnnotationUi.getState().requestFocus('transcription', hit.id);
      }
    };
    const surface: InteractionSurface = {
      page: t.page,
      showDraft: (r, dashed) => showDraft(t.draft.current, r, dashed),
      selectionLayer: () => t.selectionLayer.current,
      transformer: () => t.transformer.current,
      query: (r) => t.index.query(r),
      click,
      selectionNodeId,
    };

    const down = (e: Konva.KonvaEventObject<PointerEvent>) => {
      showHoverLabel(t.hoverLabel.current, stage, null);
      if (e.evt.button !== 0 || useViewer.getState().spaceHeld || onTransformer(e.target)) return;
      const started = startPress(t, surface, imagePoint(), e.evt);
      if (started) gesture.current = started;
    };
    const move = (e: Konva.KonvaEventObject<PointerEvent>) => {
      const g = gesture.current;
      const p = imagePoint();
      if (!g && (e.evt.buttons !== 0 || useViewer.getState().spaceHeld)) return showHoverLabel(t.hoverLabel.current, stage, null); // panning: no hover work
      if (!g) {
        cancelAnimationFrame(hoverFrame);
        hoverFrame = requestAnimationFrame(() => hoverAt(t, stage, p));
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
    // The targets close over the current index and boxes; re-bind on every render, as they change.
  });
}
