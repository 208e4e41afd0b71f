import { join } from 'node:path';
import { BrowserWindow, screen } from 'electron';
import type { ElectronSettingsStore } from './settings';
import { APP_ORIGIN } from './security';

export function createMainWindow(preloadPath: string, settings: ElectronSettingsStore): BrowserWindow {
  const saved = settings.windowState();
  const visible = saved.x !== undefined && saved.y !== undefined && screen.getAllDisplays().some((d) => {
    const b = d.workArea;
    return saved.x! >= b.x - 50 && saved.y! >= b.y - 50 && saved.x! < b.x + b.width && saved.y! < b.y + b.height;
  });
  const win = new BrowserWindow({
    width: saved.width,
    height: saved.height,
    ...(visible ? { x: saved.x, y: saved.y } : {}),
    minWidth: 960,
    minHeight: 600,
    title: 'Folio',
    show: false,
    backgroundColor: '#111318',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webviewTag: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  if (saved.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  const remember = () => {
    if (win.isDestroyed()) return;
    const b = win.getNormalBounds();
    settings.saveWindowState({ x: b.x, y: b.y, width: b.width, height: b.height, maximized: win.isMaximized() });
  };
  win.on('close', remember);
  void win.loadURL(`${APP_ORIGIN}/index.html`);
  return win;
}

export const preloadFile = (mainDir: string): string => join(mainDir, '../preload/index.cjs');
