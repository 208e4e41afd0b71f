import { z } from 'zod';
import type { SecretName } from '../../../shared/domain/model';
import { preannotationEfforts } from '../../../shared/domain/preannotation';

export const DEFAULT_WANDB_BASE_URL = 'https://api.wandb.ai';
export const DEFAULT_ANTHROPIC_BASE_URL = 'https://api.anthropic.com';
export const DEFAULT_WANDB_PROJECT = 'biz-doc-vqa';
export const DEFAULT_WANDB_ARTIFACT = 'business-ocr-vqa-dataset';

/** What is saved. Parsed with defaults so an older or hand-edited file still opens. */
export const storedSettingsSchema = z.object({
  annotator: z.object({ id: z.string().nullable().default(null), name: z.string().nullable().default(null) }).prefault({}),
  ui: z
    .object({
      theme: z.enum(['system', 'light', 'dark']).default('system'),
      showBoxLabels: z.boolean().default(true),
      documentListView: z.enum(['grid', 'table']).default('grid'),
      keymap: z.record(z.string(), z.array(z.string())).default({}),
      acceptThreshold: z.number().min(0).max(1).default(0.8),
      readDrawnBoxes: z.boolean().default(true),
      snapDrawnBoxes: z.boolean().default(true),
      sidebar: z.enum(['auto', 'expanded', 'collapsed']).default('auto'),
    })
    .prefault({}),
  anthropic: z
    .object({
      baseUrl: z.string().nullable().default(null),
      /** The address (scheme, host, port) the saved key was entered for; it is sent nowhere else. */
      keyOrigin: z.string().nullable().default(null),
    })
    .prefault({}),
  /** Pre-annotation defaults; null means the model table's default (resources/models.json, or models.json in the data folder). */
  preannotation: z
    .object({
      model: z.string().nullable().default(null),
      effort: z.enum(preannotationEfforts).nullable().default(null),
      maxTokens: z.number().int().min(256).max(128_000).nullable().default(null),
    })
    .prefault({}),
  wandb: z
    .object({
      baseUrl: z.string().nullable().default(null),
      entity: z.string().nullable().default(null),
      project: z.string().nullable().default(null),
      /** The address (scheme, host, port) the saved key was entered for; it is sent nowhere else. */
      keyOrigin: z.string().nullable().default(null),
    })
    .prefault({}),
});
export type StoredSettings = z.infer<typeof storedSettingsSchema>;

export const defaultSettings = (): StoredSettings => storedSettingsSchema.parse({});

/** Plain preferences: electron-store in the desktop app, a JSON file elsewhere. */
export interface SettingsStore {
  read(): StoredSettings;
  write(settings: StoredSettings): void;
}

/** API keys: encrypted with the OS keychain (safeStorage) in the desktop app where it can. */
export interface SecretStore {
  get(name: SecretName): string | null;
  set(name: SecretName, value: string | null): void;
  readonly encrypted: boolean;
  /** Where and how keys are kept, in a sentence for the settings page. */
  readonly description: string;
}
