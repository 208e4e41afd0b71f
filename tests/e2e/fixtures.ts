import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';

export const repoRoot = resolve(import.meta.dirname, '../..');

/** A browser host on a private data folder, for one test. */
export interface FolioHost {
  /** The address the host printed, with its token: `http://127.0.0.1:PORT/?token=…`. */
  url: string;
  origin: string;
  token: string;
  dataDir: string;
  /** Stop the host and start it again on the same data folder (new port and token). */
  restart(): Promise<void>;
  stop(): Promise<void>;
  /** SIGKILL the host, as a crash would: no shutdown code runs. */
  kill(): Promise<void>;
  /** Everything the host printed so far. */
  output(): string;
}

const START_TIMEOUT_MS = 90_000;

interface Running {
  child: ChildProcess;
  url: string;
}

function startHost(dataDir: string, logs: string[]): Promise<Running> {
  // Pages are read in the background only in the specs about it (it would load the machine).
  const env: NodeJS.ProcessEnv = { FOLIO_OCR: 'off', ...process.env, FOLIO_DATA_DIR: dataDir, NODE_ENV: 'test' };
  // Keep tests independent of the machine's keys and W&B settings.
  for (const name of ['ANTHROPIC_API_KEY', 'WANDB_API_KEY', 'WANDB_BASE_URL', 'WANDB_ENTITY', 'WANDB_PROJECT', 'FOLIO_PORT']) delete env[name];
  // Node itself with tsx's loader, not the tsx command: the command runs the host as its own
  // child, which a SIGKILL of the command (kill(), a crash test) leaves running with its sync process.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main/host/start.ts', '--port', '0'], {
    cwd: repoRoot,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise<Running>((resolvePromise, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`The Folio host did not print its address within ${START_TIMEOUT_MS / 1000} s. Output:\n${logs.join('')}`));
    }, START_TIMEOUT_MS);
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      logs.push(text);
      buffered += text;
      const match = /Folio is running at (http:\/\/\S+)/.exec(buffered);
      if (match?.[1]) {
        clearTimeout(timer);
        resolvePromise({ child, url: match[1] });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => logs.push(chunk.toString()));
    child.on('exit', (code, signal) => logs.push(`\n[host exited: ${signal ?? `code ${code}`}]\n`));
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`The Folio host exited (${signal ?? code}) before printing its address. Output:\n${logs.join('')}`));
    });
  });
}

async function stopHost(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * A Folio installation: the browser host on a fresh data folder. Tests get one as the `host`
 * fixture; a test that needs several installations (annotators and a lead) launches more.
 */
export async function launchHost(): Promise<FolioHost & { logs: string[]; dispose(): Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'folio-e2e-'));
  const logs: string[] = [];
  let running = await startHost(dataDir, logs);
  const parse = (url: string) => {
    const u = new URL(url);
    return { origin: u.origin, token: u.searchParams.get('token') ?? '' };
  };
  const host = {
    url: running.url,
    ...parse(running.url),
    dataDir,
    logs,
    async restart() {
      await stopHost(running.child);
      logs.push('\n--- restart ---\n');
      running = await startHost(dataDir, logs);
      Object.assign(host, { url: running.url, ...parse(running.url) });
    },
    stop: () => stopHost(running.child),
    async kill() {
      const child = running.child;
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGKILL');
      await exited;
    },
    output: () => logs.join(''),
    async dispose() {
      await stopHost(running.child);
      await rm(dataDir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
  return host;
}

export const test = base.extend<{ host: FolioHost }>({
  // Playwright reads fixture dependencies from the destructuring pattern, so it must be there even when empty.
  // eslint-disable-next-line no-empty-pattern
  host: async ({}, use, testInfo) => {
    const host = await launchHost();
    try {
      await use(host);
    } finally {
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach('host-output.txt', { body: host.output(), contentType: 'text/plain' });
      }
      await host.dispose();
    }
  },
  page: async ({ page }, use, testInfo) => {
    // Anything the renderer logs as an error is kept with a failed test.
    const consoleLines: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') consoleLines.push(`[${m.type()}] ${m.text()}`);
    });
    page.on('pageerror', (err) => consoleLines.push(`[pageerror] ${err.message}`));
    await use(page);
    if (testInfo.status !== testInfo.expectedStatus && consoleLines.length > 0) {
      await testInfo.attach('browser-console.txt', { body: consoleLines.join('\n'), contentType: 'text/plain' });
    }
  },
});

export { expect };

/** Open Folio at `hash` (e.g. `#/projects`) on the current host. */
export async function openFolio(page: Page, host: FolioHost, hash = ''): Promise<void> {
  await page.goto(host.url + hash);
}

/** First start: give a name, then land on the choice between the demo and a new project. */
export async function enterName(page: Page, name = 'Ada Tester'): Promise<void> {
  await expect(page.getByTestId('first-start')).toBeVisible();
  await page.getByTestId('annotator-name-input').fill(name);
  await page.getByTestId('annotator-name-continue').click();
  await expect(page.getByTestId('open-demo')).toBeVisible();
}

/** A fresh host → name → an empty project called `name`, showing its (empty) document list. */
export async function createProject(page: Page, host: FolioHost, name: string): Promise<string> {
  await openFolio(page, host);
  await enterName(page);
  await page.getByTestId('start-create-project').click();
  await page.getByTestId('project-name-input').fill(name);
  await page.getByTestId('create-project-submit').click();
  await expect(page.getByTestId('project-title')).toHaveText(name);
  const match = /#\/projects\/([^/?]+)/.exec(page.url());
  if (!match?.[1]) throw new Error(`not on a project page: ${page.url()}`);
  return decodeURIComponent(match[1]);
}

/** How many pixels of a canvas differ from its first pixel (the page image is drawn when many do). */
export async function canvasInk(page: Page): Promise<{ width: number; height: number; varied: number }> {
  return page.evaluate(() => {
    const canvases = [...document.querySelectorAll<HTMLCanvasElement>('[data-testid="page-canvas"] canvas')];
    let best = { width: 0, height: 0, varied: 0 };
    for (const canvas of canvases) {
      const ctx = canvas.getContext('2d');
      if (!ctx || canvas.width === 0 || canvas.height === 0) continue;
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const colours = new Set<number>();
      let varied = 0;
      for (let i = 0; i < data.length; i += 4 * 7) {
        const r = data[i] ?? 0;
        const g = data[i + 1] ?? 0;
        const b = data[i + 2] ?? 0;
        const a = data[i + 3] ?? 0;
        if (a > 0 && (r < 200 || g < 200 || b < 200)) varied++;
        colours.add(((r >> 4) << 8) | ((g >> 4) << 4) | (b >> 4));
      }
      if (varied > best.varied) best = { width: canvas.width, height: canvas.height, varied: colours.size > 2 ? varied : 0 };
    }
    return best;
  });
}
