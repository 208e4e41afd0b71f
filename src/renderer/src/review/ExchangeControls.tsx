import { useEffect, useState } from 'react';
import type { BundleExportSummary, BundleImportSummary, PullJob } from '../../../shared/domain/exchange';
import { InlineError } from '../components/ErrorPanel';
import { Modal } from '../components/Modal';
import { api, events } from '../lib/api';
import { errorMessage } from '../lib/errors';
import { formatBytes, plural, suggestedDataPath } from '../lib/format';
import { useApp } from '../stores/app';

/**
 * Bringing annotators' work into the lead's installation from the review queue: a pull from the
 * W&B dataset (in the background, progress from exchange.* events), and bundle files for
 * annotators who work without W&B.
 */

const pullPhases: Record<PullJob['phase'], string> = { connecting: 'Connecting to W&B…', listing: 'Listing dataset versions…', reading: 'Reading partitions…', done: 'Done' };

function pullSummary(job: PullJob): string {
  if (job.state === 'failed') return job.error ?? 'The pull failed';
  const parts = [`${plural(job.imported, 'version')} imported`, `${job.skipped} already here`];
  if (job.documentsCreated) parts.push(`${plural(job.documentsCreated, 'document')} created`);
  if (job.conflictCount) parts.push(`${plural(job.conflictCount, 'conflict')} (not applied)`);
  if (job.errorCount) parts.push(`${plural(job.errorCount, 'file')} refused`);
  return parts.join(' · ');
}

export function PullButton({ projectId }: { projectId: string }) {
  const [job, setJob] = useState<PullJob | null>(null);
  const [error, setError] = useState<string | null>(null);
  const running = job !== null && (job.state === 'running' || job.state === 'queued');

  useEffect(() => {
    const follow = (j: PullJob) => {
      if (j.projectId === projectId) setJob(j);
    };
    const offs = [events().on('exchange.progress', follow), events().on('exchange.finished', follow)];
    // The last pull of this project, so its outcome stays visible after a reload.
    const last = api()['exchange.pulls']({ projectId, limit: 1 });
    last.then((list) => setJob((current) => current ?? list[0] ?? null)).catch(() => undefined);
    return () => offs.forEach((off) => off());
  }, [projectId]);

  const pull = async () => {
    setError(null);
    try {
      await api()['exchange.pull']({ projectId });
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  return (
    <div className="exchange-pull" data-testid="pull" data-state={job?.state ?? ''} data-job-id={job?.jobId ?? ''}>
      <button type="button" className="btn" onClick={() => void pull()} disabled={running} title="Import every annotator's verified work from the W&B dataset; only what is new is read" data-testid="pull-button">
        {running ? 'Pulling…' : 'Pull from W&B'}
      </button>
      <span className="muted small" data-testid="pull-status">
        {running && job ? `${pullPhases[job.phase]} ${job.partitions ? `${job.partitionsDone}/${job.partitions}` : ''}` : job ? pullSummary(job) : ''}
      </span>
      <InlineError message={error} testId="pull-error" />
    </div>
  );
}

/** A bundle action: a file path, its button, and below them what the action reported. */
function PathForm({
  label,
  input,
  submit,
  onSubmit,
  children,
}: {
  label: string;
  input: { value: string; onChange(value: string): void; placeholder?: string; testId: string };
  submit: { label: string; className: string; disabled: boolean; testId: string };
  onSubmit(): void;
  children: React.ReactNode;
}) {
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      <label className="field">
        <span className="field-label">{label}</span>
        <input className="input mono" value={input.value} onChange={(e) => input.onChange(e.target.value)} placeholder={input.placeholder} data-testid={input.testId} />
      </label>
      <div className="row end">
        <button type="submit" className={submit.className} disabled={submit.disabled} data-testid={submit.testId}>
          {submit.label}
        </button>
      </div>
      {children}
    </form>
  );
}

export function BundleDialog({ projectId, projectName, onClose }: { projectId: string; projectName: string; onClose(): void }) {
  const dataDir = useApp((s) => s.info?.dataDir ?? '');
  const [out, setOut] = useState<string | null>(null);
  const [inPath, setInPath] = useState('');
  const [busy, setBusy] = useState(false);
  const [exported, setExported] = useState<BundleExportSummary | null>(null);
  const [imported, setImported] = useState<BundleImportSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const target = out ?? suggestedDataPath(dataDir, 'bundles', projectName, '', '.folio.tar.gz');

  const run = async (what: 'export' | 'import') => {
    setBusy(true);
    setError(null);
    try {
      if (what === 'export') setExported(await api()['bundle.export']({ projectId, path: target }));
      else setImported(await api()['bundle.import']({ path: inPath.trim() }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title="Bundles" onClose={onClose} wide locked={busy} testId="bundle-dialog">
      <div className="stack">
        <p className="muted small">A bundle is one file with the project, its documents and page images, and every verified and gold version: for annotators who work without W&amp;B. Importing never overwrites work already here.</p>
        <PathForm
          label="Export this project to"
          input={{ value: target, onChange: setOut, testId: 'bundle-export-path' }}
          submit={{ label: 'Export bundle', className: 'btn', disabled: busy || !target.trim(), testId: 'bundle-export' }}
          onSubmit={() => void run('export')}
        >
          {exported ? (
            <div className="notice" data-testid="bundle-export-summary">
              Wrote {plural(exported.documents, 'document')}, {plural(exported.versions, 'version')} by {plural(exported.annotators, 'annotator')} ({formatBytes(exported.bytes)}) to <span className="mono">{exported.path}</span>
            </div>
          ) : null}
        </PathForm>
        <PathForm
          label="Import a bundle file"
          input={{ value: inPath, onChange: setInPath, placeholder: '/path/to/ada.folio.tar.gz', testId: 'bundle-import-path' }}
          submit={{ label: 'Import bundle', className: 'btn btn-primary', disabled: busy || !inPath.trim(), testId: 'bundle-import' }}
          onSubmit={() => void run('import')}
        >
          {imported ? (
            <div className="notice" data-testid="bundle-import-summary">
              {plural(imported.imported, 'version')} imported, {imported.skipped} already here
              {imported.documentsCreated ? `, ${plural(imported.documentsCreated, 'document')} created` : ''}
              {imported.projectCreated ? ` into the new project “${imported.projectName}”` : ` into “${imported.projectName}”`}.
              {imported.conflicts.length ? (
                <ul className="small" data-testid="bundle-import-conflicts">
                  {imported.conflicts.slice(0, 100).map((c) => (
                    <li key={c.annotationId}>
                      {c.annotator} v{c.version}: {c.reason}
                    </li>
                  ))}
                </ul>
              ) : null}
            </div>
          ) : null}
        </PathForm>
        <InlineError message={error} testId="bundle-error" />
      </div>
    </Modal>
  );
}
