import sharp from 'sharp';
import { AppError } from '../../../shared/contract/errors';
import type { RegionReading, RegionRequest } from '../../../shared/domain/ocr';
import type { DocumentsRepo } from '../db/repos/documents';
import type { MediaStore } from '../media/mediaStore';
import { readPageRegion, type GreyImage, type PixelRect } from '../media/pageRegion';
import { findInk, type InkBox } from './ink';
import { TesseractReader, type SegmentationMode, type TesseractOptions } from './tesseract';

/** Page pixels a snapped box may reach past the drawn one, to take in a descender the box clipped. */
export const SNAP_MARGIN = 4;
/** Regions larger than this many pixels are read scaled down (a box round a whole scan, say). */
export const MAX_WORK_PIXELS = 4_000_000;
/** Text whose lines are shorter than this (pixels) is enlarged, 2× to 4×: tesseract misreads small print. */
export const UPSCALE_BELOW_LINE_HEIGHT = 48;
/** ...until its lines are about this tall (measured best on generated pages at two sizes). */
const UPSCALED_LINE_HEIGHT = 36;
/** White added around the ink before recognition, in pixels of the image tesseract sees. */
const PADDING = 16;

export interface OcrServiceDeps {
  documents: DocumentsRepo;
  media: MediaStore;
  tesseract?: TesseractOptions;
}

/**
 * Reads the text inside a region of a page, offline: the region is cut from the page's stored
 * image, its ink found (Otsu), the ink cut out, upscaled when the print is small, padded and
 * recognised by one long-lived tesseract.js worker with a segmentation mode for one line or a
 * block. The ink's bounding box is returned too, for snapping a drawn box to its text.
 */
export class OcrService {
  private readonly reader: TesseractReader;

  constructor(private readonly deps: OcrServiceDeps) {
    this.reader = new TesseractReader(deps.tesseract);
  }

  /** Whether the tesseract worker is running (it starts on the first region read). */
  get workerRunning(): boolean {
    return this.reader.running;
  }

  async readRegion(req: RegionRequest): Promise<RegionReading> {
    const started = performance.now();
    const page = this.deps.documents.page(req.projectId, req.documentId, req.pageId);
    const region = clipToPage(req, page);
    if (!region) {
      throw new AppError(
        'invalid_request',
        `x, y, w, h: the region ${fmt(req.x)}–${fmt(req.x + req.w)} × ${fmt(req.y)}–${fmt(req.y + req.h)} lies outside page ${page.pageNumber}, which is ${page.width} × ${page.height} px`,
        { details: { field: 'x' } },
      );
    }
    const crop = clipToPage({ x: region.x - SNAP_MARGIN, y: region.y - SNAP_MARGIN, w: region.w + 2 * SNAP_MARGIN, h: region.h + 2 * SNAP_MARGIN }, page)!;
    const scale = Math.min(1, Math.sqrt(MAX_WORK_PIXELS / (crop.w * crop.h)));
    const image = await readPageRegion(this.deps.media, page, crop, scale);
    const within = {
      x: Math.round((region.x - crop.x) * scale),
      y: Math.round((region.y - crop.y) * scale),
      w: Math.max(1, Math.min(image.width, Math.round(region.w * scale))),
      h: Math.max(1, Math.min(image.height, Math.round(region.h * scale))),
    };
    const ink = findInk(image, within);
    const done = (text: string, confidence: number, snapped: PixelRect | null): RegionReading => ({
      text,
      confidence,
      snapped,
      ms: Math.round(performance.now() - started),
    });
    if (!ink) return done('', 0, null);
    const snapped = toPage(ink.box, crop, scale, page);
    if (req.readText === false) return done('', 0, snapped);
    const { png, mode } = await recognitionImage(image, ink, scale === 1);
    const result = await this.reader.recognise(png, mode);
    return done(normaliseText(result.text), Math.round(result.confidence) / 100, snapped);
  }

  close(): Promise<void> {
    return this.reader.close();
  }
}

/** Whitespace as a transcription has it: single spaces, none at the ends (line breaks become spaces). */
export const normaliseText = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** The whole-pixel part of a rectangle that lies on the page, or null when none does. */
function clipToPage(r: { x: number; y: number; w: number; h: number }, page: { width: number; height: number }): PixelRect | null {
  const x0 = Math.max(0, Math.floor(r.x));
  const y0 = Math.max(0, Math.floor(r.y));
  const x1 = Math.min(page.width, Math.ceil(r.x + r.w));
  const y1 = Math.min(page.height, Math.ceil(r.y + r.h));
  if (x1 - x0 < 1 || y1 - y0 < 1) return null;
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** A rectangle in the crop's pixels back in page pixels, kept on the page and on the crop. */
function toPage(r: PixelRect, crop: PixelRect, scale: number, page: { width: number; height: number }): PixelRect {
  const x0 = Math.max(crop.x, Math.floor(crop.x + r.x / scale));
  const y0 = Math.max(crop.y, Math.floor(crop.y + r.y / scale));
  const x1 = Math.min(crop.x + crop.w, page.width, Math.ceil(crop.x + (r.x + r.w) / scale));
  const y1 = Math.min(crop.y + crop.h, page.height, Math.ceil(crop.y + (r.y + r.h) / scale));
  return { x: x0, y: y0, w: Math.max(1, x1 - x0), h: Math.max(1, y1 - y0) };
}

/**
 * What tesseract reads: the ink cut out, enlarged when its lines are short (and the region was read
 * at full resolution), dark on light, with white around it.
 */
async function recognitionImage(image: GreyImage, ink: InkBox, fullResolution: boolean): Promise<{ png: Buffer; mode: SegmentationMode }> {
  const heights = ink.lines.map((l) => l.h).sort((a, b) => a - b);
  const lineHeight = heights[Math.floor(heights.length / 2)] ?? ink.box.h;
  const { box } = ink;
  let upscale = fullResolution && lineHeight < UPSCALE_BELOW_LINE_HEIGHT ? Math.min(4, Math.max(2, Math.ceil(UPSCALED_LINE_HEIGHT / lineHeight))) : 1;
  while (upscale > 1 && box.w * box.h * upscale * upscale > MAX_WORK_PIXELS) upscale--;
  // Tesseract reads dark print on light paper best: a banner's light letters are turned dark.
  const cut = new Uint8Array(box.w * box.h);
  for (let y = 0; y < box.h; y++) cut.set(image.data.subarray((box.y + y) * image.width + box.x, (box.y + y) * image.width + box.x + box.w), y * box.w);
  if (ink.threshold.inverted) for (let i = 0; i < cut.length; i++) cut[i] = 255 - cut[i]!;
  let pipeline = sharp(cut, { raw: { width: box.w, height: box.h, channels: 1 } });
  if (upscale !== 1) pipeline = pipeline.resize(box.w * upscale, box.h * upscale, { kernel: 'lanczos3' });
  const png = await pipeline.extend({ top: PADDING, bottom: PADDING, left: PADDING, right: PADDING, background: { r: 255, g: 255, b: 255 } }).png({ compressionLevel: 1 }).toBuffer();
  return { png, mode: segmentation(ink) };
}

/**
 * How tesseract should segment the ink: several bands of ink are a block; one band is a line, or a
 * single word when it is hardly wider than tall (a quantity, a short code), which tesseract reads
 * as a line poorly ("1" came back as "[|").
 */
export function segmentation(ink: InkBox): SegmentationMode {
  if (ink.lines.length > 1) return 'block';
  return ink.box.w < 2 * ink.box.h ? 'word' : 'line';
}

const fmt = (n: number): string => String(Math.round(n * 10) / 10);
