import type { Db } from '../db/open';
import { readOrNull, statOrNull } from './files';
import { buildBatch, partitionPath, type ArtifactFile } from './dataset';
import type { ManifestCache } from './manifestCache';
import type { BatchRow, SyncStore } from './store';
import { artifactVersionUrl, runUrl, WandbClient, type WandbClientOptions } from './wandb/client';
import { WandbError, type Policies } from './wandb/http';
import { artifactDigest, b64md5, parseManifest, serializeManifest, type ManifestEntry } from './wandb/manifest';
import { pool } from '../util/pool';
import { yieldToLoop } from '../util/yieldToLoop';

/**
 * One dataset-build job: one attempt at one batch, end to end (PROTOCOL.md §5). The order of
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
  const { store } = deps;
  const t0 = performance.now();
  let batch = await store.beginAttempt(batchIn.id, { jobId, trigger, target: targetKey({ ...target, entity: target.entity ?? '?' }), now: deps.now() });
  await store.write.jobRunning(jobId, deps.now());
  const result: SyncJobResult = {
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
  const progress = (p: JobProgress) => deps.onProgress?.(jobId, p);
  const clientOpts: WandbClientOptions = {
    baseUrl: target.baseUrl,
    apiKey: target.apiKey,
    ...(deps.policies ? { policies: deps.policies } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
    onRequest: (r) => {
      result.requests++;
      result.bytesSent += r.bytesOut;
    },
  };
  let client: WandbClient | null = null;
  let runStarted = false;
  let entity: string | null = target.entity;
  const finishRun = async (exitcode: number, summary: Record<string, unknown>) => {
    if (!client || !runStarted || !result.entity || !result.project || !batch.run_id) return;
    try {
      const ts = Date.now() / 1000;
      const runtime = (performance.now() - t0) / 1000;
      const row = { _step: 0, _runtime: runtime, _timestamp: ts, ...summary };
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
  };
  const summaryOf = () => ({
    documents: result.documents,
    rows: result.rows,
    new_files: result.newFiles,
    reused_files: result.reusedFiles,
    new_content_bytes: result.newContentBytes,
    manifest_bytes: result.manifestBytes,
    ...(result.versionIndex !== null ? { artifact_version: result.versionIndex } : {}),
  });

  const finalize = async (outcome: JobOutcome, v: { artifactId: string; versionIndex: number; digest: string; added: Record<string, ManifestEntry> | null; manifest: string | null }) => {
    result.outcome = outcome;
    result.artifactId = v.artifactId;
    result.versionIndex = v.versionIndex;
    result.artifactVersion = `v${v.versionIndex}`;
    result.digest = v.digest;
    result.artifactUrl = artifactVersionUrl(target.baseUrl, result.entity!, result.project!, ARTIFACT_TYPE, target.collection, v.versionIndex);
    progress({ phase: 'finishing', filesDone: 0, filesTotal: 0 });
    await finishRun(0, summaryOf());
    result.durationMs = Math.round(performance.now() - t0);
    const key = targetKey({ ...target, entity: result.entity!, project: result.project! });
    const done = await store.finalizeCommitted(batch.id, { artifactId: v.artifactId, versionIndex: v.versionIndex, digest: v.digest, addedEntries: v.added }, { id: jobId, result }, deps.now());
    if (v.manifest) await deps.manifests.save(key, v.artifactId, v.manifest).catch(() => undefined);
    await deps.manifests.dropPending(batch.id).catch(() => undefined);
    if (!result.documents) result.documents = done;
  };

  try {
    client = new WandbClient(clientOpts);
    progress({ phase: 'checking', filesDone: 0, filesTotal: 0 });
    entity ??= await deps.resolveEntity(client);
    result.entity = entity;
    result.project = target.project;

    // 1. A commit whose outcome is unknown (the process died or the answer was lost): ask W&B.
    if (batch.commit_sent_at !== null) {
      const serverId = batch.client_id ? await client.clientIdMapping(batch.client_id) : null;
      const state = serverId ? await client.artifactState(serverId) : null;
      if (state?.state === 'COMMITTED' && state.versionIndex !== null) {
        const [, path] = (batch.target ?? '').split(' ');
        const [e, p] = (path ?? '').split('/');
        result.entity = e ?? entity;
        result.project = p ?? target.project;
        result.runId = batch.run_id;
        result.runUrl = batch.run_id ? runUrl(target.baseUrl, result.entity, result.project, batch.run_id) : null;
        runStarted = true;
        result.rows = 0;
        await finalize('resolved-after-restart', {
          artifactId: state.id,
          versionIndex: state.versionIndex,
          digest: state.digest,
          added: batch.added_entries ? (JSON.parse(batch.added_entries) as Record<string, ManifestEntry>) : null,
          // The manifest sent with that commit (an older Folio kept it in the batch row).
          manifest: batch.pending_manifest ?? (await deps.manifests.loadPending(batch.id, batch.target ?? ''))?.body ?? null,
        });
        return { jobId, ok: true, result, error: null, failure: null };
      }
      // Never committed: start over under new client ids (the pending version is abandoned, as the SDK does).
      await store.write.clearCommitSent(batch.id, deps.now());
      batch = store.batch(batch.id)!;
    }

    const key = targetKey({ ...target, entity });
    await store.write.setTarget(batch.id, key, deps.now());

    // 2. The run that creates this version.
    const items = store.items(batch.id);
    const run = await client.upsertRun({
      name: batch.run_id!,
      project: target.project,
      entity,
      jobType: JOB_TYPE,
      displayName: `folio dataset build ${batch.id}`,
      tags: ['folio', JOB_TYPE],
      config: { folio_version: deps.folioVersion, batch_id: batch.id, attempt: batch.attempt, trigger, documents: items.length, artifact: target.collection },
    });
    runStarted = true;
    result.entity = run.entity;
    result.project = run.project;
    result.runId = run.name;
    result.runUrl = runUrl(target.baseUrl, run.entity, run.project, run.name);

    // 3. What the dataset holds now.
    const base = await client.artifactByName(run.entity, run.project, `${target.collection}:latest`);
    if (base && base.typeName && base.typeName !== ARTIFACT_TYPE) {
      throw new PermanentError(
        `The W&B artifact ${run.entity}/${run.project}/${target.collection} exists with type "${base.typeName}", not "${ARTIFACT_TYPE}". Choose another project in Settings → Weights & Biases, or rename that artifact in W&B.`,
      );
    }
    let baseEntries = new Map<string, ManifestEntry>();
    if (base) {
      const cached = await deps.manifests.load(key);
      // Reading and parsing a manifest of ~10,000 entries takes tens of ms: yield around it, so
      // the sync process keeps answering the app (status, Sync now) while it builds.
      await yieldToLoop();
      if (cached && cached.artifactId === base.id) {
        baseEntries = parseManifest(cached.body);
      } else {
        if (!base.manifestUrl) throw new WandbError('protocol', `the latest version of ${target.collection} has no manifest`);
        const bytes = await client.download(base.manifestUrl, `the manifest of ${target.collection}:v${base.versionIndex}`);
        baseEntries = parseManifest(bytes);
        await deps.manifests.save(key, base.id, bytes.toString('utf8'));
      }
      if (baseEntries.has(partitionPath(batch.id)) && base.versionIndex !== null) {
        // Already there (a commit answered after we stopped listening, or a deduplicated create).
        result.documents = items.length;
        const known = batch.added_entries ? (JSON.parse(batch.added_entries) as Record<string, ManifestEntry>) : null;
        await finalize('already-present', { artifactId: base.id, versionIndex: base.versionIndex, digest: base.digest, added: known, manifest: null });
        return { jobId, ok: true, result, error: null, failure: null };
      }
    }

    // 4. The batch's files; poison items leave for dead with their reason.
    progress({ phase: 'preparing', filesDone: 0, filesTotal: items.length });
    const built = await buildBatch(deps.db, deps.dataDir, batch.id, items, deps.signal ? { signal: deps.signal } : {});
    await store.write.saveImageHashes(built.newHashes);
    await store.killItems(batch.id, built.poison, deps.now());
    result.dead = built.poison.length;
    result.documents = built.documents;
    result.rows = built.rows;
    if (built.rows === 0) {
      result.outcome = 'empty';
      result.durationMs = Math.round(performance.now() - t0);
      await finishRun(0, summaryOf());
      await store.write.markEmpty(batch.id, { id: jobId, result }, deps.now());
      return { jobId, ok: true, result, error: null, failure: null };
    }

    // 5. New version = previous entries + this batch (+ any of our partitions someone dropped).
    await yieldToLoop();
    const contents = new Map(baseEntries);
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
    for (const earlier of store.committedEntries(key, (batchId) => !contents.has(partitionPath(batchId)))) {
      for (const [path, e] of Object.entries(earlier.entries)) {
        if (!contents.has(path)) {
          contents.set(path, e);
          result.healedEntries++;
        }
      }
    }
    await yieldToLoop();
    const digest = artifactDigest(contents);
    result.newFiles = toUpload.length;
    result.newContentBytes = toUpload.reduce((n, f) => n + f.size, 0);

    const created = await client.createArtifact({
      entityName: run.entity,
      projectName: run.project,
      artifactTypeName: ARTIFACT_TYPE,
      artifactCollectionName: target.collection,
      runName: run.name,
      digest,
      description: null,
      aliases: ['latest'],
      metadata: { folio_version: deps.folioVersion, batch_id: batch.id, documents: built.documents, rows: built.rows, partitions_path: 'parts' },
      clientID: batch.client_id!,
      sequenceClientID: batch.sequence_client_id!,
    });
    await store.write.recordArtifact(batch.id, created.id, base?.id ?? null, deps.now());
    const added = () => Object.fromEntries([...built.files.keys()].map((p) => [p, contents.get(p)!]));
    if (created.state === 'COMMITTED') {
      const st = await client.artifactState(created.id);
      if (!st || st.versionIndex === null) throw new WandbError('protocol', `W&B answered a committed version ${created.id} without a version number`);
      await finalize('deduplicated', { artifactId: created.id, versionIndex: st.versionIndex, digest: st.digest, added: null, manifest: null });
      return { jobId, ok: true, result, error: null, failure: null };
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

    // 6. Upload what W&B does not already have.
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
      const targets = await client.createArtifactFiles(chunk.map((f) => ({ artifactID: created.id, name: f.path, md5: f.digest, artifactManifestID: reserve.id })));
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

    // 7. The manifest: reserve → digest → upload URL → PUT (FULL manifests, §3.4 steps 2, 6, 7).
    progress({ phase: 'committing', filesDone, filesTotal: toUpload.length });
    await yieldToLoop();
    const manifestBytes = serializeManifest(contents);
    result.manifestBytes = manifestBytes.length;
    const withUrl = await client.createArtifactManifest({
      artifactID: created.id,
      baseArtifactID: base?.id ?? null,
      digest: b64md5(manifestBytes),
      entityName: run.entity,
      projectName: run.project,
      runName: run.name,
      includeUpload: true,
    });
    if (!withUrl.uploadUrl) throw new WandbError('protocol', 'W&B gave no upload URL for the manifest');
    await client.upload(withUrl.uploadUrl, withUrl.uploadHeaders, manifestBytes, 'wandb_manifest.json');

    // 8. Commit. From the moment this is recorded, only W&B knows the outcome until it answers.
    const manifestText = manifestBytes.toString('utf8');
    await deps.manifests.savePending(batch.id, key, created.id, manifestText);
    await store.write.recordCommitSent(batch.id, added(), deps.now());
    batch = store.batch(batch.id)!;
    const committed = await client.commitArtifact(created.id);
    const st = await client.artifactState(created.id);
    if (!st || st.state !== 'COMMITTED' || st.versionIndex === null) throw new WandbError('protocol', `the version ${created.id} is not committed after commitArtifact`);
    await finalize('committed', { artifactId: created.id, versionIndex: st.versionIndex, digest: committed.digest, added: added(), manifest: manifestText });
    return { jobId, ok: true, result, error: null, failure: null };
  } catch (err) {
    const { kind, message } = classify(err, { baseUrl: target.baseUrl, entity: result.entity ?? entity, project: target.project });
    result.durationMs = Math.round(performance.now() - t0);
    if (kind !== 'offline') await finishRun(1, summaryOf());
    await store.releaseAfterFailure(batch.id, { kind, error: message, maxAttempts: deps.maxAttempts, now: deps.now(), job: { id: jobId, result } });
    return { jobId, ok: false, result, error: message, failure: kind };
  }
}
