import { describe, expect, it } from 'vitest';
import { chooseReference, newestVersion } from '../../src/shared/domain/reference';

/** The one rule export and evaluation share: which verified version stands for a document. */

const v = (name: string, verifiedAt: string, version = 1) => ({ name, verifiedAt, version });

describe('the version that stands for a document', () => {
  it('newest: the latest verification time; a higher version number breaks a tie', () => {
    expect(newestVersion([v('a', '2026-03-01T00:00:00Z'), v('b', '2026-03-02T00:00:00Z'), v('c', '2026-02-01T00:00:00Z', 9)])?.name).toBe('b');
    expect(newestVersion([v('a', '2026-03-01T00:00:00Z', 1), v('b', '2026-03-01T00:00:00Z', 2)])?.name).toBe('b');
    expect(newestVersion([])).toBeNull();
  });

  it('gold-or-verified: gold wherever it exists, even when an annotator verified later; else the newest verified', () => {
    const gold = [v('gold', '2026-03-01T00:00:00Z')];
    const verified = [v('ada', '2026-03-05T00:00:00Z'), v('bob', '2026-03-09T00:00:00Z')];
    expect(chooseReference(gold, verified, 'gold-or-verified')).toEqual({ version: gold[0], kind: 'gold' });
    expect(chooseReference([], verified, 'gold-or-verified')).toEqual({ version: verified[1], kind: 'verified' });
    expect(chooseReference([], [], 'gold-or-verified')).toBeNull();
  });

  it('verified ignores gold; gold ignores annotators', () => {
    const gold = [v('lead-1', '2026-03-01T00:00:00Z'), v('lead-2', '2026-03-02T00:00:00Z')];
    const verified = [v('ada', '2026-03-05T00:00:00Z')];
    expect(chooseReference(gold, verified, 'verified')).toEqual({ version: verified[0], kind: 'verified' });
    expect(chooseReference(gold, verified, 'gold')).toEqual({ version: gold[1], kind: 'gold' });
    expect(chooseReference([], verified, 'gold')).toBeNull();
  });
});
