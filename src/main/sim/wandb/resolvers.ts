import { b64ToHex, SimError, type SimArtifact, type SimProject, type SimRun, type SimSequence, type SimState, type SimUser } from './state';

/**
 * GraphQL resolvers over SimState: a root value whose functions graphql-js calls for the fields
 * of Query and Mutation, returning plain objects (functions for fields with arguments). Only the
 * fields W&B clients select are implemented; selecting anything else yields null, which
 * graphql-js reports as an error where the schema says the field is non-null.
 */

export interface SimContext {
  user: SimUser;
  origin: string;
  state: SimState;
}

type Args = Record<string, unknown>;

const connection = <T>(items: T[], args: { after?: unknown; first?: unknown }, toNode: (t: T) => unknown, extra: (t: T) => Record<string, unknown> = () => ({})) => {
  const start = typeof args.after === 'string' && args.after ? Number(Buffer.from(args.after, 'base64').toString('utf8').split(':')[1]) + 1 : 0;
  const first = typeof args.first === 'number' ? args.first : 50;
  const page = items.slice(start, start + first);
  const cursor = (i: number) => Buffer.from(`cursor:${i}`).toString('base64');
  return {
    totalCount: items.length,
    pageInfo: {
      hasNextPage: start + first < items.length,
      hasPreviousPage: start > 0,
      endCursor: page.length ? cursor(start + page.length - 1) : null,
      startCursor: page.length ? cursor(start) : null,
    },
    edges: page.map((t, i) => ({ cursor: cursor(start + i), node: toNode(t), ...extra(t) })),
  };
};

/** A presigned GET for stored bytes: no API key needed, signed and short-lived (see SimState.signDownload). */
export function directUrl(ctx: SimContext, md5hex: string, name: string): string {
  return `${ctx.origin}/storage/objects/${md5hex}?${ctx.state.signDownload(md5hex, name)}`;
}

function fileView(ctx: SimContext, name: string, md5b64: string, size: number, a: SimArtifact | null) {
  const hex = b64ToHex(md5b64);
  return {
    __typename: 'File',
    id: Buffer.from(`File:${hex}:${name}`).toString('base64'),
    name,
    displayName: name.split('/').pop(),
    digest: md5b64,
    md5: md5b64,
    sizeBytes: size,
    directUrl: directUrl(ctx, hex, name),
    url: () => directUrl(ctx, hex, name),
    uploadUrl: null,
    uploadHeaders: [],
    exists: ctx.state.objects.has(hex),
    isReference: false,
    artifact: a ? () => artifactView(ctx, a) : null,
  };
}

function projectView(ctx: SimContext, p: SimProject) {
  const { state } = ctx;
  return {
    __typename: 'Project',
    id: p.id,
    internalId: p.id,
    name: p.name,
    entityName: p.entity,
    createdAt: p.createdAt,
    entity: { id: Buffer.from(`Entity:${p.entity}`).toString('base64'), name: p.entity },
    run: (args: Args) => {
      const r = state.run(p.entity, p.name, String(args.name));
      return r ? runView(ctx, r) : null;
    },
    bucket: (args: Args) => {
      const r = state.run(p.entity, p.name, String(args.name));
      return r ? runView(ctx, r) : null;
    },
    artifact: (args: Args) => {
      const a = state.resolveName(p.entity, p.name, String(args.name));
      return a ? artifactView(ctx, a) : null;
    },
    artifactCollection: (args: Args) => {
      const s = state.sequence(p.entity, p.name, String(args.name));
      return s ? sequenceView(ctx, s) : null;
    },
    artifactCollectionMembership: (args: Args) => {
      const a = state.resolveName(p.entity, p.name, String(args.name));
      return a ? membershipView(ctx, a) : null;
    },
    artifactType: (args: Args) => {
      const seqs = [...state.sequences.values()].filter((s) => s.entity === p.entity && s.project === p.name && s.type === args.name);
      if (!seqs.length) return null;
      return {
        id: Buffer.from(`ArtifactType:${String(args.name)}`).toString('base64'),
        name: args.name,
        artifactCollection: (a: Args) => {
          const s = seqs.find((x) => x.name === a.name);
          return s ? sequenceView(ctx, s) : null;
        },
        artifactSequence: (a: Args) => {
          const s = seqs.find((x) => x.name === a.name);
          return s ? sequenceView(ctx, s) : null;
        },
      };
    },
  };
}

