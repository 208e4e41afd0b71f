import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportDocument } from '../exportReader';
import { StreamFile } from '../fileWriter';
import { roundTo } from '../geometry';
import type { ExportContext, FormatWriter, PageRef } from './types';

export const COCO_FILE = 'annotations.json';

/**
 * COCO object detection JSON (https://cocodataset.org/#format-data): `images`, `annotations`
 * with `bbox` = [x, y, width, height] in pixels from the image's top-left corner, `area` =
 * width × height, `iscrowd` 0, and `categories` from the project's label set. Every id starts at 1
 * (0 is falsy in too many evaluation scripts). Folio's extra fields are prefixed `folio_`:
 * per image the document, page, version and annotator, and on a document's first page its QA
 * pairs (`folio_qa`, with `evidence_ids` naming annotation ids); per annotation `transcription`
 * and `folio_box_id`. Coordinates keep 3 decimals (1/1000 px).
 *
 * Streaming: `images` go straight into the file, `annotations` into a side file appended at the
 * end, so one pass over the database writes both arrays and nothing accumulates in memory.
 */
export class CocoWriter implements FormatWriter {
  private readonly main: StreamFile;
  private readonly side: StreamFile;
  private readonly sidePath: string;
  private imageId = 0;
  private annotationId = 0;

  constructor(private readonly ctx: ExportContext) {
    this.main = new StreamFile(join(ctx.dir, COCO_FILE));
    this.sidePath = join(ctx.dir, '.annotations.part');
    this.side = new StreamFile(this.sidePath);
  }

  async begin(): Promise<void> {
    const info = {
      description: `Folio export of "${this.ctx.project.name}"`,
      version: '1.0',
      year: Number(this.ctx.now.slice(0, 4)),
      contributor: 'Folio',
      date_created: this.ctx.now,
      folio: { project: { id: this.ctx.project.id, name: this.ctx.project.name }, status: this.ctx.status, filters: this.ctx.filters, images: this.ctx.images },
    };
    await this.main.write(`{"info":${JSON.stringify(info)},"licenses":[],"images":[`);
  }

  async write(doc: ExportDocument, pages: PageRef[]): Promise<void> {
    const imageIds = new Map<string, number>();
    const annotationIds = new Map<string, number>();
    for (const b of doc.boxes) annotationIds.set(b.id, this.annotationId + annotationIds.size + 1);
    const a = doc.annotation;
    for (const [i, page] of doc.pages.entries()) {
      const id = ++this.imageId;
      imageIds.set(page.id, id);
      const image: Record<string, unknown> = {
        id,
        file_name: pages[i]!.ref,
        width: page.width,
        height: page.height,
        folio_document_id: doc.document.id,
        folio_source_name: doc.document.sourceName,
        folio_page: page.pageNumber,
        folio_annotation_id: a.id,
        folio_version: a.version,
        folio_kind: a.kind,
        folio_annotator: a.annotator.name,
        folio_annotator_id: a.annotator.id,
        folio_verified_at: a.verifiedAt,
      };
      if (i === 0) {
        image.folio_qa = doc.qa.map((q) => ({
          id: q.id,
          question: q.question,
          answer: q.answer,
          unanswerable: q.unanswerable,
          source: q.source,
          evidence_ids: q.evidenceBoxIds.map((b) => annotationIds.get(b)).filter((n) => n !== undefined),
          evidence_box_ids: q.evidenceBoxIds,
        }));
      }
      await this.main.write(`${id === 1 ? '' : ','}${JSON.stringify(image)}`);
    }
    for (const b of doc.boxes) {
      const id = ++this.annotationId;
      const w = roundTo(b.w, 3);
      const h = roundTo(b.h, 3);
      const ann = {
        id,
        image_id: imageIds.get(b.pageId)!,
        category_id: this.ctx.classes.id(b.label) + 1,
        bbox: [roundTo(b.x, 3), roundTo(b.y, 3), w, h],
        area: roundTo(w * h, 3),
        iscrowd: 0,
        segmentation: [],
        transcription: b.transcription,
        folio_box_id: b.id,
      };
      await this.side.write(`${id === 1 ? '' : ','}${JSON.stringify(ann)}`);
    }
  }

  async end(): Promise<string[]> {
    await this.main.write('],"annotations":[');
    await this.side.close();
    await this.main.append(this.sidePath);
    await rm(this.sidePath, { force: true });
    const categories = this.ctx.classes.names.map((name, i) => ({ id: i + 1, name, supercategory: 'folio' }));
    await this.main.write(`],"categories":${JSON.stringify(categories)}}\n`);
    await this.main.close();
    return [COCO_FILE];
  }

  abort(): void {
    this.main.destroy();
    this.side.destroy();
  }
}
