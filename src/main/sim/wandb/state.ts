import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Everything the W&B simulator knows: users and their keys, projects, runs (with what the file
 * stream sent), artifact collections, versions, aliases, manifests and stored bytes. The rules
 * here are the ones the real server applies (docs/WANDB_PROTOCOL.md) (or, where it is unknown, the
 * strictest reasonable choice), so a client that gets something wrong is told so.
 */

/** The longest run tag W&B accepts, in characters (code points). */
export const MAX_RUN_TAG_LENGTH = 64;

export class SimError extends Error {
  constructor(
    message: string,
    readonly httpStatus = 200,
  ) {
    super(message);
  }
}

export interface SimUser {
  id: string;
  apiKey: string;
  username: string;
  email: string;
  /** Default entity. */
  entity: string;
  /** Other entities the key may write to. */
  teams: string[];
}

export interface SimProject {
  id: string;
  entity: string;
  name: string;
  createdAt: string;
}

export interface SimRun {
  id: string;
  name: string;
  entity: string;
  project: string;
  displayName: string | null;
  jobType: string | null;
  groupName: string | null;
  notes: string | null;
  tags: string[];
  config: Record<string, unknown>;
  history: string[];
  events: string[];
  output: string[];
  summary: string | null;
  uploaded: string[];
  /** Run files PUT through createRunFiles URLs: run-relative path → hex MD5 of the stored bytes. */
  files: Map<string, string>;
  complete: boolean;
  exitcode: number | null;
  createdAt: string;
  updatedAt: string;
  upserts: number;
}

export interface SimSequence {
  id: string;
  entity: string;
  project: string;
  name: string;
  type: string;
  createdAt: string;
}

export interface ManifestEntry {
  digest: string;
  size?: number;
  birthArtifactID?: string;
  ref?: string;
  extra?: unknown;
}

export interface SimManifestRecord {
  id: string;
  name: string;
  type: 'FULL' | 'INCREMENTAL' | 'PATCH';
  baseArtifactID: string | null;
  /** base64 MD5 of the manifest file the client will upload ('' until the second call). */
  digest: string;
}

export interface SimArtifact {
  id: string;
  sequenceId: string;
  clientID: string | null;
  sequenceClientID: string | null;
  state: 'PENDING' | 'COMMITTED';
  digest: string;
  versionIndex: number | null;
  requestedAliases: string[];
  metadata: string | null;
  description: string | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  manifest: SimManifestRecord | null;
  /** Files announced with createArtifactFiles: name → base64 MD5. */
  announced: Map<string, string>;
  /** The committed manifest's entries (FULL, or INCREMENTAL merged over its base). */
  contents: Map<string, ManifestEntry> | null;
  /** The manifest file as stored (hex MD5 of its bytes). */
  manifestObject: string | null;
  usedBy: Set<string>;
}

export interface SimObject {
  md5hex: string;
  size: number;
  /** False when the bytes were verified and then dropped (see `discardBytes`). */
  kept: boolean;
}

export interface UploadTicket {
  kind: 'artifact-file' | 'manifest' | 'run-file';
  md5b64: string | null;
  artifactId: string | null;
  sequenceId: string | null;
  name: string;
  expiresAt: number;
  runKey: string | null;
}

export interface UploadRecord {
  at: string;
  kind: UploadTicket['kind'];
  artifactId: string | null;
  name: string;
  md5hex: string;
  bytes: number;
}

const B64_MD5 = /^[A-Za-z0-9+/]{22}==$/;
const HEX_MD5 = /^[0-9a-f]{32}$/;
const ARTIFACT_NAME = /^[a-zA-Z0-9_\-.]+$/;

export const b64ToHex = (b64: string): string => Buffer.from(b64, 'base64').toString('hex');

/** The artifact digest of docs/WANDB_PROTOCOL.md §3.2, written independently of Folio's client on purpose. */
export function manifestDigest(contents: Iterable<[string, { digest: string }]>): string {
  const entries = [...contents].map(([path, e]) => ({ key: Buffer.from(path, 'utf8'), path, digest: e.digest }));
  entries.sort((a, b) => Buffer.compare(a.key, b.key));
  const hash = createHash('md5');
  hash.update('wandb-artifact-manifest-v1\n');
  for (const e of entries) hash.update(`${e.path}:${e.digest}\n`);
  return hash.digest('hex');
}

