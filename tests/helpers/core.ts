import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore, type Core, type CoreOptions } from '../../src/main/core/createCore';
import { MemorySettingsStore } from '../../src/main/core/settings/fileStores';
import type { SecretStore } from '../../src/main/core/settings/types';
import type { SecretName } from '../../src/shared/domain/model';

export function tempDir(prefix = 'folio-test-'): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export class MemorySecretStore implements SecretStore {
  readonly encrypted = false;
  readonly description = 'kept in memory (tests)';
  private readonly values = new Map<SecretName, string>();
  get(name: SecretName): string | null {
    return this.values.get(name) ?? null;
  }
  set(name: SecretName, value: string | null): void {
    if (value === null) this.values.delete(name);
    else this.values.set(name, value);
  }
}

/** A core on a real SQLite file in `dataDir`, with in-memory settings and no environment. */
export function openTestCore(dataDir: string, overrides: Partial<CoreOptions> = {}): Promise<Core> {
  return createCore({
    dataDir,
    settingsStore: new MemorySettingsStore(),
    secretStore: new MemorySecretStore(),
    platform: { kind: 'web' },
    env: {},
    sync: { autoStart: false },
    preannotation: { resumeInterrupted: false },
    ...overrides,
    // Pages are read in the background only where a test asks for it.
    ocr: { background: false, ...overrides.ocr },
  });
}