function runView(ctx: SimContext, r: SimRun): Record<string, unknown> {
  const { state } = ctx;
  const project = state.project(r.entity, r.project)!;
  const key = `${r.entity}/${r.project}/${r.name}`;
  return {
    __typename: 'Run',
    id: r.id,
    name: r.name,
    displayName: r.displayName,
    description: null,
    notes: r.notes,
    jobType: r.jobType,
    group: r.groupName,
    tags: r.tags,
    config: JSON.stringify(r.config),
    summaryMetrics: r.summary,
    sweepName: null,
    state: r.complete ? (r.exitcode === 0 ? 'finished' : 'failed') : 'running',
    historyLineCount: r.history.length,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    project: () => projectView(ctx, project),
    outputArtifacts: (args: Args) => connection([...state.artifacts.values()].filter((a) => a.createdBy === key), args, (a) => artifactView(ctx, a)),
    inputArtifacts: (args: Args) => connection([...state.artifacts.values()].filter((a) => a.usedBy.has(key)), args, (a) => artifactView(ctx, a)),
  };
}

function sequenceView(ctx: SimContext, s: SimSequence): Record<string, unknown> {
  const { state } = ctx;
  const latest = () => {
    const a = state.latestCommitted(s);
    return a ? artifactView(ctx, a) : null;
  };
  return {
    __typename: 'ArtifactSequence',
    id: s.id,
    name: s.name,
    description: null,
    createdAt: s.createdAt,
    updatedAt: null,
    state: 'READY',
    project: () => projectView(ctx, state.project(s.entity, s.project)!),
    defaultArtifactType: { id: Buffer.from(`ArtifactType:${s.type}`).toString('base64'), name: s.type },
    latestArtifact: latest,
    artifacts: (args: Args) => {
      const filters = typeof args.filters === 'string' ? (JSON.parse(args.filters) as { state?: string }) : {};
      const all = [...state.artifacts.values()].filter((a) => a.sequenceId === s.id && (!filters.state || a.state === filters.state));
      const ordered = all.sort((a, b) => (b.versionIndex ?? Infinity) - (a.versionIndex ?? Infinity));
      return connection(ordered, args, (a) => artifactView(ctx, a), (a) => ({ version: a.versionIndex === null ? 'pending' : `v${a.versionIndex}` }));
    },
    artifactMembership: (args: Args) => {
      const a = state.resolveName(s.entity, s.project, `${s.name}:${String(args.aliasName)}`);
      return a ? membershipView(ctx, a) : null;
    },
  };
}

function aliasesOf(ctx: SimContext, a: SimArtifact) {
  const seq = ctx.state.sequenceOf(a);
  return ctx.state.artifactAliases(a).map((alias) => ({
    __typename: 'ArtifactAlias',
    id: Buffer.from(`ArtifactAlias:${a.id}:${alias}`).toString('base64'),
    alias,
    artifactCollectionName: seq.name,
    artifactCollection: () => sequenceView(ctx, seq),
  }));
}

function membershipView(ctx: SimContext, a: SimArtifact) {
  return {
    id: Buffer.from(`ArtifactCollectionMembership:${a.id}`).toString('base64'),
    versionIndex: a.versionIndex,
    createdAt: a.createdAt,
    commitHash: null,
    aliases: aliasesOf(ctx, a),
    artifact: () => artifactView(ctx, a),
    artifactCollection: () => sequenceView(ctx, ctx.state.sequenceOf(a)),
    files: (args: Args) => filesConnection(ctx, a, args),
  };
}

function filesConnection(ctx: SimContext, a: SimArtifact, args: Args) {
  const entries = [...(a.contents ?? new Map())].filter(([, e]) => !e.ref);
  const names = Array.isArray(args.names) ? new Set(args.names as string[]) : null;
  const list = names ? entries.filter(([n]) => names.has(n)) : entries;
  return connection(list, args, ([name, e]) => fileView(ctx, name, e.digest, e.size ?? 0, a));
}

