import { safeStorage } from 'electron';
import Store from 'electron-store';
import { secretNames, type SecretName } from '../../shared/domain/model';
import type { SecretStore } from '../core/settings/types';

/**
 * API keys encrypted with the operating system's keychain (safeStorage) and kept as ciphertext
 * in their own electron-store file. Where the system offers no real keychain (Linux without a
 * secret service: the 'basic_text' backend), keys are kept in memory only, never in plain JSON.
 */
export class SafeStorageSecretStore implements SecretStore {
  readonly encrypted: boolean;
  readonly description: string;
  private readonly cache = new Map<SecretName, string>();
  private readonly store = new Store<Partial<Record<SecretName, string>>>({ name: 'secrets' });

  private constructor(available: boolean) {
    this.encrypted = available;
    this.description = available
      ? 'Encrypted with your system keychain and stored in Folio’s settings folder.'
      : 'This system offers no keychain to Folio, so keys you enter are kept only until Folio quits. ' +
        'Set ANTHROPIC_API_KEY or WANDB_API_KEY in the environment to keep them.';
  }

  static async open(): Promise<SafeStorageSecretStore> {
    const available =
      (await safeStorage.isAsyncEncryptionAvailable()) && (process.platform !== 'linux' || safeStorage.getSelectedStorageBackend() !== 'basic_text');
    const secrets = new SafeStorageSecretStore(available);
    if (available) {
      for (const name of secretNames) {
        const cipher = secrets.store.get(name);
        if (!cipher) continue;
        try {
          const { result } = await safeStorage.decryptStringAsync(Buffer.from(cipher, 'base64'));
          secrets.cache.set(name, result);
        } catch (err) {
          console.warn(`Folio could not decrypt the saved ${name} (${(err as Error).message}); enter it again in Settings.`);
        }
      }
    }
    return secrets;
  }

  get(name: SecretName): string | null {
    return this.cache.get(name) ?? null;
  }

  set(name: SecretName, value: string | null): void {
    if (value === null) {
      this.cache.delete(name);
      this.store.delete(name);
      return;
    }
    this.cache.set(name, value);
    if (!this.encrypted) return;
    void safeStorage
      .encryptStringAsync(value)
      .then((cipher) => this.store.set(name, cipher.toString('base64')))
      .catch((err: unknown) => console.error(`Saving ${name} failed: ${(err as Error).message}`));
  }
}
