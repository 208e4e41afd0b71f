import { spawn } from 'node:child_process';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { createCore, type Core, type CoreOptions } from '../src/main/core/createCore';
import { FileSecretStore, JsonFileSettingsStore } from '../src/main/core/settings/fileStores';

/** Event-loop stalls while `fn` runs (1 ms resolution): the longest and the 99th percentile, in ms. */
export async function measureEventLoop<T>(fn: () => Promise<T>): Promise<{ result: T; maxStallMs: number; p99DelayMs: number }> {
  const histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  try {
    const result = await fn();
    return { result, maxStallMs: histogram.max / 1e6, p99DelayMs: histogram.percentile(99) / 1e6 };
  } finally {
    histogram.disable();
  }
}

export function machine(): string {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

export const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * An in-page script (a string: tsx would otherwise inject its __name helper into a function) that
 * opens a document and resolves with the ms until the first frame showing its page image and every
 * one of its `boxes` boxes.
 */
export function firstFrameScript(projectId: string, documentId: string, boxes: number): string {
  return `new Promise((resolve) => {
      const started = performance.now();
      location.hash = '#/projects/${projectId}/documents/${documentId}';
      const check = () => {
        const el = document.querySelector('[data-testid="page-canvas"]');
        if (el && el.dataset.imageState === 'loaded' && el.dataset.boxes === '${boxes}') {
          requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - started), 0));
        } else requestAnimationFrame(check);
      };
      check();
    })`;
}

/** A core on a benchmark's kept data folder (settings and keys in files beside it; sync not started). */
export function openBenchCore(dataDir: string, options: Partial<CoreOptions> = {}): Promise<Core> {
  return createCore({
    dataDir,
    settingsStore: new JsonFileSettingsStore(join(dataDir, 'settings.json')),
    secretStore: new FileSecretStore(join(dataDir, 'secrets.json')),
    platform: { kind: 'web' },
    env: {},
    sync: { autoStart: false },
    ...options,
  });
}

const ROOT = join(import.meta.dirname, '..');

/** The browser host (`src/main/host/start.ts` through tsx) on a free port, on `dataDir`: its address, and stop. */
export async function startBrowserHost(dataDir: string): Promise<{ url: string; stop(): void }> {
  const child = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['src/main/host/start.ts', '--port', '0'], { cwd: ROOT, env: { FOLIO_OCR: 'off', ...process.env, FOLIO_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += String(d);
      const m = /Folio is running at (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`host exited (${code}) before starting`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}
