import type { Db } from '../db/open';
import { readOrNull, statOrNull } from './files';
import { buildBatch, partitionPath, type ArtifactFile, type BuiltBatch } from './dataset';
import type { ManifestCache } from './manifestCache';
import type { BatchItem, BatchRow, SyncStore } from './store';
import { artifactVersionUrl, runUrl, WandbClient, type ArtifactVersion, type RunRef, type WandbClientOptions } from '../wandb/client';
import { WandbError, type Policies } from '../wandb/http';
import { artifactDigest, b64md5, parseManifest, serializeManifest, type ManifestEntry } from '../wandb/manifest';
import { pool } from '../util/pool';
import { yieldToLoop } from '../util/yieldToLoop';

/**
 * One dataset-build job: one attempt at one batch, end to end (docs/WANDB_PROTOCOL.md §3.4, §5). The order of
 * writes is what makes it exactly once: membership and client ids are on disk before the first
 * request; an unresolved commit is asked about (clientIDMapping → artifact state) before anything
 * is redone; a batch whose partition is already in `latest` is done without a new version.
 */

export const ARTIFACT_TYPE = 'dataset';
export const JOB_TYPE = 'dataset-build';

export interface SyncTarget {
  baseUrl: string;
  apiKey: string;
  entity: string;
  project: string;
  collection: string;
}

export const targetKey = (t: { baseUrl: string; entity: string; project: string; collection: string }): string => `${t.baseUrl} ${t.entity}/${t.project}/${t.collection}`;

export type JobOutcome = 'committed' | 'already-present' | 'deduplicated' | 'resolved-after-restart' | 'empty';

export interface SyncJobResult {
  batchId: string;
  attempt: number;
  trigger: string;
  outcome: JobOutcome | null;
  documents: number;
  rows: number;
  dead: number;
  runId: string | null;
  runUrl: string | null;
  entity: string | null;
  project: string | null;
  artifactId: string | null;
  versionIndex: number | null;
  artifactVersion: string | null;
  artifactUrl: string | null;
  digest: string | null;
  newFiles: number;
  reusedFiles: number;
  healedEntries: number;
  /** Bytes of the files this version added (images, classes, partition). */
  newContentBytes: number;
  manifestBytes: number;
  /** Every request body this job sent (GraphQL, uploads, file stream), retries included. */
  bytesSent: number;
  requests: number;
  durationMs: number;
  warnings: string[];
}

export interface JobProgress {
  phase: 'checking' | 'preparing' | 'uploading' | 'committing' | 'finishing';
  filesDone: number;
  filesTotal: number;
}

export interface JobDeps {
  db: Db;
  store: SyncStore;
  /** Manifests kept between builds (files, not database rows). */
  manifests: ManifestCache;
  dataDir: string;
  now: () => string;
  folioVersion: string;
  maxAttempts: number;
  policies?: Partial<Policies>;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  uploadConcurrency?: number;
  onProgress?: (jobId: string, p: JobProgress) => void;
  /** Resolve the entity (settings, then the key's default from `viewer`). */
  resolveEntity: (client: WandbClient) => Promise<string>;
}

export type FailureKind = 'transient' | 'offline' | 'permanent';

export interface JobReport {
  jobId: string;
  ok: boolean;
  result: SyncJobResult;
  error: string | null;
  failure: FailureKind | null;
}

class PermanentError extends Error {}

