import { formatEta } from '../lib/format';
import { useDemoJob } from '../stores/demo';
import { ProgressBar } from './ProgressBar';
import { Spinner } from './Spinner';

export function DemoProgress() {
  const job = useDemoJob();
  return (
    <div className="demo-progress" data-testid="demo-progress">
      <Spinner size={18} label={job ? 'Importing the demo documents…' : 'Generating demo documents…'} />
      <ProgressBar value={job?.done ?? 0} max={job?.total ?? 0} label="Demo import progress" />
      <div className="muted small">
        {job ? `${job.done} of ${job.total} files · ${formatEta(job.etaMs)} left` : 'Invoices, receipts and forms with known ground truth.'}
      </div>
    </div>
  );
}
