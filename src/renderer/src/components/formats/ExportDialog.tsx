import { useEffect, useState } from 'react';
import { DEFAULT_EXPORT_STATUS, exportFormats, type ExportFormat, type ExportJob, type ExportPreview, type ExportStatus } from '../../../../shared/domain/formats';
import { api } from '../../lib/api';
import { errorMessage } from '../../lib/errors';
import { formatCount, formatEta, plural, suggestedDataPath } from '../../lib/format';
import { useApp } from '../../stores/app';
import { isJobFinished } from '../../stores/jobs';
import { InlineError } from '../ErrorPanel';
import { JobDialog, JobForm, useStartedJob } from '../JobDialog';
import { ProgressBar } from '../ProgressBar';
import './formats.css';

export const formatLabels: Record<ExportFormat, string> = {
  coco: 'COCO detection JSON',
  labelstudio: 'Label Studio JSON tasks',
  voc: 'Pascal VOC XML (one file per page)',
  yolo: 'YOLO text + classes.txt',
  jsonl: 'Folio JSONL (everything, one document per line)',
};

export const statusLabels: Record<ExportStatus, string> = {
  'gold-or-verified': 'Gold where resolved, else newest verified',
  verified: 'Newest verified by annotators (ignores gold)',
  gold: 'Gold only (resolved by a lead)',
};

/** What the chosen versions are, in one sentence with the counts the core found. */
export function previewText(status: ExportStatus, p: ExportPreview): string {
  if (p.documents === 0) {
    return status === 'gold'
      ? 'No document has a gold version that matches: nothing would be exported.'
      : 'No document has a verified version that matches: nothing would be exported.';
  }
  const docs = plural(p.documents, 'document');
  switch (status) {
    case 'gold-or-verified':
      return `${docs}: ${formatCount(p.fromGold)} from gold (resolved in review), ${formatCount(p.fromVerified)} newest verified.`;
    case 'verified':
      return `${docs}: annotators' newest verified versions${p.overruled ? `, including ${formatCount(p.overruled)} that gold overrules` : ''}.`;
    case 'gold':
      return `${docs}: gold versions only.`;
  }
}

