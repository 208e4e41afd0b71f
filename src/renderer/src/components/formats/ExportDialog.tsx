import { useState } from 'react';
import { exportFormats, type ExportFormat, type ExportJob } from '../../../../shared/domain/formats';
import { api } from '../../lib/api';
import { errorMessage } from '../../lib/errors';
import { formatCount, formatEta, plural, suggestedDataPath } from '../../lib/format';
import { useApp } from '../../stores/app';
import { isJobFinished, useFormatJobs } from '../../stores/formatJobs';
import { InlineError } from '../ErrorPanel';
import { Modal } from '../Modal';
import { ProgressBar } from '../ProgressBar';

export const formatLabels: Record<ExportFormat, string> = {
  coco: 'COCO detection JSON',
  labelstudio: 'Label Studio JSON tasks',
  voc: 'Pascal VOC XML (one file per page)',
  yolo: 'YOLO text + classes.txt',
  jsonl: 'Folio JSONL (everything, one document per line)',
};

function ExportProgress({ job, onCancel }: { job: ExportJob; onCancel(): void }) {
  const done = isJobFinished(job);
  return (
    <div className="stack" data-testid="export-job" data-state={job.state} data-job-id={job.jobId}>
      <ProgressBar value={job.done} max={job.total} label="Export progress" testId="export-progress" />
      <div className="row between small">
        <span data-testid="export-count">
          {formatCount(job.done)} / {formatCount(job.total)} documents
        </span>
        <span className="muted">{done ? job.state : `${formatEta(job.etaMs)} left`}</span>
      </div>
      {done && job.state === 'completed' ? (
        <div className="notice" data-testid="export-summary">
          Wrote {plural(job.done - job.skipped.length, 'document')} ({plural(job.pages, 'page')}, {plural(job.boxes, 'box', 'boxes')}, {plural(job.qa, 'answer')}
          {job.imagesCopied ? `, ${plural(job.imagesCopied, 'image')} copied` : ''}) to <span className="mono">{job.out}</span>: {job.files.join(', ')}
        </div>
      ) : null}
      {job.error ? <InlineError message={job.error} testId="export-error" /> : null}
      {job.skipped.length ? (
        <details data-testid="export-skipped">
          <summary>{plural(job.skipped.length, 'document')} left out</summary>
          <ul className="small">
            {job.skipped.slice(0, 200).map((s) => (
              <li key={s.documentId}>
                <span className="mono">{s.documentId}</span>: {s.reason}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      {!done ? (
        <div className="row end">
          <button type="button" className="btn btn-danger-ghost" onClick={onCancel} data-testid="export-cancel">
            Cancel export
          </button>
        </div>
      ) : null}
    </div>
  );
}

/**
 * Export a project's verified (or gold) versions to a format training code reads. The export
 * streams in the background into a new folder (nothing is left behind if it is cancelled).
 */
export function ExportDialog({ projectId, projectName, onClose }: { projectId: string; projectName: string; onClose(): void }) {
  const dataDir = useApp((s) => s.info?.dataDir ?? '');
  const [format, setFormat] = useState<ExportFormat>('coco');
  const [out, setOut] = useState<string | null>(null);
  const [status, setStatus] = useState<'verified' | 'gold'>('verified');
  const [images, setImages] = useState<'reference' | 'copy'>('copy');
  const [annotator, setAnnotator] = useState('');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const job = useFormatJobs((s) => (jobId ? s.exports[jobId] : undefined));
  const applyExport = useFormatJobs((s) => s.applyExport);
  const target = out ?? suggestedDataPath(dataDir, 'exports', projectName, format);

  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      const client = api();
      const { jobId: id } = await client['export.start']({
        projectId,
        format,
        out: target,
        status,
        images,
        ...(annotator.trim() ? { annotator: annotator.trim() } : {}),
        ...(since ? { since } : {}),
        ...(until ? { until } : {}),
      });
      setJobId(id);
      applyExport(await client['export.get']({ jobId: id }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title="Export annotations" onClose={onClose} wide testId="export-dialog">
      {job ? (
        <ExportProgress job={job} onCancel={() => void api()['export.cancel']({ jobId: job.jobId }).catch((err: unknown) => setError(errorMessage(err)))} />
      ) : (
        <form
          className="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void start();
          }}
        >
          <div className="form-grid">
            <label className="field">
              <span className="field-label">Format</span>
              <select className="input" value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)} data-testid="export-format">
                {exportFormats.map((f) => (
                  <option key={f} value={f}>
                    {formatLabels[f]}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span className="field-label">Versions</span>
              <select className="input" value={status} onChange={(e) => setStatus(e.target.value as 'verified' | 'gold')} data-testid="export-status">
                <option value="verified">Verified by annotators</option>
                <option value="gold">Gold (resolved by a lead)</option>
              </select>
            </label>
            <label className="field">
              <span className="field-label">Annotator (optional)</span>
              <input className="input" value={annotator} onChange={(e) => setAnnotator(e.target.value)} placeholder="Everyone" data-testid="export-annotator" />
            </label>
            <label className="field">
              <span className="field-label">Page images</span>
              <select className="input" value={images} onChange={(e) => setImages(e.target.value as 'reference' | 'copy')} data-testid="export-images">
                <option value="copy">Copied into the export (self-contained)</option>
                <option value="reference">Referenced by path (small, only valid on this computer)</option>
              </select>
            </label>
            <label className="field">
              <span className="field-label">Verified from</span>
              <input className="input" type="date" value={since} onChange={(e) => setSince(e.target.value)} data-testid="export-since" />
            </label>
            <label className="field">
              <span className="field-label">Verified until</span>
              <input className="input" type="date" value={until} onChange={(e) => setUntil(e.target.value)} data-testid="export-until" />
            </label>
          </div>
          <label className="field">
            <span className="field-label">Into a new folder</span>
            <input className="input mono" value={target} onChange={(e) => setOut(e.target.value)} spellCheck={false} data-testid="export-out" />
            <span className="field-hint">A folder that does not exist yet (or is empty) on this computer.</span>
          </label>
          <InlineError message={error} testId="export-start-error" />
          <div className="row gap">
            <button type="submit" className="btn btn-primary" disabled={busy || !target.trim()} data-testid="export-start">
              Export
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}
