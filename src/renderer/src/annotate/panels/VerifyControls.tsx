import { useEffect, useRef } from 'react';
import type { Box, QaPair, VerifyProblem } from '../../../../shared/domain/model';
import { Spinner } from '../../components/Spinner';
import { toastError, toastSuccess } from '../../stores/toasts';
import { displayCombo } from '../keymap';
import type { SaveState } from '../store';
import { useAnnotationUi } from '../uiStore';
import { annotationStore, useAnnotation } from '../useAnnotation';
import { IconAlert, IconCheck, IconX } from '../../components/Icons';
import { usePanels } from './panelsStore';
import { commitDrafts } from './RegionsPanel';
import { showPage, useKeymap } from './shared';

/** Show where a problem is: the box selected on its page with its label field focused, or the question's answer. */
export function focusProblem(problem: VerifyProblem | undefined): void {
  if (!problem) return;
  const ui = useAnnotationUi.getState();
  if (problem.kind === 'unlabelled_box') {
    const box = annotationStore.getState().boxes[problem.boxId];
    if (!box) return;
    showPage(box.pageId);
    annotationStore.getState().select([box.id]);
    ui.requestFocus('box', box.id);
  } else {
    annotationStore.getState().setActiveQa(problem.qaId);
    ui.requestFocus('qa', problem.qaId);
  }
}

/**
 * Verify the open document (Ctrl+Enter): save what is pending, then ask the core to record an
 * immutable verified version. A refusal lists what is missing and focuses the first item.
 */
export async function runVerify(): Promise<boolean> {
  const panels = usePanels.getState();
  if (panels.verifying || !annotationStore.getState().loaded) return false;
  panels.set({ verifying: true });
  commitDrafts();
  try {
    const result = await annotationStore.getState().verify();
    if (result.verified) {
      usePanels.getState().set({ verifyProblems: [], problemsOpen: false });
      toastSuccess(`Verified — version ${annotationStore.getState().version}`, 'This version is saved for good and will be synced. Further edits start a new draft.');
      return true;
    }
    usePanels.getState().set({ verifyProblems: result.problems, problemsOpen: true });
    focusProblem(result.problems[0]);
    return false;
  } catch (err) {
    toastError('The document was not verified', err);
    return false;
  } finally {
    usePanels.getState().set({ verifying: false });
  }
}

function isResolved(problem: VerifyProblem, boxes: Record<string, Box>, qa: QaPair[]): boolean {
  if (problem.kind === 'unlabelled_box') {
    const box = boxes[problem.boxId];
    return !box || box.label !== null;
  }
  const q = qa.find((x) => x.id === problem.qaId);
  return !q || q.unanswerable || q.answer.trim() !== '';
}

const saveLabels: Record<SaveState, string> = {
  saved: 'Saved',
  pending: 'Saving…',
  saving: 'Saving…',
  error: 'Not saved — retrying',
  conflict: 'Changed elsewhere',
};

function SaveIndicator({ projectId, documentId }: { projectId: string; documentId: string }) {
  const stored = useAnnotation((s) => s.saveState);
  const saveError = useAnnotation((s) => s.saveError);
  // Text still being typed counts as not saved yet.
  const typing = usePanels((s) => s.draftPending);
  const saveState: SaveState = stored === 'saved' && typing ? 'pending' : stored;
  return (
    <span className="save-indicator" data-testid="save-state" data-state={saveState} title={saveError ?? (saveState === 'saved' ? 'Every change is saved on this computer' : undefined)} aria-live="polite">
      <span className={`save-dot save-${saveState}`} aria-hidden="true" />
      {saveLabels[saveState]}
      {saveState === 'conflict' ? (
        <button
          type="button"
          className="btn btn-sm"
          onClick={() => void annotationStore.getState().load(projectId, documentId).catch((err: unknown) => toastError('The document could not be reloaded', err))}
          title="Load the newest saved work (your unsaved edits here are dropped)"
          data-testid="save-reload"
        >
          Reload
        </button>
      ) : null}
    </span>
  );
}

