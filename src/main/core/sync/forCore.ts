import type { Db } from '../db/open';
import type { SettingsService } from '../settings/settingsService';
import type { Clock } from '../util/clock';
import type { SyncJob, SyncStatusView } from '../../../shared/domain/sync';
import { jobView, SyncEngine, type SyncEngineOptions } from './engine';
import { SyncStore } from './store';
import { SyncProcessHost, type SyncProcessHostOptions } from './process/host';

const credentialsFrom = (settings: Pick<SettingsService, 'wandb'>) => () => {
  const w = settings.wandb();
  return { apiKey: w.apiKey, baseUrl: w.baseUrl, entity: w.entity, project: w.project };
};

/**
 * The app's sync service for one open data folder: the engine in a background process, with its own
 * connection to `<dataDir>/folio.db`. Credentials come from the settings service in the app (saved key, WANDB_API_KEY or ~/.netrc; base URL, entity, project). createCore builds
 * one, starts it when the core opens and stops it in close().
 */
export function createSyncService(
  opts: { db: Db; dataDir: string; settings: Pick<SettingsService, 'wandb'>; folioVersion: string; nativeBinding?: string | undefined } & Pick<
    SyncProcessHostOptions,
    'onChange' | 'launch' | 'priority' | 'measureEventLoop' | 'engine'
  >,
): SyncProcessHost {
  const { db, settings, ...rest } = opts;
  return new SyncProcessHost({ ...rest, dbFile: db.name, mainDb: db, credentials: credentialsFrom(settings) });
}

/**
 * The sync engine in-process, on the connection given (the CLI's `folio sync`, which has no
 * event loop to keep free): same credentials as the app's.
 */
export function createSyncEngine(opts: {
  db: Db;
  dataDir: string;
  settings: Pick<SettingsService, 'wandb'>;
  folioVersion: string;
  clock?: Clock;
  onChange?: (status: SyncStatusView) => void;
  extra?: Partial<SyncEngineOptions>;
}): SyncEngine {
  return new SyncEngine({
    db: opts.db,
    dataDir: opts.dataDir,
    folioVersion: opts.folioVersion,
    credentials: credentialsFrom(opts.settings),
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.onChange ? { onChange: opts.onChange } : {}),
    ...opts.extra,
  });
}

/** What `folio status --json` adds about sync: the outbox by state and the last jobs. */
export function syncStatusFields(db: Db, lastJobs = 5): { outbox: { pending: number; inFlight: number; dead: number }; syncJobs: SyncJob[] } {
  const store = new SyncStore(db);
  const stats = store.stats(new Date().toISOString());
  return { outbox: { pending: stats.pending, inFlight: stats.inFlight, dead: stats.dead }, syncJobs: store.jobs(lastJobs).map((r) => jobView(r)) };
}
