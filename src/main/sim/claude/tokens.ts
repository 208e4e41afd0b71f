/**
 * The simulator's token arithmetic. Images follow the documented rule (⌈w/28⌉ × ⌈h/28⌉ visual
 * tokens; an oversized image is scaled to the largest aspect-preserving size whose sides, rounded
 * up to 28, fit the edge limit and whose tokens fit the budget). Text uses a stand-in tokenizer —
 * the real one is not public — that counts words in pieces of up to five letters, digits in
 * groups of up to three, and runs of punctuation in pairs (BPE vocabularies merge `":"`, `","`).
 */

const P = 28;
export const simImageTokens = (w: number, h: number): number => Math.ceil(w / P) * Math.ceil(h / P);

const fits = (w: number, h: number, edge: number, budget: number): boolean =>
  Math.ceil(w / P) * P <= edge && Math.ceil(h / P) * P <= edge && simImageTokens(w, h) <= budget;

/** The size the API scales an oversized image to (its own implementation, not Folio's). */
export function simResize(w: number, h: number, tier: { maxEdge: number; maxTokens: number }): { width: number; height: number } {
  if (fits(w, h, tier.maxEdge, tier.maxTokens)) return { width: w, height: h };
  const portrait = h > w;
  const long = portrait ? h : w;
  const short = portrait ? w : h;
  let best = 1;
  // Largest long side (scanning down) whose aspect-preserving size fits.
  for (let a = long; a >= 1; a--) {
    const b = Math.max(1, Math.round((a * short) / long));
    if (fits(portrait ? b : a, portrait ? a : b, tier.maxEdge, tier.maxTokens)) {
      best = a;
      break;
    }
  }
  const other = Math.max(1, Math.round((best * short) / long));
  return portrait ? { width: other, height: best } : { width: best, height: other };
}

export function simTextTokens(text: string): number {
  let n = 0;
  for (const m of text.matchAll(/\p{L}+|\p{N}+|[^\s\p{L}\p{N}]+/gu)) {
    const s = m[0];
    if (/^\p{L}/u.test(s)) n += Math.ceil(s.length / 5);
    else if (/^\p{N}/u.test(s)) n += Math.ceil(s.length / 3);
    else n += Math.ceil(s.length / 2);
  }
  return n;
}
