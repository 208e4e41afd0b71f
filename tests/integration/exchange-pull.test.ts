import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import { contentDigest } from '../../src/main/core/exchange';
import { readStoredContent } from '../../src/main/core/exchange/apply';
import { generateTruth } from '../../src/main/core/synth';
import { newId } from '../../src/main/core/util/ids';
import { b64ToHex } from '../../src/main/sim/wandb/state';
import { startWandbSim, type WandbSim } from '../../src/main/sim/wandb/server';
import { openTestCore, tempDir } from '../helpers/core';
import { insertGold, truthContent, verifyAs, type Content } from '../helpers/review';
import { addDocuments, createSyncProject, SIM_ENTITY, SIM_KEY, syncEngineFor, type SeededDocument } from '../helpers/sync';

/**
 * The lead's pull over real HTTP against the W&B simulator: two annotators on separate
 * installations verify the same documents differently and sync; a third installation (the lead),
 * which has none of the documents, pulls and holds both annotators' versions, documents
 * (with pyramids and thumbnails) and gold lineage; pulling again imports nothing.
 */

/** A page image of the size the generated document says (a lead recreates pages from it and checks that). */
async function pageImage(i: number): Promise<{ bytes: Buffer; ext: 'png' }> {
  const { width, height } = generateTruth(7, i);
  const bytes = await sharp({ create: { width, height, channels: 3, background: { r: (i * 53) % 256, g: 240, b: (i * 91) % 256 } } })
    .png({ compressionLevel: 9 })
    .toBuffer();
  return { bytes, ext: 'png' };
}

const PROJECT = 'biz-doc-vqa';
const COLLECTION = 'business-ocr-vqa-dataset';

interface Installation {
  core: Core;
  projectId: string;
  me: { id: string; name: string };
  docs: SeededDocument[];
}

