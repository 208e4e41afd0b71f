import type { SynthBox, SynthDocument } from '../../core/synth';
import type { NaturalAnswer } from './answer';
import type { FaultRule } from './faults';

/**
 * Grounded mode, as the simulated model speaks it: the request lists the page's words with ids,
 * and the answer names fields by those ids. The simulator still does not read pixels: it gives
 * each listed word to the truth box that holds most of its area, and answers each field the
 * natural answer keeps (misses and label swaps included) with the ids of its words.
 */

export interface GivenWord {
  id: string;
  /** In pixels of the image received. */
  x: number;
  y: number;
  w: number;
  h: number;
  text: string;
}

export interface GroundedEntity {
  label: string;
  words: string[];
  confidence: number;
}

export interface GroundedQa {
  template: string;
  question: string;
  answerable: boolean;
  answer: string;
  evidence: string[];
  confidence: number;
}

const WORD_LINE = /^(\S+) (-?\d+) (-?\d+) (\d+) (\d+) (.+)$/;

/** The words block of a request's text (`Words (n; id x y w h text):` then one word a line), or null. */
export function wordsFromPrompt(text: string): GivenWord[] | null {
  const start = text.indexOf('\nWords (');
  if (start < 0) return null;
  const out: GivenWord[] = [];
  for (const line of text.slice(start + 1).split('\n').slice(1)) {
    const m = WORD_LINE.exec(line);
    if (m) out.push({ id: m[1]!, x: Number(m[2]), y: Number(m[3]), w: Number(m[4]), h: Number(m[5]), text: m[6]! });
  }
  return out;
}

const overlap = (a: { x: number; y: number; w: number; h: number }, b: SynthBox): number =>
  Math.max(0, Math.min(a.x + a.w, b.x + b.width) - Math.max(a.x, b.x)) * Math.max(0, Math.min(a.y + a.h, b.y + b.height) - Math.max(a.y, b.y));

/** Each truth box's word ids, in the order given: a word goes to the box holding most (over half) of its area. */
export function wordsByTruthBox(doc: SynthDocument, received: { width: number; height: number }, words: readonly GivenWord[]): Map<string, string[]> {
  const sx = doc.width / received.width;
  const sy = doc.height / received.height;
  const out = new Map<string, string[]>();
  for (const word of words) {
    const w = { x: word.x * sx, y: word.y * sy, w: word.w * sx, h: word.h * sy };
    let best: SynthBox | null = null;
    let bestArea = 0;
    for (const b of doc.boxes) {
      const a = overlap(w, b);
      if (a > bestArea) [best, bestArea] = [b, a];
    }
    if (best && bestArea > 0.5 * w.w * w.h) out.set(best.id, [...(out.get(best.id) ?? []), word.id]);
  }
  return out;
}

/** The natural answer as word-id groups; fields none of whose words were listed are left out. */
export function groundedAnswer(
  natural: NaturalAnswer,
  doc: SynthDocument,
  received: { width: number; height: number },
  words: readonly GivenWord[],
): { document_type: string; entities: GroundedEntity[]; qa: GroundedQa[] } {
  const byBox = wordsByTruthBox(doc, received, words);
  const idsOf = natural.boxes.map((b) => (b.truthId ? (byBox.get(b.truthId) ?? []) : []));
  const entities = natural.boxes.flatMap((b, i) => (idsOf[i]!.length ? [{ label: b.label, words: idsOf[i]!, confidence: b.confidence }] : []));
  const qa = natural.qa.map((q) => ({ ...q, evidence: q.evidence.flatMap((i) => idsOf[i] ?? []) }));
  return { document_type: natural.documentType, entities, qa };
}

/**
 * The grounded faults: ids of other words (a word of the entity before), ids that do not exist
 * (past the list, as from a longer page, or garbled; plus an entity of only those, one with no
 * id, and evidence pointing at one), and overlapping groups (a group repeated under another
 * entity, and one reaching into the next entity's words).
 */
export function groundedFault(answer: ReturnType<typeof groundedAnswer>, words: readonly GivenWord[], fault: FaultRule | null): ReturnType<typeof groundedAnswer> {
  const entities = answer.entities.map((e) => ({ ...e, words: [...e.words] }));
  const qa = answer.qa.map((q) => ({ ...q, evidence: [...q.evidence] }));
  const every3 = (i: number): boolean => i % 3 === 1;
  switch (fault?.kind) {
    case 'grounded_wrong_ids':
      entities.forEach((e, i) => {
        if (every3(i) && e.words.length) e.words[e.words.length - 1] = entities[i - 1]!.words[0]!;
      });
      break;
    case 'grounded_unknown_ids': {
      const past = `w${words.length + 7}`;
      entities.forEach((e, i) => {
        if (every3(i)) e.words.push(past, 'w?');
      });
      const label = entities[0]?.label ?? 'x';
      entities.push({ label, words: [past, `w${words.length}`], confidence: 0.4 }, { label, words: [], confidence: 0.4 });
      const answered = qa.find((q) => q.answerable);
      answered?.evidence.push(past);
      break;
    }
    case 'grounded_overlapping_groups':
      entities.forEach((e, i) => {
        const next = entities[i + 1];
        if (every3(i) && next?.words.length) e.words.push(next.words[0]!);
      });
      if (entities[0]) entities.push({ ...entities[0], words: [...entities[0].words], confidence: 0.3 });
      break;
    default:
      break;
  }
  return { ...answer, entities, qa };
}
