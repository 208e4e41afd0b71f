import { createHash } from 'node:crypto';
import { AppError } from '../../../shared/contract/errors';
import type { EventSink } from '../../../shared/contract/methods';
import type { ExchangeConflict, ExchangeError, PullJob } from '../../../shared/domain/exchange';
import type { Db } from '../db/open';
import { receivedSourcePath, type DocumentsRepo } from '../db/repos/documents';
import type { JobRow, JobsRepo } from '../db/repos/jobs';
import type { ProjectsRepo } from '../db/repos/projects';
import { JobFamily } from '../jobs/jobFamily';
import type { MediaStore } from '../media/mediaStore';
import type { SettingsService } from '../settings/settingsService';
import { DEFAULT_WANDB_ARTIFACT } from '../settings/types';
import { ARTIFACT_TYPE, targetKey } from '../sync';
import { WandbClient, type ListedVersion } from '../wandb/client';
import { WandbError, type Policies } from '../wandb/http';
import { reachWandb } from '../wandb/reach';
import { artifactDigest, b64md5, parseManifest, type ManifestEntry } from '../wandb/manifest';
import { type Clock, isoNow } from '../util/clock';
import { newId } from '../util/ids';
import { pool } from '../util/pool';
import { applyVersion, ReceivedContentError } from './apply';
import { ensureDocument, ReceivedFileError, type ReceivedPage } from './documents';
import { readPartition, type TableVersion } from './table';

/**
 * The lead's pull: every annotator's verified versions (and gold versions with their lineage)
 * read back from the W&B dataset artifact the annotators' sync wrote, into this database.
 *
 * Per pull: list the collection's committed versions; for each version not pulled before, fetch
 * its manifest (checked against the version's digest); read every table partition not pulled
 * before (its bytes checked against the manifest's MD5); group its rows into versions; create the
 * documents this machine lacks from their page images (each checked against the manifest's MD5
 * and the cell's SHA-256); and apply each version with the shared merge rules (apply.ts). A file
 * that fails a check is refused and named; the partition it belongs to is not recorded, so the
 * next pull tries it again. W&B being unreachable, or refusing the key, stops the pull.
 */

export const PULL_JOB_KIND = 'exchange_pull';
const MAX_LISTED = 1000;
/** Documents recreated at once during a pull (each: download its pages, write its pyramid). */
const DOCUMENT_CONCURRENCY = 4;

export interface PullDeps {
  db: Db;
  projects: ProjectsRepo;
  documents: DocumentsRepo;
  media: MediaStore;
  jobs: JobsRepo;
  settings: Pick<SettingsService, 'wandb'>;
  clock: Clock;
  emit: EventSink;
  /** The dataset artifact's name (default business-ocr-vqa-dataset, as sync writes). */
  collection?: string;
  policies?: Partial<Policies>;
  fetch?: typeof fetch;
  /** How long the first check that W&B answers may take (default 10 s). */
  probeTimeoutMs?: number;
}

const newPullJob = (jobId: string, projectId: string, state: PullJob['state'], startedAt: string): PullJob => ({
  jobId,
  projectId,
  state,
  phase: 'connecting',
  target: null,
  artifactVersions: 0,
  newArtifactVersions: 0,
  partitions: 0,
  partitionsDone: 0,
  versionsSeen: 0,
  imported: 0,
  skipped: 0,
  conflictCount: 0,
  documentsCreated: 0,
  errorCount: 0,
  conflicts: [],
  errors: [],
  error: null,
  startedAt,
  finishedAt: null,
});

const snapshot = (j: PullJob): PullJob => ({ ...j, conflicts: [...j.conflicts], errors: [...j.errors] });

/** Failures that concern the whole pull (no access, no network, stopped), not one file. */
const isFatal = (err: unknown): boolean => err instanceof WandbError && (err.kind === 'auth' || err.kind === 'permission' || err.kind === 'config' || err.kind === 'unreachable' || err.kind === 'aborted');

