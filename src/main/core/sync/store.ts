import { randomUUID } from 'node:crypto';
import type { Db } from '../db/open';
import { cachedStatement } from '../db/statementCache';
import { SYNC_OUTBOX_KIND } from '../db/repos/versions';
import { currentOwner, ownerAlive, type JobOwner } from '../jobs/owner';
import type { ManifestEntry } from '../wandb/manifest';
import { randomClientId, randomRunId } from '../wandb/manifest';
import { yieldToLoop } from '../util/yieldToLoop';
import { JobsRepo, type JobRow } from '../db/repos/jobs';

/**
 * The outbox state machine and sync batches, in SQLite. Every transition is a short transaction,
 * so a crash leaves either the state before or the state after — and the batch's membership and
 * client ids are on disk before the first byte is sent.
 *
 * Reads (SyncStore) and writes (SyncWriter) are apart because in the app they run in different
 * processes. The sync process runs at background priority (SCHED_IDLE), which the scheduler may
 * starve for as long as other programs keep the CPUs busy: if it held SQLite's write lock then, a
 * save in the app would wait for it (priority inversion; a save once waited 575 ms). So the sync
 * process never writes: its connection is query_only, and every state change is a SyncWriter call
 * sent to the app (SyncProcessHost), which runs it at normal priority on the app's own connection,
 * in one short transaction, and answers once it is committed. Reads stay in the sync process (WAL
 * readers do not block writers). In-process (the CLI, the crash test's child) the same SyncWriter
 * runs on the engine's connection. Either way each transition is one transaction, applied in the
 * order the engine awaits them, so the exactly-once protocol is the same.
 *
 *   outbox row:  pending ──claim──► in_flight ──commit confirmed──► done
 *                   ▲                  │
 *                   └── failure: back to pending (backoff; attempts+1 unless offline or a
 *                       permanent error) ──► dead after maxAttempts, or at once for a poison item
 */

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

/** The columns of a sync job that its view is built from (a row of db/repos/jobs.ts's table). */
export type JobRowView = Pick<JobRow, 'id' | 'project_id' | 'state' | 'params' | 'progress' | 'result' | 'error' | 'created_at' | 'started_at' | 'finished_at'>;

/** Exponential backoff for an item after `attempts` failed attempts: 30 s, 1 min, 2 min … capped at 6 h, +0–25 % jitter. */
export function itemBackoffMs(attempts: number, random = Math.random): number {
  return Math.min(6 * 3600_000, 30_000 * 2 ** Math.max(0, attempts - 1)) * (1 + random() * 0.25);
}

const addMs = (iso: string, ms: number): string => new Date(new Date(iso).getTime() + ms).toISOString();

/** Rows per write transaction when a batch's rows change state (keeps each lock hold to a few ms). */
const WRITE_CHUNK = 200;

export type OutboxCounts = Pick<OutboxStats, 'pending' | 'inFlight' | 'dead' | 'done'> & {
  /** Documents (per project) the pending and in-flight versions are of: one document verified twice is two versions, one document. */
  waitingDocuments: number;
};

/** The document (in its project) an outbox row's payload names. */
const DOCUMENT_OF_ROW = "json_extract(payload, '$.projectId') || ' ' || json_extract(payload, '$.documentId')";

export class SyncStore {
  /** Outbox counts as of `countsAt`; rows added since (`seenRowid`) are counted on top. */
  private counts: Omit<OutboxCounts, 'waitingDocuments'> | null = null;
  /** The documents of the pending and in-flight rows, as of the same look. */
  private waitingDocuments = new Set<string>();
  private countsAt = 0;
  private seenRowid = 0;
  /** Where this store's writes go: SyncWriter on this connection, or (the sync process) to the app. */
  readonly write: SyncWrites;

  constructor(
    private readonly db: Db,
    writes?: SyncWrites,
  ) {
    this.write = writes ?? localWrites(new SyncWriter(db));
  }

  private q(sql: string) {
    return cachedStatement(this.db, sql);
  }

  /**
   * Copy the WAL back into the database without waiting for anyone (PASSIVE). The sync process
   * does this between batches, so that verify's connection (auto-checkpoint off while the sync
   * process runs) never pays for a checkpoint inside its commit.
   */
  checkpoint(): { busy: number; log: number; checkpointed: number } {
    const [row] = this.db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    return row ?? { busy: 0, log: 0, checkpointed: 0 };
  }

  /** The newest outbox row's rowid: a build claims only rows at or below the watermark it started with. */
  outboxWatermark(): number {
    return (this.q('SELECT COALESCE(MAX(rowid), 0) AS top FROM outbox').get() as { top: number }).top;
  }

