/** Public shapes of the synthetic generator. Coordinates are final image pixels (floats). */

export interface SynthBox {
  id: string;
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** Exactly the string drawn inside the box ('' for non-text marks such as a signature). */
  text: string;
}

/** One run of non-space characters as drawn, boxed tightly around its ink. */
export interface SynthWord {
  id: string;
  text: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** The truth box this word is part of; null for printed text that is no field (headings, captions). */
  boxId: string | null;
}

export interface SynthQa {
  id: string;
  question: string;
  /** null = the document does not answer the question. */
  answer: string | null;
  /** Boxes whose texts, joined with a single space, equal `answer`. Empty when unanswerable. */
  evidenceBoxIds: string[];
}

export type SynthKind = 'invoice' | 'receipt' | 'form';

export interface SynthDocument {
  /** Stable: `${kind}-${seed}-${index}`. */
  id: string;
  kind: SynthKind;
  width: number;
  height: number;
  boxes: SynthBox[];
  /**
   * Every word drawn on the page, in drawing order (so a box's words are in reading order).
   * Always set by the generator; optional so hand-made truth (tests, older files) still types.
   */
  words?: SynthWord[];
  qa: SynthQa[];
  /** Set on a scanned-looking variant: how its image is degraded (boxes and words already include the skew). */
  scan?: ScanSettings;
}

export interface GeneratedPage {
  truth: SynthDocument;
  png: Buffer;
}

export interface TruthOptions {
  kind?: SynthKind;
  width?: number;
  height?: number;
  /** Number of table rows; large values switch to a multi-column table with a smaller font. */
  lineItems?: number;
  /** A scanned-looking variant: true for the defaults, or some settings (the rest default). */
  scan?: boolean | ScanOptions;
}

export interface ScanOptions {
  /** Picks the skew and the noise; defaults to one derived from the page's seed and index. */
  seed?: number;
  /** Standard deviation of the gaussian noise added to every pixel (0-255 scale); 0 = none. Default 8. */
  noise?: number;
  /** Gaussian blur sigma in pixels; 0 = none, else at least 0.3. Default 0.6. */
  blur?: number;
  /** Extra rotation of the page content; default 1-2 degrees either way, chosen by the seed. */
  skewDegrees?: number;
  /** JPEG quality 1-100 (the image is then JPEG whatever `format` says); null = no JPEG step. Default 70. */
  jpegQuality?: number | null;
}

export type ScanSettings = Required<ScanOptions>;

export interface RenderOptions {
  format?: 'png' | 'jpeg';
}

export type PageOptions = TruthOptions & RenderOptions;