/** Why a whole pull stopped, in words that say what to do. */
function failureMessage(err: unknown, creds: { baseUrl: string; entity: string | null; project: string }): string {
  if (err instanceof AppError) return err.message;
  const host = URL.canParse(creds.baseUrl) ? new URL(creds.baseUrl).host : creds.baseUrl;
  const kept = 'Versions imported before this stay; pull again to continue.';
  if (err instanceof WandbError) {
    if (err.kind === 'auth') return `W&B at ${host} rejected the API key (HTTP 401). Enter a valid key in Settings → Weights & Biases, then pull again. ${kept}`;
    if (err.kind === 'permission') return `The W&B key has no access to ${creds.entity ?? '(default entity)'}/${creds.project} on ${host} (${err.message}). Check the entity and project in Settings → Weights & Biases. ${kept}`;
    if (err.kind === 'unreachable') return `W&B at ${host} cannot be reached (${err.message}). ${kept}`;
    if (err.kind === 'config') return `${err.message} Then pull again. ${kept}`;
  }
  return `${err instanceof Error ? err.message : String(err)}. ${kept}`;
}

/** A presigned URL the storage refused (expired, or its signature no longer valid): worth asking for a fresh one. */
const isRefusedUrl = (err: unknown): boolean => err instanceof WandbError && err.kind === 'http' && (err.status === 403 || err.status === 400);

interface Work {
  path: string;
  entry: ManifestEntry;
  version: ListedVersion;
}

export class PullService extends JobFamily<PullJob> {
  private readonly collection: string;

  constructor(private readonly deps: PullDeps) {
    super({
      kind: PULL_JOB_KIND,
      noun: 'pull',
      jobs: deps.jobs,
      clock: deps.clock,
      snapshot,
      initial: (row) => newPullJob(row.id, row.project_id ?? '', row.state, row.started_at ?? row.created_at),
      // A pull a crash interrupted has its end time only in the row.
      fromRow: (row) => ({ finishedAt: row.finished_at }),
      emitProgress: (s) => deps.emit('exchange.progress', s),
      settle: (job, now) => {
        job.phase = 'done';
        job.finishedAt = now;
      },
    });
    this.collection = deps.collection ?? DEFAULT_WANDB_ARTIFACT;
  }

  /** Start a pull of the project in the background; follow it with exchange.* events or `list`. */
  start(projectId: string): string {
    this.deps.projects.get(projectId); // not_found now, not later in the background
    for (const id of this.runningIds()) {
      if (this.live(id)?.projectId === projectId) throw new AppError('conflict', 'A pull of this project is already running; wait for it to finish.');
    }
    const creds = this.deps.settings.wandb();
    if (!creds.apiKey) {
      throw new AppError('unavailable', 'No W&B API key: enter one in Settings → Weights & Biases (or set WANDB_API_KEY, or run `wandb login`) to pull annotators’ work from W&B, or exchange bundles instead.');
    }
    const now = isoNow(this.deps.clock);
    return this.launch({
      job: newPullJob(newId(), projectId, 'running', now),
      createdAt: now,
      projectId,
      params: { projectId, collection: this.collection },
      body: (job, signal, publish) => this.execute(job, signal, publish, creds),
      failureMessage: (err) => failureMessage(err, creds),
      finished: (result) => {
        this.deps.emit('exchange.finished', result);
        if (result.imported || result.documentsCreated) {
          this.deps.emit('documents.changed', { projectId });
          this.deps.emit('projects.changed', { projectId });
        }
      },
    });
  }

  /** Run a pull to the end (CLI, tests); `onProgress` sees the same snapshots as the events. */
  async run(projectId: string, onProgress?: (job: PullJob) => void): Promise<PullJob> {
    return this.wait(this.start(projectId), onProgress);
  }

  /** Pulls, newest first (running ones as they are now). */
  list(opts: { projectId?: string | undefined; limit?: number | undefined } = {}): PullJob[] {
    const rows = (
      opts.projectId
        ? this.deps.db.prepare('SELECT * FROM jobs WHERE kind = ? AND project_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?').all(PULL_JOB_KIND, opts.projectId, opts.limit ?? 50)
        : this.deps.db.prepare('SELECT * FROM jobs WHERE kind = ? ORDER BY created_at DESC, rowid DESC LIMIT ?').all(PULL_JOB_KIND, opts.limit ?? 50)
    ) as JobRow[];
    return rows.map((r) => this.fromRow(r));
  }

