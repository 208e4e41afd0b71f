import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ReviewAgreement } from '../../../shared/domain/review';
import { Stat } from '../components/Stat';

/**
 * How far the project's annotators agree: headline figures, agreement per label and the IoU
 * distribution of matched boxes (recharts, like the pre-annotation latency histogram), and each
 * annotator against the others and against gold.
 */

const fmt = (v: number | null, digits = 2): string => (v === null ? '—' : v.toFixed(digits));
const axisTick = { fontSize: 10, fill: 'var(--text-muted)' };
const tooltipStyle = { background: 'var(--surface)', border: '1px solid var(--border)', fontSize: 12 };

export function AgreementCharts({ agreement }: { agreement: ReviewAgreement }) {
  const o = agreement.overall;
  if (agreement.documents.compared === 0) {
    return (
      <p className="muted" data-testid="agreement-empty">
        Agreement needs documents verified by two or more annotators. {agreement.documents.verified} of {agreement.documents.total} document(s) are verified so far.
      </p>
    );
  }
  const labelData = agreement.perLabel
    .filter((l) => l.label !== '(no box)')
    .map((l) => ({ label: l.label, alpha: l.krippendorffAlpha ?? 0, f1: l.f1 ?? 0 }));
  const iouData = agreement.iouHistogram.map((b) => ({ range: `${b.from.toFixed(2)}–${b.to.toFixed(2)}`, count: b.count }));
  return (
    <div className="agreement" data-testid="agreement">
      <div className="stat-grid">
        <Stat label={agreement.annotators.length === 2 ? "Cohen's κ (labels)" : "Fleiss' κ (labels)"} value={fmt(agreement.annotators.length === 2 ? o.cohenKappa : o.fleissKappa)} testId="agreement-kappa" />
        <Stat label="Krippendorff's α" value={fmt(o.krippendorffAlpha)} testId="agreement-alpha" />
        <Stat label="Box F1 @ IoU 0.5" value={fmt(o.boxF1)} testId="agreement-box-f1" />
        <Stat label="Mean IoU" value={fmt(o.meanIou)} testId="agreement-iou" />
        <Stat label="Answers: exact match" value={fmt(o.exactMatch)} testId="agreement-em" />
        <Stat label="Answers: ANLS" value={fmt(o.anls)} testId="agreement-anls" />
      </div>
      <div className="agreement-charts">
        <figure className="chart-card" data-testid="agreement-per-label" role="img" aria-label="Agreement per label">
          <figcaption className="small muted">Agreement per label (Krippendorff's α, box F1)</figcaption>
          {/* One row per label: a project's label set is long, and names read best horizontally. */}
          <ResponsiveContainer width="100%" height={Math.max(160, 28 + labelData.length * 26)}>
            <BarChart data={labelData} layout="vertical" margin={{ top: 4, right: 12, bottom: 0, left: 8 }} barGap={1}>
              <CartesianGrid horizontal={false} stroke="var(--border)" />
              <XAxis type="number" domain={[Math.min(0, ...labelData.map((d) => d.alpha)), 1]} tick={axisTick} tickLine={false} />
              <YAxis type="category" dataKey="label" tick={axisTick} tickLine={false} axisLine={false} width={120} interval={0} />
              <Tooltip contentStyle={tooltipStyle} formatter={(v) => (typeof v === 'number' ? v.toFixed(3) : String(v))} />
              <Legend wrapperStyle={{ fontSize: 11 }} />
              <Bar dataKey="alpha" name="α" fill="var(--accent)" isAnimationActive={false} />
              <Bar dataKey="f1" name="box F1" fill="var(--success)" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </figure>
        <figure className="chart-card" data-testid="agreement-iou-histogram" role="img" aria-label="IoU of matched boxes">
          <figcaption className="small muted">IoU of boxes matched between annotators</figcaption>
          <ResponsiveContainer width="100%" height={200}>
            <BarChart data={iouData} margin={{ top: 4, right: 8, bottom: 0, left: -16 }}>
              <CartesianGrid vertical={false} stroke="var(--border)" />
              <XAxis dataKey="range" tick={axisTick} tickLine={false} interval="preserveStartEnd" />
              <YAxis allowDecimals={false} tick={axisTick} tickLine={false} axisLine={false} />
              <Tooltip contentStyle={tooltipStyle} formatter={(v) => [String(v), 'box pairs']} />
              <Bar dataKey="count" fill="var(--accent)" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
        </figure>
      </div>
      <table className="sync-table" data-testid="agreement-annotators">
        <thead>
          <tr>
            <th>Annotator</th>
            <th className="num">Documents</th>
            <th className="num">F1 vs others</th>
            <th className="num">ANLS vs others</th>
            <th className="num">F1 vs gold</th>
            <th className="num">ANLS vs gold</th>
          </tr>
        </thead>
        <tbody>
          {agreement.perAnnotator.map((a) => (
            <tr key={a.id} data-testid="agreement-annotator">
              <td>{a.name}</td>
              <td className="num">{agreement.annotators.find((x) => x.id === a.id)?.documents ?? 0}</td>
              <td className="num">{fmt(a.vsOthers?.f1 ?? null)}</td>
              <td className="num">{fmt(a.vsOthers?.anls ?? null)}</td>
              <td className="num">{fmt(a.vsGold?.f1 ?? null)}</td>
              <td className="num">{fmt(a.vsGold?.anls ?? null)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
