import { useRef, useState } from 'react';
import type { ImportJob } from '../../../shared/domain/model';
import { api } from '../lib/api';
import { errorMessage } from '../lib/errors';
import { baseName, formatBytes, formatCount, formatEta, plural } from '../lib/format';
import { getPlatform } from '../platform';
import { useApp } from '../stores/app';
import { useFileImport, type UploadState } from '../stores/fileImport';
import { cancelJob, isJobFinished, useJob, usePollWhileRunning } from '../stores/jobs';
import { InlineError } from './ErrorPanel';
import { IconFile, IconFolder, IconUpload } from './Icons';
import { JobDialog, type JobPanel } from './JobDialog';
import { ProgressBar } from './ProgressBar';
import { Spinner } from './Spinner';

function parsePaths(text: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const path = line.trim().replace(/^"(.*)"$/, '$1');
    if (path && !seen.has(path)) {
      seen.add(path);
      out.push(path);
    }
  }
  return out;
}

/** The import's progress (the job is undefined until its first event or answer). */
function Running({ job }: { job: ImportJob | undefined }) {
  return (
    <>
      <div className="row between">
        <Spinner label={job?.state === 'queued' ? 'Waiting to start…' : 'Importing…'} />
        <span className="muted small" data-testid="import-progress-count">
          {job ? `${formatCount(job.done)} of ${formatCount(job.total)} files` : ''}
        </span>
      </div>
      <ProgressBar value={job?.done ?? 0} max={job?.total ?? 0} label="Import progress" testId="import-progress" />
      <div className="import-current muted small">
        <span className="truncate" title={job?.currentFile ?? undefined} data-testid="import-current-file">
          {job?.currentFile ? baseName(job.currentFile) : 'Looking at the files…'}
        </span>
        <span data-testid="import-eta">{job && job.total > 0 ? `${formatEta(job.etaMs)} left` : ''}</span>
      </div>
      {job ? (
        <div className="muted small">
          {plural(job.imported, 'document')} added so far · {plural(job.duplicates, 'duplicate')} · {formatCount(job.failed.length)} failed
        </div>
      ) : null}
    </>
  );
}

type SummaryTone = 'success' | 'neutral' | 'warning' | 'danger';

const filesWere = (n: number) => `${plural(n, 'file')} ${n === 1 ? 'was' : 'were'}`;
const nWere = (n: number) => `${formatCount(n)} ${n === 1 ? 'was' : 'were'}`;

/** What the import did, in its title and colour: green only when documents were added and nothing failed. */
export function summaryTitle(job: ImportJob): { title: string; tone: SummaryTone } {
  if (job.state === 'cancelled') return { title: 'Import cancelled', tone: 'warning' };
  if (job.state !== 'completed') return { title: 'Import stopped with an error', tone: 'danger' };
  const failed = job.failed.length;
  if (job.imported > 0) {
    const added = `Imported ${plural(job.imported, 'document')}`;
    return failed ? { title: `${added}; ${plural(failed, 'file')} could not be imported`, tone: 'warning' } : { title: added, tone: 'success' };
  }
  if (failed) {
    const already = job.duplicates ? `${nWere(job.duplicates)} already in the project, ` : '';
    return { title: `No files imported: ${already}${formatCount(failed)} could not be imported`, tone: 'warning' };
  }
  if (job.duplicates) return { title: `Nothing imported: ${filesWere(job.duplicates)} already in the project`, tone: 'neutral' };
  if (job.skipped) return { title: `Nothing imported: ${filesWere(job.skipped)} not documents Folio imports`, tone: 'neutral' };
  return { title: 'Nothing imported: no files were found', tone: 'neutral' };
}

