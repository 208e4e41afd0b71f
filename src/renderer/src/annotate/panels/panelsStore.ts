import { create } from 'zustand';
import type { VerifyProblem, VerifyWarning } from '../../../../shared/domain/model';

/**
 * View state private to the side panels and the verify controls (the shared canvas/panel state
 * lives in ../uiStore). Kept in a store so it survives switching tabs.
 */
interface PanelsState {
  /** Regions of the page on screen, or of the whole document. */
  regionScope: 'page' | 'all';
  predictionsOpen: boolean;
  verifying: boolean;
  /** The problems of the last refused verify, kept while they are being fixed. */
  verifyProblems: VerifyProblem[];
  /** What the last verify asked to confirm (shown until confirmed or dismissed). */
  verifyWarnings: VerifyWarning[];
  problemsOpen: boolean;
  /** Typed text not yet handed to the store (see RegionsPanel's TranscriptionInput). */
  draftPending: boolean;
  set(patch: Partial<Omit<PanelsState, 'set'>>): void;
}

export const usePanels = create<PanelsState>((set) => ({
  regionScope: 'page',
  predictionsOpen: true,
  verifying: false,
  verifyProblems: [],
  verifyWarnings: [],
  problemsOpen: false,
  draftPending: false,
  set: (patch) => set(patch),
}));

/** Focus requests already acted on (a panel that mounts later must not act on an old one). */
const handled = new Set<number>();
export function takeFocusRequest(nonce: number): boolean {
  if (handled.has(nonce)) return false;
  handled.add(nonce);
  if (handled.size > 200) handled.delete(handled.values().next().value as number);
  return true;
}
export function isFocusRequestHandled(nonce: number): boolean {
  return handled.has(nonce);
}