/** Which failures wait for the network, which need the user, and which count as an attempt. */
export function classify(err: unknown, t: { baseUrl: string; entity: string | null; project: string }): { kind: FailureKind; message: string } {
  const host = (() => {
    try {
      return new URL(t.baseUrl).host;
    } catch {
      return t.baseUrl;
    }
  })();
  if (err instanceof PermanentError) return { kind: 'permanent', message: err.message };
  if (err instanceof WandbError) {
    switch (err.kind) {
      case 'auth':
        return {
          kind: 'permanent',
          message: `W&B at ${host} rejected the API key (HTTP 401). Enter a valid key in Settings → Weights & Biases (or set WANDB_API_KEY, or run \`wandb login\`), then press Sync now. Nothing was lost: verified work waits in the outbox.`,
        };
      case 'permission':
        return {
          kind: 'permanent',
          message: `The W&B key has no access to ${t.entity ?? '(default entity)'}/${t.project} on ${host} (${err.message}). Check the entity and project in Settings → Weights & Biases, or ask an admin of ${t.entity ?? 'the team'} to add you, then press Sync now. Nothing was lost: verified work waits in the outbox.`,
        };
      case 'config':
        // A URL fetch refuses (bad port, not http(s), not a URL): retrying cannot help, and it is not "offline".
        return { kind: 'permanent', message: `${err.message} Then press Sync now. Nothing was lost: verified work waits in the outbox.` };
      case 'unreachable':
      case 'aborted':
        return { kind: 'offline', message: err.kind === 'aborted' ? 'stopped before it finished; it resumes on the next start' : `offline: ${err.message}` };
      default:
        return { kind: 'transient', message: err.message };
    }
  }
  return { kind: 'transient', message: err instanceof Error ? err.message : String(err) };
}

/** Run one attempt at `batchIn` as a job; never throws for W&B or data problems (they end in the job's state). */
export async function runSyncJob(deps: JobDeps, batchIn: BatchRow, trigger: string, target: Omit<SyncTarget, 'entity'> & { entity: string | null }, jobId: string): Promise<JobReport> {
  const t0 = performance.now();
  const batch = await deps.store.beginAttempt(batchIn.id, { jobId, trigger, target: targetKey({ ...target, entity: target.entity ?? '?' }), now: deps.now() });
  await deps.store.write.jobRunning(jobId, deps.now());
  return new SyncJob(deps, batch, trigger, target, jobId, t0).run();
}

type JobTarget = Omit<SyncTarget, 'entity'> & { entity: string | null };

/** A version's identity, as the job records it when it ends. */
interface FinishedVersion {
  artifactId: string;
  versionIndex: number;
  digest: string;
  added: Record<string, ManifestEntry> | null;
  manifest: string | null;
}

/** The dataset as `latest` holds it before this job. */
interface LatestVersion {
  base: ArtifactVersion | null;
  entries: Map<string, ManifestEntry>;
}

/** The version this job makes: every entry, and the files of them W&B may not have yet. */
interface NextVersion {
  contents: Map<string, ManifestEntry>;
  toUpload: ArtifactFile[];
}

/** A created, still pending version and its reserved manifest. */
interface PendingVersion {
  created: { id: string };
  reserve: { id: string };
}

/**
 * One attempt, one method per JobProgress phase: checking → preparing → uploading → committing →
 * finishing. A phase that finds the batch already in W&B (or empty) ends the job early.
 */
class SyncJob {
  private readonly result: SyncJobResult;
  private client: WandbClient | null = null;
  private runStarted = false;
  private entity: string | null;

  constructor(
    private readonly deps: JobDeps,
    private batch: BatchRow,
    private readonly trigger: string,
    private readonly target: JobTarget,
    private readonly jobId: string,
    /** When the job began (its duration and the run's runtime count from here). */
    private readonly t0: number,
  ) {
    this.entity = target.entity;
    this.result = emptyResult(batch, trigger);
  }

  async run(): Promise<JobReport> {
    const { jobId, result } = this;
    try {
      await this.attempt();
      return { jobId, ok: true, result, error: null, failure: null };
    } catch (err) {
      const { kind, message } = classify(err, { baseUrl: this.target.baseUrl, entity: result.entity ?? this.entity, project: this.target.project });
      result.durationMs = Math.round(performance.now() - this.t0);
      if (kind !== 'offline') await this.finishRun(1);
      await this.deps.store.releaseAfterFailure(this.batch.id, { kind, error: message, maxAttempts: this.deps.maxAttempts, now: this.deps.now(), job: { id: jobId, result } });
      return { jobId, ok: false, result, error: message, failure: kind };
    }
  }

