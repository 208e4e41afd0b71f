import { useEffect, useMemo, type ReactNode } from 'react';
import type { DocumentDetail, DocumentSummary, Label } from '../../../shared/domain/model';
import type { ActionContext } from './actions';
import { runAction } from './runAction';
import { AnnotationLayers } from './canvas/AnnotationLayers';
import { actionFor, displayCombo, resolveKeymap } from './keymap';
import { AnnotationSidePanel, focusAnswer, HelpOverlay, LabelPicker, nextQuestion, previousQuestion, ReadOnlyNote, runVerify, SaveRefusedBanner, VerifyControls } from './panels';
import { readProjectPages, toggleWordsLayer, usePageWords } from './pageWords';
import { SelectionReadout } from './SelectionReadout';
import { useAnnotationUi } from './uiStore';
import { isReadOnly } from './store';
import { annotationStore, useAnnotation } from './useAnnotation';
import './annotate.css';
import './panels.css';
import { useApp } from '../stores/app';
import { ErrorPage } from '../components/ErrorPage';
import { IconArrowLeft, IconArrowsH, IconChevronLeft, IconChevronRight, IconMaximize, IconMinus, IconPlus } from '../components/Icons';
import { isActivation, isTypingTarget, PageCanvas } from '../components/PageCanvas';
import { OverflowToolbar, ToolbarGroup } from '../components/OverflowToolbar';
import { LoadingPanel } from '../components/Spinner';
import { StatusChip } from '../components/StatusChip';
import { mediaUrl } from '../lib/api';
import { formatBytes, formatCount } from '../lib/format';
import { rememberContext, useDocumentView, type Neighbours } from './documentViewStore';
import { useProjects } from '../stores/projects';
import { navigate, paths } from '../stores/route';
import { ZOOM_STEP } from '../lib/viewport';
import { useViewer } from '../stores/viewer';

function ZoomControls() {
  const scale = useViewer((s) => s.scale);
  const mode = useViewer((s) => s.mode);
  const viewer = useViewer.getState;
  return (
    <div className="zoom-controls">
      <button type="button" className="icon-btn" onClick={() => viewer().zoomBy(1 / ZOOM_STEP)} title="Zoom out (−)" aria-label="Zoom out" data-testid="zoom-out">
        <IconMinus />
      </button>
      <span className="zoom-level" data-testid="zoom-level" aria-live="polite">
        {Math.round(scale * 100)}%
      </span>
      <button type="button" className="icon-btn" onClick={() => viewer().zoomBy(ZOOM_STEP)} title="Zoom in (+)" aria-label="Zoom in" data-testid="zoom-in">
        <IconPlus />
      </button>
      <span className="divider-v" />
      <FitButton active={mode === 'page'} onClick={() => viewer().fitPage()} label="Fit page" keys="0 or F" testId="zoom-fit-page">
        <IconMaximize />
      </FitButton>
      <FitButton active={mode === 'width'} onClick={() => viewer().fitWidth()} label="Fit width" keys="W" testId="zoom-fit-width">
        <IconArrowsH />
      </FitButton>
      <button type="button" className="btn btn-sm btn-ghost" onClick={() => viewer().actualSize()} title="Actual size, 100% (Shift+0)" data-testid="zoom-100">
        100%
      </button>
    </div>
  );
}

/** A fit mode's button: lit while the view keeps that fit. */
function FitButton({ active, onClick, label, keys, testId, children }: { active: boolean; onClick(): void; label: string; keys: string; testId: string; children: ReactNode }) {
  return (
    <button type="button" className={`icon-btn${active ? ' active' : ''}`} onClick={onClick} title={`${label} (${keys})`} aria-label={label} data-testid={testId}>
      {children}
    </button>
  );
}

type DocumentPage = DocumentDetail['pages'][number];

const shortcut = (keymap: Record<string, string[]>, id: string) => (keymap[id]?.[0] ? ` (${displayCombo(keymap[id][0])})` : '');

const NO_WORDS_TITLE = 'No words read on this page yet';

