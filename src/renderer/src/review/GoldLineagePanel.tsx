import type { GoldLineage } from '../../../shared/domain/review';
import { formatDateTime } from '../lib/format';

/** "3 from Alice, 1 from Bob, 1 by the lead": where the gold's boxes or answers came from. */
export function originSummary(origins: Record<string, string | null>, nameOf: (sourceId: string) => string): string {
  const counts = new Map<string, number>();
  for (const source of Object.values(origins)) {
    const key = source === null ? 'by the lead' : `from ${nameOf(source)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  if (!counts.size) return 'none';
  return [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([key, n]) => `${n} ${key}`).join(', ');
}

/**
 * The lineage of a resolved document's gold version: who resolved it and when, which versions were
 * compared, and where each kept box and answer came from. Gold pulled from W&B without lineage
 * (written by an older Folio) says so.
 */
export function GoldLineagePanel({ gold }: { gold: { version: number | null; lineage: GoldLineage | null } }) {
  const name = gold.version !== null ? `Gold v${gold.version}` : 'Gold';
  const lineage = gold.lineage;
  if (!lineage) {
    return (
      <p className="small muted" data-testid="gold-lineage">
        {name} carries no lineage (it was written without one).
      </p>
    );
  }
  const nameOf = (id: string) => lineage.sources.find((s) => s.id === id)?.name ?? 'a version no longer listed';
  return (
    <details className="gold-lineage small" data-testid="gold-lineage">
      <summary>
        {name}, resolved by {lineage.resolvedByName} on {formatDateTime(lineage.resolvedAt)}
      </summary>
      <dl>
        <dt>Compared</dt>
        <dd>{lineage.sources.map((s) => `${s.name}${s.version !== null ? ` v${s.version}` : ''}${s.kind === 'model' ? ' (model)' : ''}`).join(', ') || 'no versions'}</dd>
        <dt>Boxes</dt>
        <dd data-testid="gold-lineage-boxes">{originSummary(lineage.items.boxes, nameOf)}</dd>
        <dt>Answers</dt>
        <dd data-testid="gold-lineage-answers">{originSummary(lineage.items.qa, nameOf)}</dd>
      </dl>
    </details>
  );
}