  /** The phases in order; returns early when the job ended without a new version. */
  private async attempt(): Promise<void> {
    this.client = new WandbClient(this.clientOptions());
    const checked = await this.checking(this.client);
    if (!checked) return;
    const { key, items, run, latest } = checked;
    const prepared = await this.preparing(run, latest, items, key);
    if (!prepared) return;
    const { built, next, pending } = prepared;
    const filesDone = await this.uploading(pending, next);
    await this.committing(run, latest, built, next, pending, key, filesDone);
  }

  private progress(p: JobProgress): void {
    this.deps.onProgress?.(this.jobId, p);
  }

  private clientOptions(): WandbClientOptions {
    const { deps, result } = this;
    return {
      baseUrl: this.target.baseUrl,
      apiKey: this.target.apiKey,
      ...(deps.policies ? { policies: deps.policies } : {}),
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
      onRequest: (r) => {
        result.requests++;
        result.bytesSent += r.bytesOut;
      },
    };
  }

  // ----- checking: the entity, an unresolved commit, the run, and what `latest` holds -----

  /** Null when the batch turned out to be in W&B already (the job is done). */
  private async checking(client: WandbClient): Promise<{ key: string; items: BatchItem[]; run: RunRef; latest: LatestVersion } | null> {
    const { deps, result, target } = this;
    this.progress({ phase: 'checking', filesDone: 0, filesTotal: 0 });
    const entity = (this.entity ??= await deps.resolveEntity(client));
    result.entity = entity;
    result.project = target.project;
    if (await this.resolveUnknownCommit(client, entity)) return null;

    const key = targetKey({ ...target, entity });
    await deps.store.write.setTarget(this.batch.id, key, deps.now());
    const items = deps.store.items(this.batch.id);
    const run = await this.startRun(client, entity, items);
    const latest = await this.readLatest(client, run, key);
    if (latest.base && latest.entries.has(partitionPath(this.batch.id)) && latest.base.versionIndex !== null) {
      // Already there (a commit answered after we stopped listening, or a deduplicated create).
      result.documents = items.length;
      const known = this.batch.added_entries ? (JSON.parse(this.batch.added_entries) as Record<string, ManifestEntry>) : null;
      await this.finishing('already-present', { artifactId: latest.base.id, versionIndex: latest.base.versionIndex, digest: latest.base.digest, added: known, manifest: null });
      return null;
    }
    return { key, items, run, latest };
  }

  /**
   * A commit whose outcome is unknown (the process died or the answer was lost): ask W&B.
   * True when it was committed (the job is done); else the batch starts over under new client ids.
   */
  private async resolveUnknownCommit(client: WandbClient, entity: string): Promise<boolean> {
    const { deps, result, target } = this;
    const batch = this.batch;
    if (batch.commit_sent_at === null) return false;
    const serverId = batch.client_id ? await client.clientIdMapping(batch.client_id) : null;
    const state = serverId ? await client.artifactState(serverId) : null;
    if (state?.state === 'COMMITTED' && state.versionIndex !== null) {
      const [, path] = (batch.target ?? '').split(' ');
      const [e, p] = (path ?? '').split('/');
      result.entity = e ?? entity;
      result.project = p ?? target.project;
      result.runId = batch.run_id;
      result.runUrl = batch.run_id ? runUrl(target.baseUrl, result.entity, result.project, batch.run_id) : null;
      this.runStarted = true;
      result.rows = 0;
      await this.finishing('resolved-after-restart', {
        artifactId: state.id,
        versionIndex: state.versionIndex,
        digest: state.digest,
        added: batch.added_entries ? (JSON.parse(batch.added_entries) as Record<string, ManifestEntry>) : null,
        // The manifest sent with that commit.
        manifest: (await deps.manifests.loadPending(batch.id, batch.target ?? ''))?.body ?? null,
      });
      return true;
    }
    // Never committed: start over under new client ids (the pending version is abandoned, as the SDK does).
    await deps.store.write.clearCommitSent(batch.id, deps.now());
    this.batch = deps.store.batch(batch.id)!;
    return false;
  }

