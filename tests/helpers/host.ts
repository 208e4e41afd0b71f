import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Core } from '../../src/main/core/createCore';
import { startHost, type RunningHost } from '../../src/main/host/server';
import { openTestCore } from './core';

/** A core in `dir`/data behind the browser host, serving a stand-in renderer (an index page and one asset). */
export async function startTestHost(dir: string): Promise<{ core: Core; host: RunningHost }> {
  const rendererDir = join(dir, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Folio</title>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  const core = await openTestCore(join(dir, 'data'));
  return { core, host: await startHost({ core, rendererDir, port: 0 }) };
}
