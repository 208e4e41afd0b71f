import { Fragment, useEffect, useState } from 'react';
import { evaluationAgainstValues, type EvaluationAgainst, type EvaluationJob, type EvaluationSchedule } from '../../../shared/domain/evaluation';
import { InlineError } from '../components/ErrorPanel';
import { ErrorPage } from '../components/ErrorPage';
import { ExternalLink } from '../components/ExternalLink';
import { JobStateChip } from '../components/JobStateChip';
import { ProgressBar } from '../components/ProgressBar';
import { LoadingPanel } from '../components/Spinner';
import { api } from '../lib/api';
import { errorMessage } from '../lib/errors';
import { formatCount, formatRelative, formatShortDateTime } from '../lib/format';
import { useNow } from '../lib/useNow';
import { useProjects } from '../stores/projects';
import { toastSuccess } from '../stores/toasts';
import { followEvaluations, useEvaluations } from './evaluationStore';
import '../review/review.css';

/**
 * Evaluations of a project: run one (a model's predictions against gold or verified versions),
 * the weekly schedule, and every job with its metrics, the dataset version it used and its run in
 * W&B.
 */

const againstLabels: Record<EvaluationAgainst, string> = {
  'gold-or-verified': 'Gold, else the latest verified version',
  gold: 'Gold only',
  verified: 'Verified versions only',
};
const weekdays = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const pct = (v: number | null | undefined): string => (v === null || v === undefined ? '—' : v.toFixed(3));

