import { describe, expect, it } from 'vitest';
import { originSummary } from '../../src/renderer/src/review/GoldLineagePanel';

describe('gold lineage summary', () => {
  const names: Record<string, string> = { a: 'Alice', b: 'Bob' };
  const nameOf = (id: string) => names[id] ?? 'a version no longer listed';

  it('counts where each gold item came from, most first, the lead’s own work named', () => {
    expect(originSummary({ x1: 'a', x2: 'b', x3: 'a', x4: null }, nameOf)).toBe('2 from Alice, 1 by the lead, 1 from Bob');
    expect(originSummary({ q1: 'b' }, nameOf)).toBe('1 from Bob');
  });

  it('says none for an empty gold, and names a source the lineage no longer lists', () => {
    expect(originSummary({}, nameOf)).toBe('none');
    expect(originSummary({ x1: 'gone' }, nameOf)).toBe('1 from a version no longer listed');
  });
});
