import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** The architecture's import rules are real: each of these must fail `npm run lint`. */
const eslint = new ESLint({ cwd: process.cwd() });

async function lintAs(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'folio/core-layers').map((m) => m.message);
}

describe('architecture boundaries', () => {
  it("fails when a core module imports 'electron'", async () => {
    const messages = await lintAs('src/main/core/import/importer.ts', "import { app } from 'electron';\nexport const x = app;\n");
    expect(messages.join('\n')).toContain('Only the Electron shell (src/main/electron) may import electron');
  });

  it('fails when a core module imports the shell', async () => {
    expect(await lintAs('src/main/core/createCore.ts', "import { x } from '../electron/security';\nexport const y = x;\n")).not.toEqual([]);
  });

  it('lets the Electron shell import electron', async () => {
    expect(await lintAs('src/main/electron/window.ts', "import { app } from 'electron';\nexport const x = app;\n")).toEqual([]);
  });

  it('keeps src/shared free of Node and Electron', async () => {
    expect(await lintAs('src/shared/domain/model.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n")).not.toEqual([]);
    expect(await lintAs('src/shared/domain/model.ts', "import { app } from 'electron';\nexport const x = app;\n")).not.toEqual([]);
  });

  it('stops the renderer from importing main-process code or Node', async () => {
    expect(await lintAs('src/renderer/src/App.tsx', "import { createCore } from '../../main/core/createCore';\nexport const x = createCore;\n")).not.toEqual([]);
    expect(await lintAs('src/renderer/src/App.tsx', "import { readFileSync } from 'fs';\nexport const x = readFileSync;\n")).not.toEqual([]);
  });

  describe('layers inside the core', () => {
    it('fails when ground imports a feature', async () => {
      const messages = await lintAs('src/main/core/db/repos/annotations.ts', "import { SyncStore } from '../../sync/store';\nexport const x = SyncStore;\n");
      expect(messages.join('\n')).toContain('core/db is ground and imports the feature core/sync');
      expect(await lintAs('src/main/core/settings/settingsService.ts', "import { ReviewService } from '../review';\nexport const x = ReviewService;\n")).not.toEqual([]);
    });

    it("fails when a feature reaches into another feature's files, even for a type", async () => {
      const messages = await lintAs('src/main/core/exchange/pull.ts', "import type { SyncEngine } from '../sync/engine';\nexport type X = SyncEngine;\n");
      expect(messages.join('\n')).toContain('core/exchange reaches into core/sync (../sync/engine)');
    });

    it('fails when anything below the top of core imports the wiring', async () => {
      expect((await lintAs('src/main/core/review/service.ts', "import { createCore } from '../createCore';\nexport const x = createCore;\n")).join('\n')).toContain('a file at the top of core');
    });

    it("lets a feature use ground, its own files and another feature's index; lets createCore wire anything", async () => {
      expect(await lintAs('src/main/core/exchange/pull.ts', "import { TABLE_COLUMNS } from '../sync';\nimport { WandbClient } from '../wandb/client';\nimport { pool } from '../util/pool';\nimport { bundleLimits } from './bundleFormat';\nexport const x = [TABLE_COLUMNS, WandbClient, pool, bundleLimits];\n")).toEqual([]);
      expect(await lintAs('src/main/core/createCore.ts', "import { SyncEngine } from './sync/engine';\nexport const x = SyncEngine;\n")).toEqual([]);
    });
  });
});
