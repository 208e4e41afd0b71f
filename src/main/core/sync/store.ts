import { randomUUID } from 'node:crypto';
import type { Db } from '../db/open';
import type { ManifestEntry } from './wandb/manifest';
import { randomClientId, randomRunId } from './wandb/manifest';

/**
 * The outbox state machine and sync batches, in SQLite. Every transition is one short
 * transaction on the synchronous=FULL connection, so a crash leaves either the state before or
 * the state after — and the batch's membership and client ids are on disk before the first byte
 * is sent.
 *
 *   outbox row:  pending ──claim──► in_flight ──commit confirmed──► done
 *                   ▲                  │
 *                   └── failure: back to pending (backoff; attempts+1 unless offline or a
 *                       permanent error) ──► dead after maxAttempts, or at once for a poison item
 */

export const SYNC_OUTBOX_KIND = 'annotation_version';
export const SYNC_JOB_KIND = 'sync';

export interface OutboxStats {
  pending: number;
  inFlight: number;
  dead: number;
  done: number;
  /** Pending rows whose next attempt time has come. */
  due: number;
  oldestDueAt: string | null;
}

export interface BatchRow {
  id: string;
  project_id: string;
  state: 'open' | 'committed' | 'empty';
  target: string | null;
  attempt: number;
  run_id: string | null;
  client_id: string | null;
  sequence_client_id: string | null;
  job_id: string | null;
  artifact_id: string | null;
  base_artifact_id: string | null;
  commit_sent_at: string | null;
  version_index: number | null;
  artifact_digest: string | null;
  added_entries: string | null;
  pending_manifest: string | null;
  created_at: string;
  updated_at: string;
  committed_at: string | null;
}

export interface BatchItem {
  outboxId: string;
  attempts: number;
  payload: { projectId: string; documentId: string; annotationId: string; annotatorId: string; version: number };
}

