import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WandbClient } from '../../src/main/core/wandb/client';
import { fastPolicies, WandbError, type RequestRecord } from '../../src/main/core/wandb/http';
import { artifactDigest, b64md5, randomClientId, randomRunId, serializeManifest, type ManifestEntry } from '../../src/main/core/wandb/manifest';
import { startWandbSim, type WandbSim } from '../../src/main/sim/wandb/server';
import { SIM_ENTITY, SIM_KEY } from '../helpers/sync';

/**
 * The simulator over real HTTP: it must reject what W&B would reject (a fake that accepts
 * anything proves nothing), and the client must retry what the SDK retries — no more, no less.
 */

describe('W&B simulator and client', () => {
  let sim: WandbSim;
  let waits: number[];
  const client = (over: { apiKey?: string } = {}) =>
    new WandbClient({
      baseUrl: sim.url,
      apiKey: over.apiKey ?? SIM_KEY,
      policies: fastPolicies(),
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
  const post = (body: unknown, key = SIM_KEY) =>
    fetch(`${sim.url}/graphql`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: `Basic ${Buffer.from(`api:${key}`).toString('base64')}` },
      body: JSON.stringify(body),
    });

  beforeEach(async () => {
    sim = await startWandbSim();
    waits = [];
  });
  afterEach(async () => {
    await sim.close();
  });

  /** A run plus a committed version holding `files`, through the real client. */
  async function logVersion(c: WandbClient, files: Record<string, Buffer>, base: { id: string; contents: Map<string, ManifestEntry> } | null = null) {
    const run = await c.upsertRun({ name: randomRunId(), project: 'p', entity: SIM_ENTITY, jobType: 'dataset-build' });
    const contents = new Map(base?.contents ?? []);
    for (const [path, bytes] of Object.entries(files)) contents.set(path, { digest: b64md5(bytes), size: bytes.length });
    const created = await c.createArtifact({
      entityName: run.entity,
      projectName: run.project,
      artifactTypeName: 'dataset',
      artifactCollectionName: 'ds',
      runName: run.name,
      digest: artifactDigest(contents),
      description: null,
      aliases: ['latest'],
      metadata: {},
      clientID: randomClientId(),
      sequenceClientID: randomClientId(),
    });
    const m = await c.createArtifactManifest({ artifactID: created.id, baseArtifactID: base?.id ?? null, digest: '', entityName: run.entity, projectName: run.project, runName: run.name, includeUpload: false });
    const specs = Object.entries(files).map(([name, bytes]) => ({ artifactID: created.id, name, md5: b64md5(bytes), artifactManifestID: m.id }));
    const targets = specs.length ? await c.createArtifactFiles(specs) : [];
    let uploaded = 0;
    for (const [i, spec] of specs.entries()) {
      const t = targets[i]!;
      contents.set(spec.name, { digest: spec.md5, birthArtifactID: t.birthArtifactId, size: files[spec.name]!.length });
      if (t.uploadUrl) {
        await c.upload(t.uploadUrl, t.uploadHeaders, files[spec.name]!, spec.name);
        uploaded++;
      }
    }
    const manifest = serializeManifest(contents);
    const m2 = await c.createArtifactManifest({ artifactID: created.id, baseArtifactID: base?.id ?? null, digest: b64md5(manifest), entityName: run.entity, projectName: run.project, runName: run.name, includeUpload: true });
    await c.upload(m2.uploadUrl!, m2.uploadHeaders, manifest, 'manifest');
    const committed = await c.commitArtifact(created.id);
    return { id: committed.id, contents, uploaded, run };
  }

  it('answers 401 for a missing or wrong key, on GraphQL and the file stream, and the client does not retry it', async () => {
    expect((await post({ query: 'query Viewer { viewer { id } }' }, 'local-' + 'b'.repeat(40))).status).toBe(401);
    const res = await fetch(`${sim.url}/graphql`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"query":"{ viewer { id } }"}' });
    expect(res.status).toBe(401);
    const fs = await fetch(`${sim.url}/files/${SIM_ENTITY}/p/r/file_stream`, { method: 'POST', body: '{}' });
    expect(fs.status).toBe(401);
    await expect(client({ apiKey: 'local-' + 'c'.repeat(40) }).viewer()).rejects.toMatchObject({ kind: 'auth', status: 401 });
    expect(sim.stats.rejected.unauthorized).toBe(4);
    expect(waits).toEqual([]);
  });

  it('rejects documents that do not validate against the schema, with 400', async () => {
    const res = await post({ query: 'query Q { viewer { id password } }', operationName: 'Q' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { errors: { message: string }[] }).errors[0]!.message).toMatch(/Cannot query field "password"/);
    expect((await post({ query: 'mutation M { commitArtifact(input: {}) { artifact { id } } }', operationName: 'M' })).status).toBe(400);
    expect(sim.stats.rejected.invalidDocuments).toBe(2);
  });

  it('gives the viewer’s default entity and teams, and refuses entities the key cannot write to with 403', async () => {
    const c = client();
    expect(await c.viewer()).toMatchObject({ entity: SIM_ENTITY, teams: ['acme'] });
    await expect(c.upsertRun({ name: randomRunId(), project: 'p', entity: 'someone-else' })).rejects.toMatchObject({ kind: 'permission', status: 403 });
    const run = await c.upsertRun({ name: 'abcd1234', project: 'p', entity: null, config: { batch: 1 } });
    expect(run).toMatchObject({ entity: SIM_ENTITY, project: 'p', name: 'abcd1234', inserted: true });
    expect(sim.state.run(SIM_ENTITY, 'p', 'abcd1234')!.config).toEqual({ batch: { value: 1 } });
  });

  it('commits a version only when every entry’s bytes were uploaded and the digest matches the manifest', async () => {
    const c = client();
    const files = { 'a.txt': Buffer.from('hello world\n'), 'media/images/x.png': Buffer.from('png bytes') };
    const v0 = await logVersion(c, files);
    const state = await c.artifactState(v0.id);
    expect(state).toMatchObject({ state: 'COMMITTED', versionIndex: 0, aliases: ['latest'] });
    expect(v0.uploaded).toBe(2);

    // Identical bytes in a new version: W&B already has them, no upload URL, birth artifact = v0.
    const v1 = await logVersion(c, { 'b.txt': Buffer.from('new'), 'copy.txt': Buffer.from('hello world\n') }, { id: v0.id, contents: v0.contents });
    expect(v1.uploaded).toBe(1);
    expect(v1.contents.get('copy.txt')!.birthArtifactID).toBe(v0.id);
    const latest = await c.artifactByName(SIM_ENTITY, 'p', 'ds:latest');
    expect(latest).toMatchObject({ id: v1.id, versionIndex: 1, typeName: 'dataset' });
    expect((await c.artifactByName(SIM_ENTITY, 'p', 'ds:v0'))!.aliases).toEqual([]);
    const view = sim.dataset({ entity: SIM_ENTITY, project: 'p', collection: 'ds' })!;
    expect([...view.entries.keys()].sort()).toEqual(['a.txt', 'b.txt', 'copy.txt', 'media/images/x.png']);
    expect(view.problems).toEqual([]);
  });

  it('refuses a commit whose manifest lists bytes never uploaded, or whose digest differs from createArtifact’s', async () => {
    const c = client();
    const run = await c.upsertRun({ name: randomRunId(), project: 'p', entity: SIM_ENTITY });
    const make = async (contents: Map<string, ManifestEntry>, digest: string) => {
      const created = await c.createArtifact({
        entityName: SIM_ENTITY,
        projectName: 'p',
        artifactTypeName: 'dataset',
        artifactCollectionName: 'ds',
        runName: run.name,
        digest,
        description: null,
        aliases: ['latest'],
        metadata: {},
        clientID: randomClientId(),
        sequenceClientID: randomClientId(),
      });
      const manifest = serializeManifest(contents);
      await c.createArtifactManifest({ artifactID: created.id, baseArtifactID: null, digest: '', entityName: SIM_ENTITY, projectName: 'p', runName: run.name, includeUpload: false });
      const m2 = await c.createArtifactManifest({ artifactID: created.id, baseArtifactID: null, digest: b64md5(manifest), entityName: SIM_ENTITY, projectName: 'p', runName: run.name, includeUpload: true });
      await c.upload(m2.uploadUrl!, m2.uploadHeaders, manifest, 'manifest');
      return created.id;
    };
    const missing = new Map([['never.txt', { digest: b64md5('never'), size: 5, birthArtifactID: 'QXJ0aWZhY3Q6OTk=' }]]);
    const id1 = await make(missing, artifactDigest(missing));
    await expect(c.commitArtifact(id1)).rejects.toThrow(/never uploaded/);
    const id2 = await make(new Map(), 'f'.repeat(32));
    await expect(c.commitArtifact(id2)).rejects.toThrow(/is not the artifact digest/);
    expect(await c.artifactState(id1)).toMatchObject({ state: 'PENDING', versionIndex: null });
  });

  it('checks uploaded bytes against the declared MD5 and the signed Content-MD5 header', async () => {
    const c = client();
    const run = await c.upsertRun({ name: randomRunId(), project: 'p', entity: SIM_ENTITY });
    const created = await c.createArtifact({
      entityName: SIM_ENTITY,
      projectName: 'p',
      artifactTypeName: 'dataset',
      artifactCollectionName: 'ds',
      runName: run.name,
      digest: 'a'.repeat(32),
      description: null,
      aliases: ['latest'],
      metadata: {},
      clientID: randomClientId(),
      sequenceClientID: randomClientId(),
    });
    const [t] = await c.createArtifactFiles([{ artifactID: created.id, name: 'x.bin', md5: b64md5('right bytes'), artifactManifestID: '' }].map((s) => ({ ...s, artifactManifestID: null as unknown as string })));
    expect(t!.uploadHeaders).toContain(`Content-MD5:${b64md5('right bytes')}`);
    const wrong = await fetch(t!.uploadUrl!, { method: 'PUT', headers: { 'Content-MD5': b64md5('right bytes') }, body: 'wrong bytes' });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toMatch(/BadDigest/);
    const unsigned = await fetch(t!.uploadUrl!, { method: 'PUT', body: 'right bytes' });
    expect(unsigned.status).toBe(403);
    await expect(c.upload(t!.uploadUrl!, t!.uploadHeaders, Buffer.from('wrong bytes'), 'x.bin')).rejects.toMatchObject({ kind: 'http', status: 400 });
    await c.upload(t!.uploadUrl!, t!.uploadHeaders, Buffer.from('right bytes'), 'x.bin');
    expect(sim.state.objects.has(createHash('md5').update('right bytes').digest('hex'))).toBe(true);
  });

  it('refuses to log another type into an existing collection, and invalid names', async () => {
    const c = client();
    await logVersion(c, { 'a.txt': Buffer.from('a') });
    const run = await c.upsertRun({ name: randomRunId(), project: 'p', entity: SIM_ENTITY });
    const base = { entityName: SIM_ENTITY, projectName: 'p', runName: run.name, digest: 'b'.repeat(32), description: null, aliases: ['latest'], metadata: {}, clientID: randomClientId(), sequenceClientID: randomClientId() };
    await expect(c.createArtifact({ ...base, artifactTypeName: 'model', artifactCollectionName: 'ds' })).rejects.toMatchObject({ kind: 'http', status: 409 });
    await expect(c.createArtifact({ ...base, artifactTypeName: 'dataset', artifactCollectionName: 'bad/name' })).rejects.toMatchObject({ status: 400 });
    await expect(c.createArtifact({ ...base, artifactTypeName: 'dataset', artifactCollectionName: 'ds', aliases: ['v3'] })).rejects.toThrow(/reserved/);
  });

  it('retries 429 after exactly the Retry-After it was given, and 5xx with exponential backoff', async () => {
    sim.faults.add({ route: 'graphql', operation: 'Viewer', action: { kind: 'status', status: 429, retryAfter: '1.5' }, times: 1 });
    sim.faults.add({ route: 'graphql', operation: 'Viewer', action: { kind: 'status', status: 503 }, times: 2 });
    expect(await client().viewer()).toMatchObject({ entity: SIM_ENTITY });
    expect(waits[0]).toBe(1500);
    expect(waits.slice(1)).toHaveLength(2);
    expect(sim.stats.operations.Viewer).toBe(1);
    expect(sim.faults.log.map((f) => f.kind)).toEqual(['status', 'status', 'status']);
  });

  it('does not retry final statuses, retries 409 only for upsertBucket, and gives up after the retry budget', async () => {
    sim.faults.add({ route: 'graphql', operation: 'Viewer', action: { kind: 'status', status: 404 }, times: 1 });
    await expect(client().viewer()).rejects.toMatchObject({ kind: 'http', status: 404 });
    expect(waits).toEqual([]);
    sim.faults.add({ route: 'graphql', operation: 'UpsertBucket', action: { kind: 'status', status: 409 }, times: 2 });
    await client().upsertRun({ name: randomRunId(), project: 'p', entity: SIM_ENTITY });
    expect(waits).toHaveLength(2);
    waits = [];
    sim.faults.add({ route: 'graphql', operation: 'Viewer', action: { kind: 'status', status: 500 } });
    const err = await client().viewer().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WandbError);
    expect((err as WandbError).kind).toBe('exhausted');
    expect((err as WandbError).message).toMatch(/after 21 attempts; last: HTTP 500/);
    expect(waits).toHaveLength(20);
  });

  it('survives connections reset mid-upload and slow answers', async () => {
    sim.faults.add({ route: 'upload', action: { kind: 'reset' }, times: 2 });
    sim.faults.add({ route: 'graphql', operation: 'CommitArtifact', action: { kind: 'delay', ms: 300 }, times: 1 });
    const v = await logVersion(client(), { 'big.bin': Buffer.alloc(256 * 1024, 7) });
    expect(v.uploaded).toBe(1);
    expect(sim.faults.log.filter((f) => f.kind === 'reset')).toHaveLength(2);
    expect(sim.dataset({ entity: SIM_ENTITY, project: 'p', collection: 'ds' })!.problems).toEqual([]);
  });

  it('says "unreachable" quickly when nothing listens, instead of retrying for minutes', async () => {
    await sim.suspend();
    const err = await client().viewer().catch((e: unknown) => e);
    expect((err as WandbError).kind).toBe('unreachable');
    expect(waits.length).toBeLessThanOrEqual(fastPolicies().graphql.maxUnreachableRetries);
    await sim.resume();
    expect(await client().viewer()).toMatchObject({ entity: SIM_ENTITY });
  });

  it('refuses a URL fetch cannot use (bad port, not http(s), not a URL) at once, as a setting to fix, without retrying', async () => {
    // 6000 (X11) is on the Fetch standard's bad-port list: undici refuses it before connecting.
    const requests: RequestRecord[] = [];
    const bad = new WandbClient({ baseUrl: 'http://127.0.0.1:6000', apiKey: SIM_KEY, policies: fastPolicies(), sleep: async (ms) => void waits.push(ms), onRequest: (r) => requests.push(r) });
    const err = await bad.viewer().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WandbError);
    expect(err).toMatchObject({ kind: 'config', status: null });
    expect((err as WandbError).message).toBe(
      'The W&B URL http://127.0.0.1:6000 cannot be used: port 6000 is one that fetch refuses to connect to (a "bad port" of the Fetch standard, kept for other protocols such as X11 on 6000); ' +
        'use the port the W&B server listens on, e.g. 8080, 443 or 80. Fix the W&B base URL in Settings → Weights & Biases (or WANDB_BASE_URL, used when none is saved there).',
    );
    expect(requests).toHaveLength(1);
    expect(waits).toEqual([]);
    // The same for a storage URL on such a port.
    await expect(client().upload('http://127.0.0.1:6665/bucket/x', [], Buffer.from('x'), 'x')).rejects.toMatchObject({ kind: 'config', message: expect.stringContaining('port 6665') });
    expect(waits).toEqual([]);
    // A base URL that is not http(s) or not a URL never reaches fetch.
    for (const baseUrl of ['ftp://127.0.0.1:8080', 'localhost 8080']) {
      expect(() => new WandbClient({ baseUrl, apiKey: SIM_KEY })).toThrow(expect.objectContaining({ kind: 'config', message: expect.stringContaining('Fix the W&B base URL in Settings') }));
    }
  });

  it('fails at once on https:// to a server that speaks plain HTTP, naming TLS, without retrying', async () => {
    const requests: RequestRecord[] = [];
    const tls = new WandbClient({ baseUrl: sim.url.replace('http://', 'https://'), apiKey: SIM_KEY, policies: fastPolicies(), sleep: async (ms) => void waits.push(ms), onRequest: (r) => requests.push(r) });
    const err = await tls.viewer().catch((e: unknown) => e);
    expect(err).toMatchObject({
      kind: 'http',
      status: null,
      message: `W&B Viewer failed: TLS with ${new URL(sim.url).host} failed: the server does not speak TLS on that port (is it an http:// address?) (ERR_SSL_WRONG_VERSION_NUMBER)`,
    });
    expect(requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('refuses a run tag that is empty or longer than 64 characters, as W&B does, and creates no run', async () => {
    const c = client();
    const name = randomRunId();
    for (const tag of ['x'.repeat(65), '', `${'é'.repeat(64)}!`]) {
      const err = await c.upsertRun({ name, project: 'p', entity: SIM_ENTITY, tags: ['ok', tag] }).catch((e: unknown) => e);
      expect(err, JSON.stringify(tag)).toMatchObject({ kind: 'http', status: 400, message: expect.stringContaining('a run tag must be 1 to 64 characters long') });
    }
    expect(sim.state.run(SIM_ENTITY, 'p', name)).toBeUndefined();
    expect(waits).toEqual([]);
    // 64 characters are fine, counted as characters (code points), not UTF-16 units or bytes.
    const longest = ['y'.repeat(64), '😀'.repeat(64)];
    await c.upsertRun({ name, project: 'p', entity: SIM_ENTITY, tags: longest });
    expect(sim.state.run(SIM_ENTITY, 'p', name)!.tags).toEqual(longest);
  });

  it('keeps the file stream: history by offset, last summary, complete with exit code', async () => {
    const c = client();
    const run = await c.upsertRun({ name: 'fsrun001', project: 'p', entity: SIM_ENTITY });
    await c.fileStream(SIM_ENTITY, 'p', run.name, { files: { 'wandb-history.jsonl': { offset: 0, content: ['{"a":1}', '{"a":2}'] }, 'wandb-summary.json': { offset: 0, content: ['{"a":2}'] } } });
    await c.fileStream(SIM_ENTITY, 'p', run.name, { files: { 'wandb-history.jsonl': { offset: 1, content: ['{"a":3}'] } } });
    await c.fileStream(SIM_ENTITY, 'p', run.name, {});
    await c.fileStream(SIM_ENTITY, 'p', run.name, { complete: true, exitcode: 0 });
    const r = sim.state.run(SIM_ENTITY, 'p', run.name)!;
    expect(r).toMatchObject({ history: ['{"a":1}', '{"a":3}'], summary: '{"a":2}', complete: true, exitcode: 0 });
    await expect(c.fileStream(SIM_ENTITY, 'p', run.name, { files: { 'wandb-history.jsonl': { offset: 9, content: ['{}'] } } })).rejects.toMatchObject({ status: 400 });
    await expect(c.fileStream(SIM_ENTITY, 'p', 'nope', {})).rejects.toMatchObject({ status: 404 });
  });

  it('lists committed versions (ProjectArtifacts), hands out presigned download URLs per manifest entry, and refuses altered or expired ones', async () => {
    const c = client();
    expect(await c.listArtifactVersions(SIM_ENTITY, 'p', 'dataset', 'ds')).toEqual([]);
    const v0 = await logVersion(c, { 'a.txt': Buffer.from('first') });
    const v1 = await logVersion(c, { 'b.txt': Buffer.from('second') }, { id: v0.id, contents: v0.contents });
    const listed = await c.listArtifactVersions(SIM_ENTITY, 'p', 'dataset', 'ds', 1); // one per page: the cursor is followed
    expect(listed.map((v) => [v.id, v.versionIndex, v.state])).toEqual([
      [v0.id, 0, 'COMMITTED'],
      [v1.id, 1, 'COMMITTED'],
    ]);
    expect(listed[1]!.aliases).toEqual(['latest']);
    expect(await c.listArtifactVersions(SIM_ENTITY, 'p', 'model', 'ds')).toEqual([]);

    const manifestUrl = await c.artifactManifestUrl(v1.id);
    expect(manifestUrl).toMatch(/X-Amz-Signature=/);
    const entries = [...v1.contents].map(([name, e]) => ({ name, digest: e.digest, birthArtifactID: e.birthArtifactID, size: e.size }));
    const urls = await c.fileUrlsByManifestEntries(v1.id, entries);
    expect((await c.download(urls.get('a.txt')!, 'a.txt')).toString()).toBe('first');
    expect((await c.download(urls.get('b.txt')!, 'b.txt')).toString()).toBe('second');
    // No key needed (presigned), but the signature must match and not be expired.
    expect((await fetch(urls.get('a.txt')!)).status).toBe(200);
    expect((await fetch(urls.get('a.txt')!.replace(/X-Amz-Signature=[0-9a-f]/, 'X-Amz-Signature=z'))).status).toBe(403);
    expect((await fetch(urls.get('a.txt')!.replace(/name=a.txt/, 'name=b.txt'))).status).toBe(403);
    // An entry the version does not hold, or with another digest, gets no URL.
    await expect(c.fileUrlsByManifestEntries(v0.id, [entries.find((e) => e.name === 'b.txt')!])).rejects.toMatchObject({ status: 404 });
    await expect(c.fileUrlsByManifestEntries(v1.id, [{ ...entries[0]!, digest: b64md5('other') }])).rejects.toMatchObject({ status: 400 });
  });

  it('expires download URLs after their time to live', async () => {
    await sim.close();
    let now = Date.parse('2026-01-01T00:00:00Z');
    sim = await startWandbSim({ clock: () => new Date(now), urlTtlMs: 60_000 });
    const c = client();
    const v0 = await logVersion(c, { 'a.txt': Buffer.from('first') });
    const [url] = [...(await c.fileUrlsByManifestEntries(v0.id, [{ name: 'a.txt', digest: b64md5('first') }])).values()];
    now += 61_000;
    const res = await fetch(url!);
    expect(res.status).toBe(403);
    expect(await res.text()).toMatch(/expired/);
  });
});
