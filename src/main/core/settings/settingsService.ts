import type { SecretName, SettingsView, UiPreferences } from '../../../shared/domain/model';
import { newId } from '../util/ids';
import { appUrlFor } from '../sync/wandb/client';
import { netrcPassword } from './netrc';
import { DEFAULT_WANDB_BASE_URL, DEFAULT_WANDB_PROJECT, type SecretStore, type SettingsStore, type StoredSettings } from './types';

export interface SettingsPatch {
  annotatorName?: string | undefined;
  ui?: Partial<UiPreferences> | undefined;
  anthropic?: { baseUrl?: string | null | undefined } | undefined;
  preannotation?: Partial<StoredSettings['preannotation']> | undefined;
  wandb?: { baseUrl?: string | undefined; entity?: string | null | undefined; project?: string | undefined } | undefined;
}

type Env = Record<string, string | undefined>;
const nonEmpty = (v: string | null | undefined): string | null => (v && v.trim() ? v.trim() : null);

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
      anthropic: { configured: anthropic.apiKey !== null, source: anthropic.source, baseUrl: anthropic.baseUrl },
      preannotation: s.preannotation,
      wandb: { configured: wandb.apiKey !== null, source: wandb.source, baseUrl: wandb.baseUrl, entity: wandb.entity, project: wandb.project },
      secretsEncrypted: this.secrets.encrypted,
      secretsStorage: this.secrets.description,
    };
  }

  update(patch: SettingsPatch): SettingsView {
    const s: StoredSettings = this.store.read();
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

  setSecret(name: SecretName, value: string | null): SettingsView {
    this.secrets.set(name, nonEmpty(value));
    return this.view();
  }

  anthropic(): { apiKey: string | null; source: 'settings' | 'env' | null; baseUrl: string | null } {
    const saved = this.secrets.get('anthropicApiKey');
    const env = nonEmpty(this.env.ANTHROPIC_API_KEY);
    const baseUrl = this.store.read().anthropic.baseUrl ?? nonEmpty(this.env.ANTHROPIC_BASE_URL);
    if (saved) return { apiKey: saved, source: 'settings', baseUrl };
    if (env) return { apiKey: env, source: 'env', baseUrl };
    return { apiKey: null, source: null, baseUrl };
  }

  /** Saved pre-annotation defaults (null: the model table decides). */
  preannotation(): StoredSettings['preannotation'] {
    return this.store.read().preannotation;
  }

  wandb(): { apiKey: string | null; source: 'settings' | 'env' | 'netrc' | null; baseUrl: string; entity: string | null; project: string } {
    const s = this.store.read().wandb;
    const baseUrl = (s.baseUrl ?? nonEmpty(this.env.WANDB_BASE_URL) ?? DEFAULT_WANDB_BASE_URL).replace(/\/+$/, '');
    const entity = s.entity ?? nonEmpty(this.env.WANDB_ENTITY);
    const project = s.project ?? nonEmpty(this.env.WANDB_PROJECT) ?? DEFAULT_WANDB_PROJECT;
    const saved = this.secrets.get('wandbApiKey');
    if (saved) return { apiKey: saved, source: 'settings', baseUrl, entity, project };
    const env = nonEmpty(this.env.WANDB_API_KEY);
    if (env) return { apiKey: env, source: 'env', baseUrl, entity, project };
    let host = '';
    try {
      host = new URL(baseUrl).hostname;
    } catch {
      /* an invalid URL has no netrc entry */
    }
    const fromNetrc = host ? netrcPassword(host) : null;
    if (fromNetrc) return { apiKey: fromNetrc, source: 'netrc', baseUrl, entity, project };
    return { apiKey: null, source: null, baseUrl, entity, project };
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
