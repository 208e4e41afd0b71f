/**
 * The process the kill -9 sweep kills: opens Folio on a data folder and runs one write path over
 * and over (or once, for the ones that run long), printing `ready` when the core is open and
 * `done <n>` after each completed step.
 *   node --import tsx writePathsChild.ts <dataDir> <mode> <projectId> [arg]
 * Modes: save (arg: document id), verify, import (arg: a folder), resolve, bundle (arg: a file),
 * pull (arg: the W&B simulator's address).
 * Saves write generation n as `generationContent(n)`, so a check after the kill can tell a whole
 * generation from a half-written one.
 */
import { openTestCore } from './core';
import { SIM_KEY } from './sync';
import { takeSuggested } from './review';
import { generationContent } from './writePaths';

const [dataDir, mode, projectId, arg] = process.argv.slice(2) as [string, string, string, string | undefined];
const core = await openTestCore(dataDir, mode === 'pull' ? { env: { WANDB_API_KEY: SIM_KEY, WANDB_BASE_URL: arg! } } : {});
await core.api['settings.update']({ annotatorName: mode === 'resolve' ? 'Lead' : 'Kit' });
const say = (line: string) => process.stdout.write(`${line}\n`);
say('ready');

async function saveGeneration(documentId: string, n: number): Promise<void> {
  const state = await core.api['annotations.get']({ projectId, documentId });
  const pageId = (await core.api['documents.get']({ projectId, documentId })).pages[0]!.id;
  const content = generationContent(n, pageId);
  await core.api['annotations.save']({
    projectId,
    documentId,
    baseRevision: state.revision,
    deleteBoxIds: state.boxes.map((b) => b.id),
    upsertBoxes: content.boxes,
    deleteQaIds: state.qa.map((q) => q.id),
    upsertQa: content.qa,
  });
}

switch (mode) {
  case 'save':
    for (let n = 1; ; n++) {
      await saveGeneration(arg!, n);
      say(`done ${n}`);
    }
  case 'verify': {
    const { items } = await core.api['documents.list']({ projectId, limit: 1000 });
    for (let n = 1; ; n++) {
      for (const d of items) {
        await saveGeneration(d.id, n);
        const result = await core.api['annotations.verify']({ projectId, documentId: d.id, acknowledge: ['undecided_predictions', 'no_boxes'] });
        if (result.result !== 'verified') throw new Error(`verify of ${d.id}: ${JSON.stringify(result)}`);
      }
      say(`done ${n}`);
    }
  }
  case 'import':
    core.importer.start(projectId, [arg!]);
    await core.importer.idle();
    say('done 1');
    break;
  case 'resolve': {
    const { items } = await core.api['review.queue']({ projectId, state: 'open' });
    let n = 0;
    for (const item of items) {
      const doc = await core.api['review.document']({ projectId, documentId: item.documentId });
      const basedOn = doc.versions.map((v) => ({ sourceId: v.source.id, annotationId: v.annotationId, version: v.version }));
      await core.api['review.resolve']({ projectId, documentId: item.documentId, basedOn, ...takeSuggested(doc) });
      say(`done ${++n}`);
    }
    break;
  }
  case 'bundle':
    await core.api['bundle.import']({ path: arg! });
    say('done 1');
    break;
  case 'pull': {
    const job = await core.pulls.run(projectId);
    if (job.state !== 'completed') throw new Error(`pull ended ${job.state}: ${JSON.stringify(job.errors)}`);
    say('done 1');
    break;
  }
  default:
    throw new Error(`unknown mode ${mode}`);
}
await core.close();
