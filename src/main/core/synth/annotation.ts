import type { Box } from '../../../shared/domain/model';
import type { SynthDocument } from './types';

/** A generated page's ground-truth boxes as Folio boxes on `pageId` (tests, benchmarks, demo data). */
export function truthBoxes(truth: SynthDocument, pageId: string): Box[] {
  return truth.boxes.map((b) => ({
    id: b.id,
    pageId,
    label: b.label,
    x: b.x,
    y: b.y,
    w: b.width,
    h: b.height,
    transcription: b.text,
    locked: false,
    hidden: false,
    originPredictionId: null,
  }));
}