/** The words layer's toggle, and a way to read the pages when this one has no words yet. */
function WordsControls({ keymap, pageId }: { keymap: Record<string, string[]>; pageId: string | null }) {
  const showWords = useAnnotationUi((s) => s.showWords);
  const entry = usePageWords((s) => (pageId ? s.byPage[pageId] : undefined));
  const readingPages = usePageWords((s) => s.readingPages);
  if (!pageId) return null;
  const none = entry?.state === 'none';
  const count = entry?.state === 'loaded' ? entry.words.words.length : 0;
  const title = none ? NO_WORDS_TITLE : count ? `Words read on the page: ${count.toLocaleString()}` : 'Words read on the page';
  return (
    <>
      <button
        type="button"
        className={`btn btn-sm${showWords ? ' btn-active' : ' btn-ghost'}`}
        onClick={() => toggleWordsLayer(pageId)}
        title={`${title}${shortcut(keymap, 'view.toggleWords')} · Alt+click a word: a box around it`}
        aria-pressed={showWords}
        data-testid="words-toggle"
        data-words-state={entry?.state ?? 'loading'}
      >
        Words
      </button>
      {showWords && none ? (
        <button type="button" className="btn btn-sm btn-ghost" onClick={() => void readProjectPages(pageId)} disabled={readingPages} title="Read the project's unread pages on this computer" data-testid="words-read-pages">
          {readingPages ? 'Reading…' : 'Read pages'}
        </button>
      ) : null}
    </>
  );
}

function ToolControls({ keymap, pageId }: { keymap: Record<string, string[]>; pageId: string | null }) {
  const tool = useAnnotationUi((s) => s.tool);
  const activeLabel = useAnnotationUi((s) => s.activeLabel);
  const keys = (id: string) => shortcut(keymap, id);
  const ui = useAnnotationUi.getState;
  return (
    <div className="tool-controls row gap-sm">
      <button type="button" className={`btn btn-sm${tool === 'select' ? ' btn-active' : ' btn-ghost'}`} onClick={() => ui().set({ tool: 'select' })} title={`Select${keys('tool.select')}`} aria-pressed={tool === 'select'} data-testid="tool-select">
        Select
      </button>
      <button type="button" className={`btn btn-sm${tool === 'draw' ? ' btn-active' : ' btn-ghost'}`} onClick={() => (isReadOnly(annotationStore.getState()) ? annotationStore.getState().nudgeReadOnly() : ui().set({ tool: 'draw' }))} title={`Draw rectangle${keys('tool.draw')}`} aria-pressed={tool === 'draw'} data-testid="tool-draw">
        Draw
      </button>
      <button type="button" className="btn btn-sm btn-ghost" onClick={() => ui().set({ labelPickerOpen: true })} title={`Label for new boxes${keys('label.picker')}`} data-testid="active-label">
        {activeLabel ?? 'No label'}
      </button>
      <WordsControls keymap={keymap} pageId={pageId} />
    </div>
  );
}

function HistoryControls({ keymap }: { keymap: Record<string, string[]> }) {
  const canUndo = useAnnotation((s) => s.canUndo);
  const canRedo = useAnnotation((s) => s.canRedo);
  const keys = (id: string) => shortcut(keymap, id);
  return (
    <div className="row gap-sm">
      <span className="divider-v" />
      <button type="button" className="btn btn-sm btn-ghost" onClick={() => annotationStore.getState().undo()} disabled={!canUndo} title={`Undo${keys('edit.undo')}`} data-testid="undo">
        Undo
      </button>
      <button type="button" className="btn btn-sm btn-ghost" onClick={() => annotationStore.getState().redo()} disabled={!canRedo} title={`Redo${keys('edit.redo')}`} data-testid="redo">
        Redo
      </button>
    </div>
  );
}

/**
 * A click on a panel control (a checkbox, a button, a chosen option) gives the keyboard back to
 * the page at once, so single-key shortcuts work again without clicking the page. Text fields keep
 * it; controls reached with Tab keep it too (Enter and Space still work them).
 */
