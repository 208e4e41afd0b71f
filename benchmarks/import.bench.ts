/**
 * npm run bench:import — imports 500 generated pages through the browser host, the way the app
 * does it (import.start over the WebSocket, progress events back), and prints pages per second and
 * the longest event-loop stall of the host process. Ends with one JSON line.
 *
 *   BENCH_PAGES=500 BENCH_CONCURRENCY=… npm run bench:import
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import WebSocket from 'ws';
import { rpcProtocols } from '../src/shared/contract/hostAuth';
import { createCore } from '../src/main/core/createCore';
import { MemorySettingsStore, FileSecretStore } from '../src/main/core/settings/fileStores';
import { generatePage } from '../src/main/core/synth';
import { startHost } from '../src/main/host/server';
import type { ImportJob } from '../src/shared/domain/model';
import { machine, measureEventLoop, round } from './lib';

const PAGES = Number(process.env.BENCH_PAGES ?? 500);
const SEED = 4242;

/** Generated pages are cached in .bench/ so reruns measure the import, not the generator. */
async function corpus(): Promise<string> {
  const dir = join(import.meta.dirname, '..', '.bench', `import-${SEED}-${PAGES}`);
  mkdirSync(dir, { recursive: true });
  const have = new Set(readdirSync(dir));
  for (let i = 0; i < PAGES; i++) {
    const name = `page-${String(i).padStart(4, '0')}.png`;
    if (have.has(name)) continue;
    const { png } = await generatePage(SEED, i);
    writeFileSync(join(dir, name), png);
    if (i % 50 === 0) process.stderr.write(`  generating pages ${i}/${PAGES}\r`);
  }
  return dir;
}

async function main(): Promise<void> {
  console.log(`bench:import — ${PAGES} generated pages through the browser host on ${machine()}`);
  const source = await corpus();
  const work = mkdtempSync(join(tmpdir(), 'folio-bench-import-'));
  const rendererDir = join(work, 'renderer');
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html>');
  const core = await createCore({
    dataDir: join(work, 'data'),
    settingsStore: new MemorySettingsStore(),
    secretStore: new FileSecretStore(join(work, 'secrets.json')),
    platform: { kind: 'web' },
    env: {},
    sync: { autoStart: false },
    ...(process.env.BENCH_CONCURRENCY ? { importConcurrency: Number(process.env.BENCH_CONCURRENCY) } : {}),
  });
  const host = await startHost({ core, rendererDir });
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/rpc`, rpcProtocols(host.token));
  await new Promise((r) => ws.once('open', r));
  const project = await core.api['projects.create']({ name: 'bench' });

  const { result, maxStallMs, p99DelayMs } = await measureEventLoop(async () => {
    const started = performance.now();
    const finished = new Promise<ImportJob>((resolve) =>
      ws.on('message', (data) => {
        const m = JSON.parse(String(data)) as { event?: string; payload?: ImportJob };
        if (m.event === 'import.finished') resolve(m.payload!);
      }),
    );
    ws.send(JSON.stringify({ id: 1, method: 'import.start', request: { projectId: project.id, paths: [source] } }));
    const job = await finished;
    return { job, seconds: (performance.now() - started) / 1000 };
  });

  const { job, seconds } = result;
  if (job.state !== 'completed' || job.pages !== PAGES || job.failed.length) {
    throw new Error(`import did not complete cleanly: ${JSON.stringify({ state: job.state, pages: job.pages, failed: job.failed.slice(0, 3) })}`);
  }
  const pagesPerSec = job.pages / seconds;
  console.log(`pages imported:          ${job.pages}`);
  console.log(`time:                    ${round(seconds, 2)} s`);
  console.log(`pages per second:        ${round(pagesPerSec)}   (target ≥ 20)`);
  console.log(`longest event-loop stall ${round(maxStallMs)} ms   (target ≤ 50)`);
  console.log(`event-loop delay p99:    ${round(p99DelayMs)} ms`);
  ws.close();
  await host.close();
  await core.close();
  if (!process.env.BENCH_KEEP) rmSync(work, { recursive: true, force: true });
  console.log(JSON.stringify({ bench: 'import', pages: job.pages, seconds: round(seconds, 2), pagesPerSec: round(pagesPerSec), maxEventLoopStallMs: round(maxStallMs), p99EventLoopDelayMs: round(p99DelayMs) }));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
