import type Konva from 'konva';
import { useEffect, useRef } from 'react';
import { Layer, Rect, Text, Transformer } from 'react-konva';
import type { Page } from '../../../shared/domain/model';
import type { ReviewDocument, ReviewSource } from '../../../shared/domain/review';
import { useViewer } from '../stores/viewer';
import { chosenBox, type BoxChoice } from './resolution';
import { useReviewDoc } from './reviewStore';

/**
 * Every source's boxes on the page, one colour per source (the model dashed), the boxes of the
 * current item on top and the rest dimmed. A box not every annotator drew is filled, so missing
 * and extra boxes stand out. The lead's pick for the current item is outlined in black and white;
 * while it is being edited it can be moved and resized. A review page holds tens of boxes, so
 * plain Konva nodes (one per box, clickable) are enough here — unlike the annotation canvas.
 */

const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f'];
const MODEL_COLOUR = '#6b7280';
const GOLD_COLOUR = '#ca8a04';

export function sourceColour(sources: readonly ReviewSource[], sourceId: string): string {
  const s = sources.find((x) => x.id === sourceId);
  if (s?.kind === 'model') return MODEL_COLOUR;
  if (s?.kind === 'gold') return GOLD_COLOUR;
  const people = sources.filter((x) => x.kind === 'annotator');
  return PALETTE[Math.max(0, people.findIndex((x) => x.id === sourceId)) % PALETTE.length]!;
}

export function ReviewLayers({ page, doc, sources }: { page: Page; doc: ReviewDocument; sources: ReviewSource[] }) {
  const hidden = useReviewDoc((s) => s.hidden);
  const current = useReviewDoc((s) => s.current);
  const choices = useReviewDoc((s) => s.choices);
  const editing = useReviewDoc((s) => s.editing);
  const scale = useViewer((s) => s.scale);
  const annotators = sources.filter((s) => s.kind === 'annotator').map((s) => s.id);
  const groups = doc.boxGroups.filter((g) => g.pageId === page.id);
  const currentGroup = current?.kind === 'box' ? groups.find((g) => g.id === current.id) : undefined;
  const choice = currentGroup ? choices.boxes[currentGroup.id] : undefined;
  const picked = currentGroup ? chosenBox(currentGroup, choice) : null;
  const fontSize = 12 / scale;

  return (
    <Layer>
      {groups.flatMap((g) => {
        const isCurrent = g.id === currentGroup?.id;
        const lone = annotators.length > 1 && annotators.some((id) => !g.boxes[id]);
        return Object.entries(g.boxes)
          .filter(([sourceId]) => !hidden[sourceId])
          .map(([sourceId, b]) => {
            const colour = sourceColour(sources, sourceId);
            const model = sources.find((s) => s.id === sourceId)?.kind === 'model';
            return (
              <Rect
                key={`${g.id}/${sourceId}`}
                x={b.x}
                y={b.y}
                width={b.w}
                height={b.h}
                stroke={colour}
                strokeWidth={isCurrent ? 3 : lone ? 2.5 : 1.5}
                strokeScaleEnabled={false}
                dash={model ? [6, 4] : undefined}
                fill={lone ? `${colour}2e` : isCurrent ? `${colour}14` : undefined}
                opacity={currentGroup && !isCurrent ? 0.45 : 1}
                onClick={() => useReviewDoc.getState().select({ kind: 'box', id: g.id })}
                onTap={() => useReviewDoc.getState().select({ kind: 'box', id: g.id })}
                perfectDrawEnabled={false}
              />
            );
          });
      })}
      {currentGroup
        ? Object.entries(currentGroup.boxes)
            .filter(([sourceId]) => !hidden[sourceId])
            .map(([sourceId, b], i) => {
              const n = sources.findIndex((s) => s.id === sourceId) + 1;
              return (
                <Text
                  key={`label/${sourceId}`}
                  x={b.x}
                  y={b.y - fontSize * 1.3 * (i + 1)}
                  text={`${n} ${b.label ?? '(no label)'}`}
                  fontSize={fontSize}
                  fill={sourceColour(sources, sourceId)}
                  listening={false}
                />
              );
            })
        : null}
      {picked && currentGroup && choice ? (
        choice.kind === 'edit' && editing ? (
          <EditableBox groupId={currentGroup.id} choice={choice} page={page} />
        ) : (
          <>
            <Rect x={picked.x} y={picked.y} width={picked.w} height={picked.h} stroke="#ffffff" strokeWidth={4} strokeScaleEnabled={false} listening={false} />
            <Rect x={picked.x} y={picked.y} width={picked.w} height={picked.h} stroke="#111111" strokeWidth={2} dash={[5, 4]} strokeScaleEnabled={false} listening={false} />
          </>
        )
      ) : null}
    </Layer>
  );
}

/** The lead's own version of a box: drag to move, handles to resize; kept on the page. */
function EditableBox({ groupId, choice, page }: { groupId: string; choice: Extract<BoxChoice, { kind: 'edit' }>; page: Page }) {
  const rect = useRef<Konva.Rect>(null);
  const transformer = useRef<Konva.Transformer>(null);
  useEffect(() => {
    if (rect.current && transformer.current) {
      transformer.current.nodes([rect.current]);
      transformer.current.getLayer()?.batchDraw();
    }
  }, [choice.x, choice.y, choice.w, choice.h]);
  const commit = () => {
    const node = rect.current;
    if (!node) return;
    const w = Math.max(1, node.width() * node.scaleX());
    const h = Math.max(1, node.height() * node.scaleY());
    node.scaleX(1);
    node.scaleY(1);
    const x = Math.min(Math.max(0, node.x()), page.width - 1);
    const y = Math.min(Math.max(0, node.y()), page.height - 1);
    useReviewDoc.getState().chooseBox(groupId, { ...choice, x, y, w: Math.min(w, page.width - x), h: Math.min(h, page.height - y) });
  };
  return (
    <>
      <Rect
        ref={rect}
        x={choice.x}
        y={choice.y}
        width={choice.w}
        height={choice.h}
        stroke="#111111"
        strokeWidth={2}
        fill="rgba(255,255,255,0.15)"
        strokeScaleEnabled={false}
        draggable
        onDragEnd={commit}
        onTransformEnd={commit}
      />
      <Transformer ref={transformer} rotateEnabled={false} keepRatio={false} ignoreStroke />
    </>
  );
}