  /** The run that creates this version. */
  private async startRun(client: WandbClient, entity: string, items: BatchItem[]): Promise<RunRef> {
    const { deps, result, target, batch } = this;
    const run = await client.upsertRun({
      name: batch.run_id!,
      project: target.project,
      entity,
      jobType: JOB_TYPE,
      displayName: `folio dataset build ${batch.id}`,
      tags: ['folio', JOB_TYPE],
      config: { folio_version: deps.folioVersion, batch_id: batch.id, attempt: batch.attempt, trigger: this.trigger, documents: items.length, artifact: target.collection },
    });
    this.runStarted = true;
    result.entity = run.entity;
    result.project = run.project;
    result.runId = run.name;
    result.runUrl = runUrl(target.baseUrl, run.entity, run.project, run.name);
    return run;
  }

  /** What the dataset holds now: its latest version and that version's manifest (cached by target). */
  private async readLatest(client: WandbClient, run: RunRef, key: string): Promise<LatestVersion> {
    const { deps, target } = this;
    const base = await client.artifactByName(run.entity, run.project, `${target.collection}:latest`);
    if (base && base.typeName && base.typeName !== ARTIFACT_TYPE) {
      throw new PermanentError(
        `The W&B artifact ${run.entity}/${run.project}/${target.collection} exists with type "${base.typeName}", not "${ARTIFACT_TYPE}". Choose another project in Settings → Weights & Biases, or rename that artifact in W&B.`,
      );
    }
    if (!base) return { base, entries: new Map() };
    const cached = await deps.manifests.load(key);
    // Reading and parsing a manifest of ~10,000 entries takes tens of ms: yield around it, so
    // the sync process keeps answering the app (status, Sync now) while it builds.
    await yieldToLoop();
    if (cached && cached.artifactId === base.id) return { base, entries: parseManifest(cached.body) };
    if (!base.manifestUrl) throw new WandbError('protocol', `the latest version of ${target.collection} has no manifest`);
    const bytes = await client.download(base.manifestUrl, `the manifest of ${target.collection}:v${base.versionIndex}`);
    const entries = parseManifest(bytes);
    await deps.manifests.save(key, base.id, bytes.toString('utf8'));
    return { base, entries };
  }

  // ----- preparing: the batch's files, the next version's contents, the pending version -----

  /** Null when the job ended here (no rows, or W&B already has this exact version). */
  private async preparing(run: RunRef, latest: LatestVersion, items: BatchItem[], key: string): Promise<{ built: BuiltBatch; next: NextVersion; pending: PendingVersion } | null> {
    this.progress({ phase: 'preparing', filesDone: 0, filesTotal: items.length });
    const built = await this.buildFiles(items);
    if (built.rows === 0) {
      await this.endEmpty();
      return null;
    }
    const next = await this.composeVersion(latest, built, key);
    const pending = await this.createVersion(run, latest, built, next);
    return pending ? { built, next, pending } : null;
  }

  /** The batch's files; poison items leave for dead with their reason. */
  private async buildFiles(items: BatchItem[]): Promise<BuiltBatch> {
    const { deps, result, batch } = this;
    const built = await buildBatch(deps.db, deps.dataDir, batch.id, items, deps.signal ? { signal: deps.signal } : {});
    await deps.store.write.saveImageHashes(built.newHashes);
    await deps.store.killItems(batch.id, built.poison, deps.now());
    result.dead = built.poison.length;
    result.documents = built.documents;
    result.rows = built.rows;
    return built;
  }

