import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '../..');

/** `npm run web`'s host as its own process (so a crash shows as an exit, and its output is its own), on `dir`/data with a stand-in renderer. */
export interface HostProcess {
  port: number;
  token: string;
  /** Everything the host printed, stdout and stderr. */
  output(): string;
  /** Whether it is still running. */
  alive(): boolean;
  stop(): Promise<void>;
}

export async function spawnHost(dir: string, timeoutMs = 60_000): Promise<HostProcess> {
  const rendererDir = join(dir, 'renderer');
  mkdirSync(rendererDir, { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Folio</title>');
  const env: NodeJS.ProcessEnv = { FOLIO_OCR: 'off', ...process.env, FOLIO_DATA_DIR: join(dir, 'data'), NODE_ENV: 'test' };
  for (const name of ['ANTHROPIC_API_KEY', 'WANDB_API_KEY', 'WANDB_BASE_URL', 'WANDB_ENTITY', 'WANDB_PROJECT', 'FOLIO_PORT']) delete env[name];
  // Node itself with tsx's loader, so a kill reaches the host and not a wrapper.
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main/host/start.ts', '--port', '0', '--renderer-dir', rendererDir], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (!alive()) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const match = /Folio is running at (http:\/\/\S+)/.exec(output);
    if (match?.[1]) {
      const url = new URL(match[1]);
      return { port: Number(url.port), token: url.searchParams.get('token') ?? '', output: () => output, alive, stop };
    }
    if (!alive() || Date.now() > deadline) {
      await stop();
      throw new Error(`The host did not start. Output:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
