import { useEffect, useState } from 'react';
import type { SyncConfig, SyncConfigPatch, SyncDeadItem, SyncJob, SyncStatusView } from '../../../shared/domain/sync';
import { InlineError } from '../components/ErrorPanel';
import { ExternalLink } from '../components/ExternalLink';
import { JobStateChip } from '../components/JobStateChip';
import { Modal } from '../components/Modal';
import { ProgressBar } from '../components/ProgressBar';
import { Stat } from '../components/Stat';
import { LoadingPanel } from '../components/Spinner';
import { progressText, syncHeadline, waitingText } from './SyncIndicator';
import { errorMessage } from '../lib/errors';
import { formatBytes, formatCount, formatRelative, formatShortDateTime, plural } from '../lib/format';
import { paths } from '../stores/route';
import { useSync } from './syncStore';
import { toastError, toastSuccess } from '../stores/toasts';
import { useNow } from '../lib/useNow';
import './sync.css';

/** A time with how far it is: `ahead` for scheduled times ("in 5 min"), else how long ago. */
function when(iso: string | null, now: number, none = '—', ahead = false): string {
  if (!iso) return none;
  const t = Date.parse(iso);
  if (ahead) {
    const m = Math.max(0, Math.round((t - now) / 60_000));
    return `${formatShortDateTime(iso)} (${m < 1 ? 'in under a minute' : m < 90 ? `in ${m} min` : `in ${Math.round(m / 60)} h`})`;
  }
  return `${formatShortDateTime(iso)} (${formatRelative(iso, now)})`;
}

// ---- status and statistics ---------------------------------------------------------------------

function StatusBanner({ status }: { status: SyncStatusView }) {
  const { label, tone } = syncHeadline(status);
  const needsSettings = status.state === 'not_configured' || status.state === 'needs_attention' || status.state === 'offline';
  return (
    <section className={`sync-banner tone-${tone}`} data-testid="sync-banner" data-state={status.state}>
      <span className={`sync-dot${tone === 'busy' ? ' sync-dot-pulse' : ''}`} aria-hidden="true" />
      <div className="sync-banner-text">
        <strong data-testid="sync-state-label">{label}</strong>
        <span data-testid="sync-message">{status.message}</span>
      </div>
      {needsSettings ? (
        <a className="btn btn-sm" href={paths.settings()} data-testid="sync-open-settings">
          Open Settings
        </a>
      ) : null}
    </section>
  );
}

function Statistics({ status, now }: { status: SyncStatusView; now: number }) {
  const o = status.outbox;
  const last = status.lastJob;
  return (
    <section className="card" aria-labelledby="sync-queue-heading">
      <h2 id="sync-queue-heading">Queue</h2>
      <div className="stat-grid">
        <Stat label="Pending" value={formatCount(o.pending)} testId="sync-stat-pending" hint={`Verified versions waiting for a build (waiting in all: ${waitingText(status)})`} />
        <Stat label="In flight" value={formatCount(o.inFlight)} testId="sync-stat-inflight" hint="In the build that is running" />
        <Stat label="Dead" value={formatCount(o.dead)} testId="sync-stat-dead" hint="Could not be sent; see below" />
        <Stat label="Synced" value={formatCount(o.done)} testId="sync-stat-done" hint="In the W&B dataset" />
      </div>
      <dl className="kv sync-kv">
        <dt>Last build</dt>
        <dd data-testid="sync-last-build">
          {last ? (
            <>
              <JobStateChip state={last.state} /> {when(last.finishedAt ?? last.startedAt ?? last.createdAt, now)}
              {last.artifactVersion ? <span className="muted"> · {last.artifactVersion}</span> : null}
            </>
          ) : (
            'none yet'
          )}
        </dd>
        <dt>Last success</dt>
        <dd data-testid="sync-last-success">{when(status.lastSuccessAt, now, 'never')}</dd>
        <dt>Next scheduled check</dt>
        <dd data-testid="sync-next-check">{when(status.nextCheckAt, now, 'not scheduled', true)}</dd>
        <dt>Daily build</dt>
        <dd data-testid="sync-next-daily">{when(status.nextDailyAt, now, 'off', true)}</dd>
        <dt>W&amp;B reachable</dt>
        <dd data-testid="sync-online">
          {status.online === null ? 'not checked yet' : status.online ? 'yes' : 'no'}
          {status.lastCheckedAt ? <span className="muted"> · checked {formatRelative(status.lastCheckedAt, now)}</span> : null}
        </dd>
      </dl>
    </section>
  );
}

