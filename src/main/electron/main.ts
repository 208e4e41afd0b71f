import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { app, dialog, net, powerMonitor, type BrowserWindow } from 'electron';
import { AppError } from '../../shared/contract/errors';
import { createCore, type Core } from '../core/createCore';
import { SafeStorageSecretStore } from './secrets';
import { ElectronSettingsStore } from './settings';
import { registerIpc } from './ipc';
import { registerAppScheme, serveAppScheme } from './protocol';
import { hardenSessions, openExternalChecked } from './security';
import { utilitySyncProcess } from './syncProcess';
import { createMainWindow, preloadFile } from './window';

/**
 * The Electron shell: window, security, protocol, settings and keys. Everything else is the
 * plain-Node core, the same one the browser host and the CLI run.
 */
const mainDir = import.meta.dirname;
const rendererDir = join(mainDir, '../renderer');

if (process.env.FOLIO_DATA_DIR) app.setPath('userData', process.env.FOLIO_DATA_DIR);
registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  let core: Core | null = null;
  let window: BrowserWindow | null = null;

  app.on('second-instance', () => {
    if (window) {
      if (window.isMinimized()) window.restore();
      window.focus();
    }
  });

  app
    .whenReady()
    .then(async () => {
      hardenSessions();
      const settingsStore = new ElectronSettingsStore();
      const secretStore = await SafeStorageSecretStore.open();
      // better-sqlite3 built for Electron's ABI by `npm start` (scripts/start-electron.mjs).
      const binding = process.env.FOLIO_SQLITE_BINDING ?? join(mainDir, '../../.electron-native', process.versions.electron, 'better_sqlite3.node');
      core = await createCore({
        dataDir: app.getPath('userData'),
        settingsStore,
        secretStore,
        nativeBinding: existsSync(binding) ? binding : undefined,
        // The sync engine's process, bundled beside this file (electron.vite.config.ts).
        sync: { launch: utilitySyncProcess(join(mainDir, 'syncProcess.js')) },
        // The review analyses' worker thread, bundled beside this file too.
        review: { workerFile: join(mainDir, 'reviewWorker.js') },
        // The import's PDF worker threads, bundled beside it as well.
        pdfWorker: { script: join(mainDir, 'pdfWorker.js'), args: [] },
        platform: {
          kind: 'electron',
          pickImportPaths: async () => {
            const options = {
              title: 'Import documents',
              properties: ['openFile', 'openDirectory', 'multiSelections'] as ('openFile' | 'openDirectory' | 'multiSelections')[],
              filters: [{ name: 'Documents', extensions: ['png', 'jpg', 'jpeg', 'tif', 'tiff', 'webp', 'pdf'] }],
            };
            const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options);
            return result.canceled ? [] : result.filePaths;
          },
          openExternal: (url) => openExternalChecked(url, core!.settings.externalHostAllowlist()),
        },
      });
      // The OS's network flag is a hint (the engine probes W&B itself): coming back online or
      // waking from sleep triggers a sync attempt.
      const started = core;
      let online = net.isOnline();
      started.sync.setOsOnline(online);
      const netTimer = setInterval(() => {
        const now = net.isOnline();
        if (now !== online) started.sync.setOsOnline((online = now));
      }, 15_000);
      powerMonitor.on('resume', () => {
        if (net.isOnline()) void started.sync.trigger('online');
      });
      app.once('will-quit', () => clearInterval(netTimer));
      serveAppScheme(rendererDir, core.media);
      registerIpc(core, () => window);
      window = createMainWindow(preloadFile(mainDir), settingsStore);
      window.on('closed', () => (window = null));
    })
    .catch((err: unknown) => {
      const message = err instanceof AppError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err);
      dialog.showErrorBox('Folio cannot start', message);
      app.exit(1);
    });

  app.on('window-all-closed', () => app.quit());
  app.on('before-quit', (event) => {
    if (!core) return;
    event.preventDefault();
    const closing = core;
    core = null;
    void closing.close().finally(() => app.quit());
  });
}