export interface DeadItem {
  outboxId: string;
  annotationId: string;
  documentId: string;
  projectId: string;
  version: number;
  attempts: number;
  reason: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface JobRowView {
  id: string;
  project_id: string | null;
  state: 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
  params: string;
  progress: string;
  result: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** Exponential backoff for an item after `attempts` failed attempts: 30 s, 1 min, 2 min … capped at 6 h, +0–25 % jitter. */
export function itemBackoffMs(attempts: number, random = Math.random): number {
  return Math.min(6 * 3600_000, 30_000 * 2 ** Math.max(0, attempts - 1)) * (1 + random() * 0.25);
}

const addMs = (iso: string, ms: number): string => new Date(new Date(iso).getTime() + ms).toISOString();

export class SyncStore {
  constructor(private readonly db: Db) {}

  /** At start: in-flight rows were interrupted, not sent — back to pending; running sync jobs did not finish. */
  recoverAtStart(now: string): { inFlight: number; interruptedJobs: number } {
    return this.db.transaction(() => {
      const inFlight = this.db.prepare("UPDATE outbox SET state = 'pending', updated_at = ? WHERE state = 'in_flight' AND kind = ?").run(now, SYNC_OUTBOX_KIND).changes;
      const interruptedJobs = this.db
        .prepare(
          "UPDATE jobs SET state = 'failed', error = 'interrupted: Folio stopped while this build ran; its batch resumes automatically', finished_at = ? WHERE kind = ? AND state IN ('queued', 'running')",
        )
        .run(now, SYNC_JOB_KIND).changes;
      return { inFlight, interruptedJobs };
    }).immediate();
  }

  stats(now: string): OutboxStats {
    const out: OutboxStats = { pending: 0, inFlight: 0, dead: 0, done: 0, due: 0, oldestDueAt: null };
    for (const row of this.db.prepare('SELECT state, COUNT(*) AS n FROM outbox WHERE kind = ? GROUP BY state').all(SYNC_OUTBOX_KIND) as { state: string; n: number }[]) {
      if (row.state === 'pending') out.pending = row.n;
      else if (row.state === 'in_flight') out.inFlight = row.n;
      else if (row.state === 'dead') out.dead = row.n;
      else if (row.state === 'done') out.done = row.n;
    }
    out.dead -= (this.db.prepare("SELECT COUNT(*) AS n FROM sync_discarded d JOIN outbox o ON o.id = d.outbox_id WHERE o.state = 'dead'").get() as { n: number }).n;
    const due = this.db.prepare("SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE kind = ? AND state = 'pending' AND next_attempt_at <= ?").get(SYNC_OUTBOX_KIND, now) as {
      n: number;
      oldest: string | null;
    };
    out.due = due.n;
    out.oldestDueAt = due.oldest;
    return out;
  }

  /** Free (not in any batch) pending rows that are due: how many, and the oldest. */
  freeDue(now: string, ignoreBackoff: boolean): { count: number; oldest: string | null } {
    const row = this.db
      .prepare(
        `SELECT COUNT(*) AS n, MIN(o.created_at) AS oldest FROM outbox o
         WHERE o.kind = ? AND o.state = 'pending' AND (? OR o.next_attempt_at <= ?)
           AND NOT EXISTS (SELECT 1 FROM sync_batch_items i WHERE i.outbox_id = o.id)`,
      )
      .get(SYNC_OUTBOX_KIND, ignoreBackoff ? 1 : 0, now) as { n: number; oldest: string | null };
    return { count: row.n, oldest: row.oldest };
  }

  batch(id: string): BatchRow | undefined {
    return this.db.prepare('SELECT * FROM sync_batches WHERE id = ?').get(id) as BatchRow | undefined;
  }

  openBatches(): BatchRow[] {
    return this.db.prepare("SELECT * FROM sync_batches WHERE state = 'open' ORDER BY created_at, id").all() as BatchRow[];
  }

  /** The oldest open batch that may be tried now (its items' backoff has passed, or it is ignored). */
  dueOpenBatch(now: string, ignoreBackoff: boolean): BatchRow | null {
    for (const b of this.openBatches()) {
      const row = this.db
        .prepare(
          `SELECT COUNT(*) AS n, MAX(o.next_attempt_at) AS next FROM sync_batch_items i JOIN outbox o ON o.id = i.outbox_id
           WHERE i.batch_id = ? AND o.state IN ('pending', 'in_flight')`,
        )
        .get(b.id) as { n: number; next: string | null };
      if (row.n === 0 && b.commit_sent_at === null) {
        // Every item went dead before anything was committed: nothing left to send.
        this.db.prepare("UPDATE sync_batches SET state = 'empty', updated_at = ? WHERE id = ?").run(now, b.id);
        continue;
      }
      if (ignoreBackoff || b.commit_sent_at !== null || row.next === null || row.next <= now) return b;
    }
    return null;
  }

  /** Record a new batch of up to `limit` free due rows of one project (the one waiting longest), before anything is sent. */
  createBatch(now: string, limit: number, ignoreBackoff: boolean): BatchRow | null {
    return this.db.transaction((): BatchRow | null => {
      const first = this.db
        .prepare(
          `SELECT o.payload FROM outbox o WHERE o.kind = ? AND o.state = 'pending' AND (? OR o.next_attempt_at <= ?)
             AND NOT EXISTS (SELECT 1 FROM sync_batch_items i WHERE i.outbox_id = o.id)
           ORDER BY o.created_at, o.id LIMIT 1`,
        )
        .get(SYNC_OUTBOX_KIND, ignoreBackoff ? 1 : 0, now) as { payload: string } | undefined;
      if (!first) return null;
      const projectId = (JSON.parse(first.payload) as { projectId: string }).projectId;
      const rows = this.db
        .prepare(
          `SELECT o.id FROM outbox o WHERE o.kind = ? AND o.state = 'pending' AND (? OR o.next_attempt_at <= ?)
             AND json_extract(o.payload, '$.projectId') = ?
             AND NOT EXISTS (SELECT 1 FROM sync_batch_items i WHERE i.outbox_id = o.id)
           ORDER BY o.created_at, o.id LIMIT ?`,
        )
        .all(SYNC_OUTBOX_KIND, ignoreBackoff ? 1 : 0, now, projectId, limit) as { id: string }[];
      const id = `${now.replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomUUID().slice(0, 8)}`;
      this.db.prepare("INSERT INTO sync_batches (id, project_id, state, created_at, updated_at) VALUES (?, ?, 'open', ?, ?)").run(id, projectId, now, now);
      const add = this.db.prepare('INSERT INTO sync_batch_items (batch_id, outbox_id, position) VALUES (?, ?, ?)');
      rows.forEach((r, i) => add.run(id, r.id, i));
      return this.batch(id)!;
    }).immediate();
  }

  /**
   * Start an attempt: fresh run id and client ids (unless a commit's outcome is still unknown, in
   * which case the old ones are kept to ask W&B about), a queued job, items in flight.
   */
  beginAttempt(batchId: string, opts: { jobId: string; trigger: string; target: string; now: string }): BatchRow {
    return this.db.transaction((): BatchRow => {
      const b = this.batch(batchId);
      if (!b || b.state !== 'open') throw new Error(`sync batch ${batchId} is not open`);
      const items = this.items(batchId).length;
      this.db
        .prepare("INSERT INTO jobs (id, kind, project_id, state, params, created_at) VALUES (?, ?, ?, 'queued', ?, ?)")
        .run(opts.jobId, SYNC_JOB_KIND, b.project_id, JSON.stringify({ batchId, trigger: opts.trigger, attempt: b.attempt + 1, documents: items }), opts.now);
      if (b.commit_sent_at === null) {
        this.db
          .prepare(
            `UPDATE sync_batches SET attempt = attempt + 1, run_id = ?, client_id = ?, sequence_client_id = ?, artifact_id = NULL, base_artifact_id = NULL,
               target = ?, job_id = ?, updated_at = ? WHERE id = ?`,
          )
          .run(randomRunId(), randomClientId(), randomClientId(), opts.target, opts.jobId, opts.now, batchId);
      } else {
        this.db.prepare('UPDATE sync_batches SET attempt = attempt + 1, job_id = ?, updated_at = ? WHERE id = ?').run(opts.jobId, opts.now, batchId);
      }
      this.db
        .prepare("UPDATE outbox SET state = 'in_flight', updated_at = ? WHERE id IN (SELECT outbox_id FROM sync_batch_items WHERE batch_id = ?) AND state = 'pending'")
        .run(opts.now, batchId);
      return this.batch(batchId)!;
    }).immediate();
  }

  jobRunning(jobId: string, now: string): void {
    this.db.prepare("UPDATE jobs SET state = 'running', started_at = ? WHERE id = ?").run(now, jobId);
  }

  jobProgress(jobId: string, progress: unknown): void {
    this.db.prepare('UPDATE jobs SET progress = ? WHERE id = ?').run(JSON.stringify(progress), jobId);
  }

  items(batchId: string): BatchItem[] {
    return (
      this.db
        .prepare(
          `SELECT o.id, o.attempts, o.payload FROM sync_batch_items i JOIN outbox o ON o.id = i.outbox_id
           WHERE i.batch_id = ? AND o.state IN ('pending', 'in_flight') ORDER BY i.position`,
        )
        .all(batchId) as { id: string; attempts: number; payload: string }[]
    ).map((r) => ({ outboxId: r.id, attempts: r.attempts, payload: JSON.parse(r.payload) as BatchItem['payload'] }));
  }

  recordArtifact(batchId: string, artifactId: string, baseArtifactId: string | null, now: string): void {
    this.db.prepare('UPDATE sync_batches SET artifact_id = ?, base_artifact_id = ?, updated_at = ? WHERE id = ?').run(artifactId, baseArtifactId, now, batchId);
  }

  /** Written (and on disk) before commitArtifact is sent, with what finalizing will need after a crash. */
  recordCommitSent(batchId: string, added: Record<string, ManifestEntry>, manifest: string, now: string): void {
    this.db
      .prepare('UPDATE sync_batches SET commit_sent_at = ?, added_entries = ?, pending_manifest = ?, updated_at = ? WHERE id = ?')
      .run(now, JSON.stringify(added), manifest, now, batchId);
  }

  /** The target an attempt writes to, once the entity is known (never while a commit is unresolved). */
  setTarget(batchId: string, target: string, now: string): void {
    this.db.prepare('UPDATE sync_batches SET target = ?, updated_at = ? WHERE id = ? AND commit_sent_at IS NULL').run(target, now, batchId);
  }

  /** W&B says the version never committed: the batch may be rebuilt under new client ids. */
  clearCommitSent(batchId: string, now: string): void {
    this.db
      .prepare(
        'UPDATE sync_batches SET commit_sent_at = NULL, artifact_id = NULL, added_entries = NULL, pending_manifest = NULL, run_id = ?, client_id = ?, sequence_client_id = ?, updated_at = ? WHERE id = ?',
      )
      .run(randomRunId(), randomClientId(), randomClientId(), now, batchId);
  }

  /** Poison items leave the batch for dead, with their reason; the rest of the batch goes on. */
  killItems(batchId: string, dead: { outboxId: string; reason: string }[], now: string): void {
    if (!dead.length) return;
    this.db.transaction(() => {
      const remove = this.db.prepare('DELETE FROM sync_batch_items WHERE batch_id = ? AND outbox_id = ?');
      const kill = this.db.prepare("UPDATE outbox SET state = 'dead', last_error = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?");
      for (const d of dead) {
        remove.run(batchId, d.outboxId);
        kill.run(d.reason, now, d.outboxId);
      }
    }).immediate();
  }

  /** One transaction: the batch is committed, its rows are done, the job completed, the manifest remembered. */
  finalizeCommitted(
    batchId: string,
    v: { artifactId: string; versionIndex: number; digest: string; addedEntries: Record<string, ManifestEntry> | null; manifest: { target: string; artifactId: string; body: string } | null },
    job: { id: string; result: unknown },
    now: string,
  ): number {
    return this.db.transaction((): number => {
      this.db
        .prepare(
          "UPDATE sync_batches SET state = 'committed', artifact_id = ?, version_index = ?, artifact_digest = ?, added_entries = ?, pending_manifest = NULL, committed_at = ?, updated_at = ? WHERE id = ?",
        )
        .run(v.artifactId, v.versionIndex, v.digest, v.addedEntries ? JSON.stringify(v.addedEntries) : null, now, now, batchId);
      const done = this.db
        .prepare("UPDATE outbox SET state = 'done', last_error = NULL, updated_at = ? WHERE id IN (SELECT outbox_id FROM sync_batch_items WHERE batch_id = ?) AND state IN ('pending', 'in_flight')")
        .run(now, batchId).changes;
      if (v.manifest) this.saveManifest(v.manifest.target, v.manifest.artifactId, v.manifest.body, now);
      this.finishJob(job.id, 'completed', job.result, null, now);
      return done;
    }).immediate();
  }

  markEmpty(batchId: string, job: { id: string; result: unknown }, now: string): void {
    this.db.transaction(() => {
      this.db.prepare("UPDATE sync_batches SET state = 'empty', updated_at = ? WHERE id = ?").run(now, batchId);
      this.finishJob(job.id, 'completed', job.result, null, now);
    }).immediate();
  }

  /**
   * After a failed attempt, in one transaction: the job fails with its message; the items go back
   * to pending. A transient failure counts an attempt and backs off (dead after maxAttempts, unless
   * a commit's outcome is still unknown); being offline or a permanent error (bad key) counts
   * nothing — the items simply wait.
   */
  releaseAfterFailure(
    batchId: string,
    f: { kind: 'transient' | 'offline' | 'permanent'; error: string; maxAttempts: number; now: string; job: { id: string; result: unknown }; random?: () => number },
  ): { dead: number } {
    return this.db.transaction((): { dead: number } => {
      const b = this.batch(batchId)!;
      let dead = 0;
      const items = this.items(batchId);
      if (f.kind === 'transient') {
        const back = this.db.prepare("UPDATE outbox SET state = 'pending', attempts = ?, next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ?");
        const deadRows: { outboxId: string; reason: string }[] = [];
        const delay = itemBackoffMs(Math.max(1, ...items.map((i) => i.attempts + 1)), f.random);
        for (const item of items) {
          const attempts = item.attempts + 1;
          if (attempts >= f.maxAttempts && b.commit_sent_at === null) {
            deadRows.push({ outboxId: item.outboxId, reason: `gave up after ${attempts} attempts; last error: ${f.error}` });
          } else {
            back.run(attempts, addMs(f.now, delay), f.error, f.now, item.outboxId);
          }
        }
        if (deadRows.length) {
          const remove = this.db.prepare('DELETE FROM sync_batch_items WHERE batch_id = ? AND outbox_id = ?');
          const kill = this.db.prepare("UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ?, updated_at = ? WHERE id = ?");
          for (const d of deadRows) {
            remove.run(batchId, d.outboxId);
            kill.run(d.reason, f.now, d.outboxId);
          }
          dead = deadRows.length;
        }
      } else {
        this.db
          .prepare("UPDATE outbox SET state = 'pending', last_error = ?, updated_at = ? WHERE id IN (SELECT outbox_id FROM sync_batch_items WHERE batch_id = ?) AND state = 'in_flight'")
          .run(f.error, f.now, batchId);
      }
      this.finishJob(f.job.id, 'failed', f.job.result, f.error, f.now);
      return { dead };
    }).immediate();
  }

  failJobOnly(jobId: string, error: string, result: unknown, now: string): void {
    this.finishJob(jobId, 'failed', result, error, now);
  }

  private finishJob(id: string, state: 'completed' | 'failed', result: unknown, error: string | null, now: string): void {
    this.db
      .prepare("UPDATE jobs SET state = ?, result = ?, error = ?, finished_at = ?, started_at = COALESCE(started_at, ?) WHERE id = ? AND kind = ?")
      .run(state, JSON.stringify(result), error, now, now, id, SYNC_JOB_KIND);
  }

  /** Entries every batch committed to `target` added (to put back any a concurrent writer dropped). */
  committedEntries(target: string): { batchId: string; entries: Record<string, ManifestEntry> }[] {
    return (this.db.prepare("SELECT id, added_entries FROM sync_batches WHERE state = 'committed' AND target = ? AND added_entries IS NOT NULL ORDER BY committed_at").all(target) as {
      id: string;
      added_entries: string;
    }[]).map((r) => ({ batchId: r.id, entries: JSON.parse(r.added_entries) as Record<string, ManifestEntry> }));
  }

  manifest(target: string): { artifactId: string; body: string } | null {
    const row = this.db.prepare('SELECT artifact_id, body FROM sync_manifests WHERE target = ?').get(target) as { artifact_id: string; body: string } | undefined;
    return row ? { artifactId: row.artifact_id, body: row.body } : null;
  }

  saveManifest(target: string, artifactId: string, body: string, now: string): void {
    this.db
      .prepare('INSERT INTO sync_manifests (target, artifact_id, body, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(target) DO UPDATE SET artifact_id = excluded.artifact_id, body = excluded.body, updated_at = excluded.updated_at')
      .run(target, artifactId, body, now);
  }

  deadItems(limit = 100, offset = 0): DeadItem[] {
    return (
      this.db
        .prepare(
          `SELECT o.id, o.payload, o.attempts, o.last_error, o.created_at, o.updated_at FROM outbox o
           WHERE o.kind = ? AND o.state = 'dead' AND NOT EXISTS (SELECT 1 FROM sync_discarded d WHERE d.outbox_id = o.id)
           ORDER BY o.updated_at DESC, o.id LIMIT ? OFFSET ?`,
        )
        .all(SYNC_OUTBOX_KIND, limit, offset) as { id: string; payload: string; attempts: number; last_error: string | null; created_at: string; updated_at: string }[]
    ).map((r) => {
      const p = JSON.parse(r.payload) as BatchItem['payload'];
      return {
        outboxId: r.id,
        annotationId: p.annotationId,
        documentId: p.documentId,
        projectId: p.projectId,
        version: p.version,
        attempts: r.attempts,
        reason: r.last_error,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      };
    });
  }

  /** Dead items back to pending with a clean slate (all of them when `ids` is null). */
  retryDead(ids: string[] | null, now: string): number {
    return this.db.transaction((): number => {
      const where = ids === null ? '' : `AND id IN (SELECT value FROM json_each(?))`;
      const args: unknown[] = [now, now, SYNC_OUTBOX_KIND];
      if (ids !== null) args.push(JSON.stringify(ids));
      return this.db
        .prepare(
          `UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ?
           WHERE kind = ? AND state = 'dead' AND id NOT IN (SELECT outbox_id FROM sync_discarded) ${where}`,
        )
        .run(...args).changes;
    }).immediate();
  }

  /** Dead items the user gives up on: they stay dead and are recorded as discarded, never sent. */
  discardDead(ids: string[] | null, now: string): number {
    const where = ids === null ? '' : `AND o.id IN (SELECT value FROM json_each(?))`;
    const args: unknown[] = [now, SYNC_OUTBOX_KIND];
    if (ids !== null) args.push(JSON.stringify(ids));
    return this.db
      .prepare(
        `INSERT OR IGNORE INTO sync_discarded (outbox_id, reason, discarded_at)
         SELECT o.id, o.last_error, ? FROM outbox o WHERE o.kind = ? AND o.state = 'dead' ${where}`,
      )
      .run(...args).changes;
  }

  jobs(limit: number): JobRowView[] {
    return this.db.prepare('SELECT id, project_id, state, params, progress, result, error, created_at, started_at, finished_at FROM jobs WHERE kind = ? ORDER BY created_at DESC, rowid DESC LIMIT ?').all(SYNC_JOB_KIND, limit) as JobRowView[];
  }

  lastSuccess(): string | null {
    return (this.db.prepare("SELECT MAX(finished_at) AS t FROM jobs WHERE kind = ? AND state = 'completed'").get(SYNC_JOB_KIND) as { t: string | null }).t;
  }
}
