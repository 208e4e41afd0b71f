import type { AppApi } from '../../../../shared/contract/methods';
import type { Box, QaPair } from '../../../../shared/domain/model';
import type { Change } from '../changes';
import { createUnsavedEdits, type UnsavedIds } from '../unsavedEdits';
import type { History } from './history';
import type { GetState, SaveRefusal, SetState } from './types';

export const AUTOSAVE_DELAY_MS = 150;
export const MAX_UNSAVED_MS = 400;
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 10_000;

/** Errors that say the data is wrong: sending the same edits again cannot help. */
const REFUSALS = new Set(['invalid_request', 'not_found', 'forbidden', 'too_large']);

type SaveError = { code?: string; message?: string; retryable?: boolean; details?: Record<string, unknown> };

/**
 * Autosave: sends what changed within AUTOSAVE_DELAY_MS of the first unsaved edit (and at most
 * MAX_UNSAVED_MS after it), one request at a time. A refused save is kept and sent again only
 * after the next edit; faults are retried with backoff. It owns the store's save state.
 */
export class Saver {
  private readonly unsaved = createUnsavedEdits();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private firstUnsavedAt: number | null = null;
  private inFlight: Promise<void> | null = null;
  private retryDelay = FIRST_RETRY_MS;

  constructor(
    private readonly api: AppApi,
    private readonly get: GetState,
    private readonly set: SetState,
    private readonly history: History,
  ) {}

  /** A change was applied (an edit, an undo or a redo): save it soon. */
  markDirty(change: Change): void {
    this.unsaved.mark(change);
    this.schedule();
  }

  /** A document was loaded: nothing of it is unsaved. */
  reset(): void {
    this.unsaved.clear();
    this.firstUnsavedAt = null;
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    const now = Date.now();
    this.firstUnsavedAt ??= now;
    const wait = Math.max(0, Math.min(AUTOSAVE_DELAY_MS, this.firstUnsavedAt + MAX_UNSAVED_MS - now));
    if (this.get().saveState !== 'conflict') this.set({ saveState: 'pending' });
    this.timer = setTimeout(() => void this.flush(), wait);
  }

  /** Send unsaved edits now; resolves once nothing sent is in flight. */
  readonly flush = async (): Promise<void> => {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.inFlight) {
      await this.inFlight;
      if (this.unsaved.any()) return this.flush();
      return;
    }
    if (!this.unsaved.any()) return;
    if (this.get().saveState === 'conflict') return;
    const sent = this.unsaved.take();
    this.firstUnsavedAt = null;
    const request = this.requestFor(sent);
    this.set({ saveState: 'saving' });
    this.inFlight = this.api['annotations.save'](request).then(
      (result) => this.saved(result),
      (err: SaveError) => {
        // Nothing is lost: the ids are unsaved again and sent with the next save.
        this.unsaved.restore(sent);
        this.failed(err, request);
      },
    );
    try {
      await this.inFlight;
    } finally {
      this.inFlight = null;
    }
    if (this.unsaved.any()) {
      if (this.get().saveState === 'pending') this.schedule();
    }
  };

  /** The save request for these ids, with the newest state of each. */
  private requestFor({ boxIds, qaIds, predictionIds }: UnsavedIds) {
    const s = this.get();
    const qaById = new Map(s.qa.map((q) => [q.id, q]));
    // Boxes first in the request: evidence links in QA pairs may point at boxes created in it.
    return {
      projectId: s.projectId,
      documentId: s.documentId,
      baseRevision: s.revision,
      upsertBoxes: boxIds.filter((id) => id in s.boxes).map((id) => s.boxes[id]!),
      deleteBoxIds: boxIds.filter((id) => !(id in s.boxes)),
      upsertQa: qaIds.filter((id) => qaById.has(id)).map((id) => qaById.get(id)!),
      deleteQaIds: qaIds.filter((id) => !qaById.has(id)),
      predictionStatus: predictionIds.flatMap((id) => {
        const p = s.predictions.find((x) => x.id === id);
        return p ? [{ id, status: p.status }] : [];
      }),
    };
  }

  private async saved(result: Awaited<ReturnType<AppApi['annotations.save']>>): Promise<void> {
    this.retryDelay = FIRST_RETRY_MS;
    const dirty = this.unsaved.any();
    this.set({
      revision: result.revision,
      version: result.version,
      annotationId: result.annotationId,
      status: 'draft',
      saveState: dirty ? 'pending' : 'saving',
      saveError: null,
      saveRefusal: null,
    });
    if (!dirty && this.history.atVerified()) await this.revertToVerified();
    if (this.get().saveState === 'saving') this.set({ saveState: 'saved' });
  }

  private failed(err: SaveError, request: { upsertBoxes: Box[]; upsertQa: QaPair[] }): void {
    if (err.code === 'conflict') {
      this.set({ saveState: 'conflict', saveError: err.message ?? 'This document was changed elsewhere.' });
      return;
    }
    if (err.code && REFUSALS.has(err.code) && err.retryable !== true) {
      // Kept locally and not retried: the same request would be refused again. The next
      // edit (the fix, usually) sends everything still unsaved.
      const refusal = refusalOf(err, request);
      this.set({ saveState: 'refused', saveError: refusal.message, saveRefusal: refusal });
      this.firstUnsavedAt = null;
      return;
    }
    this.set({ saveState: 'error', saveError: err.message ?? String(err) });
    this.firstUnsavedAt = Date.now();
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), this.retryDelay);
    this.retryDelay = Math.min(this.retryDelay * 2, MAX_RETRY_MS);
  }

  /** Back at the verified content after an edit: drop the draft (the core checks it is identical). */
  private async revertToVerified(): Promise<void> {
    const s = this.get();
    if (s.status !== 'draft') return;
    try {
      const result = await this.api['annotations.revertToVerified']({ projectId: s.projectId, documentId: s.documentId, baseRevision: s.revision });
      if (this.get().documentId !== s.documentId) return;
      this.set({ status: 'verified', version: result.version, annotationId: result.annotationId, revision: result.revision });
    } catch {
      // The draft differs after all (or changed elsewhere): it stays a draft, nothing is lost.
      this.history.forgetVerified();
    }
  }
}

/** Which box or question a refused save is about: the core says so, or the request path does. */
function refusalOf(err: { message?: string; details?: Record<string, unknown> }, request: { upsertBoxes: Box[]; upsertQa: QaPair[] }): SaveRefusal {
  const message = (err.message ?? 'The change was refused.').replace(/^annotations\.save: /, '');
  const detail = (key: string) => (typeof err.details?.[key] === 'string' ? (err.details[key] as string) : null);
  let boxId = detail('boxId');
  let qaId = detail('qaId');
  const path = /^(upsertBoxes|upsertQa)\[(\d+)\]/.exec(message);
  if (path && !boxId && !qaId) {
    if (path[1] === 'upsertBoxes') boxId = request.upsertBoxes[Number(path[2])]?.id ?? null;
    else qaId = request.upsertQa[Number(path[2])]?.id ?? null;
  }
  // The request path means nothing to a person once the box is named.
  return { message: message.replace(/^(upsertBoxes|upsertQa)\[\d+\]\.[\w.]+: /, ''), boxId, qaId };
}
