import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportDocument } from '../exportReader';
import { StreamFile } from '../fileWriter';
import { toVoc, xmlEscape } from '../geometry';
import type { ExportContext, FormatWriter, PageRef } from './types';

export const VOC_ANNOTATIONS_DIR = 'Annotations';
export const VOC_IMAGES_DIR = 'JPEGImages';
export const VOC_IMAGESET = 'ImageSets/Main/default.txt';

/**
 * Pascal VOC XML, one file per page image in Annotations/ (the devkit's layout; copied images go
 * to JPEGImages/ whatever their type, the file name keeps the real extension). Boxes are integer
 * 1-based inclusive pixel indices, rounded (see toVoc). Transcriptions and Folio's box ids ride
 * along as CVAT-style <attributes>; <folio> names the document, page and version. VOC has no
 * place for QA pairs: they are not exported in this format.
 */
export class VocWriter implements FormatWriter {
  private imageSet: StreamFile | null = null;

  constructor(private readonly ctx: ExportContext) {}

  async begin(): Promise<void> {
    await mkdir(join(this.ctx.dir, VOC_ANNOTATIONS_DIR), { recursive: true });
    await mkdir(join(this.ctx.dir, 'ImageSets', 'Main'), { recursive: true });
    this.imageSet = new StreamFile(join(this.ctx.dir, ...VOC_IMAGESET.split('/')));
  }

  async write(doc: ExportDocument, pages: PageRef[]): Promise<void> {
    const a = doc.annotation;
    for (const [i, page] of doc.pages.entries()) {
      const ref = pages[i]!;
      const objects: string[] = [];
      for (const b of doc.boxes) {
        if (b.pageId !== page.id) continue;
        this.ctx.classes.id(b.label);
        const v = toVoc(b, page.width, page.height);
        objects.push(`  <object>
    <name>${xmlEscape(b.label ?? '(unlabelled)')}</name>
    <pose>Unspecified</pose>
    <truncated>0</truncated>
    <difficult>0</difficult>
    <bndbox>
      <xmin>${v.xmin}</xmin>
      <ymin>${v.ymin}</ymin>
      <xmax>${v.xmax}</xmax>
      <ymax>${v.ymax}</ymax>
    </bndbox>
    <attributes>
      <attribute><name>transcription</name><value>${xmlEscape(b.transcription)}</value></attribute>
      <attribute><name>folio_box_id</name><value>${xmlEscape(b.id)}</value></attribute>
    </attributes>
  </object>
`);
      }
      const copied = this.ctx.images === 'copy';
      const xml = `<?xml version="1.0" encoding="UTF-8"?>
<annotation>
  <folder>${copied ? VOC_IMAGES_DIR : ''}</folder>
  <filename>${xmlEscape(ref.fileName)}</filename>
  <path>${xmlEscape(ref.ref)}</path>
  <source>
    <database>Folio</database>
    <annotation>${xmlEscape(this.ctx.project.name)}</annotation>
    <image>${xmlEscape(doc.document.sourceName)}</image>
  </source>
  <size>
    <width>${page.width}</width>
    <height>${page.height}</height>
    <depth>3</depth>
  </size>
  <segmented>0</segmented>
  <folio>
    <document_id>${doc.document.id}</document_id>
    <page>${page.pageNumber}</page>
    <annotation_id>${xmlEscape(a.id)}</annotation_id>
    <version>${a.version}</version>
    <kind>${a.kind}</kind>
    <annotator>${xmlEscape(a.annotator.name)}</annotator>
    <annotator_id>${xmlEscape(a.annotator.id)}</annotator_id>
  </folio>
${objects.join('')}</annotation>
`;
      await writeFile(join(this.ctx.dir, VOC_ANNOTATIONS_DIR, `${ref.stem}.xml`), xml);
      await this.imageSet!.write(`${ref.stem}\n`);
    }
  }

  async end(): Promise<string[]> {
    await this.imageSet!.close();
    return [VOC_ANNOTATIONS_DIR, VOC_IMAGESET];
  }

  abort(): void {
    this.imageSet?.destroy();
  }
}