  /**
   * Outbox counts for the status line, cheap enough to ask after every verify: a full count (a
   * scan of the outbox) only after the engine itself moved rows, or every 10 s to catch other
   * writers (the CLI); in between, only rows added since the last look are read, by rowid.
   */
  outboxCounts(): OutboxCounts {
    if (!this.counts || Date.now() - this.countsAt > 10_000) return this.recount();
    const fresh = this.q(`SELECT rowid AS id, ${DOCUMENT_OF_ROW} AS document FROM outbox WHERE rowid > ? AND kind = ? AND state = 'pending'`).all(this.seenRowid, SYNC_OUTBOX_KIND) as {
      id: number;
      document: string | null;
    }[];
    for (const row of fresh) {
      this.counts.pending++;
      this.seenRowid = Math.max(this.seenRowid, row.id);
      if (row.document) this.waitingDocuments.add(row.document);
    }
    return { ...this.counts, waitingDocuments: this.waitingDocuments.size };
  }

  /** Forget the counts (after the engine moved rows): the next status counts again. */
  invalidateCounts(): void {
    this.counts = null;
  }

  private recount(): OutboxCounts {
    // One read transaction: the counts and the watermark come from the same snapshot.
    return this.db.transaction((): OutboxCounts => {
      this.counts = this.countByState();
      this.waitingDocuments = new Set(
        (this.q(`SELECT DISTINCT ${DOCUMENT_OF_ROW} AS document FROM outbox WHERE kind = ? AND state IN ('pending', 'in_flight')`).all(SYNC_OUTBOX_KIND) as { document: string | null }[]).flatMap(
          (r) => (r.document ? [r.document] : []),
        ),
      );
      this.seenRowid = this.outboxWatermark();
      this.countsAt = Date.now();
      return { ...this.counts, waitingDocuments: this.waitingDocuments.size };
    })();
  }

  /** A full count of the outbox by state (discarded dead items not counted): a scan of the table. */
  private countByState(): Omit<OutboxCounts, 'waitingDocuments'> {
    const out = { pending: 0, inFlight: 0, dead: 0, done: 0 };
    for (const row of this.q('SELECT state, COUNT(*) AS n FROM outbox WHERE kind = ? GROUP BY state').all(SYNC_OUTBOX_KIND) as { state: string; n: number }[]) {
      if (row.state === 'pending') out.pending = row.n;
      else if (row.state === 'in_flight') out.inFlight = row.n;
      else if (row.state === 'dead') out.dead = row.n;
      else if (row.state === 'done') out.done = row.n;
    }
    out.dead -= (this.q("SELECT COUNT(*) AS n FROM sync_discarded d JOIN outbox o ON o.id = d.outbox_id WHERE o.state = 'dead'").get() as { n: number }).n;
    return out;
  }

  /**
   * Take (or keep) the data folder's sync lease for this process: only its holder builds. Free when
   * nobody holds it or its holder's process is gone (then this engine must recover what that one
   * left in flight). Otherwise says who holds it: another Folio process is syncing this folder now.
   */
  takeLease(now: string): Promise<{ held: true } | { held: false; pid: number; since: string }> {
    return this.write.takeLease(currentOwner(), now);
  }

  /** The live process other than this one that holds the lease, if any (read-only: for status). */
  leaseHolder(): { pid: number; since: string } | null {
    return leaseHolderOther(this.db, currentOwner());
  }

  /** Give the lease up (stop): the next engine to build takes it without waiting. */
  releaseLease(): Promise<void> {
    return this.write.releaseLease(currentOwner());
  }

  /** At start: in-flight rows were interrupted, not sent — back to pending; running sync jobs did not finish. */
  recoverAtStart(now: string): Promise<{ inFlight: number; interruptedJobs: number }> {
    this.invalidateCounts();
    return this.write.recoverAtStart(now);
  }

  stats(now: string): OutboxStats {
    const out: OutboxStats = { ...this.countByState(), due: 0, oldestDueAt: null };
    const due = this.q("SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE kind = ? AND state = 'pending' AND next_attempt_at <= ?").get(SYNC_OUTBOX_KIND, now) as {
      n: number;
      oldest: string | null;
    };
    out.due = due.n;
    out.oldestDueAt = due.oldest;
    return out;
  }

