import type { EventSink } from '../../../shared/contract/methods';
import type { PreannotationRun } from '../../../shared/domain/preannotation';

const MIN_INTERVAL_MS = 250;

/**
 * A run's progress and documents.changed events, at most one per run every 250 ms: a pool of
 * dozens of requests would otherwise compute a status per answered page.
 */
export class ProgressEvents {
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly lastSent = new Map<string, number>();

  constructor(
    private readonly emit: EventSink | undefined,
    private readonly status: (runId: string) => PreannotationRun,
    private readonly log: (message: string) => void,
  ) {}

  /** Progress of a run: now when `force`, else at the end of the run's quiet interval. */
  progress(runId: string, projectId: string, force = false): void {
    if (!this.emit) return; // nobody listens: no status to compute
    if (force) {
      clearTimeout(this.pending.get(runId));
      this.send(runId, projectId);
      return;
    }
    if (this.pending.has(runId)) return;
    const since = Date.now() - (this.lastSent.get(runId) ?? 0);
    this.pending.set(
      runId,
      setTimeout(() => this.send(runId, projectId), Math.max(0, MIN_INTERVAL_MS - since)),
    );
  }

  finished(runId: string): void {
    this.emit?.('preannotate.finished', this.status(runId));
  }

  close(): void {
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
  }

  private send(runId: string, projectId: string): void {
    if (!this.emit) return;
    this.pending.delete(runId);
    this.lastSent.set(runId, Date.now());
    try {
      this.emit('preannotate.progress', this.status(runId));
      this.emit('documents.changed', { projectId });
    } catch (err) {
      this.log(`pre-annotation: progress event failed: ${(err as Error).message}`);
    }
  }
}
