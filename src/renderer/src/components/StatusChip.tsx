import type { DocumentStatus } from '../../../shared/domain/model';

export const statusLabels: Record<DocumentStatus, string> = {
  new: 'New',
  pre_annotated: 'Pre-annotated',
  in_progress: 'In progress',
  verified: 'Verified',
};

export function StatusChip({ status }: { status: DocumentStatus }) {
  return (
    <span className={`chip status-${status}`} data-testid="status-chip" data-status={status}>
      <span className="chip-dot" aria-hidden="true" />
      {statusLabels[status]}
    </span>
  );
}