function Summary({ job }: { job: ImportJob }) {
  const { title, tone } = summaryTitle(job);
  return (
    <>
      <h3 className={`summary-title tone-${tone}`} data-tone={tone} data-testid="import-summary-title">
        {title}
      </h3>
      {job.state === 'cancelled' ? (
        <p className="muted small">Nothing from the file that was being imported was kept; files finished before cancelling stay imported.</p>
      ) : null}
      {job.error ? <InlineError message={job.error} testId="import-job-error" /> : null}
      <dl className="summary-grid">
        <div>
          <dt>Documents imported</dt>
          <dd data-testid="summary-imported">{formatCount(job.imported)}</dd>
        </div>
        <div>
          <dt>Pages</dt>
          <dd data-testid="summary-pages">{formatCount(job.pages)}</dd>
        </div>
        <div>
          <dt>Duplicates</dt>
          <dd data-testid="summary-duplicates">{formatCount(job.duplicates)}</dd>
        </div>
        <div>
          <dt>Skipped</dt>
          <dd data-testid="summary-skipped">{formatCount(job.skipped)}</dd>
        </div>
        <div>
          <dt>Failed</dt>
          <dd data-testid="summary-failed">{formatCount(job.failed.length)}</dd>
        </div>
      </dl>
      {job.duplicates > 0 ? <p className="muted small">Duplicates are files already in this project (same bytes); they were not added again.</p> : null}
      {job.skipped > 0 ? <p className="muted small">Skipped files are not documents Folio imports (e.g. text files in a folder).</p> : null}
      {job.failed.length > 0 ? (
        <div className="stack-sm">
          <h4>Files that could not be imported</h4>
          <ul className="failure-list" data-testid="import-failures">
            {job.failed.map((f, i) => (
              <li key={`${f.path}-${i}`} data-testid="import-failure" data-path={f.path}>
                <span className="failure-name" title={f.path}>
                  {baseName(f.path)}
                </span>
                <span className="failure-reason">{f.reason}</span>
                <span className="failure-path muted small">{f.path}</span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </>
  );
}

/** Files on their way to the host (browser): bytes sent, the file being sent, cancel. */
function Uploading({ upload, onCancel }: { upload: UploadState; onCancel(): void }) {
  const p = upload.progress;
  return (
    <div className="stack" data-testid="import-uploading">
      <div className="row between">
        <Spinner label={upload.phase === 'reading' ? 'Looking at what you dropped…' : 'Sending the files to Folio…'} />
        <span className="muted small" data-testid="upload-count">
          {p ? `${formatCount(p.sentFiles)} of ${plural(p.totalFiles, 'file')}` : ''}
        </span>
      </div>
      <ProgressBar value={p?.sentBytes ?? 0} max={p?.totalBytes ?? 0} label="Upload progress" testId="upload-progress" />
      <div className="import-current muted small">
        <span className="truncate" title={p?.currentPath ?? undefined} data-testid="upload-current-file">
          {p?.currentPath ?? ''}
        </span>
        <span data-testid="upload-bytes">{p ? `${formatBytes(p.sentBytes)} of ${formatBytes(p.totalBytes)}` : ''}</span>
      </div>
      <p className="muted small">The import starts when every file has arrived. Cancelling stops here: nothing is imported.</p>
      <div className="row end">
        <button type="button" className="btn btn-danger-ghost" onClick={onCancel} data-testid="upload-cancel">
          Cancel upload
        </button>
      </div>
    </div>
  );
}

/**
 * Where files come from: dropped on this dialog (or anywhere in the project), chosen with the
 * browser's file or folder chooser, the desktop app's Browse…, or paths typed on this machine.
 */
function ChooseFiles({ projectId, text, setText, onBrowse }: { projectId: string; text: string; setText(t: string): void; onBrowse(): void }) {
  const nativeDialogs = useApp((s) => s.info?.capabilities.nativeDialogs ?? false);
  const importFiles = useFileImport((s) => s.importFiles);
  const uploads = getPlatform().fileImport.kind === 'upload';
  const filesInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const chosen = (input: HTMLInputElement) => {
    if (input.files && input.files.length > 0) void importFiles(projectId, { input: input.files });
  };
  return (
    <div className="stack">
      <div className="import-dropzone" data-testid="import-dropzone">
        <IconUpload size={22} />
        <div className="stack-sm">
          <strong>Drop files or folders here</strong>
          <span className="muted small">or anywhere in this project. PNG, JPEG, TIFF, WebP and PDF; folders are searched, other files skipped.</span>
        </div>
        <div className="row gap-sm">
          {uploads ? (
            <>
              <button type="button" className="btn" onClick={() => filesInput.current?.click()} data-testid="import-choose-files">
                <IconFile /> Choose files…
              </button>
              <button type="button" className="btn" onClick={() => folderInput.current?.click()} data-testid="import-choose-folder">
                <IconFolder /> Choose a folder…
              </button>
            </>
          ) : null}
          {nativeDialogs ? (
            <button type="button" className="btn" onClick={onBrowse} data-testid="import-browse">
              Browse…
            </button>
          ) : null}
        </div>
        {/* The browser's choosers; invisible, opened by the buttons above. */}
        <input ref={filesInput} type="file" multiple hidden onChange={(e) => chosen(e.currentTarget)} data-testid="import-files-input" />
        <input
          ref={(el) => {
            folderInput.current = el;
            el?.setAttribute('webkitdirectory', '');
          }}
          type="file"
          hidden
          onChange={(e) => chosen(e.currentTarget)}
          data-testid="import-folder-input"
        />
      </div>
      <label className="field">
        <span className="field-label">Or type paths of files or folders on this machine</span>
        <textarea
          className="input textarea mono"
          rows={4}
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={'/home/me/scans/invoices\n/home/me/Downloads/receipt-0412.pdf'}
          spellCheck={false}
          data-testid="import-paths"
        />
        <span className="field-hint">
          One path per line. PDF and multi-page TIFF pages become pages of one document. Files already in the project are not added twice.
        </span>
      </label>
    </div>
  );
}

/** Import files and folders into a project: drop, choose or type them; upload and import progress, cancel, and a summary. */
export function ImportDialog({ projectId, jobId }: { projectId: string; jobId: string | null }) {
  const closeDialog = useFileImport((s) => s.closeDialog);
  const followJob = useFileImport((s) => s.followJob);
  const upload = useFileImport((s) => (s.upload?.projectId === projectId ? s.upload : null));
  const cancelUpload = useFileImport((s) => s.cancelUpload);
  const dropError = useFileImport((s) => s.error);
  const notice = useFileImport((s) => s.notice);
  const [text, setText] = useState('');
  const [starting, setStarting] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const job = useJob('import', jobId);
  const finished = job ? isJobFinished(job) : false;
  usePollWhileRunning('import', jobId, finished);

  const browse = async () => {
    setError(null);
    try {
      const { paths } = await api()['dialog.pickImportPaths']({});
      if (paths.length > 0) setText((t) => [...parsePaths(t), ...paths].join('\n'));
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const start = async () => {
    const paths = parsePaths(text);
    if (paths.length === 0) {
      setError('Drop or choose files, or enter at least one file or folder path, one per line.');
      return;
    }
    setStarting(true);
    setError(null);
    try {
      const { jobId: id } = await api()['import.start']({ projectId, paths });
      followJob(id);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setStarting(false);
    }
  };

  const cancel = async () => {
    if (!jobId) return;
    setCancelling(true);
    try {
      await cancelJob('import', jobId);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setCancelling(false);
    }
  };

  const reset = () => {
    followJob(null);
    setText('');
    setError(null);
  };

  const running = jobId !== null && !finished;

  let footer;
  if (upload || running) {
    footer = (
      <button type="button" className="btn btn-ghost" onClick={closeDialog} data-testid="import-hide">
        Continue in background
      </button>
    );
  } else if (!jobId) {
    footer = (
      <>
        <button type="button" className="btn btn-ghost" onClick={closeDialog}>
          Cancel
        </button>
        <button type="button" className="btn btn-primary" onClick={() => void start()} disabled={starting} data-testid="import-start">
          {starting ? 'Starting…' : 'Start import'}
        </button>
      </>
    );
  } else {
    footer = (
      <>
        <button type="button" className="btn btn-ghost" onClick={reset} data-testid="import-more">
          Import more
        </button>
        <button type="button" className="btn btn-primary" onClick={closeDialog} data-testid="import-done">
          Done
        </button>
      </>
    );
  }

  let panel: JobPanel | null = null;
  if (!upload && running) panel = { testId: 'import-running', state: job?.state, jobId, body: <Running job={job} /> };
  else if (!upload && job) panel = { testId: 'import-summary', state: job.state, jobId: job.jobId, body: <Summary job={job} /> };

  return (
    <JobDialog
      title="Import documents"
      testId="import-dialog"
      onClose={closeDialog}
      footer={footer}
      form={
        upload ? (
          <Uploading upload={upload} onCancel={cancelUpload} />
        ) : (
          <div className="stack">
            <ChooseFiles projectId={projectId} text={text} setText={setText} onBrowse={() => void browse()} />
            {notice ? (
              <div className="notice" data-testid="import-notice">
                {notice}
              </div>
            ) : null}
            <InlineError message={error ?? dropError} testId="import-error" />
          </div>
        )
      }
      panel={panel}
      cancel={running ? { label: 'Cancel import', testId: 'import-cancel', onCancel: () => void cancel(), cancelling, disabled: !job } : null}
      error={running ? { message: error, testId: 'import-error' } : undefined}
    />
  );
}

/** The one import dialog of the window, wherever it was opened from (the Import button, a drop, the header's progress). */
export function ImportDialogHost() {
  const dialog = useFileImport((s) => s.dialog);
  return dialog ? <ImportDialog key={dialog.projectId} projectId={dialog.projectId} jobId={dialog.jobId} /> : null;
}
