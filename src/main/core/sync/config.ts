import { AppError } from '../../../shared/contract/errors';
import type { Db } from '../db/open';
import { cachedStatement } from '../db/statementCache';
import { syncConfigPatchSchema, syncConfigSchema, type SyncConfig } from '../../../shared/domain/sync';

/**
 * Sync settings: when to build (interval, daily time), how big a batch is and how long an item
 * may wait for its batch to fill, and how many failed attempts make an item dead. Kept in the
 * database (`sync_settings`) so the desktop app, the browser host and the CLI share them.
 */

// The shapes are part of the app contract: one definition in src/shared.
export { syncConfigPatchSchema, syncConfigSchema, type SyncConfig, type SyncConfigPatch } from '../../../shared/domain/sync';

export const DEFAULT_SYNC_CONFIG: SyncConfig = {
  intervalMinutes: 5,
  dailyTime: '02:00',
  batchSize: 500,
  maxWaitMinutes: 10,
  maxAttempts: 10,
};

export class SyncConfigStore {
  /** `save` writes validated entries (SyncWriter.saveConfig, perhaps in the app for the sync process). */
  constructor(
    private readonly db: Db,
    private readonly save: (entries: [string, string][]) => Promise<void>,
  ) {}

  get(): SyncConfig {
    const stored: Record<string, unknown> = {};
    for (const row of cachedStatement(this.db, 'SELECT key, value FROM sync_settings').all() as { key: string; value: string }[]) {
      try {
        stored[row.key] = JSON.parse(row.value);
      } catch {
        /* an unreadable value falls back to its default */
      }
    }
    const merged = { ...DEFAULT_SYNC_CONFIG };
    for (const key of Object.keys(DEFAULT_SYNC_CONFIG) as (keyof SyncConfig)[]) {
      if (!(key in stored)) continue;
      const parsed = syncConfigSchema.shape[key].safeParse(stored[key]);
      if (parsed.success) (merged as Record<string, unknown>)[key] = parsed.data;
    }
    return merged;
  }

  /** Validate and save a patch; a bad value is refused with what is wrong, nothing is saved. */
  async update(patch: unknown): Promise<SyncConfig> {
    const parsed = syncConfigPatchSchema.safeParse(patch);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new AppError('invalid_request', `sync setting ${issue.path.join('.') || '(patch)'}: ${issue.message}`);
    }
    await this.save(Object.entries(parsed.data).flatMap(([k, v]): [string, string][] => (v === undefined ? [] : [[k, JSON.stringify(v)]])));
    return this.get();
  }
}

/** The next local time at "HH:MM" strictly after `from`. */
export function nextDailyAt(dailyTime: string, from: Date): Date {
  const [h, m] = dailyTime.split(':').map(Number) as [number, number];
  const at = new Date(from);
  at.setHours(h, m, 0, 0);
  if (at.getTime() <= from.getTime()) at.setDate(at.getDate() + 1);
  return at;
}

/** The most recent local "HH:MM" at or before `now`. */
export function lastDailyAt(dailyTime: string, now: Date): Date {
  const next = nextDailyAt(dailyTime, now);
  const prev = new Date(next);
  prev.setDate(prev.getDate() - 1);
  return prev;
}
