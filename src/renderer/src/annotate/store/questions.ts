import type { Box, QaPair } from '../../../../shared/domain/model';
import { arrangeQa, expandTemplates, itemLabels, type TemplateQuestion } from '../../../../shared/domain/templateQuestions';
import type { Change } from '../changes';
import { evidenceText } from '../evidence';
import type { AnnotationData, AnnotationStore, GetState, SetState } from './types';

/** The template questions this document is asked with these boxes (null: no context for it yet). */
export const askedWith = (s: AnnotationStore, boxes: Iterable<Box>): TemplateQuestion[] | null => {
  const c = s.questionContext;
  return c && c.documentId === s.documentId && s.loaded ? expandTemplates(c.templates, c.docType, boxes) : null;
};

export const boxesInOrder = function* (s: Pick<AnnotationData, 'boxes' | 'order'>): Generator<Box> {
  for (const id of s.order) yield s.boxes[id]!;
};

/**
 * Put the QA pairs in the shape the templates say (see templateQuestions.ts): questions asked
 * now get a pair, pairs of questions no longer asked go unless they hold an answer. Derived,
 * so it is neither an undo step nor an edit to save.
 */
export function reconcileQuestions(get: GetState, set: SetState): void {
  const s = get();
  const asked = askedWith(s, boxesInOrder(s));
  if (!asked) return;
  const arranged = arrangeQa(asked, s.qa);
  const same = arranged.qa.length === s.qa.length && arranged.qa.every((q, i) => q === s.qa[i]);
  const info = s.questionInfo;
  const sameInfo = sameSet(info.required, arranged.required) && sameSet(info.kept, arranged.kept);
  if (same && sameInfo) return;
  set({ ...(same ? {} : { qa: arranged.qa }), ...(sameInfo ? {} : { questionInfo: { required: arranged.required, kept: arranged.kept } }) });
}

/** Whether a change can alter which template questions are asked or kept. */
export function touchesQuestions(s: AnnotationStore, change: Change): boolean {
  if (change.qa.length) return true;
  const c = s.questionContext;
  if (!c || !change.boxes.length) return false;
  const labels = itemLabels(c.templates, c.docType);
  const isItem = (b: Box | null) => !!b?.label && labels.has(b.label.toLowerCase());
  return labels.size > 0 && change.boxes.some((b) => isItem(b.before) || isItem(b.after));
}

/**
 * A question's evidence changed: an empty answer is filled with the evidence's text, so linking the
 * box that holds the answer is answering. An answer already given is left alone (the
 * answer-from-evidence key replaces it on request).
 */
export function withEvidence(boxes: Record<string, Box>, q: QaPair, evidenceBoxIds: string[]): QaPair {
  const text = !q.unanswerable && q.answer.trim() === '' ? evidenceText(boxes, evidenceBoxIds) : '';
  return { ...q, evidenceBoxIds, ...(text ? { answer: text } : {}) };
}

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));
