import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { DEFAULT_SIM_USERS } from '../../src/main/sim/wandb/server';
import { expect, repoRoot, test, type FolioHost } from './fixtures';
import { callHost } from './rpc';

/**
 * The W&B simulator as its own process (a real HTTP server, as W&B is to Folio), for tests that
 * sync or pull; `summary()` asks it what the dataset really holds.
 */

export const SIM = DEFAULT_SIM_USERS[0]!;
const WANDB_PROJECT = 'biz-doc-vqa';
const COLLECTION = 'business-ocr-vqa-dataset';

export interface Sim {
  url: string;
  stop(): Promise<void>;
  summary(): Promise<{ versionIndex: number | null; rows: number; annotationVersions: number; duplicated: number; problems: string[]; partitions: number }>;
}

export async function startSim(): Promise<Sim> {
  const child: ChildProcess = spawn(join(repoRoot, 'node_modules/.bin/tsx'), ['src/main/sim/wandb/start.ts'], {
    cwd: repoRoot,
    env: { ...process.env, WANDB_SIM_PORT: '0', WANDB_SIM_QUIET: '1', WANDB_SIM_API_KEY: SIM.apiKey, WANDB_SIM_ENTITY: SIM.entity },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the W&B simulator did not start:\n${logs.join('')}`)), 60_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      logs.push(chunk.toString());
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the W&B simulator exited (${code}):\n${logs.join('')}`));
    });
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
    },
    async summary() {
      const q = new URLSearchParams({ entity: SIM.entity, project: WANDB_PROJECT, collection: COLLECTION });
      const res = await fetch(`${url}/_sim/summary?${q}`);
      expect(res.status).toBe(200);
      return (await res.json()) as Awaited<ReturnType<Sim['summary']>>;
    },
  };
}

export const sim = test.extend<{ wandb: Sim }>({
  // eslint-disable-next-line no-empty-pattern
  wandb: async ({}, use) => {
    const s = await startSim();
    try {
      await use(s);
    } finally {
      await s.stop();
    }
  },
});


/** Point an installation at the simulator with the simulated user's key. */
export async function configureWandb(host: FolioHost, wandb: Sim): Promise<void> {
  await callHost(host, 'settings.update', { wandb: { baseUrl: wandb.url, entity: SIM.entity, project: WANDB_PROJECT } });
  await callHost(host, 'settings.setSecret', { name: 'wandbApiKey', value: SIM.apiKey });
}

/** Keep scheduled checks from sending before the test presses "Sync now". */
export async function onlyManualSync(host: FolioHost): Promise<void> {
  await callHost(host, 'sync.config.update', { batchSize: 1000, maxWaitMinutes: 7 * 24 * 60, intervalMinutes: 24 * 60, dailyTime: null });
}
