import { Bar, BarChart, CartesianGrid, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { PreannotationRun } from '../../../shared/domain/preannotation';

const seconds = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`);

/** "1.2–1.5 s", "≥ 30 s" */
export function bucketLabel(b: PreannotationRun['histogram'][number]): string {
  return b.upToMs === null ? `≥ ${seconds(b.fromMs)}` : `${seconds(b.fromMs)}–${seconds(b.upToMs)}`;
}

/**
 * Request latency of the run's successful attempts, one bar per bucket the service reports
 * (recharts: axes, tooltips and resizing without hand-written SVG).
 */
export function LatencyHistogram({ histogram }: { histogram: PreannotationRun['histogram'] }) {
  const total = histogram.reduce((n, b) => n + b.count, 0);
  if (total === 0) return <p className="muted small">No answers yet.</p>;
  // Trim empty buckets at both ends so the bars that matter are wide enough to read.
  const first = histogram.findIndex((b) => b.count > 0);
  const last = histogram.length - 1 - [...histogram].reverse().findIndex((b) => b.count > 0);
  const data = histogram.slice(first, last + 1).map((b) => ({ label: bucketLabel(b), count: b.count }));
  return (
    <div className="histogram" data-testid="preannotate-histogram" aria-label={`Latency histogram of ${total} requests`} role="img">
      <ResponsiveContainer width="100%" height={140}>
        <BarChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: -16 }}>
          <CartesianGrid vertical={false} stroke="var(--border)" />
          <XAxis dataKey="label" tick={{ fontSize: 10, fill: 'var(--text-muted)' }} interval="preserveStartEnd" tickLine={false} />
          <YAxis allowDecimals={false} tick={{ fontSize: 10, fill: 'var(--text-muted)' }} tickLine={false} axisLine={false} />
          <Tooltip
            cursor={{ fill: 'var(--surface-hover)' }}
            contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border)', fontSize: 12 }}
            formatter={(value) => [String(value), 'requests']}
          />
          <Bar dataKey="count" fill="var(--accent)" isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
