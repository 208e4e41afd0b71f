/**
 * Which verified version of a document stands for it. Evaluation measures a model against it and
 * export writes it, so both read it from here:
 *
 * - `gold-or-verified`: the lead's gold version where the document was resolved in review, else
 *   the newest verified annotator version (the default of both);
 * - `verified`: the newest verified annotator version, even where gold overrules it;
 * - `gold`: the gold version only (documents without gold have none).
 *
 * "Newest" is the latest verification time; a higher version number breaks a tie. Drafts never count.
 */
export const referenceChoices = ['gold', 'verified', 'gold-or-verified'] as const;
export type ReferenceChoice = (typeof referenceChoices)[number];

export interface VersionStamp {
  verifiedAt: string | null;
  version: number | null;
}

const newer = (a: VersionStamp, b: VersionStamp): boolean => {
  const at = (a.verifiedAt ?? '').localeCompare(b.verifiedAt ?? '');
  return at > 0 || (at === 0 && (a.version ?? 0) > (b.version ?? 0));
};

/** The most recently verified of `versions`, or null when there is none. */
export function newestVersion<T extends VersionStamp>(versions: readonly T[]): T | null {
  let best: T | null = null;
  for (const v of versions) if (!best || newer(v, best)) best = v;
  return best;
}

/** The version that stands for a document, from its verified gold and annotator versions, as `choice` says. */
export function chooseReference<T extends VersionStamp>(gold: readonly T[], verified: readonly T[], choice: ReferenceChoice): { version: T; kind: 'gold' | 'verified' } | null {
  const g = choice === 'verified' ? null : newestVersion(gold);
  if (g) return { version: g, kind: 'gold' };
  if (choice === 'gold') return null;
  const v = newestVersion(verified);
  return v ? { version: v, kind: 'verified' } : null;
}
