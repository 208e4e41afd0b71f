import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { secretNames, type SecretName } from '../../../shared/domain/model';
import { defaultSettings, storedSettingsSchema, type SecretStore, type SettingsStore, type StoredSettings } from './types';

/** Write a whole file or nothing: a crash mid-write leaves the previous version. */
export function writeFileAtomic(path: string, data: string, mode?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data, mode === undefined ? undefined : { mode });
  renameSync(tmp, path);
}

/**
 * Read a JSON file through a schema. A file that is not valid is kept aside (never overwritten)
 * and the caller starts from defaults, with a warning that says where the old file went.
 */
function readJsonFile<T>(path: string, schema: z.ZodType<T>, fallback: () => T, warn: (message: string) => void): T {
  if (!existsSync(path)) return fallback();
  try {
    return schema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (err) {
    const aside = `${path}.unreadable-${Date.now()}`;
    renameSync(path, aside);
    warn(`${path} could not be read (${(err as Error).message.split('\n')[0]}); it was moved to ${aside} and defaults are used.`);
    return fallback();
  }
}

export class JsonFileSettingsStore implements SettingsStore {
  private cache: StoredSettings | null = null;
  constructor(
    private readonly path: string,
    private readonly warn: (message: string) => void = (m) => console.warn(m),
  ) {}

  read(): StoredSettings {
    this.cache ??= readJsonFile(this.path, storedSettingsSchema, defaultSettings, this.warn);
    return structuredClone(this.cache);
  }

  write(settings: StoredSettings): void {
    writeFileAtomic(this.path, JSON.stringify(settings, null, 2) + '\n');
    this.cache = structuredClone(settings);
  }
}

const secretsFileSchema = z.partialRecord(z.enum(secretNames), z.string());

/**
 * Keys for the browser host and the CLI, which have no OS keychain: a file only its owner can
 * read (mode 600). The desktop app uses safeStorage instead.
 */
export class FileSecretStore implements SecretStore {
  readonly encrypted = false;
  readonly description: string;

  constructor(
    private readonly path: string,
    private readonly warn: (message: string) => void = (m) => console.warn(m),
  ) {
    this.description = `Saved unencrypted in ${path}, readable only by your user account. The desktop app encrypts keys with the system keychain.`;
  }

  private readAll(): Partial<Record<SecretName, string>> {
    return readJsonFile(this.path, secretsFileSchema, () => ({}), this.warn);
  }

  get(name: SecretName): string | null {
    return this.readAll()[name] ?? null;
  }

  set(name: SecretName, value: string | null): void {
    const all = this.readAll();
    if (value === null) delete all[name];
    else all[name] = value;
    writeFileAtomic(this.path, JSON.stringify(all, null, 2) + '\n', 0o600);
    chmodSync(this.path, 0o600);
  }
}

/** Settings and secrets for the test suites: nothing touches the disk. */
export class MemorySettingsStore implements SettingsStore {
  constructor(private settings: StoredSettings = defaultSettings()) {}
  read(): StoredSettings {
    return structuredClone(this.settings);
  }
  write(settings: StoredSettings): void {
    this.settings = structuredClone(settings);
  }
}
