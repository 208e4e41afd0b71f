import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import { WandbClient } from '../../src/main/core/wandb/client';
import { BODY_LIMITS, fastPolicies, WandbError, type RequestRecord } from '../../src/main/core/wandb/http';
import { generateTruth } from '../../src/main/core/synth';
import { startWandbSim, type WandbSim } from '../../src/main/sim/wandb/server';
import { openTestCore, tempDir } from '../helpers/core';
import { addDocuments, createSyncProject, SIM_KEY, syncEngineFor, verifyDocument } from '../helpers/sync';

/**
 * A W&B server (or something pretending to be one) that answers with a body without end, one
 * that declares more than it sends, or one larger than what was asked for: the client reads at
 * most its limit plus one chunk, closes the connection, says which request, how big and the
 * limit, and no job is left running.
 */

const MiB = 1024 * 1024;
/** What a body may cost the test process: the limit is 32 MiB (GraphQL) or 128 MiB (a manifest). */
const RSS_BUDGET = 300 * MiB;

/** A page image of the size the generated document says (a lead recreates pages from it and checks that). */
async function pageImage(i: number): Promise<{ bytes: Buffer; ext: 'png' }> {
  const { width, height } = generateTruth(7, i);
  return { bytes: await sharp({ create: { width, height, channels: 3, background: { r: 200, g: 240, b: 90 } } }).png().toBuffer(), ext: 'png' };
}

/** The largest RSS seen while `work` runs, above the RSS before it. */
async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ value: T | Error; growth: number }> {
  global.gc?.();
  const before = process.memoryUsage.rss();
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  try {
    const value = await work().catch((err: unknown) => err as Error);
    peak = Math.max(peak, process.memoryUsage.rss());
    return { value, growth: peak - before };
  } finally {
    clearInterval(timer);
  }
}

/** The error a call fails with (a call that succeeds fails the test). */
async function failure(p: Promise<unknown>): Promise<WandbError> {
  const outcome = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(outcome instanceof WandbError)) throw new Error(`expected a WandbError, got ${String(outcome)}`);
  return outcome;
}