function useReturnKeysToPage() {
  useEffect(() => {
    let pointer = false;
    const onPointer = () => (pointer = true);
    const onKey = () => (pointer = false);
    const inView = (el: Element | null): el is HTMLElement =>
      el instanceof HTMLElement && el !== document.body && el.closest('[data-testid="document-view"]') !== null && el.closest('[role="dialog"], [role="alertdialog"]') === null;
    const focusPage = () => document.querySelector<HTMLElement>('[data-testid="page-canvas"]')?.focus({ preventScroll: true });
    // An open popup (the toolbar's ⋯ menu) and the control that opened it keep the focus it needs.
    const inOpenPopup = (el: HTMLElement) =>
      Array.from(document.querySelectorAll('[aria-haspopup][aria-expanded="true"]')).some((opener) => opener.contains(el) || document.getElementById(opener.getAttribute('aria-controls') ?? '')?.contains(el));
    const onClick = (e: MouseEvent) => {
      if (e.detail === 0) return; // Enter or Space on a control reached with the keyboard
      // After the click's own work (a label passes it to its checkbox; a handler may focus a field).
      setTimeout(() => {
        const el = document.activeElement;
        if (inView(el) && !isTypingTarget(el) && !inOpenPopup(el)) focusPage();
      });
    };
    const onChange = (e: Event) => {
      if (pointer && e.target instanceof HTMLSelectElement && e.target === document.activeElement && inView(e.target)) focusPage();
    };
    window.addEventListener('pointerdown', onPointer, true);
    window.addEventListener('keydown', onKey, true);
    window.addEventListener('click', onClick);
    window.addEventListener('change', onChange);
    return () => {
      window.removeEventListener('pointerdown', onPointer, true);
      window.removeEventListener('keydown', onKey, true);
      window.removeEventListener('click', onClick);
      window.removeEventListener('change', onChange);
    };
  }, []);
}

function goToNeighbour(projectId: string, neighbours: Neighbours, doc: DocumentSummary, index: number) {
  rememberContext({ projectId, documentId: doc.id, status: neighbours.status, docType: neighbours.docType, search: neighbours.search, index });
  navigate(paths.document(projectId, doc.id));
}

interface DocumentKeysArgs {
  projectId: string;
  page: DocumentPage | null;
  labels: Label[];
  keymap: Record<string, string[]>;
  next(): void;
  previous(): void;
  pageIndex: number;
  goToPage(n: number): void;
}

/**
 * Keyboard: every shortcut goes through the keymap (rebindable in Settings); the page keys,
 * which are not actions, are handled here. Only text fields (and dialogs) keep keys to themselves.
 */
function useDocumentKeys({ projectId, page, labels, keymap, next, previous, pageIndex, goToPage }: DocumentKeysArgs) {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!page) return;
      const action = actionFor(keymap, e);
      // Verify also works from a text field (no field uses Ctrl+Enter): the typed text is kept.
      const typing = isTypingTarget(e.target) || isActivation(e);
      if (typing && !(action === 'document.verify' && !(e.target as HTMLElement).closest('[role="dialog"], [role="alertdialog"]'))) return;
      const ctx: ActionContext = {
        page,
        labels,
        nextDocument: next,
        previousDocument: previous,
        backToList: () => navigate(paths.project(projectId)),
        verify: () => void runVerify(),
        nextQuestion,
        previousQuestion,
        focusAnswer,
      };
      let handled = action !== null && runAction(action, ctx);
      if (!handled && !e.ctrlKey && !e.metaKey && !e.altKey) {
        handled = true;
        if (e.key === 'PageDown') goToPage(pageIndex + 2);
        else if (e.key === 'PageUp') goToPage(pageIndex);
        else handled = false;
      }
      if (handled) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });
}

/** The previous and next page buttons around a page picker. */
function PageSwitcher({ pages, pageIndex, goToPage }: { pages: DocumentPage[]; pageIndex: number; goToPage(n: number): void }) {
  return (
    <div className="page-switcher" data-testid="page-switcher">
      <button type="button" className="icon-btn" onClick={() => goToPage(pageIndex)} disabled={pageIndex === 0} title="Previous page (Page Up)" aria-label="Previous page" data-testid="prev-page">
        <IconChevronLeft />
      </button>
      <label className="small">
        Page{' '}
        <select className="select-sm" value={pageIndex + 1} onChange={(e) => goToPage(Number(e.target.value))} aria-label="Page" data-testid="page-select">
          {pages.map((p) => (
            <option key={p.id} value={p.pageNumber}>
              {p.pageNumber}
            </option>
          ))}
        </select>{' '}
        of {pages.length}
      </label>
      <button type="button" className="icon-btn" onClick={() => goToPage(pageIndex + 2)} disabled={pageIndex + 1 >= pages.length} title="Next page (Page Down)" aria-label="Next page" data-testid="next-page">
        <IconChevronRight />
      </button>
    </div>
  );
}

