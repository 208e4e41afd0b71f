import { useEffect, useRef } from 'react';
import type { Box, QaPair, VerifyProblem, VerifyWarningKind } from '../../../../shared/domain/model';
import { Spinner } from '../../components/Spinner';
import { toastError, toastSuccess } from '../../stores/toasts';
import { displayCombo } from '../keymap';
import { isReadOnly, type SaveState } from '../store';
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
  if (problem.kind !== 'unanswered_question') {
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
 * immutable verified version. A refusal lists what is missing and focuses the first item; things
 * a person rarely means (no boxes, undecided predictions) are listed once to confirm.
 */
export async function runVerify(acknowledge: VerifyWarningKind[] = []): Promise<boolean> {
  const panels = usePanels.getState();
  const store = annotationStore.getState();
  if (panels.verifying || !store.loaded) return false;
  // Already the verified version: nothing to record (the Read-only note points at Edit).
  if (store.status === 'verified' && store.saveState === 'saved') {
    store.nudgeReadOnly();
    return false;
  }
  panels.set({ verifying: true, verifyWarnings: [] });
  commitDrafts();
  try {
    const result = await annotationStore.getState().verify(acknowledge);
    if (result.verified) {
      usePanels.getState().set({ verifyProblems: [], problemsOpen: false });
      toastSuccess(`Verified — version ${annotationStore.getState().version}`, 'This version is saved for good and will be synced. Press Shift+E to change it later.');
      return true;
    }
    if (result.warnings.length) {
      usePanels.getState().set({ verifyWarnings: result.warnings, problemsOpen: false });
      return false;
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

function isResolved(problem: VerifyProblem, boxes: Record<string, Box>, qa: QaPair[], labels: ReadonlySet<string> | null): boolean {
  if (problem.kind !== 'unanswered_question') {
    const box = boxes[problem.boxId];
    return !box || (box.label !== null && (problem.kind === 'unlabelled_box' || labels?.has(box.label) === true));
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
  refused: 'Not saved',
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
  const labelSet = useAnnotation((s) => s.labelSet);
  const panel = useRef<HTMLDivElement>(null);
  const close = () => usePanels.getState().set({ problemsOpen: false });
  const left = problems.filter((p) => !isResolved(p, boxes, qa, labelSet)).length;

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
          const resolved = isResolved(p, boxes, qa, labelSet);
          const key = p.kind === 'unanswered_question' ? `q:${p.qaId}` : `b:${p.boxId}`;
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
                  {resolved ? <IconCheck /> : p.kind === 'unanswered_question' ? '?' : '▭'}
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

/** Things verify asks about once: confirm (Enter on the focused button) or go back (Esc). */
function VerifyConfirm() {
  const warnings = usePanels((s) => s.verifyWarnings);
  const verifying = usePanels((s) => s.verifying);
  const panel = useRef<HTMLDivElement>(null);
  const close = () => usePanels.getState().set({ verifyWarnings: [] });

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        e.preventDefault();
        usePanels.getState().set({ verifyWarnings: [] });
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  const confirm = () => void runVerify(warnings.map((w): VerifyWarningKind => w.kind));
  return (
    <div ref={panel} className="verify-problems" role="alertdialog" aria-label="Verify anyway?" data-testid="verify-confirm">
      <header className="verify-problems-header">
        <IconAlert />
        <strong className="grow">Verify anyway?</strong>
      </header>
      <ul className="verify-problem-list">
        {warnings.map((w) => (
          <li key={w.kind} className="verify-problem" data-testid="verify-warning" data-kind={w.kind}>
            <span className="verify-problem-icon" aria-hidden="true">
              !
            </span>
            <span className="min-w-0">{w.message}</span>
          </li>
        ))}
      </ul>
      <footer className="verify-problems-footer">
        <span className="muted small grow">Enter: verify · Esc: go back</span>
        <button type="button" className="btn btn-sm" onClick={close} data-testid="verify-confirm-cancel">
          Go back
        </button>
        {/* Focused, so Enter verifies: the one keystroke the confirmation costs. */}
        <button type="button" className="btn btn-sm btn-primary" onClick={confirm} disabled={verifying} autoFocus data-testid="verify-confirm-ok">
          Verify anyway
        </button>
      </footer>
    </div>
  );
}

/**
 * A save the core refused, shown over the page until an edit fixes it: what was refused, on which
 * box or question, and a way to get there. The edits stay in the window (nothing is dropped).
 */
export function SaveRefusedBanner() {
  const refusal = useAnnotation((s) => (s.saveState === 'refused' ? s.saveRefusal : null));
  const boxes = useAnnotation((s) => s.boxes);
  if (!refusal) return null;
  const box = refusal.boxId ? boxes[refusal.boxId] : undefined;
  const show = () => {
    if (box) {
      showPage(box.pageId);
      annotationStore.getState().select([box.id]);
    } else if (refusal.qaId) {
      annotationStore.getState().setActiveQa(refusal.qaId);
      useAnnotationUi.getState().requestFocus('qa', refusal.qaId);
    }
  };
  return (
    <div className="save-refused" role="alert" data-testid="save-refused">
      <IconAlert />
      <span className="grow min-w-0">
        <strong>Not saved:</strong> {refusal.message} Your edits are kept in this window and are saved once this is fixed.
      </span>
      {box || refusal.qaId ? (
        <button type="button" className="btn btn-sm" onClick={show} data-testid="save-refused-show">
          {box ? 'Select the box' : 'Show the question'}
        </button>
      ) : null}
    </div>
  );
}

/** Says a verified document is read-only, with the way to edit it (the button or its key). */
export function ReadOnlyNote() {
  const readOnly = useAnnotation(isReadOnly);
  const nudge = useAnnotation((s) => s.readOnlyNudge);
  const editKey = useKeymap()['document.edit']?.[0];
  if (!readOnly) return null;
  return (
    // Re-keyed on each refused edit, so its attention animation plays again.
    <span key={nudge} className={`read-only-note${nudge ? ' nudged' : ''}`} data-testid="read-only-note" title="This version is verified. Edit to change it: the change becomes a new draft version.">
      Read-only
      <button type="button" className="btn btn-sm" onClick={() => annotationStore.getState().unlockEdit()} data-testid="edit-document">
        Edit{editKey ? ` (${displayCombo(editKey)})` : ''}
      </button>
    </span>
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
  const confirming = usePanels((s) => s.verifyWarnings.length > 0);
  const keymap = useKeymap();
  const verifyKey = keymap['document.verify']?.[0];

  // Problems and warnings belong to one document.
  useEffect(() => () => usePanels.getState().set({ verifyProblems: [], problemsOpen: false, verifyWarnings: [] }), [documentId]);

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
          title={upToDate ? 'This version is verified; Edit (Shift+E) to change it in a new draft' : `Verify: check the document and record a verified version${verifyKey ? ` (${displayCombo(verifyKey)})` : ''}`}
          data-testid="verify-button"
        >
          {verifying ? <Spinner size={12} /> : <IconCheck />}
          {upToDate ? 'Verified' : 'Verify'}
        </button>
        {problemsOpen ? <ProblemsPopover /> : null}
        {confirming ? <VerifyConfirm /> : null}
      </div>
    </div>
  );
}