  private async endEmpty(): Promise<void> {
    const { result } = this;
    result.outcome = 'empty';
    result.durationMs = Math.round(performance.now() - this.t0);
    await this.finishRun(0);
    await this.deps.store.write.markEmpty(this.batch.id, { id: this.jobId, result }, this.deps.now());
  }

  /** New version = previous entries + this batch (+ any of our partitions someone dropped). */
  private async composeVersion(latest: LatestVersion, built: BuiltBatch, key: string): Promise<NextVersion> {
    const { result } = this;
    await yieldToLoop();
    const contents = new Map(latest.entries);
    const toUpload: ArtifactFile[] = [];
    for (const f of built.files.values()) {
      const existing = contents.get(f.path);
      if (existing && existing.digest === f.digest) {
        result.reusedFiles++;
        continue;
      }
      if (existing && f.path.startsWith('media/')) throw new WandbError('protocol', `${f.path} is already in the dataset with other content (digest ${existing.digest}, ours ${f.digest})`);
      contents.set(f.path, { digest: f.digest, size: f.size });
      toUpload.push(f);
    }
    for (const earlier of this.deps.store.committedEntries(key, (batchId) => !contents.has(partitionPath(batchId)))) {
      for (const [path, e] of Object.entries(earlier.entries)) {
        if (!contents.has(path)) {
          contents.set(path, e);
          result.healedEntries++;
        }
      }
    }
    await yieldToLoop();
    result.newFiles = toUpload.length;
    result.newContentBytes = toUpload.reduce((n, f) => n + f.size, 0);
    return { contents, toUpload };
  }

  /** The pending version and its reserved manifest; null when W&B deduplicated it into a committed one (the job is done). */
  private async createVersion(run: RunRef, latest: LatestVersion, built: BuiltBatch, next: NextVersion): Promise<PendingVersion | null> {
    const { deps, batch, target } = this;
    const client = this.client!;
    const base = latest.base;
    const created = await client.createArtifact({
      entityName: run.entity,
      projectName: run.project,
      artifactTypeName: ARTIFACT_TYPE,
      artifactCollectionName: target.collection,
      runName: run.name,
      digest: artifactDigest(next.contents),
      description: null,
      aliases: ['latest'],
      metadata: { folio_version: deps.folioVersion, batch_id: batch.id, documents: built.documents, rows: built.rows, partitions_path: 'parts' },
      clientID: batch.client_id!,
      sequenceClientID: batch.sequence_client_id!,
    });
    await deps.store.write.recordArtifact(batch.id, created.id, base?.id ?? null, deps.now());
    if (created.state === 'COMMITTED') {
      const st = await client.artifactState(created.id);
      if (!st || st.versionIndex === null) throw new WandbError('protocol', `W&B answered a committed version ${created.id} without a version number`);
      await this.finishing('deduplicated', { artifactId: created.id, versionIndex: st.versionIndex, digest: st.digest, added: null, manifest: null });
      return null;
    }
    if (created.state !== 'PENDING' && created.state !== 'DELETED') throw new WandbError('protocol', `W&B created the version in state ${created.state}`);

    const reserve = await client.createArtifactManifest({
      artifactID: created.id,
      baseArtifactID: base?.id ?? null,
      digest: '',
      entityName: run.entity,
      projectName: run.project,
      runName: run.name,
      includeUpload: false,
    });
    return { created, reserve };
  }

  // ----- uploading: what W&B does not already have -----

