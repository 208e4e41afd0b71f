import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Core } from '../src/main/core/createCore';
import { iou, levenshtein } from '../src/main/core/review/metrics';
import { generatePage, type SynthDocument, type SynthKind } from '../src/main/core/synth';
import type { OcrWord } from '../src/shared/domain/ocr';

export interface ImportedPage {
  documentId: string;
  pageId: string;
  truth: SynthDocument;
}

/** A truth word counts as found when an OCR word's box overlaps it this much. */
export const WORD_IOU = 0.5;

/** Generated pages (clean or scanned-looking) written as files and imported the way scans are. */
export async function importGeneratedPages(core: Core, projectId: string, dir: string, specs: { seed: number; index: number; kind: SynthKind; scan: boolean }[]): Promise<ImportedPage[]> {
  const truths = new Map<string, SynthDocument>();
  const files: string[] = [];
  for (const spec of specs) {
    const { truth, png } = await generatePage(spec.seed, spec.index, { kind: spec.kind, scan: spec.scan });
    // A scanned-looking page is JPEG whatever the format asked for: its name must say so.
    const name = `${truth.id}${spec.scan ? '-scan' : ''}.${png[0] === 0xff && png[1] === 0xd8 ? 'jpg' : 'png'}`;
    writeFileSync(join(dir, name), png);
    files.push(join(dir, name));
    truths.set(name, truth);
  }
  const jobId = core.importer.start(projectId, files);
  await core.importer.idle();
  const job = core.importer.get(jobId);
  if (job.state !== 'completed' || job.imported !== files.length) throw new Error(`the generated pages did not import: ${JSON.stringify(job)}`);
  const { items } = await core.api['documents.list']({ projectId, limit: 1000 });
  const out: ImportedPage[] = [];
  for (const item of items) {
    const truth = truths.get(item.sourceName);
    if (!truth) continue;
    const doc = await core.api['documents.get']({ projectId, documentId: item.id });
    out.push({ documentId: item.id, pageId: doc.pages[0]!.id, truth });
  }
  return out;
}

export interface WordScore {
  truthWords: number;
  ocrWords: number;
  matched: number;
  /** Edit distance summed over matched words, and their truth characters. */
  edits: number;
  chars: number;
}

export const emptyScore = (): WordScore => ({ truthWords: 0, ocrWords: 0, matched: 0, edits: 0, chars: 0 });

/**
 * Matches a page's OCR words to its truth words, greedily by IoU (each OCR word used once): a truth
 * word is found when its best remaining OCR word overlaps it by at least WORD_IOU.
 */
export function scorePageWords(truth: SynthDocument, words: readonly OcrWord[], into: WordScore = emptyScore()): WordScore {
  const pairs: { t: number; o: number; v: number }[] = [];
  const truthWords = truth.words ?? [];
  truthWords.forEach((t, ti) => {
    const box = { x: t.x, y: t.y, w: t.width, h: t.height };
    words.forEach((o, oi) => {
      const v = iou(box, o);
      if (v >= WORD_IOU) pairs.push({ t: ti, o: oi, v });
    });
  });
  pairs.sort((a, b) => b.v - a.v);
  const usedT = new Set<number>();
  const usedO = new Set<number>();
  for (const p of pairs) {
    if (usedT.has(p.t) || usedO.has(p.o)) continue;
    usedT.add(p.t);
    usedO.add(p.o);
    const t = truthWords[p.t]!.text;
    into.edits += levenshtein(words[p.o]!.text, t);
    into.chars += Array.from(t).length;
  }
  into.truthWords += truthWords.length;
  into.ocrWords += words.length;
  into.matched += usedT.size;
  return into;
}

export const recall = (s: WordScore): number => s.matched / Math.max(1, s.truthWords);
export const precision = (s: WordScore): number => s.matched / Math.max(1, s.ocrWords);
export const cer = (s: WordScore): number => s.edits / Math.max(1, s.chars);
