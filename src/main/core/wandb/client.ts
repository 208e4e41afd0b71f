import * as docs from './documents';
import { BODY_LIMITS, defaultPolicies, errorMessages, FIX_BASE_URL, requestWithRetry, WandbError, type HttpClientOptions, type HttpResponse, type Policies, type RequestRecord, type RetryPolicy } from './http';

/**
 * Folio's W&B client: GraphQL, presigned uploads/downloads and the run file stream over plain
 * HTTP (docs/WANDB_PROTOCOL.md §1–4). No Electron, no SDK: W&B has no TypeScript SDK for artifacts.
 */

export interface WandbClientOptions {
  baseUrl: string;
  apiKey: string;
  policies?: Partial<Policies>;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  onRequest?: (r: RequestRecord) => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  userAgent?: string;
}

export interface Viewer {
  id: string;
  entity: string | null;
  username: string | null;
  email: string | null;
  teams: string[];
}

export interface RunRef {
  storageId: string;
  name: string;
  entity: string;
  project: string;
  inserted: boolean;
}

export interface CreateArtifactInput {
  entityName: string;
  projectName: string;
  artifactTypeName: string;
  artifactCollectionName: string;
  runName: string;
  digest: string;
  description: string | null;
  aliases: string[];
  metadata: Record<string, unknown>;
  clientID: string;
  sequenceClientID: string;
}

export interface FileSpec {
  artifactID: string;
  name: string;
  md5: string;
  artifactManifestID: string;
}

export interface FileUploadTarget {
  birthArtifactId: string;
  uploadUrl: string | null;
  uploadHeaders: string[];
  storagePath: string | null;
}

export interface ArtifactVersion {
  id: string;
  digest: string;
  state: 'PENDING' | 'COMMITTED' | 'DELETED';
  versionIndex: number | null;
  typeName: string | null;
  aliases: string[];
  manifestUrl: string | null;
}

/** A committed version as the collection listing gives it (§4.2). */
export interface ListedVersion {
  id: string;
  versionIndex: number;
  digest: string;
  state: string;
  createdAt: string | null;
  aliases: string[];
}

/** https://api.wandb.ai → https://wandb.ai; api.X → app.X; anything else unchanged (§1.1, `api_to_app_url`). */
export function appUrlFor(baseUrl: string): string {
  const u = baseUrl.replace(/\/+$/, '');
  if (u.includes('://api.wandb.test')) return u.replace('://api.wandb.test', '://app.wandb.test');
  if (/:\/\/api\.wandb\./.test(u)) return u.replace('://api.', '://');
  if (u.includes('://api.')) return u.replace('://api.', '://app.');
  return u;
}

const q = (s: string) => encodeURIComponent(s);
export const runUrl = (baseUrl: string, entity: string, project: string, runId: string): string => `${appUrlFor(baseUrl)}/${q(entity)}/${q(project)}/runs/${q(runId)}`;
export const artifactVersionUrl = (baseUrl: string, entity: string, project: string, type: string, collection: string, versionIndex: number): string =>
  `${appUrlFor(baseUrl)}/${q(entity)}/${q(project)}/artifacts/${q(type)}/${q(collection)}/v${versionIndex}`;

/** "Name:Value" strings, split at the first ':' with the value trimmed (wandb-core ParseHeaders). */
export function parseUploadHeaders(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const h of list) {
    const i = h.indexOf(':');
    if (i <= 0) throw new WandbError('protocol', `upload header ${JSON.stringify(h)} is not "Name:Value"`);
    out[h.slice(0, i).trim()] = h.slice(i + 1).trim();
  }
  return out;
}

export class WandbClient {
  readonly baseUrl: string;
  private readonly policies: Policies;
  private readonly http: HttpClientOptions;
  private readonly auth: string;
  private readonly base: URL;
  /**
   * The size the manifest declares for each download URL handed out by fileUrlsByManifestEntries,
   * until it is downloaded: a download is read up to that size, not up to the general limit.
   */
  private readonly declaredSizes = new Map<string, number>();