export function artifactView(ctx: SimContext, a: SimArtifact): Record<string, unknown> {
  const { state } = ctx;
  const seq = state.sequenceOf(a);
  const creator = a.createdBy ? state.runs.get(a.createdBy) : undefined;
  return {
    __typename: 'Artifact',
    id: a.id,
    digest: a.digest,
    state: a.state,
    versionIndex: a.versionIndex,
    commitHash: null,
    description: a.description,
    metadata: a.metadata,
    labels: null,
    historyStep: null,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
    size: state.artifactSize(a),
    storageBytes: state.artifactSize(a),
    fileCount: a.contents?.size ?? 0,
    ttlDurationSeconds: -1,
    ttlIsInherited: true,
    tags: [],
    aliases: () => aliasesOf(ctx, a),
    artifactType: { id: Buffer.from(`ArtifactType:${seq.type}`).toString('base64'), name: seq.type },
    artifactSequence: () => sequenceView(ctx, seq),
    currentManifest: () => {
      if (!a.manifest) return null;
      const uploaded = a.manifestObject;
      return {
        id: a.manifest.id,
        type: a.manifest.type,
        digest: a.manifest.digest,
        createdAt: a.createdAt,
        file: {
          id: Buffer.from(`File:${a.manifest.id}`).toString('base64'),
          name: a.manifest.name,
          displayName: a.manifest.name,
          directUrl: uploaded ? directUrl(ctx, uploaded, a.manifest.name) : `${ctx.origin}/storage/objects/missing`,
          uploadUrl: null,
          uploadHeaders: [],
          sizeBytes: uploaded ? (state.objects.get(uploaded)?.size ?? 0) : 0,
        },
      };
    },
    files: (args: Args) => filesConnection(ctx, a, args),
    filesByManifestEntries: (args: Args) => {
      if (args.storageLayout !== 'V2' && args.storageLayout !== 'V1') throw new SimError(`unknown storage layout ${String(args.storageLayout)}`, 400);
      if (args.manifestVersion !== '1') throw new SimError(`unsupported manifest version ${String(args.manifestVersion)}`, 400);
      const entries = (args.entries as { name: string; digest: string; size?: number | null }[] | null) ?? [];
      // Bytes are found by what the version's manifest says, never by whatever a client claims.
      for (const e of entries) {
        const own = a.contents?.get(e.name);
        if (!own || own.ref) throw new SimError(`filesByManifestEntries: ${e.name} is not a file of artifact ${a.id}`, 404);
        if (own.digest !== e.digest) throw new SimError(`filesByManifestEntries: ${e.name} has digest ${own.digest} in artifact ${a.id}, not ${e.digest}`, 400);
      }
      return connection(entries, { first: entries.length }, (e) => fileView(ctx, e.name, e.digest, e.size ?? 0, a));
    },
    createdBy: creator ? () => runView(ctx, creator) : null,
    usedBy: (args: Args) => connection([...a.usedBy].map((k) => state.runs.get(k)!).filter(Boolean), args, (r) => runView(ctx, r)),
  };
}

function uploadHeaders(md5b64: string): string[] {
  return [`Content-MD5:${md5b64}`, 'Content-Type:application/octet-stream'];
}

