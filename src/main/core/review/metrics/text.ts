/**
 * Answer and transcription agreement: SQuAD v1.1 normalisation, exact match and token F1 (as in
 * the official evaluate-v1.1.py), Levenshtein distance, normalised edit distance, and ANLS as
 * defined for ST-VQA / DocVQA. Strings are compared by Unicode code point, like Python's.
 */

// Python's string.punctuation: the ASCII punctuation the SQuAD script strips.
const SQUAD_PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');
// Python 3's \b is Unicode-aware (a word character is a letter, a digit or _); JS's is ASCII-only.
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;
// Python's str.split() with no argument: runs of what str.isspace() accepts (not JS's \s, which
// adds U+FEFF and lacks U+001C–U+001F and U+0085).
// eslint-disable-next-line no-control-regex -- U+001C–U+001F are whitespace to Python
const WHITESPACE = /[\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/u;

const pySplit = (s: string): string[] => s.split(WHITESPACE).filter((t) => t !== '');

/** SQuAD's normalize_answer: lower case, drop punctuation, drop a/an/the, collapse whitespace. */
export function normalizeAnswer(s: string): string {
  const lower = s.toLowerCase();
  let noPunct = '';
  for (const ch of lower) if (!SQUAD_PUNCTUATION.has(ch)) noPunct += ch;
  return pySplit(noPunct.replace(ARTICLES, ' ')).join(' ');
}

/** SQuAD exact match: the normalised strings are equal. */
export function exactMatch(prediction: string, groundTruth: string): boolean {
  return normalizeAnswer(prediction) === normalizeAnswer(groundTruth);
}

/**
 * SQuAD v1.1 token F1 over normalised tokens (a multiset overlap). As in the official script, no
 * common token gives 0 — also when both sides are empty; callers deal with "no answer" first.
 */
export function tokenF1(prediction: string, groundTruth: string): number {
  const p = pySplit(normalizeAnswer(prediction));
  const g = pySplit(normalizeAnswer(groundTruth));
  const counts = new Map<string, number>();
  for (const t of g) counts.set(t, (counts.get(t) ?? 0) + 1);
  let same = 0;
  for (const t of p) {
    const c = counts.get(t) ?? 0;
    if (c > 0) {
      same++;
      counts.set(t, c - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / p.length;
  const recall = same / g.length;
  return (2 * precision * recall) / (precision + recall);
}

/** SQuAD's metric_max_over_ground_truths. */
export function maxOverGroundTruths(metric: (prediction: string, groundTruth: string) => number, prediction: string, groundTruths: readonly string[]): number {
  if (groundTruths.length === 0) throw new Error('maxOverGroundTruths: at least one ground truth is needed');
  return Math.max(...groundTruths.map((g) => metric(prediction, g)));
}

/** Levenshtein distance (insertions, deletions, substitutions of one code point each). */
export function levenshtein(a: string, b: string): number {
  const s = Array.from(a);
  const t = Array.from(b);
  if (s.length < t.length) return levenshteinCodes(t, s);
  return levenshteinCodes(s, t);
}

function levenshteinCodes(s: string[], t: string[]): number {
  // Two rows over the shorter string.
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  let cur = new Array<number>(t.length + 1);
  for (let i = 1; i <= s.length; i++) {
    cur[0] = i;
    for (let j = 1; j <= t.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    [prev, cur] = [cur, prev];
  }
  return prev[t.length]!;
}

/** Levenshtein distance divided by the longer length (0 for two empty strings), in [0, 1]. */
export function normalizedEditDistance(a: string, b: string): number {
  const longest = Math.max(Array.from(a).length, Array.from(b).length);
  return longest === 0 ? 0 : levenshtein(a, b) / longest;
}

/** DocVQA compares answers case-insensitively and space-sensitively, trimmed at the ends. */
const anlsNormalize = (s: string): string => s.trim().toLowerCase();

/**
 * One question's ANLS score: max over the ground-truth answers of s = 1 − NL when NL < τ, else 0,
 * with NL the normalised Levenshtein distance (Biten et al., ICCV 2019; Mathew et al., WACV 2021).
 */
export function anlsScore(prediction: string, groundTruths: string | readonly string[], tau = 0.5): number {
  const truths = typeof groundTruths === 'string' ? [groundTruths] : groundTruths;
  if (truths.length === 0) throw new Error('anlsScore: at least one ground truth is needed');
  const p = anlsNormalize(prediction);
  let best = 0;
  for (const g of truths) {
    const nl = normalizedEditDistance(p, anlsNormalize(g));
    const s = nl < tau ? 1 - nl : 0;
    if (s > best) best = s;
  }
  return best;
}

/** ANLS over a set of questions: the mean of the per-question scores (null for no questions). */
export function anls(items: readonly { prediction: string; groundTruths: readonly string[] }[], tau = 0.5): number | null {
  if (items.length === 0) return null;
  return items.reduce((s, q) => s + anlsScore(q.prediction, q.groundTruths, tau), 0) / items.length;
}