  constructor(private readonly opts: WandbClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    try {
      this.base = new URL(this.baseUrl);
    } catch {
      throw new WandbError('config', `The W&B base URL ${JSON.stringify(opts.baseUrl)} is not a URL. ${FIX_BASE_URL}`);
    }
    if (this.base.protocol !== 'https:' && this.base.protocol !== 'http:') {
      throw new WandbError('config', `The W&B base URL ${this.baseUrl} cannot be used: only http:// and https:// URLs can be used, not ${this.base.protocol}//. ${FIX_BASE_URL}`);
    }
    if (!opts.apiKey) throw new WandbError('auth', 'no W&B API key');
    this.policies = { ...defaultPolicies, ...opts.policies };
    this.http = {
      ...(opts.fetch ? { fetch: opts.fetch } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.onRequest ? { onRequest: opts.onRequest } : {}),
      ...(opts.sleep ? { sleep: opts.sleep } : {}),
    };
    this.auth = `Basic ${Buffer.from(`api:${opts.apiKey}`).toString('base64')}`;
  }

  /** The key goes only to the base URL's origin and path (wandb-core `LimitTo`), never to storage hosts elsewhere. */
  private authFor(url: string): Record<string, string> {
    const u = new URL(url);
    const basePath = this.base.pathname.replace(/\/+$/, '');
    return u.protocol === this.base.protocol && u.host === this.base.host && u.pathname.startsWith(basePath) ? { Authorization: this.auth } : {};
  }

  private fail(what: string, res: HttpResponse): never {
    const messages = errorMessages(res.body);
    const detail = messages.length ? messages.join('; ') : `HTTP ${res.status}`;
    if (res.status === 401) throw new WandbError('auth', `${what}: W&B rejected the API key (HTTP 401: ${detail})`, 401);
    if (res.status === 403 && !what.startsWith('upload') && !what.startsWith('download')) throw new WandbError('permission', `${what}: ${detail} (HTTP 403)`, 403);
    throw new WandbError('http', `${what}: HTTP ${res.status}: ${detail}`, res.status);
  }

  /** POST one document; 200 with `errors` is an error and is not retried (§1.4). */
  async graphql<T>(doc: docs.GqlDocument, variables: Record<string, unknown> = {}, policy: RetryPolicy = this.policies.graphql): Promise<T> {
    const url = `${this.baseUrl}/graphql`;
    const body = JSON.stringify({ query: doc.query, ...(Object.keys(variables).length ? { variables } : {}), operationName: doc.operationName });
    const res = await requestWithRetry(
      {
        method: 'POST',
        url,
        headers: { 'Content-Type': 'application/json', 'User-Agent': this.opts.userAgent ?? 'folio', ...this.authFor(url) },
        body,
        policy,
        what: `W&B ${doc.operationName}`,
        maxBodyBytes: BODY_LIMITS.graphql,
      },
      this.http,
    );
    if (res.status !== 200) this.fail(`W&B ${doc.operationName}`, res);
    let parsed: { data?: T | null; errors?: { message?: string }[] };
    try {
      parsed = JSON.parse(res.body.toString('utf8')) as typeof parsed;
    } catch {
      throw new WandbError('protocol', `W&B ${doc.operationName}: the answer is not JSON (is ${this.baseUrl} a W&B server?)`, 200);
    }
    if (parsed.errors?.length) {
      const text = parsed.errors.map((e) => e.message ?? 'unknown error').join('; ');
      const permission = /permission denied|not authorized|unauthorized|forbidden/i.test(text);
      throw new WandbError(permission ? 'permission' : 'graphql', `W&B ${doc.operationName}: ${text}`, 200);
    }
    if (parsed.data === undefined || parsed.data === null) throw new WandbError('protocol', `W&B ${doc.operationName}: the answer has no data`, 200);
    return parsed.data;
  }

  async viewer(policy?: RetryPolicy): Promise<Viewer | null> {
    const data = await this.graphql<{ viewer: { id: string; entity: string | null; username: string | null; email: string | null; teams: { edges: { node: { name: string } }[] } | null } | null }>(
      docs.VIEWER,
      {},
      policy,
    );
    if (!data.viewer) return null;
    return {
      id: data.viewer.id,
      entity: data.viewer.entity,
      username: data.viewer.username,
      email: data.viewer.email,
      teams: data.viewer.teams?.edges.map((e) => e.node.name) ?? [],
    };
  }

