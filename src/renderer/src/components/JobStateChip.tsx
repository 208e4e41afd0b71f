import type { JobState } from '../../../shared/domain/model';

const jobStateLabels: Record<JobState, string> = {
  queued: 'Queued',
  running: 'Running',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

/** A background job's state (sync builds, evaluations) as a coloured chip. */
export function JobStateChip({ state }: { state: JobState }) {
  return (
    <span className={`chip job-${state}`} data-testid="job-state" data-state={state}>
      <span className="chip-dot" aria-hidden="true" />
      {jobStateLabels[state]}
    </span>
  );
}
