/** Sync of verified annotations to a W&B dataset artifact: engine, outbox store, and the dataset's layout (which a pull reads). */
export type { SyncRunSummary, SyncService, SyncTrigger } from './service';
export { SyncProcessHost } from './process/host';
export { exitReason, forkSyncProcess, type SyncProcessHandle, type SyncProcessLauncher } from './process/launch';
export { SyncEngine, type SyncCredentials, type SyncEngineOptions } from './engine';
export { DEFAULT_SYNC_CONFIG, syncConfigPatchSchema, syncConfigSchema, type SyncConfig, type SyncConfigPatch } from './config';
export { SyncStore, type DeadItem, type OutboxStats } from './store';
export { ARTIFACT_TYPE, targetKey } from './job';
export { TABLE_COLUMNS } from './dataset';
export { WandbClient, appUrlFor, artifactVersionUrl, runUrl } from '../wandb/client';
export { defaultPolicies, fastPolicies, type Policies } from '../wandb/http';