  /** A project of an entity, or null when it does not exist (yet: the first run creates it). */
  async project(entity: string, project: string, policy?: RetryPolicy): Promise<{ id: string; name: string; entity: string } | null> {
    const data = await this.graphql<{ project: { id: string; name: string; entity: { name: string } } | null }>(docs.PROJECT, { entity, project }, policy);
    return data.project ? { id: data.project.id, name: data.project.name, entity: data.project.entity.name } : null;
  }

  async serverFeatures(): Promise<Map<string, boolean>> {
    try {
      const data = await this.graphql<{ serverInfo: { features: ({ name: string; isEnabled: boolean } | null)[] } | null }>(docs.SERVER_FEATURES);
      return new Map((data.serverInfo?.features ?? []).filter((f): f is { name: string; isEnabled: boolean } => f !== null).map((f) => [f.name, f.isEnabled]));
    } catch (err) {
      if (err instanceof WandbError && err.message.includes('Cannot query field "features"')) return new Map();
      throw err;
    }
  }

  /** Create or update a run; wandb-core always sends description, debug, state and summaryMetrics as null. */
  async upsertRun(v: {
    id?: string | null;
    name: string;
    project: string;
    entity: string | null;
    displayName?: string | null;
    jobType?: string | null;
    groupName?: string | null;
    notes?: string | null;
    tags?: string[] | null;
    config?: Record<string, unknown> | null;
  }): Promise<RunRef> {
    const config = v.config ? JSON.stringify(Object.fromEntries(Object.entries(v.config).map(([k, value]) => [k, { value }]))) : null;
    const data = await this.graphql<{
      upsertBucket: { bucket: { id: string; name: string; project: { name: string; entity: { name: string } } } | null; inserted: boolean | null } | null;
    }>(
      docs.UPSERT_BUCKET,
      {
        id: v.id ?? null,
        name: v.name,
        project: v.project,
        entity: v.entity,
        groupName: v.groupName ?? null,
        description: null,
        displayName: v.displayName ?? null,
        notes: v.notes ?? null,
        commit: null,
        config,
        host: null,
        debug: null,
        program: null,
        repo: null,
        jobType: v.jobType ?? null,
        state: null,
        sweep: null,
        tags: v.tags ?? null,
        summaryMetrics: null,
      },
      this.policies.upsertBucket,
    );
    const b = data.upsertBucket?.bucket;
    if (!b) throw new WandbError('protocol', 'W&B UpsertBucket: no run in the answer');
    return { storageId: b.id, name: b.name, entity: b.project.entity.name, project: b.project.name, inserted: data.upsertBucket?.inserted === true };
  }

  async createArtifact(i: CreateArtifactInput): Promise<{ id: string; state: string; latestArtifactId: string | null }> {
    const data = await this.graphql<{ createArtifact: { artifact: { id: string; state: string; artifactSequence: { latestArtifact: { id: string } | null } } } }>(docs.CREATE_ARTIFACT, {
      input: {
        entityName: i.entityName,
        projectName: i.projectName,
        artifactTypeName: i.artifactTypeName,
        artifactCollectionName: i.artifactCollectionName,
        artifactCollectionNames: null,
        runName: i.runName,
        digest: i.digest,
        digestAlgorithm: 'MANIFEST_MD5',
        description: i.description,
        aliases: i.aliases.map((alias) => ({ artifactCollectionName: i.artifactCollectionName, alias })),
        metadata: JSON.stringify(i.metadata),
        labels: null,
        ttlDurationSeconds: null,
        historyStep: null,
        enableDigestDeduplication: true,
        distributedID: null,
        clientID: i.clientID,
        sequenceClientID: i.sequenceClientID,
        storageRegion: null,
        clientMutationId: null,
      },
    });
    const a = data.createArtifact.artifact;
    return { id: a.id, state: a.state, latestArtifactId: a.artifactSequence.latestArtifact?.id ?? null };
  }