export function rootValue(): Record<string, (args: Args, ctx: SimContext) => unknown> {
  return {
    viewer: (_args, ctx) => ({
      id: ctx.user.id,
      entity: ctx.user.entity,
      username: ctx.user.username,
      email: ctx.user.email,
      name: ctx.user.username,
      flags: null,
      admin: false,
      teams: () => ({
        edges: ctx.user.teams.map((name) => ({ node: { id: Buffer.from(`Entity:${name}`).toString('base64'), name } })),
        pageInfo: { hasNextPage: false, hasPreviousPage: false, endCursor: null, startCursor: null },
      }),
    }),
    serverInfo: () => ({
      features: [
        { name: 'TOTAL_COUNT_IN_FILE_CONNECTION', isEnabled: true },
        { name: 'USE_ARTIFACT_WITH_ENTITY_AND_PROJECT_INFORMATION', isEnabled: false },
      ],
      cliVersionInfo: null,
      latestLocalVersionInfo: null,
    }),
    project: (args, ctx) => {
      const entity = (args.entityName as string | null) ?? ctx.user.entity;
      ctx.state.assertEntityAccess(ctx.user, entity);
      const p = ctx.state.project(entity, String(args.name));
      return p ? projectView(ctx, p) : null;
    },
    artifact: (args, ctx) => {
      const a = ctx.state.artifacts.get(String(args.id));
      if (!a) return null;
      ctx.state.assertEntityAccess(ctx.user, ctx.state.sequenceOf(a).entity);
      return artifactView(ctx, a);
    },
    clientIDMapping: (args, ctx) => {
      const id = ctx.state.clientIds.get(String(args.clientID));
      return id ? { clientID: args.clientID, serverID: id } : null;
    },
    upsertBucket: (args, ctx) => {
      const { run, inserted } = ctx.state.upsertRun(ctx.user, args.input as Parameters<SimState['upsertRun']>[1]);
      return { bucket: runView(ctx, run), inserted };
    },
    createRunFiles: (args, ctx) => {
      const input = args.input as { entityName: string; projectName: string; runName: string; files: string[] };
      ctx.state.assertEntityAccess(ctx.user, input.entityName);
      const run = ctx.state.run(input.entityName, input.projectName, input.runName);
      if (!run) throw new SimError(`run ${input.runName} not found`, 404);
      return {
        runID: run.id,
        uploadHeaders: [],
        files: input.files.map((name) => ({
          name,
          uploadUrl: `${ctx.origin}/storage/upload/${ctx.state.issueTicket({ kind: 'run-file', md5b64: null, artifactId: null, sequenceId: null, name, runKey: `${run.entity}/${run.project}/${run.name}` })}`,
        })),
      };
    },
    createArtifact: (args, ctx) => {
      const a = ctx.state.createArtifact(ctx.user, args.input as Parameters<SimState['createArtifact']>[1]);
      return { artifact: artifactView(ctx, a), artifactActions: [] };
    },
    createArtifactManifest: (args, ctx) => {
      const { record, artifact } = ctx.state.createArtifactManifest(ctx.user, args.input as Parameters<SimState['createArtifactManifest']>[1]);
      return { artifactManifest: manifestView(ctx, record.id, artifact) };
    },
    updateArtifactManifest: (args, ctx) => {
      const { record, artifact } = ctx.state.updateArtifactManifest(ctx.user, args.input as Parameters<SimState['updateArtifactManifest']>[1]);
      return { artifactManifest: manifestView(ctx, record.id, artifact) };
    },
    createArtifactFiles: (args, ctx) => {
      const input = args.input as { artifactFiles: { artifactID: string; name: string; md5: string; artifactManifestID?: string | null; uploadPartsInput?: unknown }[]; storageLayout: string };
      if (input.storageLayout !== 'V2' && input.storageLayout !== 'V1') throw new SimError(`unknown storage layout ${input.storageLayout}`, 400);
      const nodes = input.artifactFiles.map((spec) => {
        if (spec.uploadPartsInput) throw new SimError('multipart uploads are not supported by this simulator', 400);
        const r = ctx.state.createArtifactFile(ctx.user, spec);
        const birth = ctx.state.artifacts.get(r.birthArtifactId)!;
        return {
          name: spec.name,
          displayName: spec.name.split('/').pop(),
          storagePath: `wandb_artifacts/${r.md5hex}`,
          uploadUrl: r.ticket ? `${ctx.origin}/storage/upload/${r.ticket}` : null,
          uploadHeaders: r.ticket ? uploadHeaders(spec.md5) : [],
          uploadMultipartUrls: null,
          artifact: { id: birth.id },
        };
      });
      return { files: () => ({ edges: nodes.map((node, i) => ({ cursor: String(i), node })), pageInfo: { hasNextPage: false, hasPreviousPage: false }, uploadHeaders: [] }) };
    },
    commitArtifact: (args, ctx) => {
      const input = args.input as { artifactID: string };
      const a = ctx.state.commitArtifact(ctx.user, input.artifactID);
      return { artifact: artifactView(ctx, a) };
    },
    useArtifact: (args, ctx) => {
      const input = args.input as { artifactID: string; entityName: string; projectName: string; runName: string };
      const { artifact, run } = ctx.state.useArtifact(ctx.user, input);
      return { artifact: artifactView(ctx, artifact), run: runView(ctx, run) };
    },
  };
}

function manifestView(ctx: SimContext, id: string, a: SimArtifact) {
  const ticket = ctx.state.manifestTicket(a);
  return {
    id,
    type: a.manifest!.type,
    digest: a.manifest!.digest,
    createdAt: a.createdAt,
    file: {
      id: Buffer.from(`File:${id}`).toString('base64'),
      name: a.manifest!.name,
      uploadUrl: ticket ? `${ctx.origin}/storage/upload/${ticket}` : null,
      uploadHeaders: ticket ? uploadHeaders(a.manifest!.digest) : [],
    },
  };
}
