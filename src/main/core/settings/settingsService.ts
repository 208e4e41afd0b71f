import type { SecretName, SettingsView, UiPreferences } from '../../../shared/domain/model';
import { newId } from '../util/ids';
import { appUrlFor } from '../wandb/client';
import { netrcPassword } from './netrc';
import { DEFAULT_ANTHROPIC_BASE_URL, DEFAULT_WANDB_BASE_URL, DEFAULT_WANDB_PROJECT, type SecretStore, type SettingsStore, type StoredSettings } from './types';

export interface SettingsPatch {
  annotatorName?: string | undefined;
  ui?: Partial<UiPreferences> | undefined;
  anthropic?: { baseUrl?: string | null | undefined } | undefined;
  preannotation?: Partial<StoredSettings['preannotation']> | undefined;
  wandb?: { baseUrl?: string | undefined; entity?: string | null | undefined; project?: string | undefined } | undefined;
}

type Env = Record<string, string | undefined>;
const nonEmpty = (v: string | null | undefined): string | null => (v && v.trim() ? v.trim() : null);
/** Scheme, host and port: what a key is bound to. */
const originOf = (url: string): string => {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
};
type KeyedService = 'anthropic' | 'wandb';
const KEY_SERVICE = { anthropicApiKey: 'anthropic', wandbApiKey: 'wandb' } as const satisfies Record<SecretName, KeyedService>;
const SERVICE_KEY = { anthropic: 'anthropicApiKey', wandb: 'wandbApiKey' } as const satisfies Record<KeyedService, SecretName>;

/**
 * Settings as the app sees them: saved values first, then the usual environment variables
 * (ANTHROPIC_API_KEY, WANDB_API_KEY, WANDB_BASE_URL, WANDB_ENTITY, WANDB_PROJECT), then defaults.
 * Keys never leave this service except to the clients that use them.
 */
export class SettingsService {
  constructor(
    private readonly store: SettingsStore,
    private readonly secrets: SecretStore,
    private readonly env: Env = process.env,
  ) {}

  /** The annotator identity: a stable id made on first start; the name is asked for by the UI. */
  annotator(): { id: string; name: string | null } {
    const settings = this.store.read();
    if (!settings.annotator.id) {
      settings.annotator.id = newId();
      this.store.write(settings);
    }
    return { id: settings.annotator.id!, name: settings.annotator.name };
  }

  isFirstStart(): boolean {
    return this.annotator().name === null;
  }

  view(): SettingsView {
    const s = this.store.read();
    const annotator = this.annotator();
    const anthropic = this.anthropic();
    const wandb = this.wandb();
    return {
      annotator: { id: annotator.id, name: annotator.name ?? '' },
      ui: s.ui,
      anthropic: { configured: anthropic.apiKey !== null, source: anthropic.source, baseUrl: anthropic.baseUrl, keyWithheldFor: anthropic.keyWithheldFor },
      preannotation: s.preannotation,
      wandb: { configured: wandb.apiKey !== null, source: wandb.source, baseUrl: wandb.baseUrl, entity: wandb.entity, project: wandb.project, keyWithheldFor: wandb.keyWithheldFor },
      secretsEncrypted: this.secrets.encrypted,
      secretsStorage: this.secrets.description,
    };
  }

  update(patch: SettingsPatch): SettingsView {
    const s: StoredSettings = this.store.read();
    // A key saved before keys were bound to an address belongs to the address it has been used with.
    for (const service of ['anthropic', 'wandb'] as const) {
      if (s[service].keyOrigin === null && this.secrets.get(SERVICE_KEY[service])) s[service].keyOrigin = originOf(this.baseUrl(service, s));
    }
    if (patch.annotatorName !== undefined) {
      s.annotator.name = patch.annotatorName.trim();
      s.annotator.id ??= newId();
    }
    if (patch.ui) s.ui = { ...s.ui, ...patch.ui };
    if (patch.anthropic?.baseUrl !== undefined) s.anthropic.baseUrl = nonEmpty(patch.anthropic.baseUrl);
    if (patch.preannotation) {
      const { model, effort, maxTokens } = patch.preannotation;
      if (model !== undefined) s.preannotation.model = nonEmpty(model);
      if (effort !== undefined) s.preannotation.effort = effort;
      if (maxTokens !== undefined) s.preannotation.maxTokens = maxTokens;
    }
    if (patch.wandb) {
      if (patch.wandb.baseUrl !== undefined) s.wandb.baseUrl = nonEmpty(patch.wandb.baseUrl);
      if (patch.wandb.entity !== undefined) s.wandb.entity = nonEmpty(patch.wandb.entity);
      if (patch.wandb.project !== undefined) s.wandb.project = nonEmpty(patch.wandb.project);
    }
    this.store.write(s);
    return this.view();
  }

