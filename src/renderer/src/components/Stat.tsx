import type { ReactNode } from 'react';

/** One figure in a grid of statistics (sync queue, pre-annotation run). */
export function Stat({ label, value, testId, hint }: { label: string; value: ReactNode; testId: string; hint?: string }) {
  return (
    <div className="stat" data-testid={testId} title={hint}>
      <span className="stat-value">{value}</span>
      <span className="stat-label">{label}</span>
    </div>
  );
}
