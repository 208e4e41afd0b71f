import { useEffect } from 'react';
import { ProgressBar } from '../../components/ProgressBar';
import { Spinner } from '../../components/Spinner';
import { formatBytes, formatCount } from '../../lib/format';
import { useFileImport } from '../../stores/fileImport';
import { isJobFinished, useJobs } from '../../stores/jobs';
import { currentRun, isUnfinished, runProgressLabel, usePreannotation } from '../../preannotate/preannotationStore';

/** The project's upload or import while it runs: progress in the header, a click opens the import dialog. */
export function ActiveImports({ projectId, onOpen }: { projectId: string; onOpen(jobId: string | null): void }) {
  const job = useJobs((s) => Object.values(s.jobs.import).find((j) => j.projectId === projectId && !isJobFinished(j)) ?? null);
  const upload = useFileImport((s) => (s.upload?.projectId === projectId ? s.upload : null));
  if (upload) {
    const p = upload.progress;
    return (
      <button type="button" className="active-import" onClick={() => onOpen(null)} data-testid="active-upload">
        <Spinner size={12} />
        <span title={p ? `${formatBytes(p.sentBytes)} of ${formatBytes(p.totalBytes)} sent` : undefined}>
          Sending files {p && p.totalBytes > 0 ? `${Math.floor((p.sentBytes / p.totalBytes) * 100)}%` : '…'}
        </span>
        <ProgressBar value={p?.sentBytes ?? 0} max={p?.totalBytes ?? 0} label="Upload progress" />
      </button>
    );
  }
  if (!job) return null;
  return (
    <button type="button" className="active-import" onClick={() => onOpen(job.jobId)} data-testid="active-import">
      <Spinner size={12} />
      <span>
        Importing {formatCount(job.done)} / {formatCount(job.total)}
      </span>
      <ProgressBar value={job.done} max={job.total} label="Import progress" />
    </button>
  );
}

/** The project's pre-annotation run while it has work left: progress in the header, a click opens the dialog. */
export function ActivePreannotation({ projectId, onOpen }: { projectId: string; onOpen(): void }) {
  const load = usePreannotation((s) => s.load);
  const run = usePreannotation((s) => currentRun(s.runs, projectId));
  useEffect(() => {
    void load(projectId);
  }, [load, projectId]);
  if (!run || !isUnfinished(run)) return null;
  const finished = run.pages.done + run.pages.failed + run.pages.cancelled;
  return (
    <button type="button" className="active-import active-preannotation" onClick={onOpen} data-testid="active-preannotation" data-state={run.state}>
      {run.state === 'running' ? <Spinner size={12} /> : null}
      <span>{runProgressLabel(run)}</span>
      <ProgressBar value={finished} max={run.pages.total} label="Pre-annotation progress" />
    </button>
  );
}
