import { create } from 'zustand';
import type { RequestOf } from '../../../shared/contract';
import type { PreannotationRun } from '../../../shared/domain/preannotation';
import { api } from '../lib/api';
import { errorMessage } from '../lib/errors';
import { formatCount, plural } from '../lib/format';

/**
 * Pre-annotation runs as the project list and the document list show them: every project's
 * unfinished runs and every run of the projects this window has opened, kept live by
 * `preannotate.progress` / `preannotate.finished` events.
 */

/** States in which a run still has work it could do (the dialog shows it instead of a new one). */
export const unfinishedStates: ReadonlySet<PreannotationRun['state']> = new Set(['running', 'paused', 'stopped']);

export const isUnfinished = (run: PreannotationRun): boolean => unfinishedStates.has(run.state);

export type StartRequest = RequestOf<'preannotate.start'>;

interface PreannotationState {
  runs: Record<string, PreannotationRun>;
  /** Projects whose run list has been loaded. */
  loaded: Record<string, true>;
  error: string | null;
  load(projectId: string): Promise<void>;
  /** Every project's unfinished runs (the project list's cards); runs that ended meanwhile are read again. */
  loadActive(): Promise<void>;
  /** From events and from the answers of start/pause/resume/cancel. */
  apply(run: PreannotationRun): void;
  start(request: StartRequest): Promise<PreannotationRun>;
  control(action: 'pause' | 'resume' | 'cancel', runId: string): Promise<void>;
}

const terminal = (run: PreannotationRun) => run.state === 'completed' || run.state === 'cancelled';

export const usePreannotation = create<PreannotationState>((set, get) => ({
  runs: {},
  loaded: {},
  error: null,

  async load(projectId) {
    try {
      const runs = await api()['preannotate.list']({ projectId });
      for (const run of runs) get().apply(run);
      set({ loaded: { ...get().loaded, [projectId]: true }, error: null });
    } catch (err) {
      set({ error: errorMessage(err) });
    }
  },

  async loadActive() {
    try {
      const client = api();
      const active = await client['preannotate.active']({});
      for (const run of active) get().apply(run);
      // Runs shown as unfinished that are not any more (their last event was missed): read them again.
      const stale = Object.values(get().runs).filter((r) => isUnfinished(r) && !active.some((a) => a.runId === r.runId));
      for (const run of await Promise.all(stale.map((r) => client['preannotate.get']({ runId: r.runId })))) get().apply(run);
      set({ error: null });
    } catch (err) {
      set({ error: errorMessage(err) });
    }
  },

  apply(run) {
    const previous = get().runs[run.runId];
    // Events and answers can cross: a finished run never goes back, and progress never goes backwards
    // within the same state.
    if (previous) {
      if (terminal(previous) && !terminal(run)) return;
      if (previous.state === run.state && run.pages.done + run.pages.failed < previous.pages.done + previous.pages.failed) return;
    }
    set({ runs: { ...get().runs, [run.runId]: run } });
  },

  async start(request) {
    const run = await api()['preannotate.start'](request);
    get().apply(run);
    return run;
  },

  async control(action, runId) {
    const call = { pause: 'preannotate.pause', resume: 'preannotate.resume', cancel: 'preannotate.cancel' } as const;
    const run = await api()[call[action]]({ runId });
    // Resuming a paused run may legitimately lower nothing but change state; take the answer as is.
    set({ runs: { ...get().runs, [run.runId]: run } });
  },
}));

/** A run's progress in words: "Pre-annotating 3 / 10 pages", "Paused at 3 / 10 pages". */
export function runProgressLabel(run: PreannotationRun): string {
  const pages = `${formatCount(run.pages.done)} / ${plural(run.pages.total, 'page')}`;
  switch (run.state) {
    case 'running':
      return `Pre-annotating ${pages}`;
    case 'paused':
      return `Paused at ${pages}`;
    case 'stopped':
      return `Stopped at ${pages}`;
    case 'completed':
      return `Pre-annotated ${pages}`;
    case 'cancelled':
      return `Cancelled at ${pages}`;
  }
}

/** The run the document list shows for a project: the newest unfinished one, else the newest. */
export function currentRun(runs: Record<string, PreannotationRun>, projectId: string): PreannotationRun | null {
  let best: PreannotationRun | null = null;
  for (const run of Object.values(runs)) {
    if (run.projectId !== projectId) continue;
    if (!best) best = run;
    else if (isUnfinished(run) !== isUnfinished(best)) best = isUnfinished(run) ? run : best;
    else if (run.createdAt > best.createdAt) best = run;
  }
  return best;
}
