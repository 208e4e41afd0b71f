import type { Db } from '../db/open';
import type { SettingsService } from '../settings/settingsService';
import type { Clock } from '../util/clock';
import { jobView, SyncEngine, type SyncEngineOptions, type SyncJobView, type SyncStatus } from './engine';
import { SyncStore } from './store';

/**
 * The sync engine for one open Folio data folder: credentials come from the settings service
 * (saved key, WANDB_API_KEY or ~/.netrc; base URL, entity, project), state from the database.
 * createCore builds one, starts it when the core opens and stops it in close().
 */
export function createSyncEngine(opts: {
  db: Db;
  dataDir: string;
  settings: Pick<SettingsService, 'wandb'>;
  folioVersion: string;
  clock?: Clock;
  onChange?: (status: SyncStatus) => void;
  extra?: Partial<SyncEngineOptions>;
}): SyncEngine {
  return new SyncEngine({
    db: opts.db,
    dataDir: opts.dataDir,
    folioVersion: opts.folioVersion,
    credentials: () => {
      const w = opts.settings.wandb();
      return { apiKey: w.apiKey, baseUrl: w.baseUrl, entity: w.entity, project: w.project };
    },
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.onChange ? { onChange: opts.onChange } : {}),
    ...opts.extra,
  });
}

/** What `folio status --json` adds about sync: the outbox by state and the last jobs. */
export function syncStatusFields(db: Db, lastJobs = 5): { outbox: { pending: number; inFlight: number; dead: number }; syncJobs: SyncJobView[] } {
  const store = new SyncStore(db);
  const stats = store.stats(new Date().toISOString());
  return { outbox: { pending: stats.pending, inFlight: stats.inFlight, dead: stats.dead }, syncJobs: store.jobs(lastJobs).map((r) => jobView(r)) };
}
