import type { Change } from '../changes';
import { reconcileQuestions, touchesQuestions } from './questions';
import type { GetState, SetState } from './types';

/** Apply one side of a change to the data (no history, no dirty marks). */
export function applyChange(get: GetState, set: SetState, change: Change): void {
  const s = get();
  let boxes = s.boxes;
  let order = s.order;
  if (change.boxes.length) {
    boxes = { ...boxes };
    let removed: Set<string> | null = null;
    const added: string[] = [];
    for (const c of change.boxes) {
      if (c.after) {
        if (!(c.id in boxes)) added.push(c.id);
        boxes[c.id] = c.after;
      } else if (c.id in boxes) {
        delete boxes[c.id];
        (removed ??= new Set()).add(c.id);
      }
    }
    if (removed || added.length) order = [...(removed ? order.filter((id) => !removed.has(id)) : order), ...added];
  }
  let qa = s.qa;
  if (change.qa.length) {
    qa = [...qa];
    for (const c of change.qa) {
      const at = qa.findIndex((q) => q.id === c.id);
      if (c.after) {
        if (at >= 0) qa[at] = c.after;
        else qa.push(c.after);
      } else if (at >= 0) {
        qa.splice(at, 1);
      }
    }
  }
  let predictions = s.predictions;
  if (change.predictions.length) {
    const status = new Map(change.predictions.map((c) => [c.id, c.after]));
    predictions = predictions.map((p) => (status.has(p.id) ? { ...p, status: status.get(p.id)! } : p));
  }
  const selection = s.selection.size ? new Set([...s.selection].filter((id) => id in boxes)) : s.selection;
  // Problems refer to boxes and questions: once anything changes they are re-checked on verify.
  set({ boxes, order, qa, predictions, selection, problems: s.problems.length ? [] : s.problems });
  if (touchesQuestions(get(), change)) reconcileQuestions(get, set);
}