export function validateArtifactPath(path: string): string | null {
  if (!path) return 'an empty path';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return `an absolute path (${path})`;
  if (path.includes('\\')) return `a backslash in ${path}`;
  if (path.split('/').some((p) => p === '..' || p === '.' || p === '')) return `a path that is not normalised (${path})`;
  return null;
}

export class SimState {
  private counter = 0;
  readonly users: SimUser[] = [];
  readonly projects = new Map<string, SimProject>();
  readonly runs = new Map<string, SimRun>();
  readonly sequences = new Map<string, SimSequence>();
  readonly artifacts = new Map<string, SimArtifact>();
  /** sequence id → alias → artifact id */
  readonly aliases = new Map<string, Map<string, string>>();
  readonly objects = new Map<string, SimObject>();
  /** sequence id → hex md5 → birth artifact id (the version whose upload stored the bytes) */
  readonly births = new Map<string, Map<string, string>>();
  readonly clientIds = new Map<string, string>();
  readonly tickets = new Map<string, UploadTicket>();
  readonly uploads: UploadRecord[] = [];
  readonly objectsDir: string;
  /** Signs download URLs, as a storage bucket signs presigned GETs. */
  private readonly urlSecret = randomBytes(32);

  constructor(
    storageDir: string,
    readonly clock: () => Date = () => new Date(),
    /** How long a presigned URL stays valid. */
    readonly urlTtlMs = 60 * 60 * 1000,
    /**
     * Files whose bytes are checked on upload but not kept (benchmarks: gigabytes of page images
     * written by the "server" would compete for the disk with the client being measured).
     */
    readonly discardBytes: (name: string) => boolean = () => false,
  ) {
    this.objectsDir = join(storageDir, 'objects');
    mkdirSync(this.objectsDir, { recursive: true });
  }

  private now(): string {
    return this.clock().toISOString();
  }

  nextId(type: string): string {
    this.counter++;
    return Buffer.from(`${type}:${this.counter}`).toString('base64');
  }

  addUser(user: Omit<SimUser, 'id' | 'email' | 'teams'> & { email?: string; teams?: string[] }): SimUser {
    const u: SimUser = { id: this.nextId('User'), email: user.email ?? `${user.username}@example.com`, teams: user.teams ?? [], ...user };
    this.users.push(u);
    return u;
  }

  userForKey(key: string): SimUser | undefined {
    return this.users.find((u) => u.apiKey === key);
  }

  assertEntityAccess(user: SimUser, entity: string): void {
    if (entity !== user.entity && !user.teams.includes(entity)) throw new SimError('permission denied', 403);
  }

  // ---- projects and runs ------------------------------------------------------------------

  project(entity: string, name: string): SimProject | undefined {
    return this.projects.get(`${entity}/${name}`);
  }

