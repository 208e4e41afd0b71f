import { create } from 'zustand';
import type { SyncConfig, SyncConfigPatch, SyncDeadItem, SyncJob, SyncStatusView } from '../../../shared/domain/sync';
import { api } from '../lib/api';
import { errorMessage } from '../lib/errors';

/**
 * Sync status as the app shows it: the status (always loaded, kept live by `sync.changed`), and
 * for the status page the job history, the dead items and the sync settings.
 */

const DEAD_PAGE = 200;
const JOB_LIMIT = 50;

interface SyncState {
  status: SyncStatusView | null;
  statusError: string | null;
  jobs: SyncJob[] | null;
  dead: SyncDeadItem[] | null;
  config: SyncConfig | null;
  /** An error loading the page's lists (status page). */
  pageError: string | null;
  /** "Sync now" was pressed and the core has not answered yet. */
  starting: boolean;
  /** Whether the status page is open (it then reloads its lists when the status changes). */
  pageOpen: boolean;

  loadStatus(): Promise<void>;
  /** Called by the event bus: a new status arrived. */
  applyStatus(status: SyncStatusView): void;
  openPage(): Promise<void>;
  loadConfig(): Promise<void>;
  closePage(): void;
  reloadLists(): Promise<void>;
  syncNow(): Promise<void>;
  retryDead(outboxIds?: string[]): Promise<number>;
  discardDead(outboxIds?: string[]): Promise<number>;
  updateConfig(patch: SyncConfigPatch): Promise<SyncConfig>;
}

/** What changed in a status that makes the lists on the page stale. */
function listFingerprint(s: SyncStatusView | null): string {
  if (!s) return '';
  return [s.lastJob?.jobId, s.lastJob?.state, s.currentJob?.jobId, s.currentJob?.state, s.outbox.dead, s.outbox.done].join('|');
}

let reloadTimer: ReturnType<typeof setTimeout> | null = null;
/** Statuses that arrived by event: an answer read before the newest of them must not replace it. */
let statusEvents = 0;

export const useSync = create<SyncState>((set, get) => ({
  status: null,
  statusError: null,
  jobs: null,
  dead: null,
  config: null,
  pageError: null,
  starting: false,
  pageOpen: false,

  async loadStatus() {
    const seen = statusEvents;
    try {
      const status = await api()['sync.status']({});
      set(statusEvents === seen ? { status, statusError: null } : { statusError: null });
    } catch (err) {
      set({ statusError: errorMessage(err) });
    }
  },

  applyStatus(status) {
    statusEvents++;
    const before = listFingerprint(get().status);
    set({ status, statusError: null });
    if (get().pageOpen && listFingerprint(status) !== before) {
      // Many events arrive during a build (progress): reload the lists at most every 400 ms.
      if (reloadTimer) return;
      reloadTimer = setTimeout(() => {
        reloadTimer = null;
        void get().reloadLists();
      }, 400);
    }
  },

  async openPage() {
    set({ pageOpen: true });
    await Promise.all([
      get().loadStatus(),
      get().reloadLists(),
      get().loadConfig(),
    ]);
  },

  async loadConfig() {
    try {
      set({ config: await api()['sync.config.get']({}) });
    } catch (err) {
      set({ pageError: errorMessage(err) });
    }
  },

  closePage() {
    set({ pageOpen: false });
  },

  async reloadLists() {
    try {
      const [jobs, dead] = await Promise.all([api()['sync.jobs']({ limit: JOB_LIMIT }), api()['sync.dead.list']({ limit: DEAD_PAGE })]);
      set({ jobs, dead, pageError: null });
    } catch (err) {
      set({ pageError: errorMessage(err) });
    }
  },

  async syncNow() {
    set({ starting: true });
    const seen = statusEvents;
    try {
      const { status, jobs } = await api()['sync.now']({});
      // The check "Sync now" starts can end (and its event arrive) before this answer, which was
      // read when it started: keep the newer status.
      if (statusEvents === seen) set({ status });
      if (jobs.length > 0 && get().pageOpen) void get().reloadLists();
    } finally {
      set({ starting: false });
    }
  },

  async retryDead(outboxIds) {
    const { retried } = await api()['sync.dead.retry'](outboxIds ? { outboxIds } : {});
    await Promise.all([get().reloadLists(), get().loadStatus()]);
    return retried;
  },

  async discardDead(outboxIds) {
    const { discarded } = await api()['sync.dead.discard'](outboxIds ? { outboxIds } : {});
    await Promise.all([get().reloadLists(), get().loadStatus()]);
    return discarded;
  },

  async updateConfig(patch) {
    const config = await api()['sync.config.update'](patch);
    set({ config });
    void get().loadStatus(); // the next scheduled check and daily build move with the settings
    return config;
  },
}));
