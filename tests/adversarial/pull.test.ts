import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import { generateTruth } from '../../src/main/core/synth';
import { startWandbSim, type WandbSim } from '../../src/main/sim/wandb/server';
import { openTestCore, tempDir } from '../helpers/core';
import { truthContent, verifyAs, type Content } from '../helpers/review';
import { addDocuments, createSyncProject, SIM_KEY, syncEngineFor } from '../helpers/sync';

/**
 * A lead's pull over real HTTP (the W&B simulator) of what an annotator's machine synced but the
 * app could never show: versions over the contract's limits, and a page over the import's size
 * limits. Each is refused and named in the pull's summary; everything else is applied, and every
 * document the lead then holds opens in review.
 */

async function pageImage(i: number): Promise<{ bytes: Buffer; ext: 'png' }> {
  const { width, height } = generateTruth(7, i);
  return { bytes: await sharp({ create: { width, height, channels: 3, background: { r: (i * 53) % 256, g: 240, b: 9 } } }).png().toBuffer(), ext: 'png' };
}

describe('a pull of work outside the limits', () => {
  let dir: ReturnType<typeof tempDir>;
  let sim: WandbSim;
  const cores: Core[] = [];
  beforeEach(async () => {
    dir = tempDir('folio-pull-adv-');
    sim = await startWandbSim();
  });
  afterEach(async () => {
    for (const c of cores.splice(0)) await c.close();
    await sim.close();
    dir.cleanup();
  });

  async function installation(name: string) {
    const core = await openTestCore(join(dir.path, name), { env: { WANDB_API_KEY: SIM_KEY, WANDB_BASE_URL: sim.url } });
    cores.push(core);
    await core.api['settings.update']({ annotatorName: name });
    const projectId = await createSyncProject(core, 'Invoices');
    const a = core.settings.annotator();
    return { core, projectId, me: { id: a.id, name } };
  }

  it('refuses each version over the contract’s limits and each page over the import’s, naming them; applies the rest; every document opens in review', { timeout: 120_000 }, async () => {
    const ada = await installation('Ada');
    const docs = await addDocuments(ada.core, ada.projectId, { count: 4, image: pageImage });
    const content = docs.map((d) => truthContent(d.truth, d.pageId));
    // Stored below the API (as an older or altered Folio could have): the sync sends what is stored.
    const longId: Content = { boxes: content[0]!.boxes.map((b, i) => (i === 0 ? { ...b, id: 'b'.repeat(100) } : b)), qa: [] };
    const longText: Content = { boxes: content[1]!.boxes.map((b, i) => (i === 0 ? { ...b, transcription: 't'.repeat(30_000) } : b)), qa: content[1]!.qa.map((q, i) => (i === 0 ? { ...q, question: 'q'.repeat(5_000) } : q)) };
    const verified = [verifyAs(ada.core, ada.projectId, docs[0]!.documentId, ada.me, longId), verifyAs(ada.core, ada.projectId, docs[1]!.documentId, ada.me, longText), verifyAs(ada.core, ada.projectId, docs[2]!.documentId, ada.me, content[2]!)];
    // The fourth page is 1 × 2,000,000 px (a 4 KB PNG).
    const tall = await sharp({ create: { width: 1, height: 2_000_000, channels: 3, background: '#ffffff' } }).png().toBuffer();
    const tallPath = docs[3]!.imagePath;
    writeFileSync(tallPath, tall);
    ada.core.db.prepare('UPDATE pages SET width = 1, height = 2000000 WHERE document_id = ?').run(docs[3]!.documentId);
    verifyAs(ada.core, ada.projectId, docs[3]!.documentId, ada.me, { boxes: [{ ...content[3]!.boxes[0]!, x: 0, y: 0, w: 1, h: 10 }], qa: [] });
    const engine = syncEngineFor(ada.core, sim);
    const { jobs } = await engine.syncNow();
    await engine.stop();
    expect(jobs.every((j) => j.state === 'completed')).toBe(true);

    const lead = await installation('Lead');
    const pull = await lead.core.pulls.run(lead.projectId);
    expect(pull.state).toBe('completed');
    const messages = pull.errors.map((e) => e.message);
    expect(messages).toContain(`document ${docs[0]!.documentId} version ${verified[0]!.version} (annotation ${verified[0]!.annotationId}) is refused: boxes.0.id is 100 characters, over the limit of 64`);
    expect(messages).toContain(
      `document ${docs[1]!.documentId} version ${verified[1]!.version} (annotation ${verified[1]!.annotationId}) is refused: boxes.0.transcription is 30,000 characters, over the limit of 20,000; qa.0.question is 5,000 characters, over the limit of 2,000`,
    );
    expect(messages.some((m) => /\.png: page 1 is 1 × 2000000 px, over Folio's limit of 30,000 px per side and 300 megapixels per page$/.test(m))).toBe(true);
    expect(pull.errorCount).toBe(3);
    expect(pull.imported).toBe(1);
    expect(lead.core.documents.exists(docs[3]!.documentId)).toBe(false);

    // What the lead holds, the app can show.
    const list = await lead.core.api['documents.list']({ projectId: lead.projectId });
    expect(list.items.length).toBe(3);
    for (const item of list.items) await expect(lead.core.api['review.document']({ projectId: lead.projectId, documentId: item.id })).resolves.toMatchObject({ documentId: item.id });
  });
});