  private runningIds(): string[] {
    return (this.deps.db.prepare("SELECT id FROM jobs WHERE kind = ? AND state = 'running'").all(PULL_JOB_KIND) as { id: string }[]).map((r) => r.id);
  }

  private async execute(job: PullJob, signal: AbortSignal, publish: (force?: boolean) => void, creds: ReturnType<PullDeps['settings']['wandb']>): Promise<void> {
    const { deps } = this;
    const addError = (e: ExchangeError) => {
      job.errorCount++;
      if (job.errors.length < MAX_LISTED) job.errors.push(e);
    };
    const addConflict = (c: ExchangeConflict) => {
      job.conflictCount++;
      if (job.conflicts.length < MAX_LISTED) job.conflicts.push(c);
    };
    const project = deps.projects.get(job.projectId);
    if (!creds.apiKey) throw new AppError('unavailable', 'No W&B API key');
    const client = new WandbClient({
      baseUrl: creds.baseUrl,
      apiKey: creds.apiKey,
      signal,
      ...(deps.policies ? { policies: deps.policies } : {}),
      ...(deps.fetch ? { fetch: deps.fetch } : {}),
    });
    publish(true);
    // An unreachable W&B ends the pull at once, not after every request's retries (reach.ts).
    const { entity } = await reachWandb(client, creds.entity, deps.probeTimeoutMs);
    const target = targetKey({ baseUrl: creds.baseUrl, entity, project: creds.project, collection: this.collection });
    job.target = target;
    job.phase = 'listing';
    publish(true);

    const versions = await client.listArtifactVersions(entity, creds.project, ARTIFACT_TYPE, this.collection);
    const pulled = new Set(
      (deps.db.prepare('SELECT artifact_id FROM exchange_pulled_versions WHERE target = ? AND project_id = ?').all(target, project.id) as { artifact_id: string }[]).map((r) => r.artifact_id),
    );
    const fresh = versions.filter((v) => !pulled.has(v.id));
    job.artifactVersions = versions.length;
    job.newArtifactVersions = fresh.length;
    job.phase = 'reading';
    publish(true);

    // Manifests of the new versions, and the partitions none of this project's pulls has read.
    const partitionPulled = deps.db.prepare('SELECT 1 FROM exchange_pulled_partitions WHERE target = ? AND project_id = ? AND path = ? AND digest = ?');
    const manifests = new Map<string, Map<string, ManifestEntry>>();
    const work: Work[] = [];
    const queued = new Set<string>();
    const incomplete = new Set<string>(); // versions not to record as pulled
    const partitionsOf = new Map<string, string[]>(); // version id → partition keys it lists
    for (const v of fresh) {
      signal.throwIfAborted();
      const manifestName = `${this.collection}:v${v.versionIndex}/wandb_manifest.json`;
      try {
        const manifestUrl = async () => {
          const url = await client.artifactManifestUrl(v.id);
          if (!url) throw new ReceivedFileError(manifestName, 'W&B gave no download URL for the manifest');
          return url;
        };
        const first = await manifestUrl();
        const contents = parseManifest(await client.download(first, manifestName).catch(async (err: unknown) => {
          if (!isRefusedUrl(err)) throw err;
          return client.download(await manifestUrl(), manifestName); // a fresh URL, once
        }));
        const digest = artifactDigest(contents);
        if (digest !== v.digest) throw new ReceivedFileError(manifestName, `lists files whose digest is ${digest}, not the version's ${v.digest}; the manifest is refused`);
        const keys: string[] = [];
        const before = work.length;
        for (const [path, entry] of contents) {
          if (!path.startsWith('parts/') || !path.endsWith('.table.json')) continue;
          const key = `${path}\n${entry.digest}`;
          keys.push(key);
          if (queued.has(key) || partitionPulled.get(target, project.id, path, entry.digest)) continue;
          queued.add(key);
          work.push({ path, entry, version: v });
        }
        partitionsOf.set(v.id, keys);
        // Kept only while a partition first listed here waits to be read (manifests can be large).
        if (work.length > before) manifests.set(v.id, contents);
      } catch (err) {
        if (signal.aborted || isFatal(err)) throw err;
        addError({ file: err instanceof ReceivedFileError ? err.file : manifestName, message: (err as Error).message });
        incomplete.add(v.id);
      }
    }
    job.partitions = work.length;
    publish(true);

    const failedPartitions = new Set<string>();
    for (const w of work) {
      signal.throwIfAborted();
      const ok = await this.pullPartition(client, job, w, manifests.get(w.version.id)!, { project, entity, wandbProject: creds.project, target }, { addError, addConflict, publish }, signal);
      if (!ok) failedPartitions.add(`${w.path}\n${w.entry.digest}`);
      job.partitionsDone++;
      publish();
    }
    const recordVersion = deps.db.prepare('INSERT OR IGNORE INTO exchange_pulled_versions (target, artifact_id, version_index, project_id, pulled_at) VALUES (?, ?, ?, ?, ?)');
    for (const v of fresh) {
      if (incomplete.has(v.id) || (partitionsOf.get(v.id) ?? []).some((k) => failedPartitions.has(k))) continue;
      recordVersion.run(target, v.id, v.versionIndex, project.id, isoNow(deps.clock));
    }
  }

