import { create } from 'zustand';
import type { AppInfo, RequestOf } from '../../../shared/contract';
import type { SecretName, SettingsView, UiPreferences } from '../../../shared/domain/model';
import { api } from '../lib/api';
import { errorMessage } from '../lib/errors';

interface AppState {
  info: AppInfo | null;
  settings: SettingsView | null;
  /** Set when the app cannot start (host unreachable, database refused…): shown full-screen. */
  bootError: string | null;
  booting: boolean;
  /** The first-start flow is showing (no annotator name yet, then the demo/create choice). */
  onboarding: boolean;
  boot(): Promise<void>;
  /** Re-read info and settings in place (after a reconnect), keeping what is on screen. */
  refresh(): Promise<void>;
  updateSettings(patch: RequestOf<'settings.update'>): Promise<SettingsView>;
  setSecret(name: SecretName, value: string | null): Promise<SettingsView>;
  /** UI preferences are applied at once and saved in the background. */
  setUi(patch: Partial<UiPreferences>): Promise<void>;
  finishOnboarding(): void;
}

export const useApp = create<AppState>((set, get) => ({
  info: null,
  settings: null,
  bootError: null,
  booting: true,
  onboarding: false,
  async boot() {
    set({ booting: true, bootError: null });
    try {
      const [info, settings] = await Promise.all([api()['app.info']({}), api()['settings.get']({})]);
      set({ info, settings, booting: false, onboarding: info.firstStart || get().onboarding });
    } catch (err) {
      set({ booting: false, bootError: errorMessage(err) });
    }
  },
  async refresh() {
    try {
      const [info, settings] = await Promise.all([api()['app.info']({}), api()['settings.get']({})]);
      set({ info, settings, bootError: null });
    } catch {
      // the next call shows the problem where it happens
    }
  },
  async updateSettings(patch) {
    const settings = await api()['settings.update'](patch);
    set({ settings });
    return settings;
  },
  async setSecret(name, value) {
    const settings = await api()['settings.setSecret']({ name, value });
    set({ settings });
    return settings;
  },
  async setUi(patch) {
    const current = get().settings;
    if (current) set({ settings: { ...current, ui: { ...current.ui, ...patch } } });
    const settings = await api()['settings.update']({ ui: patch });
    set({ settings });
  },
  finishOnboarding() {
    set({ onboarding: false });
  },
}));
