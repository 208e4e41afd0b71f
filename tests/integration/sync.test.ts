import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import type { SyncEngine } from '../../src/main/core/sync';
import { partitionPath } from '../../src/main/core/sync/dataset';
import { defaultPolicies } from '../../src/main/core/wandb/http';
import { startWandbSim, type WandbSim } from '../../src/main/sim/wandb/server';
import { openTestCore, tempDir } from '../helpers/core';
import { addDocuments, createSyncProject, SIM_ENTITY, SIM_KEY, syncEngineFor, verifyDocument, type SeededDocument } from '../helpers/sync';

const PROJECT = 'biz-doc-vqa';
const COLLECTION = 'business-ocr-vqa-dataset';

describe('sync to W&B over real HTTP', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: Core;
  let sim: WandbSim;
  let engine: SyncEngine | null;
  let projectId: string;

  beforeEach(async () => {
    dir = tempDir();
    sim = await startWandbSim();
    core = await openTestCore(join(dir.path, 'data'));
    await core.api['settings.update']({ annotatorName: 'Ada' });
    projectId = await createSyncProject(core);
    engine = null;
  });
  afterEach(async () => {
    await engine?.stop();
    await core.close();
    await sim.close();
    dir.cleanup();
  });

  const dataset = () => sim.dataset({ entity: SIM_ENTITY, project: PROJECT, collection: COLLECTION, checkImages: true });
  const outbox = () =>
    Object.fromEntries((core.db.prepare("SELECT state, COUNT(*) AS n FROM outbox GROUP BY state").all() as { state: string; n: number }[]).map((r) => [r.state, r.n]));
  /** (annotation id, version) of every row in the union of the dataset's partitions, with counts. */
  const versionsInDataset = () => {
    const counts = new Map<string, number>();
    for (const row of dataset()?.rows ?? []) {
      const key = `${String(row.annotation_id)}@${String(row.annotation_version)}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return counts;
  };
  const verifyAll = async (docs: SeededDocument[]) => {
    const out: { annotationId: string; version: number }[] = [];
    for (const d of docs) out.push(await verifyDocument(core, projectId, d));
    return out;
  };

  it('syncs 1,000 verified documents in batches: every annotation version exactly once, digests and images intact', { timeout: 300_000 }, async () => {
    const docs = await addDocuments(core, projectId, { count: 1000 });
    const verified = await verifyAll(docs);
    engine = syncEngineFor(core, sim);
    await engine.updateConfig({ batchSize: 300 });
    const { jobs } = await engine.syncNow();

    expect(jobs.map((j) => [j.state, j.documents, j.artifactVersion])).toEqual([
      ['completed', 300, 'v0'],
      ['completed', 300, 'v1'],
      ['completed', 300, 'v2'],
      ['completed', 100, 'v3'],
    ]);
    expect(outbox()).toEqual({ done: 1000 });
    const view = dataset()!;
    expect(view.problems).toEqual([]);
    expect(view.versionIndex).toBe(3);
    expect(view.aliases).toContain('latest');
    expect(view.partitions).toHaveLength(4);
    const counts = versionsInDataset();
    expect(counts.size).toBe(1000);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    for (const v of verified) expect(counts.get(`${v.annotationId}@${v.version}`)).toBe(1);

    // A row carries the boxes with class ids and transcriptions, and the QA pairs with evidence boxes.
    const row = view.rows.find((r) => r.document_id === docs[0]!.documentId)!;
    const image = row.image as { boxes: { ground_truth: { class_id: number; box_caption: string; domain: string; position: { minX: number } }[] }; classes: { path: string } };
    expect(image.boxes.ground_truth).toHaveLength(docs[0]!.truth.boxes.length);
    const first = docs[0]!.truth.boxes[0]!;
    expect(image.boxes.ground_truth[0]).toMatchObject({ box_caption: first.text, domain: 'pixel', position: { minX: first.x } });
    const qa = JSON.parse(row.qa as string) as { question: string; answer: string | null; evidence: { box_id: string; page: number }[] }[];
    expect(qa.map((q) => q.question)).toEqual(docs[0]!.truth.qa.map((q) => q.question));
    expect(qa[0]!.evidence.map((e) => e.box_id)).toEqual(docs[0]!.truth.qa[0]!.evidenceBoxIds);
    expect(row).toMatchObject({ annotator: 'Ada', annotation_version: 1, page: 1, project: 'Invoices' });

    // Each version was made by its run, which finished with a summary; uploads never repeated.
    const versions = sim.state.versions(sim.state.sequence(SIM_ENTITY, PROJECT, COLLECTION)!);
    for (const [i, v] of versions.entries()) {
      const run = sim.state.runs.get(v.createdBy!)!;
      expect(run).toMatchObject({ jobType: 'dataset-build', complete: true, exitcode: 0 });
      expect(JSON.parse(run.summary!)).toMatchObject({ documents: jobs[i]!.documents });
    }
    const uploadedImages = sim.state.uploads.filter((u) => u.name.startsWith('media/images/'));
    expect(uploadedImages).toHaveLength(1000);
    expect(new Set(uploadedImages.map((u) => u.md5hex)).size).toBe(1000);
  });

  it('never re-uploads an unchanged image: a new version of a document, or another annotator, carries it over', async () => {
    const docs = await addDocuments(core, projectId, { count: 6 });
    await verifyAll(docs);
    engine = syncEngineFor(core, sim);
    await engine.syncNow();
    const before = sim.state.uploads.length;

    // Edit three verified documents into version 2 and verify again: same page images.
    for (const d of docs.slice(0, 3)) {
      const state = await core.api['annotations.get']({ projectId, documentId: d.documentId });
      await core.api['annotations.save']({ projectId, documentId: d.documentId, baseRevision: state.revision, upsertBoxes: [{ ...state.boxes[0]!, transcription: 'corrected' }] });
      await core.api['annotations.verify']({ projectId, documentId: d.documentId });
    }
    const { jobs } = await engine.syncNow();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ state: 'completed', documents: 3, artifactVersion: 'v1', newFiles: 1 });
    const newUploads = sim.state.uploads.slice(before);
    expect(newUploads.map((u) => u.kind === 'manifest' ? 'manifest' : u.name.split('/')[0])).toEqual(['parts', 'manifest']);
    const counts = versionsInDataset();
    expect(counts.size).toBe(9);
    expect([...counts.keys()].filter((k) => k.endsWith('@2'))).toHaveLength(3);
    expect(dataset()!.problems).toEqual([]);
  });

  it('fails the job cleanly on a bad key (401), says what to do, leaves the outbox intact, and drains once the key is fixed', async () => {
    const docs = await addDocuments(core, projectId, { count: 4 });
    await verifyAll(docs);
    let key = 'local-' + 'x'.repeat(40);
    engine = syncEngineFor(core, sim, { credentials: () => ({ apiKey: key, baseUrl: sim.url, entity: null, project: PROJECT }) });
    const first = await engine.syncNow();
    expect(first.jobs).toHaveLength(1);
    expect(first.jobs[0]).toMatchObject({ state: 'failed', error: expect.stringMatching(/rejected the API key \(HTTP 401\)\. Enter a valid key in Settings/) });
    expect(first.status).toMatchObject({ state: 'needs_attention', message: expect.stringMatching(/Nothing was lost/) });
    expect(core.db.prepare('SELECT state, attempts FROM outbox').all()).toEqual(Array(4).fill({ state: 'pending', attempts: 0 }));
    expect(sim.state.artifacts.size).toBe(0);
    // Automatic triggers wait for the user instead of hammering W&B with a bad key…
    await engine.updateConfig({ maxWaitMinutes: 0 });
    expect(await engine.trigger('interval')).toEqual([]);
    // …until the key changes. A 401 in the middle of a build fails that job the same way.
    key = (await import('../helpers/sync')).SIM_KEY;
    sim.faults.add({ route: 'graphql', operation: 'UpsertBucket', action: { kind: 'unauthorized' }, times: 1 });
    const second = await engine.trigger('interval');
    expect(second[0]).toMatchObject({ state: 'failed', error: expect.stringMatching(/HTTP 401/) });
    expect(core.db.prepare('SELECT DISTINCT state, attempts FROM outbox').all()).toEqual([{ state: 'pending', attempts: 0 }]);
    const third = await engine.syncNow();
    expect(third.jobs[0]).toMatchObject({ state: 'completed', documents: 4, artifactVersion: 'v0' });
    expect(outbox()).toEqual({ done: 4 });
  });

  it('fails the job at once on a base URL fetch refuses (bad port), says which setting to fix, leaves the outbox intact, and drains once it is fixed', async () => {
    await verifyAll(await addDocuments(core, projectId, { count: 3 }));
    // The SDK's policies (20 retries, backoff from 2 s): a bad port classed as a network failure would retry for minutes.
    let baseUrl = 'http://127.0.0.1:6000';
    engine = syncEngineFor(core, sim, { policies: defaultPolicies, credentials: () => ({ apiKey: SIM_KEY, baseUrl, entity: null, project: PROJECT }) });
    const t0 = performance.now();
    const first = await engine.syncNow();
    expect(performance.now() - t0).toBeLessThan(5_000);
    expect(first.jobs).toHaveLength(1);
    const says = /^The W&B URL http:\/\/127\.0\.0\.1:6000 cannot be used: port 6000 is one that fetch refuses to connect to .*Fix the W&B base URL in Settings → Weights & Biases \(or WANDB_BASE_URL, used when none is saved there\)\. Then press Sync now\. Nothing was lost: verified work waits in the outbox\.$/;
    expect(first.jobs[0]).toMatchObject({ state: 'failed', error: expect.stringMatching(says) });
    expect(first.status).toMatchObject({ state: 'needs_attention', message: expect.stringMatching(says) });
    expect(core.db.prepare('SELECT state, attempts FROM outbox').all()).toEqual(Array(3).fill({ state: 'pending', attempts: 0 }));
    // Automatic triggers wait for the user; the fixed URL drains.
    await engine.updateConfig({ maxWaitMinutes: 0 });
    expect(await engine.trigger('interval')).toEqual([]);
    baseUrl = sim.url;
    const fixed = await engine.syncNow();
    expect(fixed.jobs[0]).toMatchObject({ state: 'completed', documents: 3 });
    expect(outbox()).toEqual({ done: 3 });
  });

  it('fails the job when the key has no access to the entity (403), outbox intact', async () => {
    await verifyAll(await addDocuments(core, projectId, { count: 2 }));
    engine = syncEngineFor(core, sim, { entity: 'someone-elses-team' });
    const { jobs, status } = await engine.syncNow();
    expect(jobs[0]).toMatchObject({ state: 'failed', error: expect.stringMatching(/no access to someone-elses-team\/biz-doc-vqa.*ask an admin/) });
    expect(status.state).toBe('needs_attention');
    expect(outbox()).toEqual({ pending: 2 });
  });

  it('sends a poison item (its image is gone) to dead with its reason while the rest syncs; retry and discard work', async () => {
    const docs = await addDocuments(core, projectId, { count: 5 });
    const verified = await verifyAll(docs);
    renameSync(docs[2]!.imagePath, `${docs[2]!.imagePath}.moved`);
    engine = syncEngineFor(core, sim);
    const { jobs, status } = await engine.syncNow();
    expect(jobs[0]).toMatchObject({ state: 'completed', documents: 4, dead: 1 });
    expect(status.outbox).toMatchObject({ dead: 1, done: 4, pending: 0 });
    const dead = await engine.deadItems();
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ annotationId: verified[2]!.annotationId, reason: expect.stringMatching(/image of page 1 .* is missing .*re-import the document, then retry/) });
    expect(versionsInDataset().size).toBe(4);

    renameSync(`${docs[2]!.imagePath}.moved`, docs[2]!.imagePath);
    expect(await engine.retryDead([dead[0]!.outboxId])).toEqual({ retried: 1 });
    const again = await engine.syncNow();
    expect(again.jobs[0]).toMatchObject({ state: 'completed', documents: 1, artifactVersion: 'v1' });
    expect(versionsInDataset().size).toBe(5);

    const more = await addDocuments(core, projectId, { count: 1, start: 50 });
    await verifyAll(more);
    renameSync(more[0]!.imagePath, `${more[0]!.imagePath}.gone`);
    await engine.syncNow();
    expect(await engine.discardDead()).toEqual({ discarded: 1 });
    expect((await engine.status()).outbox.dead).toBe(0);
    expect(await engine.retryDead()).toEqual({ retried: 0 });
  });

  it('waits calmly through a day offline, counting no attempts, and drains by itself when W&B is back', async () => {
    await verifyAll(await addDocuments(core, projectId, { count: 30 }));
    await sim.suspend();
    let offset = 0;
    const clock = { now: () => new Date(Date.now() + offset) };
    engine = syncEngineFor(core, sim, { clock, tickMs: 20, offlineProbeMs: 50 });
    await engine.updateConfig({ batchSize: 20, maxWaitMinutes: 10 });
    await engine.start();
    offset = 24 * 3600_000; // a day later: the interval and the daily time have both come and gone
    await until(async () => (await engine!.status()).state === 'offline');
    await until(async () => sim.stats.requests.graphql === 0 && (await engine!.status()).lastCheckedAt !== null, 200);
    expect(await engine.status()).toMatchObject({ state: 'offline', message: expect.stringMatching(/Offline: W&B at .* cannot be reached\. 30 verified documents wait/) });
    expect(core.db.prepare('SELECT DISTINCT state, attempts FROM outbox').all()).toEqual([{ state: 'pending', attempts: 0 }]);

    await sim.resume();
    await until(() => outbox().done === 30, 15_000);
    // Rows are marked done before the job finishes (its run, the manifest cache): let it end.
    await engine.idle();
    // Drained by itself: by the return of the network, or by the daily build that came due while
    // offline (which of the two fires first depends on timing) — never by anyone pressing "Sync now".
    const triggers = (await engine.jobs()).filter((j) => j.state === 'completed').map((j) => j.trigger);
    expect(triggers).toHaveLength(2);
    for (const t of triggers) expect(['online', 'daily']).toContain(t);
    expect(versionsInDataset().size).toBe(30);
    expect((await engine.status()).state).toBe('idle');
  });

  it('says W&B is reachable only about the address it checked: not checked yet for a new one, unreachable after a Sync now that could not reach it', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const closed = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise<void>((r) => server.close(() => r()));
    let baseUrl = sim.url;
    engine = syncEngineFor(core, sim, { credentials: () => ({ apiKey: SIM_KEY, baseUrl, entity: SIM_ENTITY, project: PROJECT }) });
    expect(await engine.status()).toMatchObject({ online: null, lastCheckedAt: null });
    const up = await engine.syncNow();
    expect(up.status).toMatchObject({ state: 'idle', online: true, lastCheckedAt: expect.any(String) });

    // W&B moves to an address nothing answers on: what was found about the old one says nothing.
    baseUrl = closed;
    engine.settingsChanged();
    expect(await engine.status()).toMatchObject({ state: 'idle', online: null, lastCheckedAt: null });
    const before = Date.now();
    const down = await engine.syncNow();
    expect(down.status).toMatchObject({ state: 'offline', online: false, message: expect.stringContaining('cannot be reached') });
    expect(Date.parse(down.status.lastCheckedAt!)).toBeGreaterThanOrEqual(before - 5);
  });

  it('builds on the interval only when a batch is full or has waited long enough, and at the daily time', async () => {
    await verifyAll(await addDocuments(core, projectId, { count: 3 }));
    let offset = 0;
    const clock = { now: () => new Date(Date.now() + offset) };
    engine = syncEngineFor(core, sim, { clock, tickMs: 3_600_000 });
    await engine.updateConfig({ batchSize: 10, maxWaitMinutes: 30, intervalMinutes: 5, dailyTime: null });
    await engine.start();
    await engine.idle();
    offset = 6 * 60_000;
    engine.tick();
    await engine.idle();
    expect(await engine.jobs()).toHaveLength(0); // 3 < 10 and younger than 30 minutes
    offset = 31 * 60_000;
    engine.tick();
    await engine.idle();
    expect((await engine.jobs()).map((j) => [j.trigger, j.documents])).toEqual([['interval', 3]]);

    await verifyAll(await addDocuments(core, projectId, { count: 2, start: 10 }));
    const now = new Date(Date.now() + offset);
    const soon = new Date(now.getTime() + 60_000);
    await engine.updateConfig({ dailyTime: `${String(soon.getHours()).padStart(2, '0')}:${String(soon.getMinutes()).padStart(2, '0')}`, intervalMinutes: 600 });
    engine.tick();
    await engine.idle();
    expect(await engine.jobs()).toHaveLength(1);
    offset += 2 * 60_000;
    engine.tick();
    await engine.idle();
    expect((await engine.jobs())[0]).toMatchObject({ trigger: 'daily', documents: 2, state: 'completed' });
  });

  it('refuses to upload a page image that changed on disk after it was hashed; the next build sends the new bytes', async () => {
    const docs = await addDocuments(core, projectId, { count: 3 });
    await verifyAll(docs);
    engine = syncEngineFor(core, sim);
    // Between hashing (building the batch) and uploading, one page image is rewritten.
    sim.onRequest = (e) => {
      if (e.operation === 'CreateArtifactFiles' && e.phase === 'received') {
        sim.onRequest = null;
        writeFileSync(docs[1]!.imagePath, Buffer.concat([readFileSync(docs[1]!.imagePath), Buffer.from('edited')]));
      }
    };
    const first = await engine.syncNow();
    expect(first.jobs[0]).toMatchObject({ state: 'failed', error: expect.stringMatching(/changed on disk while it was being synced/) });
    expect(versionsInDataset().size).toBe(0);
    const second = await engine.syncNow();
    expect(second.jobs[0]).toMatchObject({ state: 'completed', documents: 3 });
    expect(dataset()!.problems).toEqual([]);
  });

  it('rides out 429s, 5xx and resets mid-upload within one job', async () => {
    await verifyAll(await addDocuments(core, projectId, { count: 40 }));
    sim.faults.add({ route: 'graphql', operation: 'CreateArtifactFiles', action: { kind: 'status', status: 429, retryAfter: '0.05' }, times: 1 });
    sim.faults.add({ route: 'upload', action: { kind: 'status', status: 503 }, times: 3 });
    sim.faults.add({ route: 'upload', action: { kind: 'reset' }, times: 3, skip: 5 });
    sim.faults.add({ route: 'graphql', operation: 'CreateArtifact', action: { kind: 'status', status: 502 }, times: 1 });
    engine = syncEngineFor(core, sim);
    const { jobs } = await engine.syncNow();
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ state: 'completed', documents: 40 });
    expect(sim.faults.log).toHaveLength(8);
    expect(versionsInDataset().size).toBe(40);
    expect(dataset()!.problems).toEqual([]);
  });

  it('backs off after a failed build, and makes items dead after the configured number of attempts', async () => {
    await verifyAll(await addDocuments(core, projectId, { count: 2 }));
    sim.faults.add({ route: 'graphql', operation: 'CreateArtifact', action: { kind: 'status', status: 500 } });
    engine = syncEngineFor(core, sim);
    await engine.updateConfig({ maxAttempts: 2 });
    const first = await engine.syncNow();
    expect(first.jobs[0]).toMatchObject({ state: 'failed', error: expect.stringMatching(/CreateArtifact failed after 21 attempts; last: HTTP 500/) });
    const row = core.db.prepare('SELECT state, attempts, next_attempt_at, last_error FROM outbox LIMIT 1').get() as { state: string; attempts: number; next_attempt_at: string };
    expect(row).toMatchObject({ state: 'pending', attempts: 1 });
    expect(new Date(row.next_attempt_at).getTime()).toBeGreaterThan(Date.now() + 20_000);
    expect(await engine.trigger('interval')).toEqual([]); // backing off
    const second = await engine.syncNow(); // the user insists
    expect(second.jobs[0]!.state).toBe('failed');
    expect(outbox()).toEqual({ dead: 2 });
    expect((await engine.deadItems())[0]!.reason).toMatch(/gave up after 2 attempts/);
    sim.faults.clear();
    await engine.retryDead();
    expect((await engine.syncNow()).jobs[0]).toMatchObject({ state: 'completed', documents: 2 });
  });

  it('when the commit’s answer is lost, asks W&B on the next try instead of committing twice', async () => {
    await verifyAll(await addDocuments(core, projectId, { count: 5 }));
    sim.faults.add({ route: 'graphql', operation: 'CommitArtifact', action: { kind: 'drop-response' } });
    engine = syncEngineFor(core, sim);
    const first = await engine.syncNow();
    expect(first.jobs[0]!.state).toBe('failed');
    expect(dataset()!.versionIndex).toBe(0); // it did commit; Folio just never heard
    expect(outbox()).toEqual({ pending: 5 });
    sim.faults.clear();
    const second = await engine.syncNow();
    expect(second.jobs[0]).toMatchObject({ state: 'completed', outcome: 'resolved-after-restart', artifactVersion: 'v0' });
    expect(sim.stats.operations.ClientIDMapping).toBe(1);
    expect(sim.state.versions(sim.state.sequence(SIM_ENTITY, PROJECT, COLLECTION)!)).toHaveLength(1);
    expect(versionsInDataset().size).toBe(5);
    expect(outbox()).toEqual({ done: 5 });
  });

  it('puts back its partition when another writer’s version dropped it', async () => {
    const docs = await addDocuments(core, projectId, { count: 3 });
    await verifyAll(docs);
    engine = syncEngineFor(core, sim);
    const first = await engine.syncNow();
    const batchId = first.jobs[0]!.batchId!;
    // Another machine commits a version built on an older base: latest no longer has our partition.
    const seq = sim.state.sequence(SIM_ENTITY, PROJECT, COLLECTION)!;
    const v0 = sim.state.versions(seq)[0]!;
    const { WandbClient } = await import('../../src/main/core/wandb/client');
    const { artifactDigest, b64md5, randomClientId, serializeManifest } = await import('../../src/main/core/wandb/manifest');
    const c = new WandbClient({ baseUrl: sim.url, apiKey: (await import('../helpers/sync')).SIM_KEY });
    const run = await c.upsertRun({ name: 'other001', project: PROJECT, entity: SIM_ENTITY });
    const contents = new Map([['other.txt', { digest: b64md5('x'), size: 1 }]]);
    const created = await c.createArtifact({ entityName: SIM_ENTITY, projectName: PROJECT, artifactTypeName: 'dataset', artifactCollectionName: COLLECTION, runName: run.name, digest: artifactDigest(contents), description: null, aliases: ['latest'], metadata: {}, clientID: randomClientId(), sequenceClientID: randomClientId() });
    const m = await c.createArtifactManifest({ artifactID: created.id, baseArtifactID: v0.id, digest: '', entityName: SIM_ENTITY, projectName: PROJECT, runName: run.name, includeUpload: false });
    const [t] = await c.createArtifactFiles([{ artifactID: created.id, name: 'other.txt', md5: b64md5('x'), artifactManifestID: m.id }]);
    await c.upload(t!.uploadUrl!, t!.uploadHeaders, Buffer.from('x'), 'other.txt');
    const manifest = serializeManifest(new Map([['other.txt', { digest: b64md5('x'), size: 1, birthArtifactID: t!.birthArtifactId }]]));
    const m2 = await c.createArtifactManifest({ artifactID: created.id, baseArtifactID: v0.id, digest: b64md5(manifest), entityName: SIM_ENTITY, projectName: PROJECT, runName: run.name, includeUpload: true });
    await c.upload(m2.uploadUrl!, m2.uploadHeaders, manifest, 'manifest');
    await c.commitArtifact(created.id);
    expect(dataset()!.entries.has(partitionPath(batchId))).toBe(false);

    await verifyAll(await addDocuments(core, projectId, { count: 1, start: 20 }));
    const second = await engine.syncNow();
    expect(second.jobs[0]).toMatchObject({ state: 'completed', artifactVersion: 'v2' });
    const view = dataset()!;
    expect(view.entries.has(partitionPath(batchId))).toBe(true);
    expect(view.entries.has('other.txt')).toBe(true);
    expect(versionsInDataset().size).toBe(4);
    expect(view.problems).toEqual([]);
  });

  it('says calmly why nothing syncs without a key', async () => {
    await verifyAll(await addDocuments(core, projectId, { count: 2 }));
    engine = syncEngineFor(core, sim, { apiKey: null });
    await engine.start();
    const { jobs, status } = await engine.syncNow();
    expect(jobs).toEqual([]);
    expect(status).toMatchObject({ state: 'not_configured', message: expect.stringMatching(/no W&B API key\. Folio works fully offline; add a key in Settings → Weights & Biases and 2 verified documents will sync/) });
    expect(sim.stats.requests.graphql).toBe(0);
  });

  it('counts what waits as versions of documents: one document verified twice is two versions of one document', async () => {
    const [one, two] = await addDocuments(core, projectId, { count: 2 });
    engine = syncEngineFor(core, sim, { apiKey: null });
    await verifyDocument(core, projectId, one!);
    expect((await engine.status()).outbox).toMatchObject({ pending: 1, waitingDocuments: 1 });
    expect((await engine.status()).message).toContain('and 1 verified document will sync');
    // Verified again (a second version of the same document), then another document: counted as they arrive.
    expect((await verifyDocument(core, projectId, one!)).version).toBe(2);
    const status = await engine.status();
    expect(status.outbox).toMatchObject({ pending: 2, waitingDocuments: 1 });
    expect(status.message).toContain('and 2 verified versions of 1 document will sync');
    expect(status.message).not.toContain('2 verified documents');
    await verifyDocument(core, projectId, two!);
    expect((await engine.status()).outbox).toMatchObject({ pending: 3, waitingDocuments: 2 });
    expect((await engine.status()).message).toContain('and 3 verified versions of 2 documents will sync');
  });

  it('validates sync settings with a clear message and keeps the old value', async () => {
    engine = syncEngineFor(core, sim);
    await expect(engine.updateConfig({ dailyTime: '25:00' })).rejects.toThrow(/dailyTime: the daily time must look like 02:00/);
    await expect(engine.updateConfig({ batchSize: 0 })).rejects.toThrow(/batchSize: a batch holds at least 1 verified version/);
    await expect(engine.updateConfig({ colour: 'red' })).rejects.toThrow(/sync setting/);
    expect(await engine.getConfig()).toMatchObject({ batchSize: 500, dailyTime: '02:00', intervalMinutes: 5 });
    expect(await engine.updateConfig({ batchSize: 50, dailyTime: null })).toMatchObject({ batchSize: 50, dailyTime: null });
  });
});

async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