describe('pull annotators’ work from W&B', () => {
  let dir: ReturnType<typeof tempDir>;
  let sim: WandbSim;
  const cores: Core[] = [];

  beforeEach(async () => {
    dir = tempDir();
    sim = await startWandbSim();
  });
  afterEach(async () => {
    for (const c of cores.splice(0)) await c.close();
    await sim.close();
    dir.cleanup();
  });

  async function installation(name: string, documents: number): Promise<Installation> {
    const core = await openTestCore(join(dir.path, name), { env: { WANDB_API_KEY: SIM_KEY, WANDB_BASE_URL: sim.url } });
    cores.push(core);
    await core.api['settings.update']({ annotatorName: name });
    const projectId = await createSyncProject(core, 'Invoices');
    // The same generator seed and images everywhere: the same documents (same ids) on every laptop.
    const docs = documents ? await addDocuments(core, projectId, { count: documents, image: pageImage }) : [];
    const a = core.settings.annotator();
    return { core, projectId, me: { id: a.id, name: a.name ?? name }, docs };
  }

  const sync = async (i: Installation) => {
    const engine = syncEngineFor(i.core, sim);
    const { jobs } = await engine.syncNow();
    await engine.stop();
    expect(jobs.every((j) => j.state === 'completed')).toBe(true);
  };

  /** Bob disagrees with the ground truth: another label on the first box and another answer. */
  const bobsView = (c: Content): Content => ({
    boxes: c.boxes.map((b, i) => (i === 0 ? { ...b, label: b.label === 'email' ? 'phone' : 'email', transcription: `${b.transcription} (Bob)` } : b)),
    qa: c.qa.map((q, i) => (i === 0 ? { ...q, answer: 'not what Ada said', unanswerable: false } : q)),
  });

  const versionsOf = (core: Core, projectId: string) =>
    core.db
      .prepare("SELECT a.id, a.document_id, a.annotator_id, an.name, a.kind, a.version, a.verified_at FROM annotations a JOIN annotators an ON an.id = a.annotator_id WHERE a.project_id = ? AND a.status = 'verified' ORDER BY a.document_id, an.name")
      .all(projectId) as { id: string; document_id: string; annotator_id: string; name: string; kind: string; version: number; verified_at: string }[];

  it('brings two annotators’ versions and the documents to a lead who had neither; a second pull imports nothing', { timeout: 120_000 }, async () => {
    const ada = await installation('Ada', 3);
    const bob = await installation('Bob', 3);
    expect(bob.docs.map((d) => d.documentId)).toEqual(ada.docs.map((d) => d.documentId));
    for (const d of ada.docs) verifyAs(ada.core, ada.projectId, d.documentId, ada.me, truthContent(d.truth, d.pageId));
    for (const d of bob.docs) verifyAs(bob.core, bob.projectId, d.documentId, bob.me, bobsView(truthContent(d.truth, d.pageId)));
    await sync(ada);
    await sync(bob);

    const lead = await installation('Lead', 0);
    // The first presigned download is refused as expired: the pull asks for a fresh URL and goes on.
    const expired = { kind: 'status', status: 403, body: '{"error":"AccessDenied: Request has expired"}' } as const;
    sim.faults.add({ route: 'download', action: expired, times: 1 }); // the first manifest
    sim.faults.add({ route: 'download', action: expired, skip: 3, times: 1 }); // after both manifests and a partition: a page image
    const events: string[] = [];
    lead.core.subscribe((e) => void (e.startsWith('exchange.') && events.push(e)));
    const first = await lead.core.pulls.run(lead.projectId);
    expect(first.errors).toEqual([]);
    expect(first).toMatchObject({ state: 'completed', artifactVersions: 2, newArtifactVersions: 2, partitions: 2, versionsSeen: 6, imported: 6, skipped: 0, conflictCount: 0, documentsCreated: 3, errorCount: 0 });
    expect(first.target).toBe(`${sim.url} ${SIM_ENTITY}/${PROJECT}/${COLLECTION}`);
    // One listing, a manifest per new version (plus a fresh URL for the refused one), and download
    // URLs per partition (plus one for the refused image) and one batch for the page images of every document the lead lacked
    // (not one request per document).
    expect(sim.faults.log.filter((f) => f.route === 'download')).toHaveLength(2);
    expect(sim.stats.operations).toMatchObject({ ProjectArtifacts: 1, ArtifactManifest: 3, ArtifactFileURLsByManifestEntries: 4 });
    expect(events.at(-1)).toBe('exchange.finished');
    expect(events).toContain('exchange.progress');

    // Both annotators' versions, as they verified them: same ids, versions, times and content.
    const held = versionsOf(lead.core, lead.projectId);
    expect(held).toHaveLength(6);
    for (const who of [ada, bob]) {
      for (const theirs of versionsOf(who.core, who.projectId)) {
        const mine = held.find((h) => h.id === theirs.id)!;
        expect(mine).toMatchObject({ document_id: theirs.document_id, annotator_id: who.me.id, name: who.me.name, kind: 'annotation', version: theirs.version, verified_at: theirs.verified_at });
        expect(contentDigest(readStoredContent(lead.core.db, mine.id))).toBe(contentDigest(readStoredContent(who.core.db, theirs.id)));
      }
    }
    // Bob's disagreement arrived intact (labels, transcriptions, answers, evidence).
    const bobFirst = versionsOf(bob.core, bob.projectId)[0]!;
    expect(readStoredContent(lead.core.db, bobFirst.id)).toEqual(readStoredContent(bob.core.db, bobFirst.id));

    // The documents exist with the annotators' ids, a pyramid and a thumbnail on disk.
    const list = await lead.core.api['documents.list']({ projectId: lead.projectId });
    expect(list.items.map((d) => d.id).sort()).toEqual(ada.docs.map((d) => d.documentId).sort());
    expect(list.counts.verified).toBe(3);
    for (const item of list.items) {
      const doc = await lead.core.api['documents.get']({ projectId: lead.projectId, documentId: item.id });
      expect(existsSync(lead.core.media.absolute(doc.pages[0]!.thumbnail))).toBe(true);
      const level0 = doc.pages[0]!.levels.find((l) => l.level === 0)!;
      expect(readFileSync(lead.core.media.absolute(level0.path))).toEqual(readFileSync(ada.docs.find((d) => d.documentId === item.id)!.imagePath));
    }
    // Nothing pulled goes back out: it is the annotators' sync that owns it.
    expect((lead.core.db.prepare('SELECT COUNT(*) AS n FROM outbox').get() as { n: number }).n).toBe(0);

    const again = await lead.core.pulls.run(lead.projectId);
    expect(again).toMatchObject({ state: 'completed', artifactVersions: 2, newArtifactVersions: 0, partitions: 0, versionsSeen: 0, imported: 0, documentsCreated: 0, errorCount: 0 });
    expect(versionsOf(lead.core, lead.projectId)).toHaveLength(6);

    // The history lists both pulls, newest first.
    const history = await lead.core.api['exchange.pulls']({ projectId: lead.projectId });
    expect(history.map((p) => [p.jobId, p.imported])).toEqual([
      [again.jobId, 0],
      [first.jobId, 6],
    ]);

    // New work arrives in the next pull, and only it.
    const fourth = (await addDocuments(ada.core, ada.projectId, { count: 1, start: 3, image: pageImage }))[0]!;
    verifyAs(ada.core, ada.projectId, fourth.documentId, ada.me, truthContent(fourth.truth, fourth.pageId));
    await sync(ada);
    const third = await lead.core.pulls.run(lead.projectId);
    expect(third).toMatchObject({ state: 'completed', newArtifactVersions: 1, partitions: 1, versionsSeen: 1, imported: 1, documentsCreated: 1, errorCount: 0 });
  });

  it('brings gold versions with their lineage', { timeout: 60_000 }, async () => {
    const ada = await installation('Ada', 1);
    const d = ada.docs[0]!;
    const source = verifyAs(ada.core, ada.projectId, d.documentId, ada.me, truthContent(d.truth, d.pageId));
    const resolver = { id: newId(), name: 'Grace (lead)' };
    const goldId = insertGold(ada.core, ada.projectId, d.documentId, resolver, truthContent(d.truth, d.pageId), '2026-03-01T10:00:00.000Z');
    const sources = [{ id: ada.me.id, kind: 'annotator', name: 'Ada', annotationId: source.annotationId, version: source.version }];
    const items = { boxes: Object.fromEntries(truthContent(d.truth, d.pageId).boxes.map((b) => [b.id, ada.me.id])), qa: {} };
    ada.core.db.prepare('INSERT INTO gold_lineage (annotation_id, resolved_by, resolved_at, sources, items) VALUES (?, ?, ?, ?, ?)').run(goldId, resolver.id, '2026-03-01T10:00:00.000Z', JSON.stringify(sources), JSON.stringify(items));
    // Gold reaches the outbox the way verified work does (the review service's gold writing does the same).
    ada.core.db
      .prepare("INSERT INTO outbox (id, kind, entity_id, payload, state, attempts, next_attempt_at, created_at, updated_at) VALUES (?, 'annotation_version', ?, ?, 'pending', 0, ?, ?, ?)")
      .run(newId(), goldId, JSON.stringify({ projectId: ada.projectId, documentId: d.documentId, annotationId: goldId, annotatorId: resolver.id, version: 1 }), '2026-03-01T10:00:00.000Z', '2026-03-01T10:00:00.000Z', '2026-03-01T10:00:00.000Z');
    await sync(ada);

    const lead = await installation('Lead', 0);
    const job = await lead.core.pulls.run(lead.projectId);
    expect(job).toMatchObject({ state: 'completed', imported: 2, documentsCreated: 1, errorCount: 0 });
    const gold = lead.core.db.prepare("SELECT a.kind, a.annotator_id, an.name, a.verified_at FROM annotations a JOIN annotators an ON an.id = a.annotator_id WHERE a.id = ?").get(goldId);
    expect(gold).toEqual({ kind: 'gold', annotator_id: resolver.id, name: 'Grace (lead)', verified_at: '2026-03-01T10:00:00.000Z' });
    const lineage = lead.core.db.prepare('SELECT resolved_by, resolved_at, sources, items FROM gold_lineage WHERE annotation_id = ?').get(goldId) as { resolved_by: string; resolved_at: string; sources: string; items: string };
    expect(lineage.resolved_by).toBe(resolver.id);
    expect(JSON.parse(lineage.sources)).toEqual(sources);
    expect(JSON.parse(lineage.items)).toEqual(items);
  });

  it('never overwrites the lead’s own versions: the same identity with other content is reported as a conflict', { timeout: 60_000 }, async () => {
    const ada = await installation('Ada', 2);
    for (const d of ada.docs) verifyAs(ada.core, ada.projectId, d.documentId, ada.me, truthContent(d.truth, d.pageId));
    await sync(ada);

    // The lead already holds version 1 of the first document under Ada's identity, with other content
    // (Ada verified it differently on the lead's machine, say).
    const lead = await installation('Lead', 0);
    const d0 = (await addDocuments(lead.core, lead.projectId, { count: 1, image: pageImage }))[0]!;
    const local = verifyAs(lead.core, lead.projectId, d0.documentId, ada.me, bobsView(truthContent(d0.truth, d0.pageId)));
    const before = contentDigest(readStoredContent(lead.core.db, local.annotationId));

    const job = await lead.core.pulls.run(lead.projectId);
    expect(job).toMatchObject({ state: 'completed', versionsSeen: 2, imported: 1, conflictCount: 1, errorCount: 0 });
    expect(job.conflicts[0]).toMatchObject({ documentId: d0.documentId, annotatorId: ada.me.id, kind: 'annotation', version: 1 });
    expect(job.conflicts[0]!.reason).toMatch(/already here .* with different content/);
    expect(contentDigest(readStoredContent(lead.core.db, local.annotationId))).toBe(before);
    expect(versionsOf(lead.core, lead.projectId).filter((v) => v.document_id === d0.documentId)).toHaveLength(1);
  });

  it('refuses a corrupted file, naming it, imports nothing from it, and reads it once W&B serves it intact again', { timeout: 60_000 }, async () => {
    const ada = await installation('Ada', 2);
    for (const d of ada.docs) verifyAs(ada.core, ada.projectId, d.documentId, ada.me, truthContent(d.truth, d.pageId));
    await sync(ada);
    const view = sim.dataset({ entity: SIM_ENTITY, project: PROJECT, collection: COLLECTION })!;
    const partition = [...view.entries.keys()].find((p) => p.startsWith('parts/'))!;
    const image = [...view.entries.keys()].find((p) => p.startsWith('media/images/'))!;
    const flip = (path: string) => {
      const file = join(sim.state.objectsDir, b64ToHex(view.entries.get(path)!.digest));
      const original = readFileSync(file);
      const bad = Buffer.from(original);
      bad[Math.floor(bad.length / 2)]! ^= 0xff;
      writeFileSync(file, bad);
      return () => writeFileSync(file, original);
    };

    const lead = await installation('Lead', 0);
    let restore = flip(partition);
    const refused = await lead.core.pulls.run(lead.projectId);
    expect(refused).toMatchObject({ state: 'completed', imported: 0, documentsCreated: 0, errorCount: 1 });
    expect(refused.errors[0]!.file).toBe(partition);
    expect(refused.errors[0]!.message).toMatch(new RegExp(`^${partition.replace(/[.]/g, '\\.')}: is corrupt: its bytes have MD5 .* but the manifest says`));
    expect(versionsOf(lead.core, lead.projectId)).toHaveLength(0);
    restore();

    // Now one page image is damaged: its document is not created, its version waits; the other arrives.
    restore = flip(image);
    const partial = await lead.core.pulls.run(lead.projectId);
    expect(partial).toMatchObject({ state: 'completed', imported: 1, documentsCreated: 1, errorCount: 1 });
    expect(partial.errors[0]!.file).toBe(image);
    restore();

    const healed = await lead.core.pulls.run(lead.projectId);
    expect(healed).toMatchObject({ state: 'completed', imported: 1, skipped: 1, documentsCreated: 1, errorCount: 0 });
    expect(versionsOf(lead.core, lead.projectId)).toHaveLength(2);
    expect((await lead.core.pulls.run(lead.projectId)).partitions).toBe(0);
  });

  it('fails calmly without a key, and with a key W&B refuses', async () => {
    const lead = await installation('Lead', 0);
    await lead.core.close();
    cores.pop();
    const noKey = await openTestCore(join(dir.path, 'Lead'), { env: {} });
    cores.push(noKey);
    const projectId = noKey.projects.findByName('Invoices')!.id;
    await expect(noKey.api['exchange.pull']({ projectId })).rejects.toThrow(/No W&B API key/);
    await noKey.close();
    cores.pop();
    const badKey = await openTestCore(join(dir.path, 'Lead'), { env: { WANDB_API_KEY: 'local-' + 'z'.repeat(40), WANDB_BASE_URL: sim.url } });
    cores.push(badKey);
    const job = await badKey.pulls.run(projectId);
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/rejected the API key \(HTTP 401\)/);
  });

  it('fails at once, saying so, when W&B cannot be reached (one quick check, not every request’s retries)', { timeout: 30_000 }, async () => {
    // A port nothing listens on: connections are refused, as on a machine without a network.
    const probe = createServer();
    const port = await new Promise<number>((resolve) => probe.listen(0, '127.0.0.1', () => resolve((probe.address() as AddressInfo).port)));
    await new Promise((resolve) => probe.close(resolve));
    // The app's retry policies (createCore passes none): retrying a refused connection takes 2 + 4 + 8 s per request.
    for (const entity of [undefined, SIM_ENTITY]) {
      const core = await openTestCore(join(dir.path, `offline-${entity ?? 'viewer'}`), { env: { WANDB_API_KEY: SIM_KEY, WANDB_BASE_URL: `http://127.0.0.1:${port}`, WANDB_ENTITY: entity } });
      cores.push(core);
      const projectId = await createSyncProject(core, 'Invoices');
      const t0 = performance.now();
      const job = await core.pulls.run(projectId);
      expect(job.state).toBe('failed');
      expect(job.error).toMatch(new RegExp(`W&B at 127\\.0\\.0\\.1:${port} cannot be reached`));
      expect(performance.now() - t0, `entity ${entity ?? '(from the key)'}`).toBeLessThan(3_000);
    }
  });
});
