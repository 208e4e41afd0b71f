import { join } from 'node:path';
import type { ExportDocument } from '../exportReader';
import { StreamFile } from '../fileWriter';
import { FOLIO_JSONL_FORMAT, FOLIO_JSONL_VERSION, type JsonlLine } from '../jsonlSchema';
import type { ExportContext, FormatWriter, PageRef } from './types';

export const JSONL_FILE = 'documents.jsonl';

/** The JSONL line of one exported document (its shape is jsonlLineSchema). */
export function jsonlLine(ctx: Pick<ExportContext, 'project'>, doc: ExportDocument, pages: PageRef[]): JsonlLine {
  const a = doc.annotation;
  return {
    format: FOLIO_JSONL_FORMAT,
    formatVersion: FOLIO_JSONL_VERSION,
    project: { id: ctx.project.id, name: ctx.project.name },
    document: {
      id: doc.document.id,
      sourceName: doc.document.sourceName,
      sourcePath: doc.document.sourcePath,
      kind: doc.document.kind as JsonlLine['document']['kind'],
      pageCount: doc.document.pageCount,
      byteSize: doc.document.byteSize,
    },
    pages: doc.pages.map((p, i) => ({ page: p.pageNumber, width: p.width, height: p.height, image: pages[i]!.ref })),
    annotation: { id: a.id, kind: a.kind, status: 'verified', version: a.version, annotator: a.annotator, createdAt: a.createdAt, verifiedAt: a.verifiedAt, parentId: a.parentId },
    lineage: doc.lineage,
    boxes: doc.boxes.map((b) => ({ id: b.id, page: b.pageNumber, label: b.label, x: b.x, y: b.y, w: b.w, h: b.h, transcription: b.transcription, originPredictionId: b.originPredictionId })),
    qa: doc.qa.map((q) => ({ id: q.id, question: q.question, answer: q.answer, unanswerable: q.unanswerable, source: q.source, templateId: q.templateId, evidence: q.evidenceBoxIds })),
  };
}

/** Folio JSONL: one document per line with everything (docs/formats/folio-jsonl.schema.json). */
export class JsonlWriter implements FormatWriter {
  private readonly file: StreamFile;

  constructor(private readonly ctx: ExportContext) {
    this.file = new StreamFile(join(ctx.dir, JSONL_FILE));
  }

  async begin(): Promise<void> {}

  async write(doc: ExportDocument, pages: PageRef[]): Promise<void> {
    for (const b of doc.boxes) this.ctx.classes.id(b.label);
    await this.file.write(`${JSON.stringify(jsonlLine(this.ctx, doc, pages))}\n`);
  }

  async end(): Promise<string[]> {
    await this.file.close();
    return [JSONL_FILE];
  }

  abort(): void {
    this.file.destroy();
  }
}