  /** Returns the number of files uploaded or found in W&B. */
  private async uploading({ created, reserve }: PendingVersion, { contents, toUpload }: NextVersion): Promise<number> {
    const { deps, result } = this;
    const client = this.client;
    const progress = (p: JobProgress) => this.progress(p);
    progress({ phase: 'uploading', filesDone: 0, filesTotal: toUpload.length });
    let filesDone = 0;
    const uploadOne = async (f: ArtifactFile, target: { uploadUrl: string; uploadHeaders: string[] }) => {
      let bytes: Buffer;
      if (f.source.kind === 'bytes') bytes = f.source.bytes;
      else {
        // Same size and mtime as when it was hashed (the rule the hash cache already trusts): no
        // second MD5 pass over every image. W&B checks the Content-MD5 it asked for anyway.
        const st = statOrNull(f.source.absPath);
        const read = st && st.size === f.size && st.mtimeMs === f.source.mtimeMs ? readOrNull(f.source.absPath) : null;
        if (!read) throw new Error(`${f.path} changed on disk while it was being synced`);
        bytes = read;
      }
      await client!.upload(target.uploadUrl, target.uploadHeaders, bytes, f.path);
    };
    for (let i = 0; i < toUpload.length; i += 200) {
      const chunk = toUpload.slice(i, i + 200);
      const targets = await client!.createArtifactFiles(chunk.map((f) => ({ artifactID: created.id, name: f.path, md5: f.digest, artifactManifestID: reserve.id })));
      const uploads: { f: ArtifactFile; t: { uploadUrl: string; uploadHeaders: string[] } }[] = [];
      chunk.forEach((f, j) => {
        const t = targets[j]!;
        contents.set(f.path, { digest: f.digest, birthArtifactID: t.birthArtifactId, size: f.size });
        if (t.uploadUrl) uploads.push({ f, t: { uploadUrl: t.uploadUrl, uploadHeaders: t.uploadHeaders } });
        else result.reusedFiles++;
      });
      await pool(uploads, deps.uploadConcurrency ?? 6, async ({ f, t }) => {
        try {
          await uploadOne(f, t);
        } catch (err) {
          // An expired or refused presigned URL: ask for a fresh one once (wandb-core does the same).
          if (!(err instanceof WandbError) || err.kind !== 'http' || (err.status !== 403 && err.status !== 400)) throw err;
          const [fresh] = await client!.createArtifactFiles([{ artifactID: created.id, name: f.path, md5: f.digest, artifactManifestID: reserve.id }]);
          if (fresh!.uploadUrl) await uploadOne(f, { uploadUrl: fresh!.uploadUrl, uploadHeaders: fresh!.uploadHeaders });
        }
        filesDone++;
        if (filesDone % 25 === 0 || filesDone === toUpload.length) progress({ phase: 'uploading', filesDone, filesTotal: toUpload.length });
      });
    }
    return filesDone;
  }

  // ----- committing: the manifest, then the commit -----

  private async committing(run: RunRef, latest: LatestVersion, built: BuiltBatch, next: NextVersion, { created }: PendingVersion, key: string, filesDone: number): Promise<void> {
    const { deps, result, batch } = this;
    const client = this.client!;
    const { contents, toUpload } = next;
    // The manifest: reserve → digest → upload URL → PUT (full manifests, §3.4 steps 2 and 5).
    this.progress({ phase: 'committing', filesDone, filesTotal: toUpload.length });
    await yieldToLoop();
    const manifestBytes = serializeManifest(contents);
    result.manifestBytes = manifestBytes.length;
    const withUrl = await client.createArtifactManifest({
      artifactID: created.id,
      baseArtifactID: latest.base?.id ?? null,
      digest: b64md5(manifestBytes),
      entityName: run.entity,
      projectName: run.project,
      runName: run.name,
      includeUpload: true,
    });
    if (!withUrl.uploadUrl) throw new WandbError('protocol', 'W&B gave no upload URL for the manifest');
    await client.upload(withUrl.uploadUrl, withUrl.uploadHeaders, manifestBytes, 'wandb_manifest.json');

    // The commit. From the moment it is recorded as sent, only W&B knows the outcome until it answers.
    const added = () => Object.fromEntries([...built.files.keys()].map((p) => [p, contents.get(p)!]));
    const manifestText = manifestBytes.toString('utf8');
    await deps.manifests.savePending(batch.id, key, created.id, manifestText);
    await deps.store.write.recordCommitSent(batch.id, added(), deps.now());
    this.batch = deps.store.batch(batch.id)!;
    const committed = await client.commitArtifact(created.id);
    const st = await client.artifactState(created.id);
    if (!st || st.state !== 'COMMITTED' || st.versionIndex === null) throw new WandbError('protocol', `the version ${created.id} is not committed after commitArtifact`);
    await this.finishing('committed', { artifactId: created.id, versionIndex: st.versionIndex, digest: committed.digest, added: added(), manifest: manifestText });
  }

