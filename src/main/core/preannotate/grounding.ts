/**
 * Grounded mode: when a page's words have been read, Claude is shown them with short ids and
 * answers with groups of word ids instead of coordinates. Folio then builds each box from the
 * words themselves (the union of their boxes, their texts joined in reading order), so geometry
 * and transcription are exactly the reader's, never the model's guess.
 */

import type { OcrWord, PageWords } from '../../../shared/domain/ocr';

/** The words one request shows the model: `ids[i]` names `words[i]`, in reading order. */
export interface GroundingWords {
  ids: readonly string[];
  words: readonly OcrWord[];
}

/** What grounded mode repaired or refused in one answer, id by id (kept in the attempt's drop counts). */
export interface GroundingIssues {
  /** Ids not in the list sent for this page (invented, mistyped, or from another page). */
  unknownIds: number;
  /** Ids already claimed by an earlier entity: kept there, dropped here. */
  sharedIds: number;
  /** Entities that arrived with no ids at all. */
  emptyGroups: number;
}

export const wordId = (i: number): string => `w${i}`;

/** The page's words as the model sees them; null when the page has none (the coordinate path). */
export function groundingWords(page: PageWords | null | undefined): GroundingWords | null {
  if (!page || page.words.length === 0) return null;
  return { ids: page.words.map((_, i) => wordId(i)), words: page.words };
}

/**
 * The compact list after the page line: one word a line, `id x y w h text`, positions in pixels of
 * the image sent (the page's own pixels when it went as is). About seven tokens a word.
 */
export function wordsBlock(g: GroundingWords, scale: { x: number; y: number }): string {
  const lines = g.words.map((w, i) => `${g.ids[i]} ${Math.round(w.x * scale.x)} ${Math.round(w.y * scale.y)} ${Math.round(w.w * scale.x)} ${Math.round(w.h * scale.y)} ${w.text}`);
  return `Words (${g.words.length}; id x y w h text):\n${lines.join('\n')}`;
}

/** The box and text of a group of words (indexes into `g.words`), in reading order. */
export function unionOfWords(g: GroundingWords, indexes: readonly number[]): { x: number; y: number; w: number; h: number; transcription: string } {
  const sorted = [...indexes].sort((a, b) => a - b);
  const ws = sorted.map((i) => g.words[i]!);
  const x1 = Math.min(...ws.map((w) => w.x));
  const y1 = Math.min(...ws.map((w) => w.y));
  const x2 = Math.max(...ws.map((w) => w.x + w.w));
  const y2 = Math.max(...ws.map((w) => w.y + w.h));
  return { x: x1, y: y1, w: x2 - x1, h: y2 - y1, transcription: ws.map((w) => w.text).join(' ') };
}

/**
 * Resolves entities' word-id groups, item by item: unknown ids are dropped, a word two entities
 * claim stays with the first, and an entity left with no word is refused. Returns, per entity, its
 * word indexes (null = refused), and which entity owns each word.
 */
export function resolveGroups(g: GroundingWords, groups: readonly unknown[][], issues: GroundingIssues): { groups: (number[] | null)[]; ownerOfWord: Map<number, number> } {
  const indexOf = new Map(g.ids.map((id, i) => [id, i]));
  const ownerOfWord = new Map<number, number>();
  const out = groups.map((ids, entity) => {
    if (ids.length === 0) {
      issues.emptyGroups++;
      return null;
    }
    const mine: number[] = [];
    for (const id of ids) {
      const i = typeof id === 'string' ? indexOf.get(id) : undefined;
      if (i === undefined) issues.unknownIds++;
      else if (ownerOfWord.has(i) && ownerOfWord.get(i) !== entity) issues.sharedIds++;
      else if (!ownerOfWord.has(i)) {
        ownerOfWord.set(i, entity);
        mine.push(i);
      }
    }
    return mine.length ? mine : null;
  });
  return { groups: out, ownerOfWord };
}
