/**
 * The in-process half of a background job: the live job object, its AbortController and
 * completion, and an optional progress listener for callers that run a job to the end (CLI,
 * tests). The durable half is the `jobs` table; JobFamily (jobFamily.ts) keeps the two together.
 */
export class RunningJobs<J extends { jobId: string }> {
  private readonly running = new Map<string, { job: J; controller: AbortController; done: Promise<J> }>();
  private readonly listeners = new Map<string, (job: J) => void>();

  /** Start `execute` for `job`; the entry is dropped when it settles. */
  launch(job: J, execute: (job: J, signal: AbortSignal) => Promise<J>): void {
    const controller = new AbortController();
    const done = execute(job, controller.signal).finally(() => this.running.delete(job.jobId));
    this.running.set(job.jobId, { job, controller, done });
  }

  /** Wait for a launched job, passing its progress to `onProgress` meanwhile. */
  async wait(jobId: string, onProgress?: (job: J) => void): Promise<J> {
    const entry = this.running.get(jobId);
    if (!entry) throw new Error(`job ${jobId} is not running`);
    if (onProgress) this.listeners.set(jobId, onProgress);
    try {
      return await entry.done;
    } finally {
      this.listeners.delete(jobId);
    }
  }

  /** The live job object (the service's own, mutable: snapshot it before handing it out). */
  live(jobId: string): J | undefined {
    return this.running.get(jobId)?.job;
  }

  /** Tell the waiting caller, if any, about a progress snapshot. */
  notify(snapshot: J): void {
    this.listeners.get(snapshot.jobId)?.(snapshot);
  }

  cancel(jobId: string): boolean {
    const live = this.running.get(jobId);
    if (!live) return false;
    live.controller.abort();
    return true;
  }

  /** Wait for every running job (shutdown, tests). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((r) => r.done));
  }

  cancelAll(): void {
    for (const r of this.running.values()) r.controller.abort();
  }
}
