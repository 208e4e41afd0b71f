/**
 * The process the pre-annotation crash test kills: opens Folio on a data folder, resumes the
 * run a previous process left (or starts one), and prints progress lines until it finishes.
 *   node preannotate-child.mjs <dataDir> <simUrl> <apiKey> <projectId> <online|batch> <timeScale>
 */
import { openTestCore } from './core';
import { serviceFor } from './preannotate';

const [dataDir, simUrl, apiKey, projectId, mode, scale] = process.argv.slice(2) as [string, string, string, string, string, string];

const core = await openTestCore(dataDir, { env: { ANTHROPIC_API_KEY: apiKey, ANTHROPIC_BASE_URL: simUrl } });
const svc = serviceFor(core, {
  timeScale: Number(scale),
  emit: (event, payload) => {
    if (event === 'preannotate.progress') process.stdout.write(`done ${(payload as { pages: { done: number } }).pages.done}\n`);
  },
});
let runId = svc.resumeInterrupted()[0];
if (runId) process.stdout.write(`resumed ${runId}\n`);
else {
  const existing = svc.listRuns(projectId).find((r) => r.state === 'running' || r.state === 'paused');
  runId = existing ? (await svc.resume(existing.runId)).runId : (await svc.start(projectId, { batch: mode === 'batch', batchPollMs: 2000, concurrency: 'auto' })).runId;
  process.stdout.write(`started ${runId}\n`);
}
const final = await svc.waitForRun(runId);
process.stdout.write(`final ${JSON.stringify({ state: final.state, pages: final.pages })}\n`);
await svc.close();
await core.close();