function StartForm({ projectId }: { projectId: string }) {
  const models = useEvaluations((s) => s.models);
  const [model, setModel] = useState('');
  const [version, setVersion] = useState('');
  const [against, setAgainst] = useState<EvaluationAgainst>('gold-or-verified');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const chosen = model || models?.[0]?.model || '';

  const start = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const job = await api()['evaluation.start']({ projectId, model: chosen, against, ...(version.trim() ? { modelVersion: version.trim() } : {}) });
      useEvaluations.getState().added(job);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  if (models && models.length === 0) {
    return (
      <p className="muted" data-testid="evaluation-no-models">
        No predictions to evaluate yet. Pre-annotate documents, or import predictions from a file (Import annotations → as predictions), then come back.
      </p>
    );
  }
  return (
    <form className="row gap evaluation-form" onSubmit={(e) => void start(e)} data-testid="evaluation-start-form">
      <label className="field">
        <span className="field-label">Model</span>
        <select className="input" value={chosen} onChange={(e) => setModel(e.target.value)} data-testid="evaluation-model">
          {(models ?? []).map((m) => (
            <option key={m.model} value={m.model}>
              {m.model} — {formatCount(m.documents)} doc(s), {m.source === 'import' ? 'imported' : m.source === 'both' ? 'pre-annotation + import' : 'pre-annotation'}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="field-label">Version (optional)</span>
        <input className="input" value={version} onChange={(e) => setVersion(e.target.value)} placeholder="derived from the predictions" maxLength={64} data-testid="evaluation-version" />
      </label>
      <label className="field">
        <span className="field-label">Against</span>
        <select className="input" value={against} onChange={(e) => setAgainst(e.target.value as EvaluationAgainst)} data-testid="evaluation-against">
          {evaluationAgainstValues.map((a) => (
            <option key={a} value={a}>
              {againstLabels[a]}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className="btn btn-primary" disabled={busy || !chosen} data-testid="evaluation-start">
        Evaluate
      </button>
      <InlineError message={error} testId="evaluation-start-error" />
    </form>
  );
}

function ScheduleForm({ schedule }: { schedule: EvaluationSchedule }) {
  const [draft, setDraft] = useState(schedule);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const dirty = draft.enabled !== schedule.enabled || draft.weekday !== schedule.weekday || draft.time !== schedule.time || draft.against !== schedule.against;
  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const saved = await api()['evaluation.schedule.update']({ projectId: schedule.projectId, enabled: draft.enabled, weekday: draft.weekday, time: draft.time, against: draft.against });
      useEvaluations.setState({ schedule: saved });
      setDraft(saved);
      toastSuccess(saved.enabled ? 'Weekly evaluation on' : 'Weekly evaluation off');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="row gap evaluation-form" onSubmit={(e) => void save(e)} data-testid="evaluation-schedule">
      <label className="row gap-sm">
        <input type="checkbox" checked={draft.enabled} onChange={(e) => setDraft({ ...draft, enabled: e.target.checked })} data-testid="evaluation-schedule-enabled" />
        Every
      </label>
      <select className="select-sm" value={draft.weekday} onChange={(e) => setDraft({ ...draft, weekday: Number(e.target.value) })} aria-label="Weekday" data-testid="evaluation-schedule-weekday">
        {weekdays.map((d, i) => (
          <option key={d} value={i}>
            {d}
          </option>
        ))}
      </select>
      <span>at</span>
      <input className="input input-narrow" type="time" value={draft.time} onChange={(e) => setDraft({ ...draft, time: e.target.value })} aria-label="Time" data-testid="evaluation-schedule-time" />
      <select className="select-sm" value={draft.against} onChange={(e) => setDraft({ ...draft, against: e.target.value as EvaluationAgainst })} aria-label="Against">
        {evaluationAgainstValues.map((a) => (
          <option key={a} value={a}>
            {againstLabels[a]}
          </option>
        ))}
      </select>
      <button type="submit" className="btn btn-sm" disabled={busy || !dirty} data-testid="evaluation-schedule-save">
        Save
      </button>
      <span className="muted small" data-testid="evaluation-schedule-next">
        {schedule.enabled && schedule.nextRunAt ? `Next: ${formatShortDateTime(schedule.nextRunAt)} (every model with predictions, while Folio is open)` : 'Off'}
      </span>
      <InlineError message={error} testId="evaluation-schedule-error" />
    </form>
  );
}

function JobDetails({ job }: { job: EvaluationJob }) {
  const c = job.coverage;
  return (
    <div className="evaluation-details" data-testid="evaluation-details">
      {job.error ? <p className="inline-error">{job.error}</p> : null}
      {c ? (
        <p className="small muted">
          {c.evaluated} of {c.total} document(s) evaluated — {c.againstGold} against gold, {c.againstVerified} against verified; left out: {c.noReference} without a reference, {c.noPredictions} the model never saw.
        </p>
      ) : null}
      {job.wandb?.message ? <p className="small muted" data-testid="evaluation-wandb-message">W&amp;B: {job.wandb.message}</p> : null}
      {job.metrics ? (
        <p className="small">
          Boxes: {job.metrics.boxes.matched} matched of {job.metrics.boxes.reference} reference / {job.metrics.boxes.predicted} predicted; label accuracy {pct(job.metrics.boxes.labelAccuracy)}; token F1 {pct(job.metrics.answers.tokenF1)}; transcriptions exact {pct(job.metrics.transcriptions.exactMatch)}.
        </p>
      ) : null}
      {job.perLabel && Object.keys(job.perLabel).length ? (
        <table className="sync-table" data-testid="evaluation-per-label">
          <thead>
            <tr>
              <th>Label</th>
              <th className="num">Reference</th>
              <th className="num">Predicted</th>
              <th className="num">Precision</th>
              <th className="num">Recall</th>
              <th className="num">F1</th>
              <th className="num">Mean IoU</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(job.perLabel).map(([label, s]) => (
              <tr key={label}>
                <td>{label}</td>
                <td className="num">{s.reference}</td>
                <td className="num">{s.predicted}</td>
                <td className="num">{pct(s.precision)}</td>
                <td className="num">{pct(s.recall)}</td>
                <td className="num">{pct(s.f1)}</td>
                <td className="num">{pct(s.meanIou)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

function JobsTable({ jobs }: { jobs: EvaluationJob[] }) {
  const now = useNow();
  const [open, setOpen] = useState<string | null>(null);
  if (!jobs.length) return <p className="muted" data-testid="evaluation-jobs-empty">No evaluations yet.</p>;
  return (
    <div className="sync-table-wrap">
      <table className="sync-table" data-testid="evaluation-jobs">
        <thead>
          <tr>
            <th>State</th>
            <th>Model</th>
            <th>Dataset</th>
            <th className="num">Docs</th>
            <th className="num">Box F1</th>
            <th className="num">Mean IoU</th>
            <th className="num">EM</th>
            <th className="num">ANLS</th>
            <th>When</th>
            <th>In W&amp;B</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <Fragment key={job.jobId}>
              <tr className="clickable" onClick={() => setOpen(open === job.jobId ? null : job.jobId)} data-testid="evaluation-job" data-state={job.state} data-job-id={job.jobId}>
                <td>
                  <JobStateChip state={job.state} />
                  {job.trigger === 'schedule' ? <span className="muted small"> weekly</span> : null}
                </td>
                <td title={job.modelVersion ?? undefined}>
                  {job.model}
                  {job.modelVersion ? <span className="muted small"> {job.modelVersion}</span> : null}
                </td>
                <td>{job.dataset ? <ExternalLink url={job.dataset.url} testId="evaluation-dataset-link">{job.dataset.version}</ExternalLink> : '—'}</td>
                <td className="num" data-testid="evaluation-documents">
                  {job.state === 'running' && job.progress ? <ProgressBar value={job.progress.done} max={job.progress.total} label={job.progress.phase} /> : (job.metrics?.documents ?? '—')}
                </td>
                <td className="num" data-testid="evaluation-box-f1">{pct(job.metrics?.boxes.f1)}</td>
                <td className="num">{pct(job.metrics?.boxes.meanIou)}</td>
                <td className="num" data-testid="evaluation-em">{pct(job.metrics?.answers.exactMatch)}</td>
                <td className="num">{pct(job.metrics?.answers.anls)}</td>
                <td title={job.createdAt}>{formatRelative(job.finishedAt ?? job.startedAt ?? job.createdAt, now)}</td>
                <td data-testid="evaluation-wandb" data-status={job.wandb?.status ?? ''}>
                  {job.wandb?.runUrl ? (
                    <ExternalLink url={job.wandb.runUrl} testId="evaluation-run-link">
                      run
                    </ExternalLink>
                  ) : (
                    <span className="muted small">{job.wandb?.status ?? (job.state === 'failed' ? 'not logged' : '…')}</span>
                  )}
                </td>
              </tr>
              {open === job.jobId || job.state === 'failed' ? (
                <tr className="evaluation-details-row">
                  <td colSpan={10}>
                    <JobDetails job={job} />
                  </td>
                </tr>
              ) : null}
            </Fragment>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function EvaluationsView({ projectId }: { projectId: string }) {
  const project = useProjects((s) => s.byId[projectId]?.project ?? null);
  const loadProject = useProjects((s) => s.load);
  const jobs = useEvaluations((s) => (s.projectId === projectId ? s.jobs : null));
  const schedule = useEvaluations((s) => (s.projectId === projectId ? s.schedule : null));
  const error = useEvaluations((s) => (s.projectId === projectId ? s.error : null));

  useEffect(() => {
    followEvaluations();
    void useEvaluations.getState().load(projectId);
    if (!useProjects.getState().byId[projectId]?.project) void loadProject(projectId);
  }, [projectId, loadProject]);

  if (error && !jobs) {
    return <ErrorPage title="Evaluations could not be loaded" message={error} onRetry={() => void useEvaluations.getState().load(projectId)} />;
  }
  return (
    <div className="page" data-testid="evaluations-page">
      <header className="page-header">
        <div className="min-w-0">
          <div className="breadcrumb small">{project?.name ?? ''}</div>
          <h1>Evaluations</h1>
          <div className="muted small">The model&apos;s predictions measured against gold (or verified) versions; each run is logged to W&amp;B as an evaluation run.</div>
        </div>
      </header>
      <div className="page-body">
        {!jobs || !schedule ? (
          <LoadingPanel label="Loading evaluations…" />
        ) : (
          <div className="stack">
            <section className="card">
              <h2>Evaluate now</h2>
              <StartForm projectId={projectId} />
            </section>
            <section className="card">
              <h2>Weekly</h2>
              <ScheduleForm key={`${schedule.enabled}/${schedule.weekday}/${schedule.time}/${schedule.against}`} schedule={schedule} />
            </section>
            <section className="card">
              <h2>Jobs</h2>
              <JobsTable jobs={jobs} />
            </section>
          </div>
        )}
      </div>
    </div>
  );
}
