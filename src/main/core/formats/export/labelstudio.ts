import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExportDocument } from '../exportReader';
import { StreamFile } from '../fileWriter';
import { toPercent, xmlEscape } from '../geometry';
import type { ExportContext, FormatWriter, PageRef } from './types';

export const LS_TASKS_FILE = 'tasks.json';
export const LS_CONFIG_FILE = 'label_config.xml';

/** Control and object tag names used by the tasks and by label_config.xml. */
export const LS_NAMES = { image: 'image', labels: 'label', transcription: 'transcription', question: 'question', answer: 'answer' } as const;

/** Where Label Studio's local file storage serves files from (the converter's default image root). */
export const LS_LOCAL_FILES = '/data/local-files/?d=';

export interface LsResult {
  original_width?: number;
  original_height?: number;
  image_rotation?: number;
  value: Record<string, unknown>;
  id: string;
  from_name: string;
  to_name: string;
  type: string;
  origin?: string;
  score?: number;
  meta?: Record<string, unknown>;
}

/**
 * The results of one region exactly as Label Studio serializes them (web/libs/editor/src/regions/
 * Result.js `serialize`, regions/RectRegion.jsx `serialize`): one result per control tag, all
 * with the region's id; each carries original_width/original_height/image_rotation and the
 * region's geometry in percent (x, y, width, height, rotation) plus its own value —
 * `rectanglelabels` for the label, `text` for the per-region TextArea.
 */
export function regionResults(box: { id: string; label: string | null; x: number; y: number; w: number; h: number; transcription: string }, width: number, height: number): LsResult[] {
  const geometry = () => ({ ...toPercent(box, width, height), rotation: 0 });
  const common = { original_width: width, original_height: height, image_rotation: 0 };
  const out: LsResult[] = [
    { ...common, value: { ...geometry(), rectanglelabels: box.label === null ? [] : [box.label] }, id: box.id, from_name: LS_NAMES.labels, to_name: LS_NAMES.image, type: 'rectanglelabels', origin: 'manual' },
  ];
  // Label Studio writes no TextArea result for a region whose text area was left empty.
  if (box.transcription !== '') {
    out.push({ ...common, value: { ...geometry(), text: [box.transcription] }, id: box.id, from_name: LS_NAMES.transcription, to_name: LS_NAMES.image, type: 'textarea', origin: 'manual' });
  }
  return out;
}

/**
 * Label Studio JSON tasks, one per page image, importable into a project set up with
 * label_config.xml (written beside them). Boxes are RectangleLabels regions with a per-region
 * TextArea for the transcription; a document's QA pairs are on its first page's task: the
 * questions in `data.qa` (shown by a Repeater), each answer a TextArea result `answer_<i>` → 
 * `question_<i>` whose `meta` holds `evidence` (region ids) and `unanswerable`. Folio's own ids
 * (document, page, version, annotator) are in `data.folio`.
 */
export class LabelStudioWriter implements FormatWriter {
  private readonly file: StreamFile;
  private taskId = 0;

  constructor(private readonly ctx: ExportContext) {
    this.file = new StreamFile(join(ctx.dir, LS_TASKS_FILE));
  }

  async begin(): Promise<void> {
    await this.file.write('[');
  }

  async write(doc: ExportDocument, pages: PageRef[]): Promise<void> {
    const a = doc.annotation;
    for (const [i, page] of doc.pages.entries()) {
      const id = ++this.taskId;
      const result: LsResult[] = [];
      for (const b of doc.boxes) {
        if (b.pageId !== page.id) continue;
        if (b.label !== null) this.ctx.classes.id(b.label); // the config must list every label used
        result.push(...regionResults(b, page.width, page.height));
      }
      const data: Record<string, unknown> = {
        image: `${LS_LOCAL_FILES}${pages[i]!.ref.replace(/^\/+/, '')}`,
        folio: {
          documentId: doc.document.id,
          sourceName: doc.document.sourceName,
          page: page.pageNumber,
          pageCount: doc.pages.length,
          annotationId: a.id,
          version: a.version,
          kind: a.kind,
          annotator: a.annotator,
          verifiedAt: a.verifiedAt,
        },
      };
      if (i === 0 && doc.qa.length) {
        data.qa = doc.qa.map((q) => ({ id: q.id, question: q.question }));
        doc.qa.forEach((q, n) => {
          result.push({
            value: { text: q.unanswerable || q.answer === '' ? [] : [q.answer] },
            id: q.id,
            from_name: `${LS_NAMES.answer}_${n}`,
            to_name: `${LS_NAMES.question}_${n}`,
            type: 'textarea',
            origin: 'manual',
            meta: { evidence: q.evidenceBoxIds, unanswerable: q.unanswerable, source: q.source },
          });
        });
      }
      const task = {
        id,
        data,
        annotations: [{ id, result, was_cancelled: false, ground_truth: a.kind === 'gold', created_at: a.createdAt, updated_at: a.verifiedAt, lead_time: 0 }],
        predictions: [],
      };
      await this.file.write(`${id === 1 ? '' : ','}\n${JSON.stringify(task)}`);
    }
  }

  async end(): Promise<string[]> {
    await this.file.write('\n]\n');
    await this.file.close();
    await writeFile(join(this.ctx.dir, LS_CONFIG_FILE), labelConfig(this.ctx.classes.names, new Map(this.ctx.project.labels.map((l) => [l.name, l.color]))));
    return [LS_TASKS_FILE, LS_CONFIG_FILE];
  }

  abort(): void {
    this.file.destroy();
  }
}

/** The labeling config the tasks fit: image, RectangleLabels, per-region TextArea, QA Repeater. */
export function labelConfig(labels: string[], colors: Map<string, string>): string {
  const labelTags = labels.map((name) => `    <Label value="${xmlEscape(name)}" background="${xmlEscape(colors.get(name) ?? '#888888')}"/>`).join('\n');
  return `<View>
  <Image name="${LS_NAMES.image}" value="$image" zoom="true" zoomControl="true"/>
  <RectangleLabels name="${LS_NAMES.labels}" toName="${LS_NAMES.image}">
${labelTags}
  </RectangleLabels>
  <TextArea name="${LS_NAMES.transcription}" toName="${LS_NAMES.image}" editable="true" perRegion="true" required="false" maxSubmissions="1" rows="2" placeholder="Transcription" displayMode="region-list"/>
  <Repeater on="$qa" indexFlag="{{idx}}">
    <Text name="${LS_NAMES.question}_{{idx}}" value="$qa[{{idx}}].question"/>
    <TextArea name="${LS_NAMES.answer}_{{idx}}" toName="${LS_NAMES.question}_{{idx}}" editable="true" maxSubmissions="1" rows="1" placeholder="Answer"/>
  </Repeater>
</View>
`;
}