  /**
   * Free (not in any batch) pending rows that are due: how many, and the oldest. `upTo` (a rowid
   * watermark) leaves out rows verified after a build started: they go with the next build.
   */
  freeDue(now: string, ignoreBackoff: boolean, upTo = Number.MAX_SAFE_INTEGER): { count: number; oldest: string | null } {
    const row = this.q(
      `SELECT COUNT(*) AS n, MIN(o.created_at) AS oldest FROM outbox o
         WHERE o.kind = ? AND o.state = 'pending' AND (? OR o.next_attempt_at <= ?) AND o.rowid <= ?
           AND NOT EXISTS (SELECT 1 FROM sync_batch_items i WHERE i.outbox_id = o.id)`,
    ).get(SYNC_OUTBOX_KIND, ignoreBackoff ? 1 : 0, now, upTo) as { n: number; oldest: string | null };
    return { count: row.n, oldest: row.oldest };
  }

  batch(id: string): BatchRow | undefined {
    return this.q('SELECT * FROM sync_batches WHERE id = ?').get(id) as BatchRow | undefined;
  }

  openBatches(): BatchRow[] {
    return this.q("SELECT * FROM sync_batches WHERE state = 'open' ORDER BY created_at, id").all() as BatchRow[];
  }

  /** The oldest open batch that may be tried now (its items' backoff has passed, or it is ignored). */
  async dueOpenBatch(now: string, ignoreBackoff: boolean): Promise<BatchRow | null> {
    for (const b of this.openBatches()) {
      const row = this.q(
          `SELECT COUNT(*) AS n, MAX(o.next_attempt_at) AS next FROM sync_batch_items i JOIN outbox o ON o.id = i.outbox_id
           WHERE i.batch_id = ? AND o.state IN ('pending', 'in_flight')`,
        )
        .get(b.id) as { n: number; next: string | null };
      if (row.n === 0 && b.commit_sent_at === null) {
        // Every item went dead before anything was committed: nothing left to send.
        await this.write.emptyDrainedBatch(b.id, now);
        continue;
      }
      if (ignoreBackoff || b.commit_sent_at !== null || row.next === null || row.next <= now) return b;
    }
    return null;
  }

  /**
   * Record a new batch of up to `limit` free due rows of one project (the one waiting longest, at
   * or below the watermark `upTo`), before anything is sent. The rows are chosen by a read outside
   * any write transaction (it scans the waiting rows); membership is then written in short
   * transactions of WRITE_CHUNK rows, each skipping a row that meanwhile left 'pending' or joined
   * another batch. A crash between chunks leaves a smaller batch, which is sent as it is.
   */
  async createBatch(now: string, limit: number, ignoreBackoff: boolean, upTo = Number.MAX_SAFE_INTEGER): Promise<BatchRow | null> {
    const first = this.q(
      `SELECT o.payload FROM outbox o WHERE o.kind = ? AND o.state = 'pending' AND (? OR o.next_attempt_at <= ?) AND o.rowid <= ?
             AND NOT EXISTS (SELECT 1 FROM sync_batch_items i WHERE i.outbox_id = o.id)
           ORDER BY o.created_at, o.id LIMIT 1`,
    ).get(SYNC_OUTBOX_KIND, ignoreBackoff ? 1 : 0, now, upTo) as { payload: string } | undefined;
    if (!first) return null;
    const projectId = (JSON.parse(first.payload) as { projectId: string }).projectId;
    const rows = this.q(
      `SELECT o.id FROM outbox o WHERE o.kind = ? AND o.state = 'pending' AND (? OR o.next_attempt_at <= ?) AND o.rowid <= ?
             AND json_extract(o.payload, '$.projectId') = ?
             AND NOT EXISTS (SELECT 1 FROM sync_batch_items i WHERE i.outbox_id = o.id)
           ORDER BY o.created_at, o.id LIMIT ?`,
    ).all(SYNC_OUTBOX_KIND, ignoreBackoff ? 1 : 0, now, upTo, projectId, limit) as { id: string }[];
    const id = `${now.replace(/[-:.TZ]/g, '').slice(0, 14)}-${randomUUID().slice(0, 8)}`;
    let added = 0;
    for (let i = 0; i < rows.length; i += WRITE_CHUNK) {
      // Between chunks the sync process answers the app (status, Sync now) and verify takes the lock.
      if (i > 0) await yieldToLoop();
      added += await this.write.addBatchItems({ id, projectId, now }, i, rows.slice(i, i + WRITE_CHUNK).map((r) => r.id));
    }
    if (added === 0) {
      await this.write.dropEmptyBatch(id);
      return null;
    }
    return this.batch(id)!;
  }

  /**
   * Start an attempt: fresh run id and client ids (unless a commit's outcome is still unknown, in
   * which case the old ones are kept to ask W&B about), a queued job, items in flight.
   */
  beginAttempt(batchId: string, opts: { jobId: string; trigger: string; target: string; now: string }): Promise<BatchRow> {
    this.invalidateCounts();
    return this.write.beginAttempt(batchId, opts);
  }