/** Every page's thumbnail down the side, the shown one marked. */
function PageStrip({ pages, pageIndex, goToPage }: { pages: DocumentPage[]; pageIndex: number; goToPage(n: number): void }) {
  return (
    <nav className="page-strip" aria-label="Pages">
      {pages.map((p, i) => (
        <button
          key={p.id}
          type="button"
          className={`page-strip-item${i === pageIndex ? ' active' : ''}`}
          onClick={() => goToPage(i + 1)}
          aria-current={i === pageIndex ? 'page' : undefined}
          data-testid="page-strip-item"
        >
          <img src={mediaUrl(p.thumbnail)} alt="" draggable={false} style={{ aspectRatio: `${p.width} / ${p.height}` }} />
          <span className="small">{p.pageNumber}</span>
        </button>
      ))}
    </nav>
  );
}

/** What the document is, the page's size, the selection, and the main keys. */
function DocumentStatusBar({ doc, page }: { doc: DocumentDetail; page: DocumentPage }) {
  return (
  <footer className="statusbar muted small">
    <span>{doc.kind.toUpperCase()}</span>
    <span data-testid="page-size">
      {page.width} × {page.height} px
    </span>
    <span>{formatBytes(doc.byteSize)}</span>
    <SelectionReadout />
    <span className="toolbar-spacer" />
    <span>Wheel: zoom · Space+drag or middle-drag: pan · R draw · V select · 1–9 label · U back to the list · ? all shortcuts</span>
  </footer>
  );
}