  // ----- finishing: the run's summary, the batch's durable end, the manifest cache -----

  private async finishing(outcome: JobOutcome, v: FinishedVersion): Promise<void> {
    const { deps, result, target } = this;
    result.outcome = outcome;
    result.artifactId = v.artifactId;
    result.versionIndex = v.versionIndex;
    result.artifactVersion = `v${v.versionIndex}`;
    result.digest = v.digest;
    result.artifactUrl = artifactVersionUrl(target.baseUrl, result.entity!, result.project!, ARTIFACT_TYPE, target.collection, v.versionIndex);
    this.progress({ phase: 'finishing', filesDone: 0, filesTotal: 0 });
    await this.finishRun(0);
    result.durationMs = Math.round(performance.now() - this.t0);
    const key = targetKey({ ...target, entity: result.entity!, project: result.project! });
    const done = await deps.store.finalizeCommitted(
      this.batch.id,
      { artifactId: v.artifactId, versionIndex: v.versionIndex, digest: v.digest, addedEntries: v.added },
      { id: this.jobId, result },
      deps.now(),
    );
    if (v.manifest) await deps.manifests.save(key, v.artifactId, v.manifest).catch(() => undefined);
    await deps.manifests.dropPending(this.batch.id).catch(() => undefined);
    if (!result.documents) result.documents = done;
  }

  /** The W&B run's summary and exit code; a failure here is a warning, not the job's failure. */
  private async finishRun(exitcode: number): Promise<void> {
    const { client, result, batch } = this;
    if (!client || !this.runStarted || !result.entity || !result.project || !batch.run_id) return;
    try {
      const ts = Date.now() / 1000;
      const runtime = (performance.now() - this.t0) / 1000;
      const row = { _step: 0, _runtime: runtime, _timestamp: ts, ...summaryOf(result) };
      await client.fileStream(result.entity, result.project, batch.run_id, {
        files: {
          'wandb-history.jsonl': { offset: 0, content: [JSON.stringify(row)] },
          'wandb-summary.json': { offset: 0, content: [JSON.stringify({ ...row, _wandb: { runtime: Math.round(runtime) } })] },
        },
      });
      await client.fileStream(result.entity, result.project, batch.run_id, { complete: true, exitcode });
    } catch (err) {
      result.warnings.push(`the run could not be finished: ${(err as Error).message}`);
    }
  }
}

function emptyResult(batch: BatchRow, trigger: string): SyncJobResult {
  return {
    batchId: batch.id,
    attempt: batch.attempt,
    trigger,
    outcome: null,
    documents: 0,
    rows: 0,
    dead: 0,
    runId: null,
    runUrl: null,
    entity: null,
    project: null,
    artifactId: null,
    versionIndex: null,
    artifactVersion: null,
    artifactUrl: null,
    digest: null,
    newFiles: 0,
    reusedFiles: 0,
    healedEntries: 0,
    newContentBytes: 0,
    manifestBytes: 0,
    bytesSent: 0,
    requests: 0,
    durationMs: 0,
    warnings: [],
  };
}

/** The run's summary row in W&B. */
function summaryOf(result: SyncJobResult): Record<string, unknown> {
  return {
    documents: result.documents,
    rows: result.rows,
    new_files: result.newFiles,
    reused_files: result.reusedFiles,
    new_content_bytes: result.newContentBytes,
    manifest_bytes: result.manifestBytes,
    ...(result.versionIndex !== null ? { artifact_version: result.versionIndex } : {}),
  };
}