/** The export's progress, then what it wrote and what it left out. */
function ExportDetails({ job }: { job: ExportJob }) {
  const done = isJobFinished(job);
  return (
    <>
      <ProgressBar value={job.done} max={job.total} label="Export progress" testId="export-progress" />
      <div className="row between small">
        <span data-testid="export-count">
          {formatCount(job.done)} / {formatCount(job.total)} documents
        </span>
        <span className="muted">{done ? job.state : `${formatEta(job.etaMs)} left`}</span>
      </div>
      {done && job.state === 'completed' ? (
        <div className="notice" data-testid="export-summary">
          Wrote {plural(job.done - job.skipped.length, 'document')} ({formatCount(job.fromGold)} from gold, {formatCount(job.fromVerified)} newest verified; {plural(job.pages, 'page')},{' '}
          {plural(job.boxes, 'box', 'boxes')}, {plural(job.qa, 'answer')}
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
    </>
  );
}

/**
 * Export one verified version of each document (by default gold where a lead resolved it, else
 * the newest verified) to a format training code reads. Before it starts, the dialog says how many
 * documents the choices select and where their versions come from. The export streams in the
 * background into a new folder (nothing is left behind if it is cancelled).
 */
export function ExportDialog({ projectId, projectName, onClose }: { projectId: string; projectName: string; onClose(): void }) {
  const dataDir = useApp((s) => s.info?.dataDir ?? '');
  const [format, setFormat] = useState<ExportFormat>('coco');
  const [out, setOut] = useState<string | null>(null);
  const [status, setStatus] = useState<ExportStatus>(DEFAULT_EXPORT_STATUS);
  const [images, setImages] = useState<'reference' | 'copy'>('copy');
  const [annotator, setAnnotator] = useState('');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const { job, busy, error, cancelError, start: startJob, cancel } = useStartedJob('export');
  const target = out ?? suggestedDataPath(dataDir, 'exports', projectName, format);
  const [preview, setPreview] = useState<{ for: string; text: string; error: boolean } | null>(null);

  // What these choices would export, asked again (debounced) whenever they change; the last answer wins.
  const previewKey = JSON.stringify({ projectId, status, annotator: annotator.trim() || undefined, since: since || undefined, until: until || undefined });
  useEffect(() => {
    let current = true;
    const t = setTimeout(() => {
      const client = api();
      client['export.preview'](JSON.parse(previewKey) as { projectId: string; status: ExportStatus })
        .then((p) => current && setPreview({ for: previewKey, text: previewText(status, p), error: false }))
        .catch((err: unknown) => current && setPreview({ for: previewKey, text: errorMessage(err), error: true }));
    }, 200);
    return () => {
      current = false;
      clearTimeout(t);
    };
  }, [previewKey, status]);
  const shownPreview = preview?.for === previewKey ? preview : null;

  const start = () =>
    startJob(() =>
      api()['export.start']({
        projectId,
        format,
        out: target,
        status,
        images,
        ...(annotator.trim() ? { annotator: annotator.trim() } : {}),
        ...(since ? { since } : {}),
        ...(until ? { until } : {}),
      }),
    );

  return (
    <JobDialog
      error={cancelError ? { message: cancelError, testId: 'export-cancel-error' } : undefined}
      title="Export annotations"
      testId="export-dialog"
      onClose={onClose}
      panel={job ? { testId: 'export-job', state: job.state, jobId: job.jobId, body: <ExportDetails job={job} /> } : null}
      cancel={cancel('Cancel export', 'export-cancel')}
      form={
        <JobForm onStart={() => void start()} startLabel="Export" startTestId="export-start" canStart={!busy && target.trim() !== ''} error={error}>
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
              <span className="field-label">Page images</span>
              <select className="input" value={images} onChange={(e) => setImages(e.target.value as 'reference' | 'copy')} data-testid="export-images">
                <option value="copy">Copied into the export (self-contained)</option>
                <option value="reference">Referenced by path (small, only valid on this computer)</option>
              </select>
            </label>
            <label className="field field-full">
              <span className="field-label">Versions</span>
              <select className="input" value={status} onChange={(e) => setStatus(e.target.value as ExportStatus)} data-testid="export-status">
                {(Object.keys(statusLabels) as ExportStatus[]).map((s) => (
                  <option key={s} value={s}>
                    {statusLabels[s]}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <div className="form-grid form-grid-3">
            <label className="field">
              <span className="field-label">Annotator (optional)</span>
              <input className="input" value={annotator} onChange={(e) => setAnnotator(e.target.value)} placeholder="Everyone" data-testid="export-annotator" />
              {status === 'gold-or-verified' && annotator.trim() ? <span className="field-hint">Documents whose chosen version is theirs.</span> : null}
            </label>
            <label className="field">
              <span className="field-label">{status === 'verified' ? 'Verified from' : 'Verified or resolved from'}</span>
              <input className="input" type="date" value={since} onChange={(e) => setSince(e.target.value)} data-testid="export-since" />
            </label>
            <label className="field">
              <span className="field-label">{status === 'verified' ? 'Verified until' : 'Verified or resolved until'}</span>
              <input className="input" type="date" value={until} onChange={(e) => setUntil(e.target.value)} data-testid="export-until" />
            </label>
          </div>
          <p className={`export-preview${shownPreview?.error ? ' warn' : ''}`} data-testid="export-preview" aria-live="polite">
            {shownPreview ? shownPreview.text : 'Counting the documents these choices export…'}
          </p>
          <label className="field">
            <span className="field-label">Into a new folder</span>
            <input className="input mono" value={target} onChange={(e) => setOut(e.target.value)} spellCheck={false} data-testid="export-out" />
            <span className="field-hint">A folder that does not exist yet (or is empty) on this computer.</span>
          </label>
        </JobForm>
      }
    />
  );
}