export function DocumentView({ projectId, documentId, pageNumber }: { projectId: string; documentId: string; pageNumber: number }) {
  const doc = useDocumentView((s) => (s.key === `${projectId}/${documentId}` ? s.doc : null));
  const error = useDocumentView((s) => (s.key === `${projectId}/${documentId}` ? s.error : null));
  const neighbours = useDocumentView((s) => (s.key === `${projectId}/${documentId}` ? s.neighbours : null));
  const open = useDocumentView((s) => s.open);
  const projectEntry = useProjects((s) => s.byId[projectId]);
  const loadProject = useProjects((s) => s.load);

  useEffect(() => {
    void open(projectId, documentId);
    if (!useProjects.getState().byId[projectId]?.project) void loadProject(projectId);
    useAnnotationUi.getState().reset(projectId);
    void annotationStore.getState().load(projectId, documentId);
    // Leaving the document sends what autosave has not sent yet.
    return () => void annotationStore.getState().flush();
  }, [projectId, documentId, open, loadProject]);
  // The template questions follow the project's templates and what the document is.
  const templates = projectEntry?.project?.questions;
  const docType = doc?.docType;
  useEffect(() => {
    if (templates && docType !== undefined) annotationStore.getState().setQuestionContext({ documentId, templates, docType });
  }, [documentId, templates, docType]);
  const annotationLoaded = useAnnotation((s) => s.loaded && s.documentId === documentId);
  const readOnly = useAnnotation((s) => s.documentId === documentId && isReadOnly(s));
  // The header follows the annotation as it is edited and verified, not the list it came from.
  const liveStatus = useAnnotation((s) => (s.loaded && s.documentId === documentId ? (s.status === 'verified' ? 'verified' : s.annotationId ? 'in_progress' : null) : null));
  const labels = useMemo(() => projectEntry?.project?.labels ?? [], [projectEntry?.project?.labels]);
  // The annotation store applies only this project's labels (null until the project is loaded).
  const projectLoaded = projectEntry?.project?.id === projectId;
  useEffect(() => {
    annotationStore.getState().setLabelSet(projectLoaded ? labels.map((l) => l.name) : null);
  }, [labels, projectLoaded]);
  const keymapOverrides = useApp((s) => s.settings?.ui.keymap);
  const keymap = useMemo(() => resolveKeymap(keymapOverrides ?? {}), [keymapOverrides]);

  const pageCount = doc?.pages.length ?? 0;
  const pageIndex = Math.min(Math.max(1, pageNumber), Math.max(1, pageCount)) - 1;
  const page = doc?.pages[pageIndex] ?? null;

  // A new page is fitted to the panel.
  useEffect(() => {
    if (page) useViewer.getState().setPage(page.id, { width: page.width, height: page.height });
  }, [page]);

  const goToPage = (n: number) => {
    if (!doc || n < 1 || n > doc.pages.length) return;
    navigate(paths.document(projectId, documentId, n), { replace: true });
  };
  const previous = () => {
    if (neighbours?.previous) goToNeighbour(projectId, neighbours, neighbours.previous, neighbours.index - 1);
  };
  const next = () => {
    if (neighbours?.next) goToNeighbour(projectId, neighbours, neighbours.next, neighbours.index + 1);
  };

  useDocumentKeys({ projectId, page, labels, keymap, next, previous, pageIndex, goToPage });
  useReturnKeysToPage();

  if (error) {
    return (
      <ErrorPage title="This document could not be opened" message={error} onRetry={() => void open(projectId, documentId)}>
        <a className="btn btn-ghost" href={paths.project(projectId)}>
          Back to the documents
        </a>
      </ErrorPage>
    );
  }

  return (
    <div className="doc-view" data-testid="document-view">
      <OverflowToolbar className="doc-toolbar" label="Document">
        <ToolbarGroup id="back" priority={70} label="Back to the documents">
          <a className="btn btn-ghost btn-sm doc-back" href={paths.project(projectId)} title={`Back to ${projectEntry?.project?.name ?? 'the documents'}${keymap['document.back']?.[0] ? ` (${displayCombo(keymap['document.back'][0])})` : ''}`} data-testid="back-to-list">
            <IconArrowLeft /> <span className="truncate">{projectEntry?.project?.name ?? 'Documents'}</span>
          </a>
        </ToolbarGroup>
        <ToolbarGroup id="queue" priority={30} label="Previous and next document">
          <span className="divider-v" />
          <button type="button" className="icon-btn" onClick={previous} disabled={!neighbours?.previous} title="Previous document (K)" aria-label="Previous document" data-testid="prev-document">
            <IconChevronLeft />
          </button>
          <button type="button" className="icon-btn" onClick={next} disabled={!neighbours?.next} title="Next document (J)" aria-label="Next document" data-testid="next-document">
            <IconChevronRight />
          </button>
          {neighbours ? (
            <span className="muted small" data-testid="document-position">
              {formatCount(neighbours.index + 1)} of {formatCount(neighbours.total)}
            </span>
          ) : null}
        </ToolbarGroup>
        <div className="doc-title">
          <span className="truncate" title={doc?.sourceName} data-testid="document-title">
            {doc?.sourceName ?? ''}
          </span>
          {doc ? <StatusChip status={liveStatus ?? doc.status} /> : null}
        </div>
        {readOnly ? (
          <ToolbarGroup id="read-only" priority={95} label="Read-only: edit this verified version">
            <ReadOnlyNote />
          </ToolbarGroup>
        ) : null}
        <ToolbarGroup id="tools" priority={90} label="Tools">
          <ToolControls keymap={keymap} pageId={page?.id ?? null} />
        </ToolbarGroup>
        <ToolbarGroup id="history" priority={60} label="Undo and redo">
          <HistoryControls keymap={keymap} />
        </ToolbarGroup>
        <ToolbarGroup id="verify" priority={100} label="Save and verify">
          <VerifyControls projectId={projectId} documentId={documentId} />
        </ToolbarGroup>
        {doc && pageCount > 1 ? (
          <ToolbarGroup id="pages" priority={50} label="Pages">
            <PageSwitcher pages={doc.pages} pageIndex={pageIndex} goToPage={goToPage} />
          </ToolbarGroup>
        ) : null}
        <ToolbarGroup id="zoom" priority={40} label="Zoom">
          <ZoomControls />
        </ToolbarGroup>
      </OverflowToolbar>

      <div className="doc-body">
        {doc && pageCount > 1 ? (
          <PageStrip pages={doc.pages} pageIndex={pageIndex} goToPage={goToPage} />
        ) : null}
        <div className="canvas-panel">
          <SaveRefusedBanner />
          {page ? (
            <PageCanvas key={documentId} page={page} panWithPrimaryButton={false}>
              {annotationLoaded ? <AnnotationLayers page={page} labels={labels} /> : null}
            </PageCanvas>
          ) : (
            <LoadingPanel label="Opening the document…" />
          )}
        </div>
        {doc && page && annotationLoaded ? (
          <AnnotationSidePanel projectId={projectId} documentId={documentId} page={page} pages={doc.pages} />
        ) : (
          // Same width while loading, so the canvas is sized once (a resize reallocates and redraws it).
          <aside className="annotation-side-panel" aria-busy="true" aria-label="Regions and questions" />
        )}
      </div>
      <HelpOverlay />
      <LabelPicker />

      {doc && page ? (
        <DocumentStatusBar doc={doc} page={page} />
      ) : null}
    </div>
  );
}
