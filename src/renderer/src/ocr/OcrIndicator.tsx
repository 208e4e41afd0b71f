import { useEffect, useState } from 'react';
import type { OcrJob } from '../../../shared/domain/ocr';
import { ProgressBar } from '../components/ProgressBar';
import { Spinner } from '../components/Spinner';
import { formatCount, formatEta, plural } from '../lib/format';
import { toastError } from '../stores/toasts';
import { isOcrJobActive, useOcr, type OcrControl } from './ocrStore';
import './ocr.css';

/** The pages a run could not read: document, page and why (at most the first 50, as the core keeps them). */
export function OcrFailures({ job }: { job: OcrJob }) {
  if (!job.failures.length) return null;
  return (
    <details className="ocr-failures" data-testid="ocr-failures">
      <summary className="text-danger">{plural(job.pagesFailed, 'page')} not read</summary>
      <ul>
        {job.failures.map((f) => (
          <li key={f.pageId} data-testid="ocr-failure">
            <span className="truncate">{f.name}</span>, page {f.pageNumber}: {f.reason}
          </li>
        ))}
      </ul>
    </details>
  );
}

/** "Reading pages 12 / 40 · about 1 min left" while a run goes; after the pages, the predictions of a Local OCR run. */
export function ocrJobLabel(job: OcrJob): string {
  const read = job.pagesDone + job.pagesFailed;
  if (job.prediction && read >= job.pagesTotal) return 'Making predictions from the words…';
  return `Reading pages ${formatCount(read)} / ${formatCount(job.pagesTotal)} · ${job.etaMs === null ? 'estimating…' : `${formatEta(job.etaMs)} left`}`;
}

/**
 * The project's page OCR in the document list's header: progress with Pause and Stop while pages
 * are read, Resume when paused, "Read pages" when some have no words, how many have words when done.
 */
export function OcrIndicator({ projectId }: { projectId: string }) {
  const status = useOcr((s) => s.byProject[projectId] ?? null);
  const load = useOcr((s) => s.load);
  const control = useOcr((s) => s.control);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void load(projectId);
  }, [load, projectId]);

  if (!status || status.pagesTotal === 0) return null;
  const act = async (action: OcrControl) => {
    setBusy(true);
    try {
      await control(action, projectId);
    } catch (err) {
      toastError(`Page reading could not ${action}`, err);
    } finally {
      setBusy(false);
    }
  };
  const job = status.job;
  const words = `Words on ${formatCount(status.pagesRead)} / ${plural(status.pagesTotal, 'page')}`;

  if (job && isOcrJobActive(job)) {
    return (
      <div className="ocr-indicator" data-testid="ocr-indicator" data-state="running">
        <Spinner size={12} />
        <span className="small" data-testid="ocr-label">
          {ocrJobLabel(job)}
        </span>
        <button type="button" className="btn btn-sm" disabled={busy} onClick={() => void act('pause')} title="Stop after the page in hand; imports do not start reading until you resume" data-testid="ocr-pause">
          Pause
        </button>
        <button type="button" className="btn btn-sm btn-ghost" disabled={busy} onClick={() => void act('stop')} title="Stop this run; pages read so far keep their words" data-testid="ocr-stop">
          Stop
        </button>
        <ProgressBar value={job.pagesDone + job.pagesFailed} max={job.pagesTotal} label="Page reading progress" testId="ocr-progress" />
        <OcrFailures job={job} />
      </div>
    );
  }

  const unread = status.pagesTotal - status.pagesRead;
  if (status.paused) {
    return (
      <div className="ocr-indicator" data-testid="ocr-indicator" data-state="paused">
        <span className="small" data-testid="ocr-label">
          Reading paused · {words}
        </span>
        <button type="button" className="btn btn-sm" disabled={busy} onClick={() => void act('resume')} data-testid="ocr-resume">
          Resume
        </button>
        {job ? <OcrFailures job={job} /> : null}
      </div>
    );
  }
  return (
    <div className="ocr-indicator" data-testid="ocr-indicator" data-state={unread > 0 ? 'unread' : 'done'}>
      <span className="small muted" data-testid="ocr-label" title="Pages whose words were read on this computer: search finds their text, and Local OCR pre-annotates from them">
        {words}
      </span>
      {unread > 0 ? (
        <button
          type="button"
          className="btn btn-sm"
          disabled={busy}
          onClick={() => void act('start')}
          title={`Read the words on the ${plural(unread, 'page')} not read yet, on this computer (offline)`}
          data-testid="ocr-read-pages"
        >
          Read pages
        </button>
      ) : null}
      {job ? <OcrFailures job={job} /> : null}
    </div>
  );
}