  items(batchId: string): BatchItem[] {
    return (
      this.q(
          `SELECT o.id, o.attempts, o.payload FROM sync_batch_items i JOIN outbox o ON o.id = i.outbox_id
           WHERE i.batch_id = ? AND o.state IN ('pending', 'in_flight') ORDER BY i.position`,
        )
        .all(batchId) as { id: string; attempts: number; payload: string }[]
    ).map((r) => ({ outboxId: r.id, attempts: r.attempts, payload: JSON.parse(r.payload) as BatchItem['payload'] }));
  }

  /** Poison items leave the batch for dead, with their reason; the rest of the batch goes on. */
  async killItems(batchId: string, dead: { outboxId: string; reason: string }[], now: string): Promise<void> {
    if (!dead.length) return;
    this.invalidateCounts();
    await this.write.killItems(batchId, dead, now);
  }

  /**
   * W&B confirmed the version: the batch's rows become done (in chunks: a batch may hold thousands
   * and verify must not wait for one long transaction), then one transaction commits the batch and
   * finishes the job. A crash in between leaves the batch open with commit_sent_at set: the next
   * start asks W&B, learns the version exists and finishes the remaining rows.
   */
  async finalizeCommitted(
    batchId: string,
    v: { artifactId: string; versionIndex: number; digest: string; addedEntries: Record<string, ManifestEntry> | null },
    job: { id: string; result: unknown },
    now: string,
  ): Promise<number> {
    const ids = (
      this.q(
        `SELECT o.id FROM sync_batch_items i JOIN outbox o ON o.id = i.outbox_id WHERE i.batch_id = ? AND o.state IN ('pending', 'in_flight') ORDER BY i.position`,
      ).all(batchId) as { id: string }[]
    ).map((r) => r.id);
    let done = 0;
    for (let i = 0; i < ids.length; i += WRITE_CHUNK) done += await this.write.markDone(ids.slice(i, i + WRITE_CHUNK), now);
    await this.write.commitBatch(batchId, v, job, now);
    this.invalidateCounts();
    return done;
  }

  /** After a failed attempt: see SyncWriter.releaseAfterFailure. */
  releaseAfterFailure(batchId: string, f: FailureRelease): Promise<{ dead: number }> {
    this.invalidateCounts();
    return this.write.releaseAfterFailure(batchId, f);
  }

  /** Entries every batch committed to `target` added (to put back any a concurrent writer dropped). */
  /**
   * What committed batches of a target added to the dataset, for those `missing` picks (their
   * partition is no longer in the latest version). Only those batches' entries are read and
   * parsed: normally none, and every build would otherwise parse every earlier batch's entries.
   */
  committedEntries(target: string, missing: (batchId: string) => boolean): { batchId: string; entries: Record<string, ManifestEntry> }[] {
    const ids = (this.q("SELECT id FROM sync_batches WHERE state = 'committed' AND target = ? AND added_entries IS NOT NULL ORDER BY committed_at").all(target) as { id: string }[])
      .map((r) => r.id)
      .filter(missing);
    const entriesOf = this.q('SELECT added_entries FROM sync_batches WHERE id = ?');
    return ids.map((batchId) => ({ batchId, entries: JSON.parse((entriesOf.get(batchId) as { added_entries: string }).added_entries) as Record<string, ManifestEntry> }));
  }

