import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import { openTestCore, tempDir } from './core';

/** One annotator's Folio: a core in `dataDir` whose annotator is `name`, and that annotator. */
async function openInstallation(dataDir: string, name: string): Promise<{ core: Core; me: { id: string; name: string } }> {
  const core = await openTestCore(dataDir);
  await core.api['settings.update']({ annotatorName: name });
  return { core, me: { id: core.settings.annotator().id, name } };
}

/**
 * A fresh temporary folder for each test of the calling `describe`, and installations opened in
 * it (closed, and the folder removed, after each test). `path` is the current test's folder.
 */
export function installationsPerTest(prefix?: string): { readonly path: string; installation(name: string): ReturnType<typeof openInstallation> } {
  let dir: ReturnType<typeof tempDir> | null = null;
  const cores: Core[] = [];
  beforeEach(() => {
    dir = tempDir(prefix);
  });
  afterEach(async () => {
    for (const c of cores.splice(0)) await c.close();
    dir?.cleanup();
  });
  return {
    get path() {
      return dir!.path;
    },
    async installation(name: string) {
      const installed = await openInstallation(join(dir!.path, name), name);
      cores.push(installed.core);
      return installed;
    },
  };
}
