import type { Box } from '../../../shared/domain/model';

/**
 * The answer the evidence boxes spell: their transcriptions in evidence order, joined by one space
 * (how multi-box answers are written everywhere in Folio: a street line and a city line make one
 * address). Empty when no evidence box has text.
 */
export function evidenceText(boxes: Record<string, Box>, ids: readonly string[]): string {
  return ids
    .map((id) => boxes[id]?.transcription.trim() ?? '')
    .filter(Boolean)
    .join(' ');
}
