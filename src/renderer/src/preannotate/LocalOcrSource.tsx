import { useEffect, useState } from 'react';
import type { LocalOcrOptions, OcrJob } from '../../../shared/domain/ocr';
import { InlineError } from '../components/ErrorPanel';
import { ProgressBar } from '../components/ProgressBar';
import { Spinner } from '../components/Spinner';
import { errorMessage } from '../lib/errors';
import { formatCount, plural } from '../lib/format';
import { OcrFailures, ocrJobLabel } from '../ocr/OcrIndicator';
import { isOcrJobActive, useOcr } from '../ocr/ocrStore';
import { toastError } from '../stores/toasts';

export type PreannotationSource = 'claude' | 'local';

/** Where the predictions come from: Claude (paid, boxes and answers) or the words read on this computer. */
export function SourceChoice({ source, onChange, keyConfigured }: { source: PreannotationSource; onChange(source: PreannotationSource): void; keyConfigured: boolean }) {
  const option = (value: PreannotationSource, title: string, detail: string) => (
    <label className={`ocr-source-option${source === value ? ' active' : ''}`} data-testid={`preannotate-source-${value}`}>
      <input type="radio" name="preannotate-source" checked={source === value} onChange={() => onChange(value)} />
      <span>
        <strong>{title}</strong>
        <br />
        <span className="muted small">{detail}</span>
      </span>
    </label>
  );
  return (
    <div className="ocr-source" role="radiogroup" aria-label="Where predictions come from">
      {option('claude', 'Claude', keyConfigured ? 'Boxes with labels and answers to the questions; costs per page' : 'Needs an Anthropic API key; costs per page')}
      {option('local', 'Local OCR (offline, free)', 'A box with its text per line or word, read on this computer; no labels or answers')}
    </div>
  );
}

/** A Local OCR run's choices: one box per line or per word, and which documents. */
export function LocalOcrForm({ projectId, onStarted }: { projectId: string; onStarted(job: OcrJob): void }) {
  const status = useOcr((s) => s.byProject[projectId] ?? null);
  const predict = useOcr((s) => s.predict);
  const [options, setOptions] = useState<LocalOcrOptions>({ granularity: 'line', scope: 'new' });
  const [starting, setStarting] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const onStart = async () => {
    setStarting(true);
    setError(null);
    try {
      onStarted(await predict(projectId, options));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setStarting(false);
    }
  };
  const unread = status ? status.pagesTotal - status.pagesRead : 0;
  return (
    <div className="preannotate-form" data-testid="ocr-predict-new">
      <div className="form-grid">
        <label className="field">
          <span className="field-label">Boxes</span>
          <select className="input" value={options.granularity} onChange={(e) => setOptions({ ...options, granularity: e.target.value as LocalOcrOptions['granularity'] })} data-testid="ocr-predict-granularity">
            <option value="line">One box per line of text</option>
            <option value="word">One box per word</option>
          </select>
        </label>
        <label className="field">
          <span className="field-label">Documents</span>
          <select className="input" value={options.scope} onChange={(e) => setOptions({ ...options, scope: e.target.value as LocalOcrOptions['scope'] })} data-testid="ocr-predict-scope">
            <option value="new">New documents (not started)</option>
            <option value="all">Every document not yet verified</option>
          </select>
        </label>
      </div>
      <p className="muted small" data-testid="ocr-predict-note">
        {unread > 0 ? `${plural(unread, 'page')} will be read first, on this computer. ` : ''}
        Each box becomes a prediction with its text and the reader&apos;s confidence, to accept, correct or reject; earlier Local OCR predictions of those documents are replaced.
      </p>
      {error ? <InlineError message={error} testId="ocr-predict-error" /> : null}
      <div className="row gap">
        <button type="button" className="btn btn-primary" disabled={starting} onClick={() => void onStart()} data-testid="ocr-predict-start">
          {starting ? <Spinner size={12} /> : null}
          Start · free
        </button>
      </div>
    </div>
  );
}

const stateLabels: Record<OcrJob['state'], string> = {
  queued: 'Waiting',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Stopped',
};

/** A Local OCR run: pages read, then predictions made; what it did once it ends. */
export function LocalOcrRun({ job }: { job: OcrJob }) {
  const control = useOcr((s) => s.control);
  const load = useOcr((s) => s.load);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void load(job.projectId);
  }, [load, job.projectId]);
  const active = isOcrJobActive(job);
  const stop = async () => {
    setBusy(true);
    try {
      await control('stop', job.projectId);
    } catch (err) {
      toastError('Local OCR could not stop', err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="preannotate-run" data-testid="ocr-predict-run" data-state={job.state}>
      <div className="row gap-sm">
        <strong data-testid="ocr-predict-state">{job.paused && job.state === 'cancelled' ? 'Paused' : stateLabels[job.state]}</strong>
        <span className="muted small">Local OCR · {job.prediction?.granularity === 'word' ? 'one box per word' : 'one box per line'} · offline</span>
      </div>
      <div className="preannotate-progress">
        <ProgressBar value={job.pagesDone + job.pagesFailed} max={job.pagesTotal} label="Local OCR progress" testId="ocr-predict-progress" />
        <span className="small" data-testid="ocr-predict-label">
          {active ? ocrJobLabel(job) : `${plural(job.pagesDone, 'page')} read · ${plural(job.wordsFound, 'word')} found`}
        </span>
      </div>
      {job.state === 'completed' ? (
        <div className="notice" data-testid="ocr-predict-summary">
          {formatCount(job.predictionsMade)} {job.predictionsMade === 1 ? 'prediction' : 'predictions'} on {plural(job.documentsPredicted, 'document')}. Open a document to accept, correct or reject them.
        </div>
      ) : null}
      {job.error && job.state === 'failed' ? <InlineError message={job.error} testId="ocr-predict-run-error" /> : null}
      <OcrFailures job={job} />
      {active ? (
        <div className="row gap">
          <button type="button" className="btn btn-danger-ghost" disabled={busy} onClick={() => void stop()} data-testid="ocr-predict-stop">
            Stop
          </button>
        </div>
      ) : null}
    </div>
  );
}
