import { jsonlLineSchema } from '../jsonlSchema';
import { jsonDepth, textLines } from './jsonStream';
import { ELEMENT_LIMIT, JSON_DEPTH_LIMIT, sizeText } from './limits';
import { problem, type RawBox, type RawItem, type ReadOutput, type ReaderOptions } from './types';

/** Folio JSONL: each line is checked against jsonlLineSchema; a line that fails is reported field by field. */
export async function* readJsonl(opts: ReaderOptions): AsyncGenerator<ReadOutput> {
  const { file } = opts;
  for await (const { line, text, length } of textLines(file, opts.onBytes, ELEMENT_LIMIT)) {
    const itemName = `line ${line}`;
    if (text === null) {
      yield problem(file, itemName, '(line)', `the line is ${sizeText(length)}, over the limit of ${sizeText(ELEMENT_LIMIT)} for one document; refused`);
      continue;
    }
    if (!text.trim()) continue;
    const deep = jsonDepth(text);
    if (deep > JSON_DEPTH_LIMIT) {
      yield problem(file, itemName, '(line)', `the line nests ${deep} levels deep, over the limit of ${JSON_DEPTH_LIMIT}; refused`);
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      yield problem(file, itemName, '(line)', `not valid JSON (${(err as Error).message})`);
      continue;
    }
    const parsed = jsonlLineSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues.slice(0, 10)) yield problem(file, itemName, issue.path.join('.') || '(line)', issue.message);
      continue;
    }
    const l = parsed.data;
    const pageIndex = new Map(l.pages.map((p, i) => [p.page, i]));
    const boxes: RawBox[] = [];
    for (const [i, b] of l.boxes.entries()) {
      const page = pageIndex.get(b.page);
      if (page === undefined) {
        // Reported later with the other box problems would need a page; say it here.
        yield problem(file, itemName, `boxes.${i}.page`, `page ${b.page} is not one of the line's pages (${l.pages.map((p) => p.page).join(', ')})`);
        continue;
      }
      boxes.push({ field: `boxes.${i}`, page, id: b.id, label: b.label, labelField: `boxes.${i}.label`, geometry: { units: 'px', x: b.x, y: b.y, w: b.w, h: b.h }, transcription: b.transcription, score: null });
    }
    const item: RawItem = {
      item: itemName,
      file,
      pages: l.pages.map((p, i) => ({ field: `pages.${i}.image`, ref: p.image, hint: { documentId: l.document.id, page: p.page }, size: { width: p.width, height: p.height } })),
      annotator: l.annotation.annotator,
      model: null,
      boxes,
      qa: l.qa.map((q, i) => ({ field: `qa.${i}`, id: q.id, question: q.question, answer: q.answer, unanswerable: q.unanswerable, evidence: q.evidence, source: q.source, score: null })),
    };
    yield { kind: 'item', item };
  }
}