  /** Read one partition and apply its versions; true when every version in it was applied, skipped or reported. */
  private async pullPartition(
    client: WandbClient,
    job: PullJob,
    w: Work,
    contents: Map<string, ManifestEntry>,
    where: { project: { id: string; name: string }; entity: string; wandbProject: string; target: string },
    report: { addError: (e: ExchangeError) => void; addConflict: (c: ExchangeConflict) => void; publish: () => void },
    signal: AbortSignal,
  ): Promise<boolean> {
    const { deps } = this;
    const file = w.path;
    try {
      const files = [{ path: w.path, entry: w.entry }];
      const bytes = (await this.download(client, w.version.id, files, await this.urlsFor(client, w.version.id, files))).get(w.path)!;
      const table = readPartition(file, bytes, where.project);
      for (const p of table.problems) report.addError(p);
      let ok = table.problems.length === 0;
      // Download URLs for the page images of every document this machine lacks, in one request
      // (batches of 5000) rather than one per document.
      const wanted = new Map<string, ManifestEntry>();
      for (const tv of table.versions) {
        if (deps.documents.exists(tv.version.documentId)) continue;
        for (const p of tv.pages) {
          const entry = contents.get(p.path);
          if (entry) wanted.set(p.path, entry);
        }
      }
      const imageUrls = wanted.size ? await this.urlsFor(client, w.version.id, [...wanted].map(([path, entry]) => ({ path, entry }))) : new Map<string, string>();

      // The documents this machine lacks first, a few at a time (downloads and pyramids overlap);
      // a document that cannot be made is reported once, and its versions wait for the next pull.
      const missing = new Map<string, TableVersion>();
      for (const tv of table.versions) if (!deps.documents.inProject(where.project.id, tv.version.documentId) && !missing.has(tv.version.documentId)) missing.set(tv.version.documentId, tv);
      const failedDocuments = new Set<string>();
      await pool([...missing.values()], DOCUMENT_CONCURRENCY, async (tv) => {
        try {
          if (await this.ensureDocument(client, w.version, contents, tv, where, imageUrls)) job.documentsCreated++;
        } catch (err) {
          if (signal.aborted || isFatal(err)) throw err;
          failedDocuments.add(tv.version.documentId);
          report.addError(err instanceof ReceivedFileError ? { file: err.file, message: err.message } : { file, message: `document ${tv.version.documentId}: ${(err as Error).message}` });
        }
        report.publish();
      });

      for (const tv of table.versions) {
        signal.throwIfAborted();
        job.versionsSeen++;
        if (failedDocuments.has(tv.version.documentId)) {
          ok = false;
          continue;
        }
        try {
          const outcome = applyVersion(deps.db, where.project.id, tv.version, isoNow(deps.clock), 'wandb');
          if (outcome.kind === 'imported') job.imported++;
          else if (outcome.kind === 'skipped') job.skipped++;
          else report.addConflict(outcome.conflict);
        } catch (err) {
          ok = false;
          const message = err instanceof ReceivedContentError ? err.message : `annotation ${tv.version.annotationId} version ${tv.version.version}: ${(err as Error).message}`;
          report.addError({ file, message });
        }
        report.publish();
      }
      if (ok) {
        deps.db
          .prepare('INSERT OR IGNORE INTO exchange_pulled_partitions (target, project_id, path, digest, artifact_id, rows, pulled_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(where.target, where.project.id, w.path, w.entry.digest, w.version.id, table.versions.length, isoNow(deps.clock));
      }
      return ok;
    } catch (err) {
      if (signal.aborted || isFatal(err)) throw err;
      report.addError({ file: err instanceof ReceivedFileError ? err.file : file, message: (err as Error).message });
      return false;
    }
  }

  /** Presigned download URLs for entries of a version's manifest. */
  private urlsFor(client: WandbClient, artifactId: string, files: { path: string; entry: ManifestEntry }[]): Promise<Map<string, string>> {
    return client.fileUrlsByManifestEntries(
      artifactId,
      files.map((f) => ({ name: f.path, digest: f.entry.digest, birthArtifactID: f.entry.birthArtifactID, size: f.entry.size })),
    );
  }

  /** Download entries, each checked against the manifest's MD5 and size; a mismatch is refused, naming the file. */
  private async download(client: WandbClient, artifactId: string, files: { path: string; entry: ManifestEntry }[], urls: Map<string, string>): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    for (const f of files) {
      const url = urls.get(f.path);
      if (!url) throw new ReceivedFileError(f.path, 'W&B gave no download URL for it');
      let bytes: Buffer;
      try {
        bytes = await client.download(url, f.path);
      } catch (err) {
        // A presigned URL that expired (a long pull) or was refused: ask for a fresh one once, as wandb-core does.
        if (!isRefusedUrl(err)) throw err;
        const fresh = (await this.urlsFor(client, artifactId, [f])).get(f.path);
        if (!fresh) throw new ReceivedFileError(f.path, 'W&B gave no download URL for it');
        bytes = await client.download(fresh, f.path);
      }
      const md5 = b64md5(bytes);
      if (md5 !== f.entry.digest) throw new ReceivedFileError(f.path, `is corrupt: its bytes have MD5 ${md5}, but the manifest says ${f.entry.digest}; refused`);
      if (f.entry.size !== undefined && bytes.length !== f.entry.size) throw new ReceivedFileError(f.path, `is ${bytes.length} bytes, but the manifest says ${f.entry.size}; refused`);
      out.set(f.path, bytes);
    }
    return out;
  }

