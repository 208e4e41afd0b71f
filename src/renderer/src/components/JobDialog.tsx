import { useState, type ReactNode } from 'react';
import type { JobState } from '../../../shared/domain/model';
import { errorMessage } from '../lib/errors';
import { cancelJob, isJobFinished, refreshJob, useJob, type JobKind } from '../stores/jobs';
import { InlineError } from './ErrorPanel';
import { Modal } from './Modal';

/** The followed job's panel: its progress while it runs, then its result. */
export interface JobPanel {
  testId: string;
  /** Shown as data-state and data-job-id once the job is known. */
  state?: JobState;
  jobId?: string;
  body: ReactNode;
}

/** The running job's cancel button. */
export interface JobCancel {
  label: string;
  testId: string;
  onCancel(): void;
  /** A cancel request is on its way: the button says so and waits. */
  cancelling?: boolean;
  disabled?: boolean;
}

interface JobDialogProps {
  title: string;
  testId: string;
  onClose(): void;
  footer?: ReactNode;
  /** What comes before a job: the form that starts one. */
  form: ReactNode;
  /** The followed job; null shows the form. */
  panel: JobPanel | null;
  /** Set while the job runs. */
  cancel?: JobCancel | null;
  /** Why the last action on the followed job failed, below its panel. */
  error?: { message: string | null; testId: string };
}

/**
 * The shell of a dialog that starts a background job and follows it: the form until the job
 * exists, then one panel with the job's progress and a cancel button, then its result.
 */
export function JobDialog({ title, testId, onClose, footer, form, panel, cancel, error }: JobDialogProps) {
  return (
    <Modal title={title} onClose={onClose} footer={footer} wide testId={testId}>
      {panel ? (
        <>
          <div className="stack" data-testid={panel.testId} data-state={panel.state} data-job-id={panel.jobId}>
            {panel.body}
            {cancel ? (
              <div className="row end">
                <button
                  type="button"
                  className="btn btn-danger-ghost"
                  onClick={cancel.onCancel}
                  disabled={cancel.cancelling || cancel.disabled}
                  data-testid={cancel.testId}
                >
                  {cancel.cancelling ? 'Cancelling…' : cancel.label}
                </button>
              </div>
            ) : null}
          </div>
          {error ? <InlineError message={error.message} testId={error.testId} /> : null}
        </>
      ) : (
        form
      )}
    </Modal>
  );
}

interface JobFormProps {
  onStart(): void;
  /** The start button's label and test id; its error shows as `${startTestId}-error`. */
  startLabel: string;
  startTestId: string;
  canStart: boolean;
  error: string | null;
  children: ReactNode;
}

/** A job's start form: its fields, why the last start failed, and the start button (Enter starts too). */
export function JobForm({ onStart, startLabel, startTestId, canStart, error, children }: JobFormProps) {
  return (
    <form
      className="stack"
      onSubmit={(e) => {
        e.preventDefault();
        onStart();
      }}
    >
      {children}
      <InlineError message={error} testId={`${startTestId}-error`} />
      <div className="row gap">
        <button type="submit" className="btn btn-primary" disabled={!canStart} data-testid={startTestId}>
          {startLabel}
        </button>
      </div>
    </form>
  );
}

/**
 * A dialog's one background job: starting it (busy, and why the start failed), following it, and
 * cancelling it while it runs (a refused cancel shows beside the running job, as the form and its
 * error are hidden then).
 */
export function useStartedJob<K extends JobKind>(kind: K) {
  const [jobId, setJobId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [cancelError, setCancelError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const job = useJob(kind, jobId);

  const start = async (begin: () => Promise<{ jobId: string }>) => {
    setBusy(true);
    setError(null);
    try {
      const { jobId: id } = await begin();
      setJobId(id);
      await refreshJob(kind, id);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  /** The cancel button while the job runs. */
  const cancel = (label: string, testId: string): JobCancel | null =>
    job && !isJobFinished(job) ? { label, testId, onCancel: () => void cancelJob(kind, job.jobId).catch((err: unknown) => setCancelError(errorMessage(err))) } : null;

  return { job, busy, error, setError, cancelError, start, cancel };
}