  async createArtifactManifest(v: {
    artifactID: string;
    baseArtifactID: string | null;
    digest: string;
    entityName: string;
    projectName: string;
    runName: string;
    includeUpload: boolean;
  }): Promise<{ id: string; uploadUrl: string | null; uploadHeaders: string[] }> {
    const data = await this.graphql<{ createArtifactManifest: { artifactManifest: { id: string; file: { id: string; uploadUrl?: string | null; uploadHeaders?: string[] } } } }>(
      docs.CREATE_ARTIFACT_MANIFEST,
      { ...v, name: 'wandb_manifest.json', manifestType: 'FULL' },
    );
    const m = data.createArtifactManifest.artifactManifest;
    return { id: m.id, uploadUrl: m.file.uploadUrl ?? null, uploadHeaders: m.file.uploadHeaders ?? [] };
  }

  /** One answer per spec, in order (the server must keep the order; a count mismatch is an error, as in wandb-core). */
  async createArtifactFiles(specs: FileSpec[]): Promise<FileUploadTarget[]> {
    const data = await this.graphql<{
      createArtifactFiles: { files: { edges: { node: { storagePath: string | null; uploadUrl: string | null; uploadHeaders: string[]; uploadMultipartUrls: unknown; artifact: { id: string } | null } | null }[] } };
    }>(docs.CREATE_ARTIFACT_FILES, {
      storageLayout: 'V2',
      artifactFiles: specs.map((s) => ({ artifactID: s.artifactID, name: s.name, md5: s.md5, artifactManifestID: s.artifactManifestID, mimetype: null, uploadPartsInput: null })),
    });
    const edges = data.createArtifactFiles.files.edges;
    if (edges.length !== specs.length) throw new WandbError('protocol', `W&B CreateArtifactFiles answered ${edges.length} files for ${specs.length} requested`);
    return edges.map((e, i) => {
      if (!e.node?.artifact) throw new WandbError('protocol', `W&B CreateArtifactFiles: no birth artifact for ${specs[i]!.name}`);
      return { birthArtifactId: e.node.artifact.id, uploadUrl: e.node.uploadUrl, uploadHeaders: e.node.uploadHeaders, storagePath: e.node.storagePath };
    });
  }

  async commitArtifact(artifactID: string): Promise<{ id: string; digest: string }> {
    const data = await this.graphql<{ commitArtifact: { artifact: { id: string; digest: string } } | null }>(docs.COMMIT_ARTIFACT, { artifactID });
    if (!data.commitArtifact) throw new WandbError('protocol', 'W&B CommitArtifact: empty answer');
    return data.commitArtifact.artifact;
  }

  async clientIdMapping(clientID: string): Promise<string | null> {
    const data = await this.graphql<{ clientIDMapping: { serverID: string } | null }>(docs.CLIENT_ID_MAPPING, { clientID });
    return data.clientIDMapping?.serverID ?? null;
  }

  async artifactState(id: string): Promise<{ id: string; digest: string; state: ArtifactVersion['state']; versionIndex: number | null; aliases: string[] } | null> {
    const data = await this.graphql<{ artifact: { id: string; digest: string; state: ArtifactVersion['state']; versionIndex: number | null; aliases: { alias: string }[] } | null }>(docs.ARTIFACT_STATE, { id });
    const a = data.artifact;
    return a ? { id: a.id, digest: a.digest, state: a.state, versionIndex: a.versionIndex, aliases: a.aliases.map((x) => x.alias) } : null;
  }

  /** `collection:alias` or `collection:vN` in a project; null when the project, collection or version does not exist. */
  async artifactByName(entity: string, project: string, name: string): Promise<ArtifactVersion | null> {
    const data = await this.graphql<{
      project: {
        artifact: {
          id: string;
          digest: string;
          state: ArtifactVersion['state'];
          versionIndex: number | null;
          artifactType: { name: string } | null;
          aliases: { alias: string }[];
          currentManifest: { file: { directUrl: string } } | null;
        } | null;
      } | null;
    }>(docs.ARTIFACT_VERSION_BY_NAME, { entity, project, name });
    const a = data.project?.artifact;
    if (!a) return null;
    return {
      id: a.id,
      digest: a.digest,
      state: a.state,
      versionIndex: a.versionIndex,
      typeName: a.artifactType?.name ?? null,
      aliases: a.aliases.map((x) => x.alias),
      manifestUrl: a.currentManifest?.file.directUrl ?? null,
    };
  }

