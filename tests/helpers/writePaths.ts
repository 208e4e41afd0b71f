import { SYNTH_LABELS } from '../../src/main/core/synth';
import type { Box, QaPair } from '../../src/shared/domain/model';

/**
 * Content a save can be recognised by after a crash: generation n has a known number of boxes
 * (enough that a save takes a while), each carrying n in its transcription, and one answer that
 * names n and cites the first box. A mix of generations, or the wrong count, is a half-written save.
 */
export function generationSize(n: number): number {
  return 200 + (n % 9) * 150;
}

export function generationContent(n: number, pageId: string): { boxes: Box[]; qa: QaPair[] } {
  const boxes: Box[] = Array.from({ length: generationSize(n) }, (_, k) => ({
    id: `g${n}-b${k}`,
    pageId,
    label: SYNTH_LABELS[k % SYNTH_LABELS.length]!.name,
    x: (k % 20) * 4,
    y: Math.floor(k / 20) * 3,
    w: 3,
    h: 2,
    transcription: `generation ${n} box ${k}`,
    locked: false,
    hidden: false,
    originPredictionId: null,
  }));
  const qa: QaPair[] = [
    { id: `g${n}-q`, question: 'Which generation?', answer: String(n), unanswerable: false, source: 'annotator', templateId: null, originPredictionId: null, evidenceBoxIds: [boxes[0]!.id] },
  ];
  return { boxes, qa };
}

/** Why stored content is not one whole generation, or null when it is (empty content is a whole nothing). */
export function generationProblem(content: { boxes: { id: string; transcription: string }[]; qa: { id: string; answer: string }[] }): string | null {
  if (!content.boxes.length && !content.qa.length) return null;
  const generations = new Set(content.boxes.map((b) => /^generation (\d+) box/.exec(b.transcription)?.[1] ?? '?'));
  if (generations.size !== 1) return `boxes of generations ${[...generations].join(', ')} in one annotation`;
  const n = Number([...generations][0]);
  if (content.boxes.length !== generationSize(n)) return `generation ${n} has ${content.boxes.length} boxes, not ${generationSize(n)}`;
  if (content.qa.length !== 1 || content.qa[0]!.answer !== String(n)) return `generation ${n} has answers ${JSON.stringify(content.qa.map((q) => q.answer))}`;
  return null;
}
