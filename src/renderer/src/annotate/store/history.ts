import type { Box } from '../../../../shared/domain/model';
import { invert, type Change } from '../changes';

const COALESCE_WINDOW_MS = 2_000;
const MAX_UNDO_STEPS = 500;

interface HistoryEntry {
  change: Change;
  coalesceKey: string | null;
  at: number;
}

/**
 * The undo and redo stacks of one document, and where in them the verified content is: undoing or
 * redoing back to it reverts the draft that editing started, instead of leaving a new version.
 */
export class History {
  private undoStack: HistoryEntry[] = [];
  private redoStack: HistoryEntry[] = [];
  /** Undo-stack depth at which the content is the verified version (-1: none reachable). */
  private verifiedMark = -1;

  /** A document was loaded: no history, and its content is the verified version when it is verified. */
  reset(verified: boolean): void {
    this.undoStack = [];
    this.redoStack = [];
    this.verifiedMark = verified ? 0 : -1;
  }

  flags(): { canUndo: boolean; canRedo: boolean } {
    return { canUndo: this.undoStack.length > 0, canRedo: this.redoStack.length > 0 };
  }

  /** A new edit, already applied: one undo step, or part of the last one when it continues it. */
  push(change: Change, coalesceKey?: string): void {
    const last = this.undoStack.at(-1);
    const now = Date.now();
    // The redo steps that led back to the verified content are gone with this edit.
    if (this.verifiedMark > this.undoStack.length) this.verifiedMark = -1;
    // Never merge across the verified content, or undo could not stop there.
    const mergeable = this.undoStack.length !== this.verifiedMark;
    if (mergeable && coalesceKey && last && last.coalesceKey === coalesceKey && now - last.at < COALESCE_WINDOW_MS) {
      // Typing into one field is one undo step: keep the first "before", take the newest "after".
      const merged: Change = {
        boxes: mergeEntries(last.change.boxes, change.boxes),
        qa: mergeEntries(last.change.qa, change.qa),
        predictions: mergeEntries(last.change.predictions, change.predictions),
      };
      this.undoStack[this.undoStack.length - 1] = { change: merged, coalesceKey, at: now };
    } else {
      this.undoStack.push({ change, coalesceKey: coalesceKey ?? null, at: now });
      if (this.undoStack.length > MAX_UNDO_STEPS) {
        const dropped = this.undoStack.length - MAX_UNDO_STEPS;
        this.undoStack = this.undoStack.slice(-MAX_UNDO_STEPS);
        this.verifiedMark = this.verifiedMark >= dropped ? this.verifiedMark - dropped : -1;
      }
    }
    this.redoStack = [];
  }

  /** Take the last step off the undo stack: the change that undoes it (null: nothing to undo). */
  undo(): Change | null {
    const entry = this.undoStack.pop();
    if (!entry) return null;
    this.redoStack.push({ ...entry, coalesceKey: null });
    return invert(entry.change);
  }

  /** Take the last undone step back: the change that redoes it (null: nothing to redo). */
  redo(): Change | null {
    const entry = this.redoStack.pop();
    if (!entry) return null;
    this.undoStack.push({ ...entry, coalesceKey: null });
    return entry.change;
  }

  /** The content now is the verified version. */
  markVerified(): void {
    this.verifiedMark = this.undoStack.length;
  }

  atVerified(): boolean {
    return this.undoStack.length === this.verifiedMark;
  }

  /** The verified content is not reachable by undo or redo any more. */
  forgetVerified(): void {
    this.verifiedMark = -1;
  }

  /**
   * Give box `id` a fill as if it had been drawn with it: every step from its drawing on (undo and
   * redo) gets `filled` applied to the box. False when its drawing is not in the history after the
   * verified content (then the fill has to be an edit of its own).
   */
  rewriteSinceDrawn(id: string, filled: (b: Box) => Box): boolean {
    const drawnAt = this.undoStack.findIndex((e) => e.change.boxes.some((c) => c.id === id && c.before === null && c.after !== null));
    if (drawnAt < 0 || (this.verifiedMark >= 0 && this.verifiedMark > drawnAt)) return false;
    const rewrite = (entry: HistoryEntry): HistoryEntry => ({
      ...entry,
      change: {
        ...entry.change,
        boxes: entry.change.boxes.map((c) => (c.id === id ? { id, before: c.before && filled(c.before), after: c.after && filled(c.after) } : c)),
      },
    });
    for (let i = drawnAt; i < this.undoStack.length; i++) this.undoStack[i] = rewrite(this.undoStack[i]!);
    this.redoStack = this.redoStack.map(rewrite);
    return true;
  }
}

function mergeEntries<T extends { id: string; before: unknown; after: unknown }>(older: T[], newer: T[]): T[] {
  const merged = new Map(older.map((e) => [e.id, e]));
  for (const e of newer) {
    const first = merged.get(e.id);
    merged.set(e.id, first ? { ...e, before: first.before } : e);
  }
  return [...merged.values()];
}