  /**
   * Upload URLs for run files (§2.4): one answer per name, in order; a null URL means
   * "skip this file". The headers apply to every PUT.
   */
  async createRunFiles(entity: string, project: string, run: string, files: string[]): Promise<{ runId: string; uploadHeaders: string[]; files: { name: string; uploadUrl: string | null }[] }> {
    const data = await this.graphql<{ createRunFiles: { runID: string | null; uploadHeaders: string[] | null; files: { name: string; uploadUrl: string | null }[] } | null }>(docs.CREATE_RUN_FILES, {
      entity,
      project,
      run,
      files,
    });
    const r = data.createRunFiles;
    if (!r?.runID) throw new WandbError('protocol', `W&B CreateRunFiles: no run ${entity}/${project}/${run} (check that the project exists and the key has access)`);
    if (r.files.length !== files.length) throw new WandbError('protocol', `W&B CreateRunFiles answered ${r.files.length} files for ${files.length} requested`);
    return { runId: r.runID, uploadHeaders: r.uploadHeaders ?? [], files: r.files };
  }

  /**
   * Declare an artifact version as the input of a run (`run.use_artifact`, §3.6), with
   * the wandb-core document; artifactEntityName/ProjectName only when the server supports them.
   */
  async useArtifact(v: { artifactID: string; entityName: string; projectName: string; runName: string; artifactEntityName?: string; artifactProjectName?: string }): Promise<{ id: string }> {
    const data = await this.graphql<{ useArtifact: { artifact: { id: string } } | null }>(docs.USE_ARTIFACT, {
      input: {
        artifactID: v.artifactID,
        entityName: v.entityName,
        projectName: v.projectName,
        runName: v.runName,
        usedAs: null,
        clientMutationId: null,
        ...(v.artifactEntityName !== undefined ? { artifactEntityName: v.artifactEntityName } : {}),
        ...(v.artifactProjectName !== undefined ? { artifactProjectName: v.artifactProjectName } : {}),
      },
    });
    if (!data.useArtifact) throw new WandbError('protocol', 'W&B UseArtifact: empty answer');
    return data.useArtifact.artifact;
  }

  /**
   * Every committed version of a collection, oldest first (ProjectArtifacts, paged). An empty list
   * when the project, the type or the collection does not exist yet.
   */
  async listArtifactVersions(entity: string, project: string, type: string, collection: string, perPage = 50): Promise<ListedVersion[]> {
    type Page = {
      project: {
        artifactType: {
          artifactCollection: {
            artifacts: {
              pageInfo: { endCursor: string | null; hasNextPage: boolean };
              edges: { version: string; node: { id: string; versionIndex: number | null; digest: string; state: string; createdAt: string | null; aliases?: { alias: string }[] } | null }[];
            };
          } | null;
        } | null;
      } | null;
    };
    const out: ListedVersion[] = [];
    let cursor: string | null = null;
    for (;;) {
      const data: Page = await this.graphql<Page>(docs.PROJECT_ARTIFACTS, {
        entity,
        project,
        type,
        collection,
        cursor,
        perPage,
        order: null,
        filters: JSON.stringify({ state: 'COMMITTED' }),
        includeAliases: true,
      });
      const conn = data.project?.artifactType?.artifactCollection?.artifacts;
      if (!conn) break;
      for (const e of conn.edges) {
        const n = e.node;
        if (!n || n.state !== 'COMMITTED' || n.versionIndex === null) continue;
        out.push({ id: n.id, versionIndex: n.versionIndex, digest: n.digest, state: n.state, createdAt: n.createdAt, aliases: (n.aliases ?? []).map((a) => a.alias) });
      }
      if (!conn.pageInfo.hasNextPage || !conn.pageInfo.endCursor) break;
      cursor = conn.pageInfo.endCursor;
    }
    return out.sort((a, b) => a.versionIndex - b.versionIndex);
  }

  /** The presigned URL of a version's manifest file (go:ArtifactManifest); null if it has none. */
  async artifactManifestUrl(artifactId: string): Promise<string | null> {
    const data = await this.graphql<{ artifact: { currentManifest: { file: { directUrl: string } } | null } | null }>(docs.ARTIFACT_MANIFEST, { artifact_id: artifactId });
    return data.artifact?.currentManifest?.file.directUrl ?? null;
  }

