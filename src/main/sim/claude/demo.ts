import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createCore, type Core } from '../../core/createCore';
import { FileSecretStore, JsonFileSettingsStore } from '../../core/settings/fileStores';
import { closeOnSignals } from '../../host/closeOnSignals';
import { startHost } from '../../host/server';
import { DEMO_SIM_SEED, startClaudeSimulator } from './server';

/**
 * `npm run demo`: Folio in the browser, wired to the Claude simulator, so a newcomer can watch
 * pre-annotation without an API key. Everything is clearly simulated: a data folder of its own
 * (never the user's), a key that only the simulator accepts, answers made from the synthetic
 * documents' ground truth, and runs marked `simulated` (the simulator says so in every response).
 *
 *   --data-dir DIR   (default: FOLIO_DEMO_DATA_DIR or ./.folio-data/demo)   --port N   --rpm N   --no-run
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'data-dir': { type: 'string' },
      port: { type: 'string', default: '0' },
      rpm: { type: 'string', default: '120' },
      'no-run': { type: 'boolean' },
      'renderer-dir': { type: 'string' },
    },
  });
  const dataDir = resolve(values['data-dir'] ?? process.env.FOLIO_DEMO_DATA_DIR ?? join('.folio-data', 'demo'));
  const rendererDir = resolve(values['renderer-dir'] ?? join(import.meta.dirname, '../../../../out/renderer'));
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`The renderer is not built (no ${join(rendererDir, 'index.html')}). Run \`npm run build:renderer\` first (npm run demo does).`);
  }
  const rpm = Number(values.rpm);
  if (!Number.isFinite(rpm) || rpm <= 0) throw new Error(`--rpm: expected a positive number, got "${values.rpm}"`);

  // Real time, so a person can watch pages arrive: 2.1 s per page, a modest rate limit.
  const sim = await startClaudeSimulator({ timeScale: 1, limits: { rpm, burstSeconds: 2 }, seed: DEMO_SIM_SEED, answerEveryQuestion: true });
  const core: Core = await createCore({
    dataDir,
    settingsStore: new JsonFileSettingsStore(join(dataDir, 'settings.json')),
    secretStore: new FileSecretStore(join(dataDir, 'secrets.json')),
    platform: { kind: 'web' },
    env: {},
  });
  await core.api['settings.update']({ anthropic: { baseUrl: sim.url } });
  await core.api['settings.setSecret']({ name: 'anthropicApiKey', value: 'sk-ant-simulated-demo-key' });
  if ((await core.api['app.info']({})).firstStart) await core.api['settings.update']({ annotatorName: 'Demo annotator' });

  const project = await core.api['projects.openDemo']({});
  const registered = await sim.truth.registerDirectory(join(dataDir, 'demo-source'));

  const service = core.preannotation;

  const host = await startHost({ core, rendererDir, port: Number(values.port) });
  console.log('');
  console.log('  SIMULATED — answers come from Folio\'s Claude simulator, not from Claude. No API key is used.');
  console.log(`  Demo project "${project.name}": ${project.documentCount} synthetic documents (ground truth of ${registered} known to the simulator).`);
  console.log(`  Claude simulator: ${sim.url}   (${rpm} requests/min, median latency 2.1 s)`);
  console.log(`  Data folder: ${dataDir}`);
  console.log(`  Folio is running at ${host.url}`);
  console.log('');

  if (!values['no-run']) {
    const existing = service.listRuns(project.id).find((r) => r.state === 'running');
    const run = existing ?? (await service.start(project.id, { scope: 'all' }).catch((err: unknown) => (console.error(`  Pre-annotation not started: ${(err as Error).message}`), null)));
    if (run) {
      console.log(`  Pre-annotating ${run.pages.total} page(s) (run ${run.runId}); estimated $${run.estimate?.usd.total.toFixed(4) ?? '?'} at real prices.`);
      const timer = setInterval(() => {
        const s = service.status(run.runId);
        process.stdout.write(`\r  ${s.pages.done}/${s.pages.total} pages, ${s.predictions.boxes} boxes, $${s.costUsd.toFixed(4)} (simulated)   `);
        if (s.state !== 'running') {
          clearInterval(timer);
          process.stdout.write(`\n  Run ${s.state}. Open the demo project to see the predictions on the canvas.\n`);
        }
      }, 1000);
    }
  }

  closeOnSignals(() => host.close(), () => core.close(), () => sim.close());
}

main().catch((err: unknown) => {
  console.error(`demo: ${(err as Error).message}`);
  process.exit(1);
});