describe('W&B answers that are too big or cut short', () => {
  let sim: WandbSim;
  let dir: ReturnType<typeof tempDir>;
  const cores: Core[] = [];

  beforeEach(async () => {
    sim = await startWandbSim();
    dir = tempDir('folio-bodies-');
  });
  afterEach(async () => {
    for (const c of cores.splice(0)) await c.close();
    await sim.close();
    dir.cleanup();
  });

  const client = (records: RequestRecord[]) => new WandbClient({ baseUrl: sim.url, apiKey: SIM_KEY, policies: fastPolicies(), onRequest: (r) => records.push(r) });

  it('stops reading a GraphQL answer without end at its limit, closes the connection and names the request', { timeout: 60_000 }, async () => {
    sim.faults.add({ route: 'graphql', action: { kind: 'flood', contentLength: 'none' } });
    const records: RequestRecord[] = [];
    const { value, growth } = await peakRssGrowth(() => client(records).viewer());
    expect(value).toBeInstanceOf(WandbError);
    expect((value as WandbError).kind).toBe('protocol');
    expect((value as Error).message).toMatch(new RegExp(`^W&B Viewer: the answer from ${sim.url}/graphql is over the limit of 32 MiB \\(32(\\.\\d)? MiB read, no Content-Length\\); refused`));
    // One attempt (a server that floods would flood again), read to the limit plus one chunk.
    expect(records).toHaveLength(1);
    expect(records[0]!.bytesIn).toBeGreaterThan(BODY_LIMITS.graphql);
    expect(records[0]!.bytesIn).toBeLessThanOrEqual(BODY_LIMITS.graphql + MiB);
    expect(growth).toBeLessThan(RSS_BUDGET);
    // The server stopped sending soon after: its socket buffers, not the rest of an endless body.
    await new Promise((r) => setTimeout(r, 200));
    const sent = sim.faults.flooded;
    await new Promise((r) => setTimeout(r, 200));
    expect(sim.faults.flooded).toBe(sent);
    expect(sent).toBeLessThan(BODY_LIMITS.graphql + 16 * MiB);
  });

  it('refuses a declared 1.5 GiB answer before reading any of it', async () => {
    sim.faults.add({ route: 'graphql', action: { kind: 'flood', bytes: 1536 * MiB } });
    const records: RequestRecord[] = [];
    const err = await failure(client(records).viewer());
    expect(err.message).toBe(`W&B Viewer: the answer from ${sim.url}/graphql declares 1536 MiB (Content-Length), over the limit of 32 MiB; refused (the connection was closed)`);
    expect(records.map((r) => r.bytesIn)).toEqual([0]);
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.faults.flooded).toBeLessThan(16 * MiB);
  });

  it('retries a body cut short of its Content-Length, and says so when retries run out', async () => {
    sim.faults.add({ route: 'download', action: { kind: 'flood', bytes: 256 * 1024, contentLength: MiB } });
    const records: RequestRecord[] = [];
    const err = await failure(client(records).download(`${sim.url}/storage/objects/0123?sig=secret`, 'parts/p1.table.json'));
    expect(err).toBeInstanceOf(WandbError);
    expect(err.kind).toBe('exhausted');
    expect(err.message).toMatch(new RegExp(`^download of parts/p1.table.json failed after 21 attempts; last: the answer from ${sim.url}/storage/objects/0123 ended after \\d+ bytes of the 1048576 bytes it declared \\(UND_ERR_SOCKET\\)$`));
    expect(err.message).not.toContain('secret');
    expect(records).toHaveLength(21);
  });

  it('reads a download no further than the size its manifest declares', async () => {
    const records: RequestRecord[] = [];
    // Content-Length that disagrees with the manifest: refused before reading.
    sim.faults.add({ route: 'download', action: { kind: 'flood', bytes: 2 * MiB }, times: 1 });
    const declared = await failure(client(records).download(`${sim.url}/storage/objects/ab`, 'media/p1.png', 4096));
    expect(declared.message).toBe(`download of media/p1.png: the answer from ${sim.url}/storage/objects/ab declares 2097152 bytes (Content-Length), but the manifest says the file is 4096 bytes; refused (the connection was closed)`);
    // No Content-Length: read up to the declared size and one chunk, then refused.
    sim.faults.add({ route: 'download', action: { kind: 'flood', contentLength: 'none' }, times: 1 });
    const endless = await failure(client(records).download(`${sim.url}/storage/objects/ab`, 'media/p1.png', 4096));
    expect(endless.message).toMatch(/^download of media\/p1\.png: the answer from .* is over the limit of 4096 bytes \(\d+ bytes read, no Content-Length\); refused/);
    expect(records.at(-1)!.bytesIn).toBeLessThanOrEqual(4096 + MiB);
    // A manifest that declares more than any file may be is refused without a request.
    const before = sim.stats.requests.download;
    const huge = await failure(client(records).download(`${sim.url}/storage/objects/ab`, 'media/p2.png', 1536 * MiB));
    expect(huge.message).toBe('download of media/p2.png: the manifest says it is 1610612736 bytes, over the limit of 256 MiB for one file; refused without downloading');
    expect(sim.stats.requests.download).toBe(before);
  });

  it('a sync against a flooding server fails with the reason and leaves no job running; memory stays bounded', { timeout: 120_000 }, async () => {
    const core = await openTestCore(join(dir.path, 'ada'), { env: { WANDB_API_KEY: SIM_KEY, WANDB_BASE_URL: sim.url } });
    cores.push(core);
    await core.api['settings.update']({ annotatorName: 'Ada' });
    const projectId = await createSyncProject(core);
    for (const d of await addDocuments(core, projectId, { count: 1 })) await verifyDocument(core, projectId, d);
    sim.faults.add({ route: 'graphql', operation: 'UpsertBucket', action: { kind: 'flood', contentLength: 'none' } });
    const engine = syncEngineFor(core, sim);
    try {
      const { value, growth } = await peakRssGrowth(() => engine.syncNow());
      expect(value).not.toBeInstanceOf(Error);
      const { jobs } = value as Awaited<ReturnType<typeof engine.syncNow>>;
      expect(jobs.length).toBeGreaterThan(0);
      expect(jobs.every((j) => j.state !== 'running')).toBe(true);
      expect(jobs[0]!.state).toBe('failed');
      expect(jobs[0]!.error).toContain('W&B UpsertBucket: the answer from');
      expect(jobs[0]!.error).toContain('over the limit of 32 MiB');
      expect(growth).toBeLessThan(RSS_BUDGET);
    } finally {
      await engine.stop();
    }
    expect((core.db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE state = 'running'").get() as { n: number }).n).toBe(0);
  });

  it('a pull whose manifest and partition downloads flood reports each file and finishes; memory stays bounded', { timeout: 120_000 }, async () => {
    const ada = await openTestCore(join(dir.path, 'ada'), { env: { WANDB_API_KEY: SIM_KEY, WANDB_BASE_URL: sim.url } });
    cores.push(ada);
    await ada.api['settings.update']({ annotatorName: 'Ada' });
    const adaProject = await createSyncProject(ada);
    for (const d of await addDocuments(ada, adaProject, { count: 1, image: pageImage })) await verifyDocument(ada, adaProject, d);
    const engine = syncEngineFor(ada, sim);
    const synced = await engine.syncNow();
    await engine.stop();
    expect(synced.jobs.map((j) => j.state)).toEqual(['completed']);

    const lead = await openTestCore(join(dir.path, 'lead'), { env: { WANDB_API_KEY: SIM_KEY, WANDB_BASE_URL: sim.url } });
    cores.push(lead);
    await lead.api['settings.update']({ annotatorName: 'Lead' });
    const leadProject = await createSyncProject(lead);
    // The manifest (no size declared anywhere): an endless body, read to 128 MiB.
    sim.faults.add({ route: 'download', action: { kind: 'flood', contentLength: 'none' }, times: 1 });
    const { value, growth } = await peakRssGrowth(() => lead.pulls.run(leadProject));
    expect(value).not.toBeInstanceOf(Error);
    const job = value as Awaited<ReturnType<typeof lead.pulls.run>>;
    expect(job.state).toBe('completed');
    expect(job.imported).toBe(0);
    expect(job.errors).toHaveLength(1);
    expect(job.errors[0]!.file).toMatch(/wandb_manifest\.json$/);
    expect(job.errors[0]!.message).toMatch(/over the limit of 128 MiB \(128(\.\d)? MiB read, no Content-Length\); refused/);
    expect(growth).toBeLessThan(RSS_BUDGET);

    // The partition (its size is in the manifest): an endless body, read to that size.
    sim.faults.add({ route: 'download', action: { kind: 'flood', contentLength: 'none' }, skip: 1, times: 1 });
    const second = await lead.pulls.run(leadProject);
    expect(second.state).toBe('completed');
    expect(second.errors).toHaveLength(1);
    expect(second.errors[0]!.file).toMatch(/^parts\/.*\.table\.json$/);
    expect(second.errors[0]!.message).toMatch(/is over the limit of \d+ bytes \(\d+ bytes read, no Content-Length\); refused/);
    // Nothing was recorded as pulled, so a clean pull brings everything.
    const third = await lead.pulls.run(leadProject);
    expect(third).toMatchObject({ state: 'completed', imported: 1, errorCount: 0 });
    expect((lead.db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE state = 'running'").get() as { n: number }).n).toBe(0);
  });
});