  /** Recreate a document this machine lacks from the version's page images (or link one it has). */
  private async ensureDocument(
    client: WandbClient,
    version: ListedVersion,
    contents: Map<string, ManifestEntry>,
    tv: TableVersion,
    where: { project: { id: string }; entity: string; wandbProject: string },
    urls: Map<string, string>,
  ): Promise<boolean> {
    const { deps } = this;
    if (deps.documents.exists(tv.version.documentId)) {
      deps.documents.addToProject(where.project.id, { id: tv.version.documentId }, isoNow(deps.clock));
      return false;
    }
    const files = tv.pages.map((p) => {
      const entry = contents.get(p.path);
      if (!entry) throw new ReceivedFileError(p.path, `is the image of page ${p.pageNumber} of ${tv.documentName}, but the manifest of v${version.versionIndex} does not list it`);
      return { path: p.path, entry };
    });
    const bytes = await this.download(client, version.id, files, urls);
    let downloaded = 0;
    const pages: ReceivedPage[] = tv.pages.map((p) => {
      const b = bytes.get(p.path)!;
      const sha = createHash('sha256').update(b).digest('hex');
      if (sha !== p.sha256) throw new ReceivedFileError(p.path, `has SHA-256 ${sha}, but the table cell says ${p.sha256}; refused`);
      downloaded += b.length;
      return { pageNumber: p.pageNumber, width: p.width, height: p.height, bytes: b, file: p.path };
    });
    return ensureDocument(
      deps.media,
      deps.documents,
      where.project.id,
      {
        id: tv.version.documentId,
        kind: tv.documentKind,
        sourceName: tv.documentName,
        sourcePath: receivedSourcePath('wandb:', `${where.entity}/${where.wandbProject}/${this.collection}:v${version.versionIndex}`),
        byteSize: tv.documentBytes ?? downloaded,
        pages,
      },
      () => isoNow(deps.clock),
    );
  }
}
