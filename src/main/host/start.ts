import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { AppError } from '../../shared/contract/errors';
import { createCore } from '../core/createCore';
import { defaultDataDir } from '../core/dataDir';
import { FileSecretStore, JsonFileSettingsStore } from '../core/settings/fileStores';
import { closeOnSignals } from './closeOnSignals';
import { startHost } from './server';

/** `npm run web`: Folio in any browser on this machine, for computers without a display or Electron. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string', default: process.env.FOLIO_PORT ?? '0' }, 'renderer-dir': { type: 'string' } },
  });
  const rendererDir = resolve(values['renderer-dir'] ?? join(import.meta.dirname, '../../../out/renderer'));
  if (!existsSync(join(rendererDir, 'index.html'))) {
    throw new Error(`The renderer is not built (no ${join(rendererDir, 'index.html')}). Run \`npm run web\`, which builds it first.`);
  }
  const dataDir = defaultDataDir();
  const core = await createCore({
    dataDir,
    settingsStore: new JsonFileSettingsStore(join(dataDir, 'settings.json')),
    secretStore: new FileSecretStore(join(dataDir, 'secrets.json')),
    platform: { kind: 'web' },
  });
  const host = await startHost({ core, rendererDir, port: Number(values.port) });
  console.log(`Folio data folder: ${dataDir}`);
  console.log(`Folio is running at ${host.url}`);

  closeOnSignals(() => host.close(), () => core.close());
}

main().catch((err: unknown) => {
  console.error(err instanceof AppError ? `Folio cannot start: ${err.message}` : err);
  process.exit(1);
});
