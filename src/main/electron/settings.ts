import Store from 'electron-store';
import { defaultSettings, storedSettingsSchema, type SettingsStore, type StoredSettings } from '../core/settings/types';

export interface WindowState {
  x?: number;
  y?: number;
  width: number;
  height: number;
  maximized: boolean;
}

interface Persisted {
  settings: StoredSettings;
  window: WindowState;
}

/** Preferences and window state in electron-store (JSON in the app's settings folder, written atomically). */
export class ElectronSettingsStore implements SettingsStore {
  private readonly store = new Store<Persisted>({
    name: 'preferences',
    defaults: { settings: defaultSettings(), window: { width: 1440, height: 900, maximized: false } },
    clearInvalidConfig: false,
  });

  read(): StoredSettings {
    const parsed = storedSettingsSchema.safeParse(this.store.get('settings'));
    return parsed.success ? parsed.data : defaultSettings();
  }

  write(settings: StoredSettings): void {
    this.store.set('settings', settings);
  }

  windowState(): WindowState {
    return this.store.get('window');
  }

  saveWindowState(state: WindowState): void {
    this.store.set('window', state);
  }
}