// ---- jobs --------------------------------------------------------------------------------------

function JobTable({ jobs, now }: { jobs: SyncJob[]; now: number }) {
  if (jobs.length === 0) {
    return (
      <p className="muted" data-testid="sync-jobs-empty">
        No builds yet. Verified versions go out in the next build, or press Sync now.
      </p>
    );
  }
  return (
    <div className="sync-table-wrap">
      <table className="sync-table" data-testid="sync-jobs">
        <thead>
          <tr>
            <th>State</th>
            <th>Trigger</th>
            <th>Started</th>
            <th>Finished</th>
            <th className="num" title="Verified versions in the build (one document verified twice counts twice)">Versions</th>
            <th>Version</th>
            <th className="num">Files new / reused</th>
            <th className="num">Sent</th>
            <th>In W&amp;B</th>
          </tr>
        </thead>
        <tbody>
          {jobs.map((job) => (
            <JobRow key={job.jobId} job={job} now={now} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function JobRow({ job, now }: { job: SyncJob; now: number }) {
  const p = job.progress;
  return (
    <>
      <tr data-testid="sync-job" data-job-id={job.jobId} data-state={job.state}>
        <td>
          <JobStateChip state={job.state} />
        </td>
        <td>{job.trigger ?? '—'}</td>
        <td title={job.startedAt ?? undefined}>{job.startedAt ? formatRelative(job.startedAt, now) : '—'}</td>
        <td title={job.finishedAt ?? undefined}>
          {job.finishedAt ? formatRelative(job.finishedAt, now) : job.state === 'running' && p ? `${p.phase}${p.filesTotal ? ` ${p.filesDone}/${p.filesTotal}` : ''}` : '—'}
        </td>
        <td className="num" data-testid="sync-job-documents">
          {formatCount(job.documents)}
          {job.dead ? <span className="warn" title="Went to dead in this build"> ({job.dead} dead)</span> : null}
        </td>
        <td className="mono" data-testid="sync-job-version">
          {job.artifactVersion ?? (job.outcome === 'empty' ? 'nothing to send' : '—')}
        </td>
        <td className="num">
          {formatCount(job.newFiles)} / {formatCount(job.reusedFiles)}
        </td>
        <td className="num">{formatBytes(job.bytesSent)}</td>
        <td>
          <span className="row gap-sm">
            {job.runUrl ? (
              <ExternalLink url={job.runUrl} testId="sync-job-run-link">
                View run
              </ExternalLink>
            ) : null}
            {job.artifactUrl ? (
              <ExternalLink url={job.artifactUrl} testId="sync-job-artifact-link">
                View artifact {job.artifactVersion ?? 'version'}
              </ExternalLink>
            ) : null}
            {!job.runUrl && !job.artifactUrl ? <span className="muted">—</span> : null}
          </span>
        </td>
      </tr>
      {job.error ? (
        <tr className="sync-job-error-row">
          <td colSpan={9} data-testid="sync-job-error">
            {job.error}
          </td>
        </tr>
      ) : null}
    </>
  );
}

// ---- dead items --------------------------------------------------------------------------------

function DeadItems({ items, total }: { items: SyncDeadItem[]; total: number }) {
  const retryDead = useSync((s) => s.retryDead);
  const discardDead = useSync((s) => s.discardDead);
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState<{ ids: string[] | undefined; count: number } | null>(null);

  const run = async (fn: () => Promise<string>) => {
    setBusy(true);
    try {
      toastSuccess(await fn());
    } catch (err) {
      toastError('That did not work', err);
    } finally {
      setBusy(false);
    }
  };
  const retry = (ids?: string[]) => void run(async () => `${plural(await retryDead(ids), 'item')} back in the queue`);

  return (
    <section className="card" aria-labelledby="sync-dead-heading" data-testid="sync-dead">
      <div className="card-header">
        <h2 id="sync-dead-heading">Could not be sent {total ? <span className="badge">{formatCount(total)}</span> : null}</h2>
        {items.length > 0 ? (
          <div className="row gap-sm">
            <button type="button" className="btn btn-sm" disabled={busy} onClick={() => retry()} data-testid="sync-dead-retry-all">
              Retry all
            </button>
            <button type="button" className="btn btn-sm btn-danger-ghost" disabled={busy} onClick={() => setConfirm({ ids: undefined, count: total })} data-testid="sync-dead-discard-all">
              Discard all
            </button>
          </div>
        ) : null}
      </div>
      {items.length === 0 ? (
        <p className="muted small" data-testid="sync-dead-empty">
          Nothing. Items that fail again and again, or cannot be sent at all (for example a page image that is gone), would show here with the reason.
        </p>
      ) : (
        <ul className="sync-dead-list">
          {items.map((item) => (
            <li key={item.outboxId} className="sync-dead-item" data-testid="sync-dead-item" data-outbox-id={item.outboxId}>
              <div className="grow stack-sm">
                <div className="row gap-sm">
                  <a href={paths.document(item.projectId, item.documentId)} className="mono truncate" title={item.documentId}>
                    {item.documentId.slice(0, 12)}…
                  </a>
                  <span className="muted small">
                    version {item.version} · {plural(item.attempts, 'attempt')} · {formatShortDateTime(item.updatedAt)}
                  </span>
                </div>
                <span className="sync-dead-reason" data-testid="sync-dead-reason">
                  {item.reason ?? 'no reason recorded'}
                </span>
              </div>
              <div className="row gap-sm">
                <button type="button" className="btn btn-sm" disabled={busy} onClick={() => retry([item.outboxId])} data-testid="sync-dead-retry">
                  Retry
                </button>
                <button type="button" className="btn btn-sm btn-danger-ghost" disabled={busy} onClick={() => setConfirm({ ids: [item.outboxId], count: 1 })} data-testid="sync-dead-discard">
                  Discard
                </button>
              </div>
            </li>
          ))}
        </ul>
      )}
      {items.length < total ? <p className="muted small">Showing the first {formatCount(items.length)}; “Retry all” and “Discard all” act on every item.</p> : null}
      {confirm ? (
        <Modal
          title={confirm.count === 1 ? 'Discard this item?' : `Discard ${formatCount(confirm.count)} items?`}
          onClose={() => setConfirm(null)}
          testId="sync-discard-confirm"
          footer={
            <>
              <button type="button" className="btn" onClick={() => setConfirm(null)} data-testid="sync-discard-cancel">
                Cancel
              </button>
              <button
                type="button"
                className="btn btn-danger"
                disabled={busy}
                onClick={() => {
                  const ids = confirm.ids;
                  setConfirm(null);
                  void run(async () => `${plural(await discardDead(ids), 'item')} discarded`);
                }}
                data-testid="sync-discard-confirm-button"
              >
                Discard
              </button>
            </>
          }
        >
          <p>
            {confirm.count === 1 ? 'This verified version' : 'These verified versions'} will not be sent to W&amp;B. The annotations stay in Folio; verifying the document
            again queues a new version.
          </p>
        </Modal>
      ) : null}
    </section>
  );
}

// ---- settings ----------------------------------------------------------------------------------

type NumberField = 'intervalMinutes' | 'batchSize' | 'maxWaitMinutes' | 'maxAttempts';
type FieldName = NumberField | 'dailyTime';
const FIELDS: FieldName[] = ['intervalMinutes', 'dailyTime', 'batchSize', 'maxWaitMinutes', 'maxAttempts'];

/** "sync.config.update: batchSize: …; maxAttempts: …" or "sync setting batchSize: …" → per-field messages. */
function fieldErrors(message: string): { fields: Partial<Record<FieldName, string>>; rest: string | null } {
  const fields: Partial<Record<FieldName, string>> = {};
  const rest: string[] = [];
  const body = message.replace(/^sync\.config\.update:\s*/, '');
  for (const part of body.split(/;\s*/)) {
    const m = /^(?:sync setting\s+)?([A-Za-z]+):\s*(.+)$/.exec(part.trim());
    const name = m?.[1] as FieldName | undefined;
    if (m && name && FIELDS.includes(name)) fields[name] = m[2]!;
    else if (part.trim()) rest.push(part.trim());
  }
  return { fields, rest: rest.length ? rest.join('; ') : null };
}

function SyncSettings({ config }: { config: SyncConfig }) {
  const updateConfig = useSync((s) => s.updateConfig);
  const [values, setValues] = useState<Record<NumberField, string>>(() => ({
    intervalMinutes: String(config.intervalMinutes),
    batchSize: String(config.batchSize),
    maxWaitMinutes: String(config.maxWaitMinutes),
    maxAttempts: String(config.maxAttempts),
  }));
  const [dailyOn, setDailyOn] = useState(config.dailyTime !== null);
  const [dailyTime, setDailyTime] = useState(config.dailyTime ?? '02:00');
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async () => {
    const patch: SyncConfigPatch = {};
    const local: Partial<Record<FieldName, string>> = {};
    for (const key of ['intervalMinutes', 'batchSize', 'maxWaitMinutes', 'maxAttempts'] as const) {
      const raw = values[key].trim();
      const n = Number(raw);
      if (!raw || !Number.isInteger(n)) local[key] = 'a whole number, please';
      else if (n !== config[key]) patch[key] = n;
    }
    const daily = dailyOn ? dailyTime : null;
    if (daily !== config.dailyTime) patch.dailyTime = daily;
    setErrors(local);
    setFormError(null);
    if (Object.keys(local).length > 0 || Object.keys(patch).length === 0) return;
    setBusy(true);
    try {
      const next = await updateConfig(patch);
      setValues({ intervalMinutes: String(next.intervalMinutes), batchSize: String(next.batchSize), maxWaitMinutes: String(next.maxWaitMinutes), maxAttempts: String(next.maxAttempts) });
      toastSuccess('Sync settings saved');
    } catch (err) {
      const { fields, rest } = fieldErrors(errorMessage(err));
      setErrors(fields);
      setFormError(rest);
    } finally {
      setBusy(false);
    }
  };

  const numberField = (key: NumberField, label: string, unit: string, hint: string) => (
    <label className="field sync-field" data-testid={`sync-field-${key}`}>
      <span className="field-label">{label}</span>
      <span className="row gap-sm">
        <input
          className={`input sync-number${errors[key] ? ' input-invalid' : ''}`}
          inputMode="numeric"
          value={values[key]}
          onChange={(e) => setValues((v) => ({ ...v, [key]: e.target.value }))}
          aria-invalid={errors[key] ? true : undefined}
          data-testid={`sync-config-${key}`}
        />
        <span className="muted small">{unit}</span>
      </span>
      <span className="field-hint">{hint}</span>
      <InlineError message={errors[key]} testId={`sync-config-${key}-error`} />
    </label>
  );

  return (
    <section className="card" aria-labelledby="sync-settings-heading">
      <h2 id="sync-settings-heading">When to sync</h2>
      <form
        className="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
        data-testid="sync-settings"
      >
        <div className="sync-form-grid">
          {numberField('intervalMinutes', 'Check every', 'minutes', 'A build starts when a batch is full or has waited long enough.')}
          <div className="field sync-field" data-testid="sync-field-dailyTime">
            <span className="field-label">Daily build</span>
            <span className="row gap-sm">
              <label className="checkbox">
                <input type="checkbox" checked={dailyOn} onChange={(e) => setDailyOn(e.target.checked)} data-testid="sync-config-daily-on" />
                at
              </label>
              <input
                type="time"
                className={`input sync-time${errors.dailyTime ? ' input-invalid' : ''}`}
                value={dailyTime}
                disabled={!dailyOn}
                onChange={(e) => setDailyTime(e.target.value)}
                aria-label="Daily build time"
                data-testid="sync-config-dailyTime"
              />
            </span>
            <span className="field-hint">Sends everything waiting, whatever the batch size. Local time.</span>
            <InlineError message={errors.dailyTime} testId="sync-config-dailyTime-error" />
          </div>
          {numberField('batchSize', 'Batch size', 'versions', 'Verified versions per dataset version.')}
          {numberField('maxWaitMinutes', 'Longest wait', 'minutes', 'A scheduled check sends a batch that is not full after this long.')}
          {numberField('maxAttempts', 'Attempts before giving up', 'tries', 'After this many server errors an item goes to “Could not be sent”. Being offline does not count.')}
        </div>
        <InlineError message={formError} testId="sync-config-error" />
        <div className="row end">
          <button type="submit" className="btn" disabled={busy} data-testid="sync-config-save">
            Save
          </button>
        </div>
      </form>
    </section>
  );
}

// ---- page --------------------------------------------------------------------------------------

export function SyncView() {
  const status = useSync((s) => s.status);
  const jobs = useSync((s) => s.jobs);
  const dead = useSync((s) => s.dead);
  const config = useSync((s) => s.config);
  const pageError = useSync((s) => s.pageError);
  const starting = useSync((s) => s.starting);
  const openPage = useSync((s) => s.openPage);
  const closePage = useSync((s) => s.closePage);
  const syncNow = useSync((s) => s.syncNow);
  const now = useNow();

  useEffect(() => {
    void openPage();
    return () => closePage();
  }, [openPage, closePage]);

  const syncing = status?.state === 'syncing';
  const p = status?.currentJob?.progress ?? null;
  const canSync = !!status && !syncing && !starting && status.state !== 'not_configured';

  return (
    <div className="page" data-testid="sync-page">
      <header className="page-header">
        <div>
          <h1>Sync to W&amp;B</h1>
          <p className="muted small">Verified annotations go to your team&apos;s W&amp;B dataset in the background. Nothing here ever blocks annotating.</p>
        </div>
        <div className="row gap-sm">
          {syncing ? (
            <div className="sync-progress" data-testid="sync-progress">
              <ProgressBar value={p?.filesDone ?? 0} max={p?.filesTotal ?? 0} label="Sync progress" />
              <span className="small muted" data-testid="sync-progress-text">
                {status ? progressText(status) : null}
              </span>
            </div>
          ) : null}
          <button
            type="button"
            className="btn btn-primary"
            disabled={!canSync}
            title={status?.state === 'not_configured' ? 'Add a W&B API key in Settings first' : undefined}
            onClick={() => void syncNow().catch((err: unknown) => toastError('Sync could not start', err))}
            data-testid="sync-now"
          >
            {syncing || starting ? 'Syncing…' : 'Sync now'}
          </button>
        </div>
      </header>
      <div className="page-body narrow sync-body">
        {status ? <StatusBanner status={status} /> : null}
        <InlineError message={pageError} testId="sync-page-error" />
        {status ? <Statistics status={status} now={now} /> : <LoadingPanel />}
        <section className="card" aria-labelledby="sync-jobs-heading">
          <h2 id="sync-jobs-heading">Builds</h2>
          {jobs ? <JobTable jobs={jobs} now={now} /> : <LoadingPanel />}
        </section>
        {dead ? <DeadItems items={dead} total={status?.outbox.dead ?? dead.length} /> : null}
        {config ? <SyncSettings config={config} /> : null}
      </div>
    </div>
  );
}