  ensureProject(entity: string, name: string): SimProject {
    if (!name || name.length > 128 || /[/\\#?%:\r\n]/.test(name)) throw new SimError(`invalid project name ${JSON.stringify(name)}`, 400);
    const key = `${entity}/${name}`;
    let p = this.projects.get(key);
    if (!p) {
      p = { id: this.nextId('Project'), entity, name, createdAt: this.now() };
      this.projects.set(key, p);
    }
    return p;
  }

  run(entity: string, project: string, name: string): SimRun | undefined {
    return this.runs.get(`${entity}/${project}/${name}`);
  }

  upsertRun(
    user: SimUser,
    input: {
      id?: string | null;
      name?: string | null;
      entityName?: string | null;
      modelName?: string | null;
      displayName?: string | null;
      jobType?: string | null;
      groupName?: string | null;
      notes?: string | null;
      tags?: (string | null)[] | null;
      config?: string | null;
      summaryMetrics?: string | null;
    },
  ): { run: SimRun; inserted: boolean } {
    const entity = input.entityName ?? user.entity;
    this.assertEntityAccess(user, entity);
    if (!input.modelName) throw new SimError('upsertBucket needs a project (modelName)', 400);
    // W&B refuses a run tag that is empty or longer than 64 characters (the SDK checks the same
    // before it sends: wandb_settings.py validate_run_tags, "must be 1 to 64 characters"), and
    // nothing of the request is applied. Characters are counted as Python counts them: code points.
    for (const tag of input.tags ?? []) {
      if (tag === null) throw new SimError('invalid tag: null', 400);
      const length = [...tag].length;
      if (length < 1 || length > MAX_RUN_TAG_LENGTH) {
        throw new SimError(`invalid tag ${JSON.stringify(tag)}: a run tag must be 1 to ${MAX_RUN_TAG_LENGTH} characters long, this one has ${length}`, 400);
      }
    }
    const project = this.ensureProject(entity, input.modelName);
    let run: SimRun | undefined;
    if (input.id) {
      run = [...this.runs.values()].find((r) => r.id === input.id);
      if (!run) throw new SimError(`run ${input.id} not found`, 404);
    } else if (input.name) {
      run = this.run(entity, project.name, input.name);
    }
    let config: Record<string, unknown> | undefined;
    if (input.config !== undefined && input.config !== null) {
      try {
        config = JSON.parse(input.config) as Record<string, unknown>;
      } catch {
        throw new SimError('config is not a JSON string', 400);
      }
      if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new SimError('config must be a JSON object', 400);
      for (const [k, v] of Object.entries(config)) {
        if (typeof v !== 'object' || v === null || !('value' in v)) throw new SimError(`config key ${k} must be {"value": …}`, 400);
      }
    }
    const now = this.now();
    const inserted = !run;
    if (!run) {
      const name = input.name ?? randomBytes(4).toString('hex');
      if (!/^[A-Za-z0-9_\-.=+&$@]+$/.test(name)) throw new SimError(`invalid run name ${name}`, 400);
      run = {
        id: this.nextId('Run'),
        name,
        entity,
        project: project.name,
        displayName: null,
        jobType: null,
        groupName: null,
        notes: null,
        tags: [],
        config: {},
        history: [],
        events: [],
        output: [],
        summary: null,
        uploaded: [],
        files: new Map(),
        complete: false,
        exitcode: null,
        createdAt: now,
        updatedAt: now,
        upserts: 0,
      };
      this.runs.set(`${entity}/${project.name}/${name}`, run);
    }
    run.upserts++;
    if (input.displayName != null) run.displayName = input.displayName;
    if (input.jobType != null) run.jobType = input.jobType;
    if (input.groupName != null) run.groupName = input.groupName;
    if (input.notes != null) run.notes = input.notes;
    if (input.tags != null) run.tags = input.tags.filter((t): t is string => t !== null);
    if (config) run.config = config;
    run.updatedAt = now;
    return { run, inserted };
  }

  // ---- file stream --------------------------------------------------------------------------

  fileStream(user: SimUser, entity: string, project: string, runName: string, body: unknown): void {
    this.assertEntityAccess(user, entity);
    const run = this.run(entity, project, runName);
    if (!run) throw new SimError(`run ${entity}/${project}/${runName} not found`, 404);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new SimError('file stream body must be a JSON object', 400);
    const b = body as { files?: unknown; complete?: unknown; exitcode?: unknown; uploaded?: unknown; preempting?: unknown };
    if (b.files !== undefined) {
      if (typeof b.files !== 'object' || b.files === null) throw new SimError('files must be an object', 400);
      for (const [name, chunk] of Object.entries(b.files as Record<string, unknown>)) {
        const c = chunk as { offset?: unknown; content?: unknown };
        if (!Number.isInteger(c.offset) || (c.offset as number) < 0) throw new SimError(`files["${name}"].offset must be a non-negative integer`, 400);
        if (!Array.isArray(c.content) || c.content.some((l) => typeof l !== 'string')) throw new SimError(`files["${name}"].content must be a list of strings`, 400);
        const lines = c.content as string[];
        const offset = c.offset as number;
        if (name === 'wandb-history.jsonl' || name === 'wandb-events.jsonl' || name === 'wandb-summary.json') {
          for (const line of lines) {
            try {
              const v: unknown = JSON.parse(line);
              if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
            } catch {
              throw new SimError(`files["${name}"]: every line must be one JSON object`, 400);
            }
          }
        }
        if (name === 'wandb-summary.json') {
          run.summary = lines[lines.length - 1] ?? run.summary;
        } else {
          const target = name === 'wandb-history.jsonl' ? run.history : name === 'wandb-events.jsonl' ? run.events : run.output;
          if (offset > target.length) throw new SimError(`files["${name}"].offset ${offset} leaves a gap after line ${target.length}`, 400);
          lines.forEach((line, i) => (target[offset + i] = line));
        }
      }
    }
    if (b.uploaded !== undefined) {
      if (!Array.isArray(b.uploaded)) throw new SimError('uploaded must be a list', 400);
      run.uploaded.push(...(b.uploaded as string[]));
    }
    if (b.complete === true) {
      if (!Number.isInteger(b.exitcode)) throw new SimError('complete needs an integer exitcode', 400);
      run.complete = true;
      run.exitcode = b.exitcode as number;
    }
    run.updatedAt = this.now();
  }

  // ---- artifacts ------------------------------------------------------------------------------

  sequence(entity: string, project: string, name: string): SimSequence | undefined {
    return this.sequences.get(`${entity}/${project}/${name}`);
  }

  versions(seq: SimSequence): SimArtifact[] {
    return [...this.artifacts.values()].filter((a) => a.sequenceId === seq.id && a.state === 'COMMITTED').sort((a, b) => a.versionIndex! - b.versionIndex!);
  }

  latestCommitted(seq: SimSequence): SimArtifact | null {
    const id = this.aliases.get(seq.id)?.get('latest');
    return id ? this.artifacts.get(id)! : null;
  }

  artifactAliases(a: SimArtifact): string[] {
    const out: string[] = [];
    for (const [alias, id] of this.aliases.get(a.sequenceId) ?? []) if (id === a.id) out.push(alias);
    return out;
  }

  /** "name:alias", "name:vN" or "name:<digest>" within a project. */
  resolveName(entity: string, project: string, name: string): SimArtifact | null {
    const i = name.lastIndexOf(':');
    const collection = i < 0 ? name : name.slice(0, i);
    const ref = i < 0 ? 'latest' : name.slice(i + 1);
    const seq = this.sequence(entity, project, collection);
    if (!seq) return null;
    const m = /^v(\d+)$/.exec(ref);
    if (m) return this.versions(seq).find((a) => a.versionIndex === Number(m[1])) ?? null;
    const byAlias = this.aliases.get(seq.id)?.get(ref);
    if (byAlias) return this.artifacts.get(byAlias)!;
    return this.versions(seq).find((a) => a.digest === ref) ?? null;
  }

  createArtifact(
    user: SimUser,
    input: {
      entityName: string;
      projectName: string;
      artifactTypeName: string;
      artifactCollectionName?: string | null;
      artifactCollectionNames?: string[] | null;
      runName?: string | null;
      digest: string;
      digestAlgorithm: string;
      description?: string | null;
      aliases?: { artifactCollectionName: string; alias: string }[] | null;
      metadata?: string | null;
      enableDigestDeduplication?: boolean | null;
      clientID?: string | null;
      sequenceClientID?: string | null;
      distributedID?: string | null;
    },
  ): SimArtifact {
    this.assertEntityAccess(user, input.entityName);
    const collection = input.artifactCollectionName ?? input.artifactCollectionNames?.[0];
    if (!collection) throw new SimError('createArtifact needs artifactCollectionName', 400);
    if (!ARTIFACT_NAME.test(collection) || collection.length > 128) throw new SimError(`invalid artifact name ${JSON.stringify(collection)}: use letters, digits, _ - .`, 400);
    if (!input.artifactTypeName || input.artifactTypeName.length > 128 || /[/:]/.test(input.artifactTypeName)) throw new SimError(`invalid artifact type ${input.artifactTypeName}`, 400);
    if (input.digestAlgorithm !== 'MANIFEST_MD5') throw new SimError(`unsupported digest algorithm ${input.digestAlgorithm}`, 400);
    if (!HEX_MD5.test(input.digest)) throw new SimError(`digest must be 32 lowercase hex characters, got ${JSON.stringify(input.digest)}`, 400);
    if (input.clientID) {
      const existing = this.clientIds.get(input.clientID);
      if (existing) return this.artifacts.get(existing)!;
    }
    const project = this.project(input.entityName, input.projectName);
    if (!project) throw new SimError(`project ${input.entityName}/${input.projectName} not found`, 404);
    if (input.runName && !this.run(input.entityName, input.projectName, input.runName)) {
      throw new SimError(`run ${input.entityName}/${input.projectName}/${input.runName} not found`, 404);
    }
    for (const a of input.aliases ?? []) {
      if (!a.alias || a.alias.length > 128 || /[/:]/.test(a.alias)) throw new SimError(`invalid alias ${JSON.stringify(a.alias)}`, 400);
      if (a.artifactCollectionName !== collection) throw new SimError(`alias ${a.alias} names collection ${a.artifactCollectionName}, not ${collection}`, 400);
      if (/^v\d+$/.test(a.alias)) throw new SimError(`alias ${a.alias} is reserved for version numbers`, 400);
    }
    if (input.metadata != null) {
      let meta: unknown;
      try {
        meta = JSON.parse(input.metadata);
      } catch {
        throw new SimError('metadata is not a JSON string', 400);
      }
      if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw new SimError('metadata must be a JSON object', 400);
      if (Object.keys(meta).length > 100) throw new SimError('metadata may have at most 100 keys', 400);
    }
    const now = this.now();
    let seq = this.sequence(input.entityName, input.projectName, collection);
    if (seq && seq.type !== input.artifactTypeName) {
      throw new SimError(`artifact collection ${collection} has type ${seq.type}; cannot log an artifact of type ${input.artifactTypeName} into it`, 409);
    }
    if (!seq) {
      seq = { id: this.nextId('ArtifactCollection'), entity: input.entityName, project: input.projectName, name: collection, type: input.artifactTypeName, createdAt: now };
      this.sequences.set(`${seq.entity}/${seq.project}/${seq.name}`, seq);
    }
    if (input.enableDigestDeduplication) {
      const latest = this.latestCommitted(seq);
      if (latest && latest.digest === input.digest) return latest;
    }
    const artifact: SimArtifact = {
      id: this.nextId('Artifact'),
      sequenceId: seq.id,
      clientID: input.clientID ?? null,
      sequenceClientID: input.sequenceClientID ?? null,
      state: 'PENDING',
      digest: input.digest,
      versionIndex: null,
      requestedAliases: (input.aliases ?? []).map((a) => a.alias),
      metadata: input.metadata ?? null,
      description: input.description ?? null,
      createdBy: input.runName ? `${input.entityName}/${input.projectName}/${input.runName}` : null,
      createdAt: now,
      updatedAt: now,
      manifest: null,
      announced: new Map(),
      contents: null,
      manifestObject: null,
      usedBy: new Set(),
    };
    this.artifacts.set(artifact.id, artifact);
    if (artifact.clientID) this.clientIds.set(artifact.clientID, artifact.id);
    return artifact;
  }

  private pendingArtifact(user: SimUser, id: string): SimArtifact {
    const a = this.artifacts.get(id);
    if (!a) throw new SimError(`artifact ${id} not found`, 404);
    const seq = this.sequences.get(this.sequenceKey(a))!;
    this.assertEntityAccess(user, seq.entity);
    if (a.state !== 'PENDING') throw new SimError(`artifact ${id} is already committed`, 409);
    return a;
  }

  sequenceOf(a: SimArtifact): SimSequence {
    return this.sequences.get(this.sequenceKey(a))!;
  }

  private sequenceKey(a: SimArtifact): string {
    for (const [key, s] of this.sequences) if (s.id === a.sequenceId) return key;
    throw new Error(`artifact ${a.id} has no sequence`);
  }

  createArtifactManifest(
    user: SimUser,
    input: { artifactID: string; baseArtifactID?: string | null; name: string; digest: string; entityName: string; projectName: string; runName: string; type: SimManifestRecord['type'] },
  ): { record: SimManifestRecord; artifact: SimArtifact } {
    const a = this.pendingArtifact(user, input.artifactID);
    const seq = this.sequenceOf(a);
    if (seq.entity !== input.entityName || seq.project !== input.projectName) throw new SimError('createArtifactManifest: entity/project do not match the artifact', 400);
    if (!this.run(input.entityName, input.projectName, input.runName)) throw new SimError(`run ${input.runName} not found`, 404);
    const expectedName = { FULL: 'wandb_manifest.json', INCREMENTAL: 'wandb_manifest.incremental.json', PATCH: 'wandb_manifest.patch.json' }[input.type];
    if (input.name !== expectedName) throw new SimError(`a ${input.type} manifest is named ${expectedName}, not ${input.name}`, 400);
    if (input.digest !== '' && !B64_MD5.test(input.digest)) throw new SimError(`manifest digest must be a base64 MD5, got ${JSON.stringify(input.digest)}`, 400);
    if (input.baseArtifactID) this.assertBase(a, input.baseArtifactID);
    if (a.manifest && (a.manifest.name !== input.name || a.manifest.type !== input.type)) throw new SimError('this artifact already has a manifest of another type', 409);
    a.manifest ??= { id: this.nextId('ArtifactManifest'), name: input.name, type: input.type, baseArtifactID: null, digest: '' };
    a.manifest.digest = input.digest;
    a.manifest.baseArtifactID = input.baseArtifactID ?? null;
    return { record: a.manifest, artifact: a };
  }

  updateArtifactManifest(user: SimUser, input: { artifactManifestID: string; digest?: string | null; baseArtifactID?: string | null }): { record: SimManifestRecord; artifact: SimArtifact } {
    const a = [...this.artifacts.values()].find((x) => x.manifest?.id === input.artifactManifestID);
    if (!a || !a.manifest) throw new SimError(`manifest ${input.artifactManifestID} not found`, 404);
    this.pendingArtifact(user, a.id);
    if (input.digest != null) {
      if (!B64_MD5.test(input.digest)) throw new SimError('manifest digest must be a base64 MD5', 400);
      a.manifest.digest = input.digest;
    }
    if (input.baseArtifactID != null) {
      this.assertBase(a, input.baseArtifactID);
      a.manifest.baseArtifactID = input.baseArtifactID;
    }
    return { record: a.manifest, artifact: a };
  }

  private assertBase(a: SimArtifact, baseId: string): void {
    const base = this.artifacts.get(baseId);
    if (!base || base.state !== 'COMMITTED') throw new SimError(`base artifact ${baseId} is not a committed version`, 400);
    if (base.sequenceId !== a.sequenceId) throw new SimError(`base artifact ${baseId} belongs to another collection`, 400);
  }

  /** One file spec of createArtifactFiles: dedupe by content within the collection, else a PUT ticket. */
  createArtifactFile(
    user: SimUser,
    spec: { artifactID: string; name: string; md5: string; artifactManifestID?: string | null },
  ): { birthArtifactId: string; md5hex: string; ticket: string | null } {
    const a = this.pendingArtifact(user, spec.artifactID);
    const bad = validateArtifactPath(spec.name);
    if (bad) throw new SimError(`createArtifactFiles: ${bad}`, 400);
    if (!B64_MD5.test(spec.md5)) throw new SimError(`createArtifactFiles: md5 of ${spec.name} must be a base64 MD5, got ${JSON.stringify(spec.md5)}`, 400);
    if (spec.artifactManifestID && a.manifest?.id !== spec.artifactManifestID) throw new SimError(`createArtifactFiles: manifest ${spec.artifactManifestID} is not this artifact's`, 400);
    a.announced.set(spec.name, spec.md5);
    const md5hex = b64ToHex(spec.md5);
    const birth = this.births.get(a.sequenceId)?.get(md5hex);
    if (birth && this.objects.has(md5hex)) return { birthArtifactId: birth, md5hex, ticket: null };
    const ticket = this.issueTicket({ kind: 'artifact-file', md5b64: spec.md5, artifactId: a.id, sequenceId: a.sequenceId, name: spec.name, runKey: null });
    return { birthArtifactId: a.id, md5hex, ticket };
  }

  issueTicket(t: Omit<UploadTicket, 'expiresAt'>): string {
    const token = randomBytes(16).toString('hex');
    this.tickets.set(token, { ...t, expiresAt: this.clock().getTime() + this.urlTtlMs });
    return token;
  }

  /** Bytes PUT to a presigned URL: checked against the declared MD5, then stored by content. */
  acceptUpload(token: string, body: Buffer, contentMd5Header: string | undefined): UploadRecord {
    const t = this.tickets.get(token);
    if (!t) throw new SimError('SignatureDoesNotMatch: unknown upload URL', 403);
    if (t.expiresAt < this.clock().getTime()) throw new SimError('AccessDenied: Request has expired', 403);
    const md5 = createHash('md5').update(body).digest();
    if (t.md5b64 !== null) {
      if (contentMd5Header === undefined) throw new SimError('SignatureDoesNotMatch: the signed headers include Content-MD5, which the request lacks', 403);
      if (contentMd5Header !== t.md5b64) throw new SimError(`SignatureDoesNotMatch: Content-MD5 ${contentMd5Header} is not the signed ${t.md5b64}`, 403);
      if (md5.toString('base64') !== t.md5b64) throw new SimError(`BadDigest: the Content-MD5 you specified did not match what we received (${md5.toString('base64')})`, 400);
    }
    const md5hex = md5.toString('hex');
    this.storeObject(md5hex, body, !this.discardBytes(t.name));
    if (t.kind === 'artifact-file' && t.sequenceId && t.artifactId) {
      let births = this.births.get(t.sequenceId);
      if (!births) this.births.set(t.sequenceId, (births = new Map()));
      if (!births.has(md5hex)) births.set(md5hex, t.artifactId);
    }
    if (t.kind === 'run-file' && t.runKey) this.runs.get(t.runKey)?.files.set(t.name, md5hex);
    if (t.kind === 'manifest' && t.artifactId) {
      const a = this.artifacts.get(t.artifactId);
      if (a && a.state === 'PENDING') a.manifestObject = md5hex;
    }
    const record: UploadRecord = { at: this.now(), kind: t.kind, artifactId: t.artifactId, name: t.name, md5hex, bytes: body.length };
    this.uploads.push(record);
    return record;
  }

  storeObject(md5hex: string, body: Buffer, keep = true): void {
    const existing = this.objects.get(md5hex);
    if (!existing || (keep && !existing.kept)) {
      if (keep) writeFileSync(join(this.objectsDir, md5hex), body);
      this.objects.set(md5hex, { md5hex, size: body.length, kept: keep });
    }
  }

  /**
   * The query of a presigned GET for stored bytes: valid for `urlTtlMs`, for this object and file
   * name only (S3's X-Amz-Expires / X-Amz-Signature, in spirit).
   */
  signDownload(md5hex: string, name: string): string {
    const expires = String(this.clock().getTime() + this.urlTtlMs);
    const signature = createHmac('sha256', this.urlSecret).update(`${md5hex}\n${name}\n${expires}`).digest('hex');
    return new URLSearchParams({ name, 'X-Amz-Expires': expires, 'X-Amz-Signature': signature }).toString();
  }

  /** Refuse a download whose URL was not issued here, was altered, or has expired (403, like S3). */
  checkDownload(md5hex: string, query: URLSearchParams): void {
    const name = query.get('name');
    const expires = query.get('X-Amz-Expires');
    const signature = query.get('X-Amz-Signature');
    if (name === null || expires === null || signature === null) throw new SimError('AccessDenied: the URL is not signed', 403);
    const expected = createHmac('sha256', this.urlSecret).update(`${md5hex}\n${name}\n${expires}`).digest('hex');
    if (signature.length !== expected.length || !timingSafeEqual(Buffer.from(signature), Buffer.from(expected))) throw new SimError('SignatureDoesNotMatch: the download URL was altered', 403);
    if (Number(expires) < this.clock().getTime()) throw new SimError('AccessDenied: Request has expired', 403);
  }

  readObject(md5hex: string): Buffer | null {
    if (!HEX_MD5.test(md5hex) || !this.objects.get(md5hex)?.kept) return null;
    return readFileSync(join(this.objectsDir, md5hex));
  }

  manifestTicket(a: SimArtifact): string | null {
    if (!a.manifest || !a.manifest.digest) return null;
    return this.issueTicket({ kind: 'manifest', md5b64: a.manifest.digest, artifactId: a.id, sequenceId: a.sequenceId, name: a.manifest.name, runKey: null });
  }

  /** Read the uploaded manifest, check every entry and the artifact digest, number the version, move aliases. */
  commitArtifact(user: SimUser, artifactID: string): SimArtifact {
    const a = this.artifacts.get(artifactID);
    if (!a) throw new SimError(`artifact ${artifactID} not found`, 404);
    this.assertEntityAccess(user, this.sequenceOf(a).entity);
    if (a.state === 'COMMITTED') return a;
    if (!a.manifest) throw new SimError('commitArtifact: the artifact has no manifest', 400);
    if (!a.manifestObject || b64ToHex(a.manifest.digest) !== a.manifestObject) throw new SimError('commitArtifact: the manifest file has not been uploaded', 400);
    let parsed: unknown;
    try {
      parsed = JSON.parse(this.readObject(a.manifestObject)!.toString('utf8'));
    } catch {
      throw new SimError('commitArtifact: the manifest is not JSON', 400);
    }
    const m = parsed as { version?: unknown; storagePolicy?: unknown; storagePolicyConfig?: unknown; contents?: unknown };
    if (m.version !== 1) throw new SimError(`commitArtifact: unsupported manifest version ${JSON.stringify(m.version)}`, 400);
    if (m.storagePolicy !== 'wandb-storage-policy-v1') throw new SimError(`commitArtifact: unknown storage policy ${JSON.stringify(m.storagePolicy)}`, 400);
    if (typeof m.storagePolicyConfig !== 'object' || m.storagePolicyConfig === null) throw new SimError('commitArtifact: storagePolicyConfig missing', 400);
    if (typeof m.contents !== 'object' || m.contents === null || Array.isArray(m.contents)) throw new SimError('commitArtifact: contents must be an object', 400);
    const contents = new Map<string, ManifestEntry>();
    for (const [path, raw] of Object.entries(m.contents as Record<string, unknown>)) {
      const bad = validateArtifactPath(path);
      if (bad) throw new SimError(`commitArtifact: manifest has ${bad}`, 400);
      const e = raw as ManifestEntry;
      if (typeof e !== 'object' || e === null || typeof e.digest !== 'string') throw new SimError(`commitArtifact: entry ${path} has no digest`, 400);
      if (!e.ref) {
        if (!B64_MD5.test(e.digest)) throw new SimError(`commitArtifact: entry ${path} digest ${e.digest} is not a base64 MD5`, 400);
        const hex = b64ToHex(e.digest);
        const obj = this.objects.get(hex);
        if (!obj) throw new SimError(`commitArtifact: the bytes of ${path} (md5 ${e.digest}) were never uploaded`, 400);
        if (e.size !== obj.size) throw new SimError(`commitArtifact: entry ${path} says size ${String(e.size)} but the stored file has ${obj.size} bytes`, 400);
        if (!e.birthArtifactID) throw new SimError(`commitArtifact: entry ${path} has no birthArtifactID`, 400);
        const birth = this.artifacts.get(e.birthArtifactID);
        if (!birth || birth.sequenceId !== a.sequenceId) throw new SimError(`commitArtifact: entry ${path} names birth artifact ${e.birthArtifactID}, which is not a version of this collection`, 400);
        if (birth.id !== a.id && this.births.get(a.sequenceId)?.get(hex) === undefined) throw new SimError(`commitArtifact: ${e.birthArtifactID} never stored ${path}`, 400);
      }
      contents.set(path, e);
    }
    if (a.manifest.type === 'INCREMENTAL' && a.manifest.baseArtifactID) {
      const partialDigest = manifestDigest(contents);
      if (partialDigest !== a.digest) throw new SimError(`commitArtifact: the incremental manifest's digest ${partialDigest} is not the artifact digest ${a.digest}`, 400);
      const base = this.artifacts.get(a.manifest.baseArtifactID)!;
      a.contents = new Map([...(base.contents ?? []), ...contents]);
    } else {
      const digest = manifestDigest(contents);
      if (digest !== a.digest) throw new SimError(`commitArtifact: the manifest's digest ${digest} is not the artifact digest ${a.digest} given to createArtifact`, 400);
      a.contents = contents;
    }
    const seq = this.sequenceOf(a);
    a.versionIndex = this.versions(seq).length;
    a.state = 'COMMITTED';
    a.updatedAt = this.now();
    let aliases = this.aliases.get(seq.id);
    if (!aliases) this.aliases.set(seq.id, (aliases = new Map()));
    for (const alias of a.requestedAliases) aliases.set(alias, a.id);
    return a;
  }

  useArtifact(user: SimUser, input: { artifactID: string; entityName: string; projectName: string; runName: string }): { artifact: SimArtifact; run: SimRun } {
    this.assertEntityAccess(user, input.entityName);
    const a = this.artifacts.get(input.artifactID);
    if (!a) throw new SimError(`artifact ${input.artifactID} not found`, 404);
    const run = this.run(input.entityName, input.projectName, input.runName);
    if (!run) throw new SimError(`run ${input.runName} not found`, 404);
    a.usedBy.add(`${run.entity}/${run.project}/${run.name}`);
    return { artifact: a, run };
  }

  artifactSize(a: SimArtifact): number {
    let n = 0;
    for (const e of a.contents?.values() ?? []) n += e.size ?? 0;
    return n;
  }
}