  /**
   * Presigned download URLs for manifest entries of a version, by entry path (batches of at most
   * 5000, as wandb-core's downloader sends them).
   */
  async fileUrlsByManifestEntries(artifactId: string, entries: { name: string; digest: string; birthArtifactID?: string | undefined; size?: number | undefined }[]): Promise<Map<string, string>> {
    const urls = new Map<string, string>();
    for (let i = 0; i < entries.length; i += 5000) {
      const batch = entries.slice(i, i + 5000);
      const data = await this.graphql<{ artifact: { filesByManifestEntries: { edges: { node: { name: string; directUrl: string } | null }[] } | null } | null }>(
        docs.ARTIFACT_FILE_URLS_BY_MANIFEST_ENTRIES,
        {
          id: artifactId,
          entries: batch.map((e) => ({ name: e.name, digest: e.digest, birthArtifactID: e.birthArtifactID ?? null, size: e.size ?? null, ref: null })),
          storageLayout: 'V2',
          manifestVersion: '1',
          storageRegion: null,
        },
      );
      const sizes = new Map(batch.map((e) => [e.name, e.size]));
      for (const edge of data.artifact?.filesByManifestEntries?.edges ?? []) {
        if (!edge.node) continue;
        urls.set(edge.node.name, edge.node.directUrl);
        const size = sizes.get(edge.node.name);
        if (size !== undefined) this.declaredSizes.set(edge.node.directUrl, size);
      }
    }
    return urls;
  }

  /** PUT bytes to a presigned URL with exactly the headers the server gave. */
  async upload(url: string, headers: readonly string[], body: Buffer, what: string): Promise<void> {
    const res = await requestWithRetry(
      { method: 'PUT', url, headers: { ...parseUploadHeaders(headers), ...this.authFor(url) }, body, policy: this.policies.transfer, what: `upload of ${what}`, maxBodyBytes: BODY_LIMITS.small },
      this.http,
    );
    if (res.status < 200 || res.status >= 300) this.fail(`upload of ${what}`, res);
  }

  /**
   * GET a presigned URL (no key unless it is on the API's own origin). The answer must have the
   * size the manifest declares (`expectedBytes`, or the one given with the URL); without one it is
   * read up to BODY_LIMITS.undeclared. Never more than BODY_LIMITS.file.
   */
  async download(url: string, what: string, expectedBytes?: number): Promise<Buffer> {
    const declared = expectedBytes ?? this.declaredSizes.get(url);
    this.declaredSizes.delete(url);
    if (declared !== undefined && (!Number.isSafeInteger(declared) || declared < 0 || declared > BODY_LIMITS.file)) {
      throw new WandbError('protocol', `download of ${what}: the manifest says it is ${declared} bytes, over the limit of ${BODY_LIMITS.file / 1024 / 1024} MiB for one file; refused without downloading`);
    }
    const res = await requestWithRetry(
      {
        method: 'GET',
        url,
        headers: this.authFor(url),
        policy: this.policies.transfer,
        what: `download of ${what}`,
        maxBodyBytes: declared ?? BODY_LIMITS.undeclared,
        expectedBytes: declared,
      },
      this.http,
    );
    if (res.status < 200 || res.status >= 300) this.fail(`download of ${what}`, res);
    return res.body;
  }

  /** One file-stream request (§2.3): history/summary lines, `complete` + `exitcode` on the last. */
  async fileStream(entity: string, project: string, runId: string, body: Record<string, unknown>): Promise<void> {
    const url = `${this.baseUrl}/files/${q(entity)}/${q(project)}/${q(runId)}/file_stream`;
    const res = await requestWithRetry(
      { method: 'POST', url, headers: { 'Content-Type': 'application/json', ...this.authFor(url) }, body: JSON.stringify(body), policy: this.policies.fileStream, what: 'W&B file stream', maxBodyBytes: BODY_LIMITS.small },
      this.http,
    );
    if (res.status < 200 || res.status >= 300) this.fail('W&B file stream', res);
  }
}
