import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Core } from '../../src/main/core/createCore';
import { pageId } from '../../src/main/core/db/repos/documents';
import { generateTruth, SYNTH_LABELS, type SynthDocument } from '../../src/main/core/synth';
import { SyncEngine, type SyncEngineOptions } from '../../src/main/core/sync';
import { fastPolicies } from '../../src/main/core/wandb/http';
import type { WandbSim } from '../../src/main/sim/wandb/server';
import { DEFAULT_SIM_USERS } from '../../src/main/sim/wandb/server';
import { truthContent } from './review';

/**
 * Verified documents for sync tests and benchmarks, made through the real repositories and the
 * real annotations API: synthetic ground truth (boxes, transcriptions, QA with evidence) on page
 * images written where an import would put them.
 */

export const SIM_KEY = DEFAULT_SIM_USERS[0]!.apiKey;
export const SIM_ENTITY = DEFAULT_SIM_USERS[0]!.entity;

export interface SeededDocument {
  documentId: string;
  pageId: string;
  truth: SynthDocument;
  imagePath: string;
}

/** A small PNG that is different for every `n` (a stand-in page image; tests about pixels use real renders). */
export async function tinyPng(n: number): Promise<Buffer> {
  const w = 24;
  const h = 16;
  const raw = Buffer.alloc(w * h * 3);
  for (let i = 0; i < raw.length; i++) raw[i] = (n * 131 + i * 7 + (n >> (i % 24))) & 0xff;
  return sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toBuffer();
}

export async function createSyncProject(core: Core, name = 'Invoices'): Promise<string> {
  const project = await core.api['projects.create']({ name, labels: SYNTH_LABELS.map((l) => ({ name: l.name, color: l.color, hotkey: l.hotkey as '1' | null })) });
  return project.id;
}

/** Add `count` documents with one page each; image bytes from `image(i)` (default: a unique tiny PNG). */
export async function addDocuments(
  core: Core,
  projectId: string,
  opts: { count: number; seed?: number; start?: number; image?: (i: number) => Promise<{ bytes: Buffer; ext: 'png' | 'jpg' }>; truth?: (i: number) => SynthDocument },
): Promise<SeededDocument[]> {
  const out: SeededDocument[] = [];
  const seed = opts.seed ?? 7;
  const start = opts.start ?? 0;
  for (let i = start; i < start + opts.count; i++) {
    const truth = opts.truth ? opts.truth(i) : generateTruth(seed, i);
    const { bytes, ext } = opts.image ? await opts.image(i) : { bytes: await tinyPng(i), ext: 'png' as const };
    const documentId = createHash('sha256').update(bytes).update(`doc-${i}`).digest('hex');
    const dir = core.media.documentDir(documentId);
    const level0 = `${dir}/p1/level0.${ext}`;
    mkdirSync(join(core.media.root, ...`${dir}/p1`.split('/')), { recursive: true });
    writeFileSync(core.media.absolute(level0), bytes);
    core.documents.addToProject(
      projectId,
      {
        id: documentId,
        kind: 'image',
        sourceName: `${truth.id}.${ext}`,
        sourcePath: `/synthetic/${truth.id}.${ext}`,
        byteSize: bytes.length,
        pages: [{ pageNumber: 1, width: truth.width, height: truth.height, thumbnail: level0, levels: [{ level: 0, scale: 1, width: truth.width, height: truth.height, path: level0 }], tiles: null }],
      },
      new Date().toISOString(),
    );
    out.push({ documentId, pageId: pageId(documentId, 1), truth, imagePath: core.media.absolute(level0) });
  }
  return out;
}

/** Annotate a document with its ground truth and verify it, through the app's API. */
export async function verifyDocument(core: Core, projectId: string, doc: SeededDocument): Promise<{ annotationId: string; version: number }> {
  const state = await core.api['annotations.get']({ projectId, documentId: doc.documentId });
  const { boxes, qa } = truthContent(doc.truth, doc.pageId);
  await core.api['annotations.save']({ projectId, documentId: doc.documentId, baseRevision: state.revision, upsertBoxes: boxes, upsertQa: qa });
  const result = await core.api['annotations.verify']({ projectId, documentId: doc.documentId });
  if (result.result !== 'verified') throw new Error(`verify did not verify: ${JSON.stringify(result)}`);
  return { annotationId: result.annotationId, version: result.version };
}

/** An engine for `core` against the simulator, with fast retries and no timers unless started. */
export function syncEngineFor(core: Core, sim: WandbSim | { url: string }, over: Partial<SyncEngineOptions> & { apiKey?: string | null; entity?: string | null; project?: string } = {}): SyncEngine {
  const { apiKey, entity, project, ...rest } = over;
  return new SyncEngine({
    db: core.db,
    dataDir: core.dataDir,
    folioVersion: 'test',
    credentials: () => ({ apiKey: apiKey === undefined ? SIM_KEY : apiKey, baseUrl: sim.url, entity: entity === undefined ? null : entity, project: project ?? 'biz-doc-vqa' }),
    policies: fastPolicies(),
    tickMs: 60_000,
    ...rest,
  });
}
