import { useState } from 'react';
import { importFormats, type AnnotationsImportJob, type ImportFormat } from '../../../../shared/domain/formats';
import { api } from '../../lib/api';
import { errorMessage } from '../../lib/errors';
import { formatCount, plural } from '../../lib/format';
import { useApp } from '../../stores/app';
import { isJobFinished } from '../../stores/jobs';
import { InlineError } from '../ErrorPanel';
import { JobDialog, JobForm, useStartedJob } from '../JobDialog';
import { ProgressBar } from '../ProgressBar';
import './formats.css';

const importLabels: Record<ImportFormat, string> = {
  labelstudio: 'Label Studio JSON (annotations and predictions)',
  coco: 'COCO detection JSON',
  jsonl: 'Folio JSONL',
  voc: 'Pascal VOC XML (a folder)',
  yolo: 'YOLO text (a folder with classes.txt)',
};

/** The import's progress, then what it brought in and the problems it found. */
function ImportDetails({ job }: { job: AnnotationsImportJob }) {
  const done = isJobFinished(job);
  const d = job.documents;
  return (
    <>
      <ProgressBar value={job.done} max={job.total} label="Import progress" testId="annotations-import-progress" />
      <div className="row between small">
        <span>{job.phase === 'reading' ? 'Reading the file…' : job.phase === 'writing' ? `${formatCount(job.done)} / ${formatCount(job.total)} documents` : 'Finished'}</span>
        <span className="muted">{done ? job.state : ''}</span>
      </div>
      {done ? (
        <div className="notice" data-testid="annotations-import-summary">
          {formatCount(job.items)} items read: {plural(d.imported, 'document')} imported, {formatCount(d.unchanged)} already so, {formatCount(d.skipped)} skipped ·{' '}
          {job.as === 'predictions' ? plural(job.predictions, 'prediction') : `${plural(job.boxes, 'box', 'boxes')}, ${plural(job.qa, 'answer')}`}
        </div>
      ) : null}
      {job.error ? <InlineError message={job.error} testId="annotations-import-error" /> : null}
      {job.problemCount ? (
        <details open={done} data-testid="annotations-import-problems">
          <summary>
            {plural(job.problemCount, 'problem')}
            {job.problemCount > job.problems.length ? ` (the first ${formatCount(job.problems.length)} listed)` : ''}
          </summary>
          <ul className="problem-list small">
            {job.problems.map((p, i) => (
              <li key={i} className={p.severity === 'error' ? 'text-danger' : undefined} data-testid="annotations-import-problem">
                <span className="mono">{p.item}</span>
                {p.field ? <span className="mono muted"> · {p.field}</span> : null}: {p.reason}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </>
  );
}

/**
 * Bring annotations or predictions made elsewhere (Label Studio, COCO pipelines, another Folio)
 * into this project. Images are matched to the project's documents; each item that cannot be
 * used is listed with its reason, and the rest is imported. Importing the same file again adds nothing.
 */
export function ImportAnnotationsDialog({ projectId, onClose }: { projectId: string; onClose(): void }) {
  const nativeDialogs = useApp((s) => s.info?.capabilities.nativeDialogs ?? false);
  const [format, setFormat] = useState<ImportFormat>('labelstudio');
  const [file, setFile] = useState('');
  const [as, setAs] = useState<'annotations' | 'predictions'>('annotations');
  const [who, setWho] = useState('');
  const [images, setImages] = useState('');
  const { job, busy, error, setError, cancelError, start: startJob, cancel } = useStartedJob('annotationsImport');

  const pick = async () => {
    try {
      const { paths } = await api()['dialog.pickImportPaths']({});
      if (paths[0]) setFile(paths[0]);
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const start = () =>
    startJob(() =>
      api()['annotationsImport.start']({
        projectId,
        format,
        file: file.trim(),
        as,
        ...(who.trim() ? (as === 'annotations' ? { annotator: who.trim() } : { model: who.trim() }) : {}),
        ...(images.trim() ? { images: images.trim() } : {}),
      }),
    );

  return (
    <JobDialog
      error={cancelError ? { message: cancelError, testId: 'annotations-import-cancel-error' } : undefined}
      title="Import annotations or predictions"
      testId="annotations-import-dialog"
      onClose={onClose}
      panel={job ? { testId: 'annotations-import-job', state: job.state, body: <ImportDetails job={job} /> } : null}
      cancel={cancel('Cancel import', 'annotations-import-cancel')}
      form={
        <JobForm onStart={() => void start()} startLabel="Import" startTestId="annotations-import-start" canStart={!busy && file.trim() !== ''} error={error}>
          <div className="form-grid">
            <label className="field">
              <span className="field-label">Format</span>
              <select className="input" value={format} onChange={(e) => setFormat(e.target.value as ImportFormat)} data-testid="annotations-import-format">
                {importFormats.map((f) => (
                  <option key={f} value={f}>
                    {importLabels[f]}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span className="field-label">Import as</span>
              <select className="input" value={as} onChange={(e) => setAs(e.target.value as 'annotations' | 'predictions')} data-testid="annotations-import-as">
                <option value="annotations">Verified annotations (a new version per document)</option>
                <option value="predictions">Model predictions (to accept or reject)</option>
              </select>
            </label>
          </div>
          <label className="field">
            <span className="field-label">{format === 'voc' || format === 'yolo' ? 'Folder' : 'File'}</span>
            <div className="row gap-sm">
              <input className="input grow mono" value={file} onChange={(e) => setFile(e.target.value)} spellCheck={false} placeholder="/path/to/export.json" data-testid="annotations-import-file" />
              {nativeDialogs ? (
                <button type="button" className="btn" onClick={() => void pick()}>
                  Choose…
                </button>
              ) : null}
            </div>
          </label>
          <div className="form-grid">
            <label className="field">
              <span className="field-label">{as === 'annotations' ? 'Annotator' : 'Model name'}</span>
              <input
                className="input"
                value={who}
                onChange={(e) => setWho(e.target.value)}
                placeholder={as === 'annotations' ? 'From the file (needed when it does not say)' : `From the file, else "${format}-import"`}
                data-testid="annotations-import-who"
              />
            </label>
            <label className="field">
              <span className="field-label">Images folder (optional)</span>
              <input className="input mono" value={images} onChange={(e) => setImages(e.target.value)} spellCheck={false} placeholder="Next to the file" data-testid="annotations-import-images" />
            </label>
          </div>
        </JobForm>
      }
    />
  );
}
