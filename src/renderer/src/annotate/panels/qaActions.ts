import { useAnnotationUi } from '../uiStore';
import { annotationStore } from '../useAnnotation';
import { cssEscape, whenElement } from './shared';

/**
 * Question/answer keyboard flow, callable from the document view's key dispatch
 * (qa.next, qa.previous, qa.answer, qa.linkEvidence, qa.answerFromEvidence) and from the panel itself.
 */

const qaSelector = (id: string) => `[data-testid="qa-card"][data-qa-id="${cssEscape(id)}"]`;

function showQuestion(id: string, thenFocusAnswer: boolean) {
  annotationStore.getState().setActiveQa(id);
  const ui = useAnnotationUi.getState();
  if (ui.panelTab !== 'questions') ui.set({ panelTab: 'questions' });
  if (thenFocusAnswer) ui.requestFocus('qa', id);
  else whenElement(qaSelector(id), (el) => el.scrollIntoView({ block: 'nearest' }));
}

function move(delta: number, focusAnswerAfter: boolean): boolean {
  const { qa, activeQaId } = annotationStore.getState();
  if (qa.length === 0) return false;
  const at = qa.findIndex((q) => q.id === activeQaId);
  const next = at < 0 ? (delta > 0 ? 0 : qa.length - 1) : at + delta;
  const target = qa[next];
  if (!target) return false;
  showQuestion(target.id, focusAnswerAfter);
  return true;
}

/** Make the next question the current one (shown and scrolled to; the keyboard stays with the view). */
export function nextQuestion(): void {
  move(1, false);
}

export function previousQuestion(): void {
  move(-1, false);
}

/** Put the caret in the current question's answer (the first question when none is current). */
export function focusAnswer(): void {
  const { qa, activeQaId } = annotationStore.getState();
  const id = qa.some((q) => q.id === activeQaId) ? activeQaId : (qa[0]?.id ?? null);
  if (id) showQuestion(id, true);
}

/** Enter in an answer: the answer is already saved; go on to the next question's answer, or leave the last. */
export function confirmAnswer(): void {
  if (!move(1, true)) (document.activeElement as HTMLElement | null)?.blur();
}

/** Link every selected box as evidence of the current question (one undo step). Returns how many were added. */
export function linkSelectedEvidence(qaId?: string): number {
  const store = annotationStore.getState();
  const id = qaId ?? store.activeQaId;
  return id ? store.linkEvidence(id, [...store.selection]) : 0;
}

/** Turn "click boxes to link them" on for a question, or off. */
export function setLinking(qaId: string | null): void {
  const ui = useAnnotationUi.getState();
  if (qaId === null) {
    ui.set({ linkingEvidence: false });
    return;
  }
  annotationStore.getState().setActiveQa(qaId);
  ui.set({ linkingEvidence: true });
}

/** The current question's answer becomes its evidence boxes' text. Returns whether it changed. */
export function answerFromEvidence(): boolean {
  const { activeQaId } = annotationStore.getState();
  return activeQaId ? annotationStore.getState().answerFromEvidence(activeQaId) : false;
}

/**
 * The question whose answer has the keyboard focus, if any: a box clicked on the page while an
 * answer is being typed is linked to it as evidence.
 */
export function questionBeingAnswered(): string | null {
  const el = document.activeElement;
  if (!(el instanceof HTMLTextAreaElement) || el.dataset.testid !== 'qa-answer') return null;
  return el.closest<HTMLElement>('[data-testid="qa-card"]')?.dataset.qaId ?? null;
}