  /** Save (or clear) a key, bound to the address of the service's base URL as it is now. */
  setSecret(name: SecretName, value: string | null): SettingsView {
    const key = nonEmpty(value);
    const s = this.store.read();
    const service = KEY_SERVICE[name];
    s[service].keyOrigin = key ? originOf(this.baseUrl(service, s)) : null;
    this.store.write(s);
    this.secrets.set(name, key);
    return this.view();
  }

  private baseUrl(service: KeyedService, s: StoredSettings = this.store.read()): string {
    if (service === 'anthropic') return s.anthropic.baseUrl ?? nonEmpty(this.env.ANTHROPIC_BASE_URL) ?? DEFAULT_ANTHROPIC_BASE_URL;
    return (s.wandb.baseUrl ?? nonEmpty(this.env.WANDB_BASE_URL) ?? DEFAULT_WANDB_BASE_URL).replace(/\/+$/, '');
  }

  /**
   * The saved key, when the base URL still points at the address it was entered for. Pointing the
   * base URL elsewhere (by mistake, or by anything that can change settings) never sends it there:
   * the key is withheld until the person enters it again for the new address.
   */
  private savedKey(service: KeyedService, s: StoredSettings): { key: string | null; withheldFor: string | null } {
    const saved = this.secrets.get(SERVICE_KEY[service]);
    if (!saved) return { key: null, withheldFor: null };
    const boundTo = s[service].keyOrigin;
    if (boundTo === null || boundTo === originOf(this.baseUrl(service, s))) return { key: saved, withheldFor: null };
    return { key: null, withheldFor: boundTo };
  }

  anthropic(): { apiKey: string | null; source: 'settings' | 'env' | null; baseUrl: string | null; keyWithheldFor: string | null } {
    const s = this.store.read();
    const saved = this.savedKey('anthropic', s);
    const env = nonEmpty(this.env.ANTHROPIC_API_KEY);
    const baseUrl = s.anthropic.baseUrl ?? nonEmpty(this.env.ANTHROPIC_BASE_URL);
    const keyWithheldFor = saved.withheldFor;
    if (saved.key) return { apiKey: saved.key, source: 'settings', baseUrl, keyWithheldFor };
    if (env) return { apiKey: env, source: 'env', baseUrl, keyWithheldFor };
    return { apiKey: null, source: null, baseUrl, keyWithheldFor };
  }

  /** Saved pre-annotation defaults (null: the model table decides). */
  preannotation(): StoredSettings['preannotation'] {
    return this.store.read().preannotation;
  }

  wandb(): { apiKey: string | null; source: 'settings' | 'env' | 'netrc' | null; baseUrl: string; entity: string | null; project: string; keyWithheldFor: string | null } {
    const stored = this.store.read();
    const s = stored.wandb;
    const baseUrl = this.baseUrl('wandb', stored);
    const entity = s.entity ?? nonEmpty(this.env.WANDB_ENTITY);
    const project = s.project ?? nonEmpty(this.env.WANDB_PROJECT) ?? DEFAULT_WANDB_PROJECT;
    const saved = this.savedKey('wandb', stored);
    const keyWithheldFor = saved.withheldFor;
    if (saved.key) return { apiKey: saved.key, source: 'settings', baseUrl, entity, project, keyWithheldFor };
    const env = nonEmpty(this.env.WANDB_API_KEY);
    if (env) return { apiKey: env, source: 'env', baseUrl, entity, project, keyWithheldFor };
    let host = '';
    try {
      host = new URL(baseUrl).hostname;
    } catch {
      /* an invalid URL has no netrc entry */
    }
    const fromNetrc = host ? netrcPassword(host) : null;
    if (fromNetrc) return { apiKey: fromNetrc, source: 'netrc', baseUrl, entity, project, keyWithheldFor };
    return { apiKey: null, source: null, baseUrl, entity, project, keyWithheldFor };
  }

  /** Hosts `shell.openExternal` may open: the configured W&B API host and its web app's host. */
  externalHostAllowlist(): string[] {
    const hosts = new Set<string>(['wandb.ai']);
    try {
      const { baseUrl } = this.wandb();
      hosts.add(new URL(baseUrl).hostname);
      hosts.add(new URL(appUrlFor(baseUrl)).hostname);
    } catch {
      /* keep the defaults */
    }
    return [...hosts];
  }
}