  deadItems(limit = 100, offset = 0): DeadItem[] {
    return (
      this.q(
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
  retryDead(ids: string[] | null, now: string): Promise<number> {
    this.invalidateCounts();
    return this.write.retryDead(ids, now);
  }

  /** Dead items the user gives up on: they stay dead and are recorded as discarded, never sent. */
  discardDead(ids: string[] | null, now: string): Promise<number> {
    this.invalidateCounts();
    return this.write.discardDead(ids, now);
  }

  jobs(limit: number): JobRowView[] {
    return this.q('SELECT id, project_id, state, params, progress, result, error, created_at, started_at, finished_at FROM jobs WHERE kind = ? ORDER BY created_at DESC, rowid DESC LIMIT ?').all(SYNC_JOB_KIND, limit) as JobRowView[];
  }

  lastSuccess(): string | null {
    return (this.q("SELECT MAX(finished_at) AS t FROM jobs WHERE kind = ? AND state = 'completed'").get(SYNC_JOB_KIND) as { t: string | null }).t;
  }
}

/** How a failed attempt's items go back (see SyncWriter.releaseAfterFailure). */
export interface FailureRelease {
  kind: 'transient' | 'offline' | 'permanent';
  error: string;
  maxAttempts: number;
  now: string;
  job: { id: string; result: unknown };
  /** Jitter for the backoff (tests; not sent between processes). */
  random?: () => number;
}

/** The live process other than `me` that holds the data folder's sync lease, if any. */
function leaseHolderOther(db: Db, me: JobOwner): { pid: number; since: string } | null {
  const row = cachedStatement(db, 'SELECT owner_pid, owner_start, acquired_at FROM sync_lease WHERE id = 1').get() as
    | { owner_pid: number; owner_start: string | null; acquired_at: string }
    | undefined;
  if (!row || row.owner_pid === me.pid || !ownerAlive({ pid: row.owner_pid, start: row.owner_start })) return null;
  return { pid: row.owner_pid, since: row.acquired_at };
}

/**
 * Every write sync makes to folio.db, each one short transaction. Arguments and results are plain
 * data so that a call can cross from the sync process to the app (SyncProcessHost applies them on
 * the app's connection); whoever calls must not depend on anything but the returned value.
 *
 * Bookkeeping commits with synchronous=NORMAL (it survives a crash of the app; a power cut may
 * lose the last of it, and what is lost is redone), so the app's event loop does not wait for an
 * fsync per chunk. The one write the exactly-once protocol needs on disk before a request, the
 * commit marker, is durable (FULL). The connection's own setting is restored after each call.
 */
export class SyncWriter {
  private readonly jobs: JobsRepo;

  constructor(private readonly db: Db) {
    this.jobs = new JobsRepo(db);
  }

  private q(sql: string) {
    return cachedStatement(this.db, sql);
  }

  private tx<T>(fn: () => T, durable = false): T {
    const want = durable ? 2 : 1;
    const was = this.db.pragma('synchronous', { simple: true }) as number;
    if (was === want || (durable && was > want)) return this.db.transaction(fn).immediate();
    this.db.pragma(`synchronous = ${want}`);
    try {
      return this.db.transaction(fn).immediate();
    } finally {
      this.db.pragma(`synchronous = ${was}`);
    }
  }

  takeLease(owner: JobOwner, now: string): { held: true } | { held: false; pid: number; since: string } {
    return this.tx(() => {
      const other = leaseHolderOther(this.db, owner);
      if (other) return { held: false as const, ...other };
      this.q(
        'INSERT INTO sync_lease (id, owner_pid, owner_start, acquired_at) VALUES (1, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET owner_pid = excluded.owner_pid, owner_start = excluded.owner_start, acquired_at = excluded.acquired_at',
      ).run(owner.pid, owner.start, now);
      return { held: true as const };
    });
  }

  releaseLease(owner: JobOwner): void {
    this.tx(() => this.q('DELETE FROM sync_lease WHERE id = 1 AND owner_pid = ? AND owner_start IS ?').run(owner.pid, owner.start));
  }

  recoverAtStart(now: string): { inFlight: number; interruptedJobs: number } {
    return this.tx(() => {
      const inFlight = this.q("UPDATE outbox SET state = 'pending', updated_at = ? WHERE state = 'in_flight' AND kind = ?").run(now, SYNC_OUTBOX_KIND).changes;
      const interruptedJobs = this.jobs.failOpen(SYNC_JOB_KIND, 'interrupted: Folio stopped while this build ran; its batch resumes automatically', now);
      return { inFlight, interruptedJobs };
    });
  }

  /** An open batch whose every item went dead before anything was committed: nothing left to send. */
  emptyDrainedBatch(batchId: string, now: string): boolean {
    return this.tx(
      () =>
        this.q(
          `UPDATE sync_batches SET state = 'empty', updated_at = ? WHERE id = ? AND state = 'open' AND commit_sent_at IS NULL
             AND NOT EXISTS (SELECT 1 FROM sync_batch_items i JOIN outbox o ON o.id = i.outbox_id WHERE i.batch_id = ? AND o.state IN ('pending', 'in_flight'))`,
        ).run(now, batchId, batchId).changes > 0,
    );
  }

  /**
   * One chunk of a new batch's membership (the first creates the batch), from position `start`;
   * a row that meanwhile left 'pending' or joined another batch is skipped. Returns rows added.
   */
  addBatchItems(batch: { id: string; projectId: string; now: string }, start: number, outboxIds: string[]): number {
    const add = this.q(
      `INSERT OR IGNORE INTO sync_batch_items (batch_id, outbox_id, position)
       SELECT ?, o.id, ? FROM outbox o WHERE o.id = ? AND o.state = 'pending'`,
    );
    return this.tx(() => {
      if (start === 0) this.q("INSERT INTO sync_batches (id, project_id, state, created_at, updated_at) VALUES (?, ?, 'open', ?, ?)").run(batch.id, batch.projectId, batch.now, batch.now);
      let added = 0;
      outboxIds.forEach((id, j) => (added += add.run(batch.id, start + j, id).changes));
      return added;
    });
  }

  /** A batch that got no rows (they all went elsewhere while it was made). */
  dropEmptyBatch(batchId: string): void {
    this.tx(() => this.q('DELETE FROM sync_batches WHERE id = ? AND NOT EXISTS (SELECT 1 FROM sync_batch_items WHERE batch_id = ?)').run(batchId, batchId));
  }

  beginAttempt(batchId: string, opts: { jobId: string; trigger: string; target: string; now: string }): BatchRow {
    const batch = () => this.q('SELECT * FROM sync_batches WHERE id = ?').get(batchId) as BatchRow | undefined;
    return this.tx((): BatchRow => {
      const b = batch();
      if (!b || b.state !== 'open') throw new Error(`sync batch ${batchId} is not open`);
      const items = (
        this.q(
          `SELECT COUNT(*) AS n FROM sync_batch_items i JOIN outbox o ON o.id = i.outbox_id WHERE i.batch_id = ? AND o.state IN ('pending', 'in_flight')`,
        ).get(batchId) as { n: number }
      ).n;
      // No process owns it: this writer may run in the app for the sync process; the lease governs sync's jobs.
      this.jobs.create(
        { id: opts.jobId, kind: SYNC_JOB_KIND, projectId: b.project_id, params: { batchId, trigger: opts.trigger, attempt: b.attempt + 1, documents: items }, state: 'queued', owner: null },
        opts.now,
      );
      if (b.commit_sent_at === null) {
        this.q(
          `UPDATE sync_batches SET attempt = attempt + 1, run_id = ?, client_id = ?, sequence_client_id = ?, artifact_id = NULL, base_artifact_id = NULL,
               target = ?, job_id = ?, updated_at = ? WHERE id = ?`,
        ).run(randomRunId(), randomClientId(), randomClientId(), opts.target, opts.jobId, opts.now, batchId);
      } else {
        this.q('UPDATE sync_batches SET attempt = attempt + 1, job_id = ?, updated_at = ? WHERE id = ?').run(opts.jobId, opts.now, batchId);
      }
      this.q("UPDATE outbox SET state = 'in_flight', updated_at = ? WHERE id IN (SELECT outbox_id FROM sync_batch_items WHERE batch_id = ?) AND state = 'pending'").run(opts.now, batchId);
      return batch()!;
    });
  }

  jobRunning(jobId: string, now: string): void {
    this.tx(() => this.jobs.markRunning(jobId, now));
  }

  recordArtifact(batchId: string, artifactId: string, baseArtifactId: string | null, now: string): void {
    this.tx(() => this.q('UPDATE sync_batches SET artifact_id = ?, base_artifact_id = ?, updated_at = ? WHERE id = ?').run(artifactId, baseArtifactId, now, batchId));
  }

  /**
   * On disk (durably) before commitArtifact is sent: the point after which only W&B knows whether
   * the version exists. `added` is what finalizing needs after a crash; the manifest that goes
   * with the commit is kept in the sync cache (ManifestCache.savePending), not in this row.
   */
  recordCommitSent(batchId: string, added: Record<string, ManifestEntry>, now: string): void {
    this.tx(() => {
      this.q('UPDATE sync_batches SET commit_sent_at = ?, added_entries = ?, updated_at = ? WHERE id = ?').run(now, JSON.stringify(added), now, batchId);
    }, true);
  }

  /** The target an attempt writes to, once the entity is known (never while a commit is unresolved). */
  setTarget(batchId: string, target: string, now: string): void {
    this.tx(() => this.q('UPDATE sync_batches SET target = ?, updated_at = ? WHERE id = ? AND commit_sent_at IS NULL').run(target, now, batchId));
  }

  /** W&B says the version never committed: the batch may be rebuilt under new client ids. */
  clearCommitSent(batchId: string, now: string): void {
    this.tx(() =>
      this.q(
        'UPDATE sync_batches SET commit_sent_at = NULL, artifact_id = NULL, added_entries = NULL, run_id = ?, client_id = ?, sequence_client_id = ?, updated_at = ? WHERE id = ?',
      ).run(randomRunId(), randomClientId(), randomClientId(), now, batchId),
    );
  }

  /** Poison items leave the batch for dead, with their reason; the rest of the batch goes on. */
  killItems(batchId: string, dead: { outboxId: string; reason: string }[], now: string): void {
    this.tx(() => {
      const remove = this.q('DELETE FROM sync_batch_items WHERE batch_id = ? AND outbox_id = ?');
      const kill = this.q("UPDATE outbox SET state = 'dead', last_error = ?, attempts = attempts + 1, updated_at = ? WHERE id = ?");
      for (const d of dead) {
        remove.run(batchId, d.outboxId);
        kill.run(d.reason, now, d.outboxId);
      }
    });
  }

  /** One chunk of a committed batch's rows become done; returns how many changed. */
  markDone(outboxIds: string[], now: string): number {
    const markDone = this.q("UPDATE outbox SET state = 'done', last_error = NULL, updated_at = ? WHERE id = ? AND state IN ('pending', 'in_flight')");
    return this.tx(() => {
      let done = 0;
      for (const id of outboxIds) done += markDone.run(now, id).changes;
      return done;
    });
  }

  /** The batch is committed (after its rows are done) and its job completed, in one transaction. */
  commitBatch(
    batchId: string,
    v: { artifactId: string; versionIndex: number; digest: string; addedEntries: Record<string, ManifestEntry> | null },
    job: { id: string; result: unknown },
    now: string,
  ): void {
    this.tx(() => {
      this.q(
        "UPDATE sync_batches SET state = 'committed', artifact_id = ?, version_index = ?, artifact_digest = ?, added_entries = ?, committed_at = ?, updated_at = ? WHERE id = ?",
      ).run(v.artifactId, v.versionIndex, v.digest, v.addedEntries ? JSON.stringify(v.addedEntries) : null, now, now, batchId);
      this.jobs.finish(job.id, { state: 'completed', result: job.result, error: null }, now);
    });
  }

  markEmpty(batchId: string, job: { id: string; result: unknown }, now: string): void {
    this.tx(() => {
      this.q("UPDATE sync_batches SET state = 'empty', updated_at = ? WHERE id = ?").run(now, batchId);
      this.jobs.finish(job.id, { state: 'completed', result: job.result, error: null }, now);
    });
  }

  /**
   * After a failed attempt, in one transaction: the job fails with its message; the items go back
   * to pending. A transient failure counts an attempt and backs off (dead after maxAttempts, unless
   * a commit's outcome is still unknown); being offline or a permanent error (bad key) counts
   * nothing — the items simply wait.
   */
  releaseAfterFailure(batchId: string, f: FailureRelease): { dead: number } {
    return this.tx((): { dead: number } => {
      const b = this.q('SELECT commit_sent_at FROM sync_batches WHERE id = ?').get(batchId) as { commit_sent_at: string | null };
      let dead = 0;
      if (f.kind === 'transient') {
        const items = this.q(
          `SELECT o.id, o.attempts FROM sync_batch_items i JOIN outbox o ON o.id = i.outbox_id
           WHERE i.batch_id = ? AND o.state IN ('pending', 'in_flight') ORDER BY i.position`,
        ).all(batchId) as { id: string; attempts: number }[];
        const back = this.q("UPDATE outbox SET state = 'pending', attempts = ?, next_attempt_at = ?, last_error = ?, updated_at = ? WHERE id = ?");
        const deadRows: { outboxId: string; reason: string }[] = [];
        const delay = itemBackoffMs(Math.max(1, ...items.map((i) => i.attempts + 1)), f.random);
        for (const item of items) {
          const attempts = item.attempts + 1;
          if (attempts >= f.maxAttempts && b.commit_sent_at === null) {
            deadRows.push({ outboxId: item.id, reason: `gave up after ${attempts} attempts; last error: ${f.error}` });
          } else {
            back.run(attempts, addMs(f.now, delay), f.error, f.now, item.id);
          }
        }
        if (deadRows.length) {
          const remove = this.q('DELETE FROM sync_batch_items WHERE batch_id = ? AND outbox_id = ?');
          const kill = this.q("UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ?, updated_at = ? WHERE id = ?");
          for (const d of deadRows) {
            remove.run(batchId, d.outboxId);
            kill.run(d.reason, f.now, d.outboxId);
          }
          dead = deadRows.length;
        }
      } else {
        this.q("UPDATE outbox SET state = 'pending', last_error = ?, updated_at = ? WHERE id IN (SELECT outbox_id FROM sync_batch_items WHERE batch_id = ?) AND state = 'in_flight'").run(
          f.error,
          f.now,
          batchId,
        );
      }
      this.jobs.finish(f.job.id, { state: 'failed', result: f.job.result, error: f.error }, f.now);
      return { dead };
    });
  }

  /** Dead items back to pending with a clean slate (all of them when `ids` is null). */
  retryDead(ids: string[] | null, now: string): number {
    return this.tx((): number => {
      const where = ids === null ? '' : `AND id IN (SELECT value FROM json_each(?))`;
      const args: unknown[] = [now, now, SYNC_OUTBOX_KIND];
      if (ids !== null) args.push(JSON.stringify(ids));
      return this.db
        .prepare(
          `UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?, updated_at = ?
           WHERE kind = ? AND state = 'dead' AND id NOT IN (SELECT outbox_id FROM sync_discarded) ${where}`,
        )
        .run(...args).changes;
    });
  }

  /** Dead items the user gives up on: they stay dead and are recorded as discarded, never sent. */
  discardDead(ids: string[] | null, now: string): number {
    const where = ids === null ? '' : `AND o.id IN (SELECT value FROM json_each(?))`;
    const args: unknown[] = [now, SYNC_OUTBOX_KIND];
    if (ids !== null) args.push(JSON.stringify(ids));
    return this.tx(
      () =>
        this.db
          .prepare(
            `INSERT OR IGNORE INTO sync_discarded (outbox_id, reason, discarded_at)
         SELECT o.id, o.last_error, ? FROM outbox o WHERE o.kind = ? AND o.state = 'dead' ${where}`,
          )
          .run(...args).changes,
    );
  }

  /** Sync settings (already validated by SyncConfigStore), as JSON values by key. */
  saveConfig(entries: [string, string][]): void {
    const upsert = this.q('INSERT INTO sync_settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value');
    this.tx(() => {
      for (const [k, v] of entries) upsert.run(k, v);
    });
  }

  /** Hashes of page images learnt while building a batch (media path, size, mtime, md5, sha256), in one transaction. */
  saveImageHashes(rows: ImageHashRow[]): void {
    if (!rows.length) return;
    const put = this.q(
      'INSERT INTO sync_image_hashes (media_path, size, mtime_ms, md5, sha256) VALUES (?, ?, ?, ?, ?) ON CONFLICT(media_path) DO UPDATE SET size = excluded.size, mtime_ms = excluded.mtime_ms, md5 = excluded.md5, sha256 = excluded.sha256',
    );
    this.tx(() => {
      for (const h of rows) put.run(...h);
    });
  }
}

export type ImageHashRow = [mediaPath: string, size: number, mtimeMs: number, md5: string, sha256: string];

/** SyncWriter's calls, the only ones the app applies for the sync process. */
export const SYNC_WRITES = [
  'takeLease',
  'releaseLease',
  'recoverAtStart',
  'emptyDrainedBatch',
  'addBatchItems',
  'dropEmptyBatch',
  'beginAttempt',
  'jobRunning',
  'recordArtifact',
  'recordCommitSent',
  'setTarget',
  'clearCommitSent',
  'killItems',
  'markDone',
  'commitBatch',
  'markEmpty',
  'releaseAfterFailure',
  'retryDead',
  'discardDead',
  'saveConfig',
  'saveImageHashes',
] as const satisfies readonly (keyof SyncWriter)[];
export type SyncWriteOp = (typeof SYNC_WRITES)[number];

/** SyncWriter's calls as promises: answered at once in-process, or once the app has committed them. */
export type SyncWrites = { [K in SyncWriteOp]: (...args: Parameters<SyncWriter[K]>) => Promise<ReturnType<SyncWriter[K]>> };

type AnyCall = (...args: unknown[]) => unknown;

/** Apply one write call by name (the app, for the sync process); an unknown name is refused. */
export function applySyncWrite(writer: SyncWriter, op: string, args: unknown[]): unknown {
  if (!(SYNC_WRITES as readonly string[]).includes(op)) throw new Error(`sync asked for a write the app does not know: ${op}`);
  return (writer[op as SyncWriteOp] as AnyCall).apply(writer, args);
}

/** Writes on this process's connection. */
export function localWrites(writer: SyncWriter): SyncWrites {
  return Object.fromEntries(SYNC_WRITES.map((op) => [op, async (...args: unknown[]) => (writer[op] as AnyCall).apply(writer, args)])) as SyncWrites;
}

/** Writes sent elsewhere by `send` (the sync process to the app), which resolves with the result once committed. */
export function remoteWrites(send: (op: SyncWriteOp, args: unknown[]) => Promise<unknown>): SyncWrites {
  return Object.fromEntries(SYNC_WRITES.map((op) => [op, (...args: unknown[]) => send(op, args)])) as SyncWrites;
}
