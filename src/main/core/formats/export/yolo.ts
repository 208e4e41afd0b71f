import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportDocument } from '../exportReader';
import { StreamFile } from '../fileWriter';
import { toYolo } from '../geometry';
import type { ExportContext, FormatWriter, PageRef } from './types';

export const YOLO_LABELS_DIR = 'labels';
export const YOLO_CLASSES = 'classes.txt';
export const YOLO_DATA = 'data.yaml';
export const YOLO_IMAGE_LIST = 'images.txt';

/**
 * YOLO (Darknet/Ultralytics) text: labels/<image stem>.txt per page, one line per box —
 * `class cx cy w h`, the centre and size as fractions of the image's width and height with 6
 * decimals — and classes.txt (line n = class n, the project's label set in order) plus a data.yaml
 * naming the same classes. A page without boxes gets an empty file (a background image).
 * images.txt lists every page image (relative when copied, absolute when referenced).
 * YOLO carries neither transcriptions nor QA pairs.
 */
export class YoloWriter implements FormatWriter {
  private readonly list: StreamFile;

  constructor(private readonly ctx: ExportContext) {
    this.list = new StreamFile(join(ctx.dir, YOLO_IMAGE_LIST));
  }

  async begin(): Promise<void> {
    await mkdir(join(this.ctx.dir, YOLO_LABELS_DIR), { recursive: true });
  }

  async write(doc: ExportDocument, pages: PageRef[]): Promise<void> {
    for (const [i, page] of doc.pages.entries()) {
      const ref = pages[i]!;
      const lines: string[] = [];
      for (const b of doc.boxes) if (b.pageId === page.id) lines.push(`${toYolo(this.ctx.classes.id(b.label), b, page.width, page.height)}\n`);
      await writeFile(join(this.ctx.dir, YOLO_LABELS_DIR, `${ref.stem}.txt`), lines.join(''));
      await this.list.write(`${ref.ref}\n`);
    }
  }

  async end(): Promise<string[]> {
    await this.list.close();
    const names = this.ctx.classes.names;
    await writeFile(join(this.ctx.dir, YOLO_CLASSES), names.map((n) => `${n.replace(/[\r\n]+/g, ' ')}\n`).join(''));
    // JSON strings are valid YAML scalars, so names need no YAML escaping of their own.
    const yaml = [
      `# Folio export of ${JSON.stringify(this.ctx.project.name)}`,
      'path: .',
      `train: ${this.ctx.images === 'copy' ? this.ctx.imageDir : YOLO_IMAGE_LIST}`,
      `val: ${this.ctx.images === 'copy' ? this.ctx.imageDir : YOLO_IMAGE_LIST}`,
      `nc: ${names.length}`,
      'names:',
      ...names.map((n, i) => `  ${i}: ${JSON.stringify(n)}`),
      '',
    ].join('\n');
    await writeFile(join(this.ctx.dir, YOLO_DATA), yaml);
    return [YOLO_LABELS_DIR, YOLO_CLASSES, YOLO_DATA, YOLO_IMAGE_LIST];
  }

  abort(): void {
    this.list.destroy();
  }
}
