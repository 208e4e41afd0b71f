import type { FormatProblem } from '../../../../shared/domain/formats';

/**
 * What every format's reader turns its items into: pages (image references), boxes in the
 * format's own units and QA pairs, before images are matched to documents and boxes converted to
 * pixels. Each piece remembers where it came from (item, field) so a problem can say so.
 */

export interface RawPage {
  field: string;
  /** The image as the file names it (a path, a URL, a file name), or null. */
  ref: string | null;
  /** Folio's own ids when the file came from a Folio export. */
  hint: { documentId?: string | undefined; page?: number | undefined } | null;
  /** The image size the file declares (px), if it does. */
  size: { width: number; height: number } | null;
}

export type RawGeometry =
  | { units: 'px'; x: number; y: number; w: number; h: number }
  /** Label Studio: percent of the image, rotation in degrees about the top-left corner. */
  | { units: 'percent'; x: number; y: number; width: number; height: number; rotation: number }
  /** YOLO: centre and size as fractions of the image. */
  | { units: 'normalized'; cx: number; cy: number; w: number; h: number }
  /** Pascal VOC: 1-based inclusive pixel indices. */
  | { units: 'voc'; xmin: number; ymin: number; xmax: number; ymax: number };

export interface RawBox {
  /** The item this box belongs to, when it is not the enclosing item (COCO annotations). */
  item?: string;
  field: string;
  /** Index into the item's pages. */
  page: number;
  /** The box's id in the file (region id, annotation id…); null: one is made from its position. */
  id: string;
  label: string | null;
  labelField: string;
  geometry: RawGeometry;
  transcription: string;
  /** Model confidence (predictions). */
  score: number | null;
  /** Things to report about this box even though it is imported (e.g. a rotated rectangle). */
  notes?: { field: string; reason: string }[];
}

export interface RawQa {
  field: string;
  id: string;
  question: string;
  answer: string;
  unanswerable: boolean;
  /** Box ids (as in the file). */
  evidence: string[];
  source: 'template' | 'model' | 'annotator';
  score: number | null;
}

export interface RawItem {
  /** How a problem names the item: "tasks[3] (id 17)", "line 12", "images[4] (id 5)". */
  item: string;
  /** The file the item is in (VOC and YOLO have one file per page). */
  file: string;
  pages: RawPage[];
  /** Who the file says made it (an annotation's annotator, a prediction's model). */
  annotator: { id?: string | undefined; name: string } | null;
  model: string | null;
  boxes: RawBox[];
  qa: RawQa[];
}

export type ReadOutput = { kind: 'item'; item: RawItem } | { kind: 'problem'; problem: FormatProblem };

export interface ReaderOptions {
  file: string;
  as: 'annotations' | 'predictions';
  /** An --annotator was given: Label Studio takes only each task's newest annotation. */
  annotatorGiven: boolean;
  onBytes?: (bytes: number) => void;
}

export const problem = (file: string, item: string, field: string, reason: string, severity: FormatProblem['severity'] = 'error'): ReadOutput => ({
  kind: 'problem',
  problem: { severity, file, item, field, reason },
});

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
export const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
/** How a value is named in a reason: its JSON, cut short. */
export const shown = (v: unknown): string => {
  const s = v === undefined ? 'nothing' : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}…` : s;
};