function ProblemsPopover() {
  const problems = usePanels((s) => s.verifyProblems);
  const verifying = usePanels((s) => s.verifying);
  const boxes = useAnnotation((s) => s.boxes);
  const qa = useAnnotation((s) => s.qa);
  const panel = useRef<HTMLDivElement>(null);
  const close = () => usePanels.getState().set({ problemsOpen: false });
  const left = problems.filter((p) => !isResolved(p, boxes, qa)).length;

  useEffect(() => {
    const el = panel.current;
    if (!el) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && el.contains(document.activeElement)) {
        e.stopPropagation();
        usePanels.getState().set({ problemsOpen: false });
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  return (
    <div ref={panel} className="verify-problems" role="region" aria-label="What stops verification" data-testid="verify-problems">
      <header className="verify-problems-header">
        <IconAlert />
        <strong className="grow">{left ? `Not verified: ${left} thing${left === 1 ? '' : 's'} to fix` : 'Everything is fixed'}</strong>
        <button type="button" className="icon-btn icon-btn-xs" onClick={close} aria-label="Close" data-testid="verify-problems-close">
          <IconX />
        </button>
      </header>
      <ul className="verify-problem-list">
        {problems.map((p) => {
          const resolved = isResolved(p, boxes, qa);
          const key = p.kind === 'unlabelled_box' ? `b:${p.boxId}` : `q:${p.qaId}`;
          return (
            <li key={key}>
              <button
                type="button"
                className={`verify-problem${resolved ? ' resolved' : ''}`}
                onClick={() => focusProblem(p)}
                data-testid="verify-problem"
                data-kind={p.kind}
                data-resolved={resolved ? 'true' : undefined}
              >
                <span className="verify-problem-icon" aria-hidden="true">
                  {resolved ? <IconCheck /> : p.kind === 'unlabelled_box' ? '▭' : '?'}
                </span>
                <span className="min-w-0">{p.message}</span>
              </button>
            </li>
          );
        })}
      </ul>
      <footer className="verify-problems-footer">
        <span className="muted small grow">Click an item to go to it.</span>
        <button type="button" className="btn btn-sm btn-primary" onClick={() => void runVerify()} disabled={verifying} data-testid="verify-again">
          Verify again
        </button>
      </footer>
    </div>
  );
}

/** The toolbar's verification group: save state, version status, the Verify button and what a refusal lists. */
export function VerifyControls({ projectId, documentId }: { projectId: string; documentId: string }) {
  const loaded = useAnnotation((s) => s.loaded && s.documentId === documentId);
  const status = useAnnotation((s) => s.status);
  const version = useAnnotation((s) => s.version);
  const saveState = useAnnotation((s) => s.saveState);
  const verifying = usePanels((s) => s.verifying);
  const problemsOpen = usePanels((s) => s.problemsOpen && s.verifyProblems.length > 0);
  const keymap = useKeymap();
  const verifyKey = keymap['document.verify']?.[0];

  // Problems belong to one document.
  useEffect(() => () => usePanels.getState().set({ verifyProblems: [], problemsOpen: false }), [documentId]);

  const verified = status === 'verified';
  const upToDate = verified && saveState === 'saved';
  return (
    <div className="verify-controls" data-testid="verify-controls">
      {loaded ? <SaveIndicator projectId={projectId} documentId={documentId} /> : null}
      {loaded ? (
        <span className={`chip ${verified ? 'status-verified' : 'status-in_progress'}`} data-testid="annotation-status" data-status={status} title={verified ? 'This version is verified and immutable' : 'A draft: saved as you work, not yet verified'}>
          <span className="chip-dot" aria-hidden="true" />
          {verified ? `Verified v${version}` : version > 0 ? `Draft v${version}` : 'Draft'}
        </span>
      ) : null}
      <div className="verify-anchor">
        <button
          type="button"
          className={`btn btn-sm ${upToDate ? '' : 'btn-primary'}`}
          onClick={() => void runVerify()}
          disabled={!loaded || verifying || upToDate}
          title={upToDate ? 'This version is verified; any edit starts a new draft' : `Verify: check the document and record a verified version${verifyKey ? ` (${displayCombo(verifyKey)})` : ''}`}
          data-testid="verify-button"
        >
          {verifying ? <Spinner size={12} /> : <IconCheck />}
          {upToDate ? 'Verified' : 'Verify'}
        </button>
        {problemsOpen ? <ProblemsPopover /> : null}
      </div>
    </div>
  );
}
