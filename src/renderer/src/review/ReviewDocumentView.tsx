import { useEffect, useMemo, useState } from 'react';
import type { DocumentDetail, Label } from '../../../shared/domain/model';
import type { ReviewDocument, ReviewSource } from '../../../shared/domain/review';
import { ErrorPage } from '../components/ErrorPage';
import { IconArrowLeft } from '../components/Icons';
import { isTypingTarget, PageCanvas } from '../components/PageCanvas';
import { LoadingPanel } from '../components/Spinner';
import { api } from '../lib/api';
import { useProjects } from '../stores/projects';
import { navigate, paths } from '../stores/route';
import { toastSuccess } from '../stores/toasts';
import { useViewer } from '../stores/viewer';
import { buildResolution, choosableSources, goldSummary, itemsOf, needsAttention, resolutionProblems, type ItemRef } from './resolution';
import { GoldLineagePanel } from './GoldLineagePanel';
import { GoldSummaryDialog } from './GoldSummaryDialog';
import { ItemList, SourcesLegend, startEditing } from './ResolvePanel';
import { ReviewLayers } from './ReviewLayers';
import { rememberedIncludeModel, stateLabels, typeLabels } from './ReviewQueueView';
import { useReviewDoc } from './reviewStore';
import './review.css';

/**
 * Resolving one document: the page with every source's boxes overlaid, and the items to settle.
 * Keyboard first — 1–9 take that source's version of the current item and stay on it (a source
 * with nothing there is refused with a note), 0 drops it, E edits it, J/K walk the items to settle
 * (↑/↓ every item), Ctrl+Enter shows what gold will hold and, once confirmed, writes it and opens
 * the next open document.
 */

type ReviewPage = DocumentDetail['pages'][number];

const HELP =
  '1–9 take (stays on the item) · 0 drop · E edit · J/K next/prev to settle · ↑/↓ all · Shift+1–9 show/hide · Ctrl+(Shift+)Z undo/redo · Ctrl+Enter check & save gold · Esc back';

export function ReviewDocumentView({ projectId, documentId }: { projectId: string; documentId: string }) {
  const doc = useReviewDoc((s) => (s.key === `${projectId}/${documentId}` ? s.doc : null));
  const detail = useReviewDoc((s) => (s.key === `${projectId}/${documentId}` ? s.detail : null));
  const error = useReviewDoc((s) => (s.key === `${projectId}/${documentId}` ? s.error : null));
  const current = useReviewDoc((s) => s.current);
  const choices = useReviewDoc((s) => s.choices);
  const saving = useReviewDoc((s) => s.saving);
  const project = useProjects((s) => s.byId[projectId]?.project ?? null);
  const loadProject = useProjects((s) => s.load);
  const pageId = useReviewDoc((s) => s.pageId);
  const looked = useReviewDoc((s) => s.looked);

  useEffect(() => {
    void useReviewDoc.getState().open(projectId, documentId, { includeModel: rememberedIncludeModel() });
    if (!useProjects.getState().byId[projectId]?.project) void loadProject(projectId);
  }, [projectId, documentId, loadProject]);

  const sources = useMemo(() => (doc ? choosableSources(doc) : []), [doc]);
  const labels = useMemo(() => project?.labels ?? [], [project]);
  const labelNames = useMemo(() => new Set(labels.map((l) => l.name)), [labels]);
  const items = useMemo(() => (doc ? itemsOf(doc) : []), [doc]);
  const problems = doc && project ? resolutionProblems(doc, choices, labelNames) : [];

  const page = detail?.pages.find((p) => p.id === pageId) ?? detail?.pages[0] ?? null;
  useEffect(() => {
    if (page) useViewer.getState().setPage(page.id, { width: page.width, height: page.height });
  }, [page]);
  useFollowCurrentRegion(current, doc);

  const gold = useSaveGold(projectId, documentId, problems.length > 0 || saving);
  useReviewKeys({ projectId, doc, items, current, sources, paused: gold.confirming, askToSave: gold.askToSave });

  if (error) {
    return (
      <ErrorPage title="This document could not be opened for review" message={error}>
        <a className="btn btn-ghost" href={paths.review(projectId)}>
          Back to the review queue
        </a>
      </ErrorPage>
    );
  }
  if (!doc || !detail) return <LoadingPanel label="Comparing annotators…" />;

  const pageNumberOf = (pageId: string) => detail.pages.find((p) => p.id === pageId)?.pageNumber ?? 1;
  const saveLabel = doc.gold ? `Save gold v${(doc.gold.version ?? 0) + 1}` : 'Save as gold';

  return (
    <div className="doc-view review-view" data-testid="review-document" data-state={doc.state}>
      <ReviewToolbar projectId={projectId} doc={doc} pages={detail.pages} page={page} saveLabel={saveLabel} canSave={!saving && problems.length === 0} onSave={gold.askToSave} />
      <div className="doc-body">
        <div className="canvas-panel">
          {page ? (
            <PageCanvas key={page.id} page={page} panWithPrimaryButton={false}>
              <ReviewLayers page={page} doc={doc} sources={sources} />
            </PageCanvas>
          ) : null}
        </div>
        <ResolveSidePanel doc={doc} items={items} sources={sources} labels={labels} problems={problems} pageNumberOf={pageNumberOf} />
      </div>
      <footer className="statusbar muted small">
        <span>{HELP}</span>
      </footer>
      {gold.confirming ? (
        <GoldSummaryDialog
          doc={doc}
          sources={sources}
          choices={choices}
          summary={goldSummary(doc, buildResolution(projectId, doc, choices), new Set(Object.keys(looked)))}
          label={saveLabel}
          busy={gold.finishing === 'opening next' ? 'Saved — opening the next document…' : saving || gold.finishing ? 'Saving…' : null}
          pageNumberOf={pageNumberOf}
          onConfirm={() => void gold.save()}
          onJump={(item) => {
            gold.setConfirming(false);
            useReviewDoc.getState().select(item);
          }}
          onClose={() => gold.setConfirming(false)}
        />
      ) : null}
    </div>
  );
}

/** Zoomed in, the view follows the current region: bring it to the centre when it is out of sight. */
function useFollowCurrentRegion(current: ItemRef | null, doc: ReviewDocument | null) {
  useEffect(() => {
    if (current?.kind !== 'box' || !doc) return;
    const boxes = Object.values(doc.boxGroups.find((g) => g.id === current.id)?.boxes ?? {});
    const v = useViewer.getState();
    if (!boxes.length || !v.view || v.pageId !== boxes[0]!.pageId) return;
    const left = Math.min(...boxes.map((b) => b.x)) * v.scale + v.x;
    const top = Math.min(...boxes.map((b) => b.y)) * v.scale + v.y;
    const right = Math.max(...boxes.map((b) => b.x + b.w)) * v.scale + v.x;
    const bottom = Math.max(...boxes.map((b) => b.y + b.h)) * v.scale + v.y;
    if (left < 0 || top < 0 || right > v.view.width || bottom > v.view.height) v.panBy(v.view.width / 2 - (left + right) / 2, v.view.height / 2 - (top + bottom) / 2);
  }, [current, doc]);
}

/** Saving gold: the summary of what it will hold first, then, once confirmed, the write and the next open document. */
function useSaveGold(projectId: string, documentId: string, blocked: boolean) {
  /** The summary before saving is open. */
  const [confirming, setConfirming] = useState(false);
  /** After its confirmation the summary stays open (and locked) until the next document opens, so nothing acts on this one meanwhile. */
  const [finishing, setFinishing] = useState<'saving' | 'opening next' | null>(null);

  const askToSave = () => {
    if (blocked) return;
    useReviewDoc.getState().setEditing(false);
    setConfirming(true);
  };

  const save = async () => {
    if (finishing) return;
    setFinishing('saving');
    try {
      const result = await useReviewDoc.getState().resolve(projectId);
      if (!result) {
        setConfirming(false);
        return;
      }
      setFinishing('opening next');
      toastSuccess(`Gold version ${result.version} saved`, `${result.boxes} box(es), ${result.qa} answer(s); it syncs with the next build.`);
      // On to the next open document, as a lead works down the queue.
      let next = paths.review(projectId);
      try {
        const queue = await api()['review.queue']({ projectId, state: 'open', includeModel: useReviewDoc.getState().includeModel });
        const other = queue.items.find((i) => i.documentId !== documentId);
        if (other) next = paths.reviewDocument(projectId, other.documentId);
      } catch {
        // The queue it is.
      }
      setConfirming(false);
      navigate(next);
    } finally {
      setFinishing(null);
    }
  };

  return { confirming, setConfirming, finishing, askToSave, save };
}

interface ReviewKeysArgs {
  projectId: string;
  doc: ReviewDocument | null;
  items: ItemRef[];
  current: ItemRef | null;
  sources: ReviewSource[];
  /** The summary before saving is open: it has its own keys. */
  paused: boolean;
  askToSave(): void;
}

/** The lead's keys (listed in HELP). */
function useReviewKeys({ projectId, doc, items, current, sources, paused, askToSave }: ReviewKeysArgs) {
  useEffect(() => {
    const move = (step: 1 | -1, onlyAttention: boolean) => {
      if (!doc || !items.length) return;
      const at = current ? items.findIndex((i) => i.kind === current.kind && i.id === current.id) : -1;
      for (let k = 1; k <= items.length; k++) {
        const i = items[(((at + step * k) % items.length) + items.length) % items.length]!;
        if (!onlyAttention || needsAttention(doc, i)) {
          useReviewDoc.getState().select(i);
          return;
        }
      }
    };
    // Taking never moves on: the lead moves with J/K (the hint bar says so).
    const take = (n: number | 'drop') => {
      if (!current) return;
      const store = useReviewDoc.getState();
      if (n === 'drop') store.drop(current);
      else if (sources[n - 1]) store.take(current, sources[n - 1]!.id);
    };
    const onKey = (e: KeyboardEvent) => {
      if (paused) return;
      if ((e.ctrlKey || e.metaKey) && e.key === 'Enter') {
        e.preventDefault();
        askToSave();
        return;
      }
      // Undo and redo of the lead's choices (in a text field, the field's own undo).
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !isTypingTarget(e.target) && (e.key === 'z' || e.key === 'Z' || e.key === 'y')) {
        e.preventDefault();
        if (e.key === 'y' || e.shiftKey) useReviewDoc.getState().redo();
        else useReviewDoc.getState().undo();
        return;
      }
      if (isTypingTarget(e.target) || e.altKey || e.ctrlKey || e.metaKey) return;
      const digit = /^Digit([0-9])$/.exec(e.code)?.[1];
      let handled = true;
      if (digit && e.shiftKey) {
        const s = sources[Number(digit) - 1];
        if (s) useReviewDoc.getState().toggleSource(s.id);
      } else if (digit) take(digit === '0' ? 'drop' : Number(digit));
      else if (e.key === 'Delete' || e.key === 'Backspace') take('drop');
      // Enter on a focused button or link is that control's own action (a source's option, an item), not "edit".
      else if (e.key === 'e' || e.key === 'E' || (e.key === 'Enter' && !activatesItself(e.target))) startEditing();
      else if (e.key === 'Enter') handled = false;
      else if (e.key === 'j' || e.key === 'J') move(1, true);
      else if (e.key === 'k' || e.key === 'K') move(-1, true);
      else if (e.key === 'ArrowDown') move(1, false);
      else if (e.key === 'ArrowUp') move(-1, false);
      else if (e.key === 'Escape') {
        if (useReviewDoc.getState().editing) useReviewDoc.getState().setEditing(false);
        else navigate(paths.review(projectId));
      } else handled = false;
      if (handled) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });
}

interface ReviewToolbarProps {
  projectId: string;
  doc: ReviewDocument;
  pages: ReviewPage[];
  page: ReviewPage | null;
  saveLabel: string;
  canSave: boolean;
  onSave(): void;
}

/** Back to the queue, the document and its disagreements, the page picker and the save button. */
function ReviewToolbar({ projectId, doc, pages, page, saveLabel, canSave, onSave }: ReviewToolbarProps) {
  const saving = useReviewDoc((s) => s.saving);
  const counts = Object.entries(doc.counts.byType).filter(([, n]) => n > 0);
  return (
    <header className="doc-toolbar">
      <a className="btn btn-ghost btn-sm" href={paths.review(projectId)} title="Back to the review queue (Esc)" data-testid="review-document-back">
        <IconArrowLeft /> Review
      </a>
      <div className="doc-title min-w-0">
        <span className="truncate" title={doc.sourceName} data-testid="review-document-title">
          {doc.sourceName}
        </span>
        <span className={`chip review-${doc.state}`} data-testid="review-document-state">
          {stateLabels[doc.state]}
        </span>
      </div>
      <div className="toolbar-spacer" />
      <span className="muted small" data-testid="review-counts">
        {counts.length ? counts.map(([t, n]) => `${n} ${typeLabels[t as keyof typeof typeLabels]}`).join(' · ') : 'No disagreements'}
        {doc.lowConfidence.length ? ` · ${doc.lowConfidence.length} low-confidence` : ''}
      </span>
      {pages.length > 1 ? (
        <label className="small">
          Page{' '}
          <select className="select-sm" value={page?.id} onChange={(e) => useReviewDoc.getState().showPage(e.target.value)} aria-label="Page">
            {pages.map((p) => (
              <option key={p.id} value={p.id}>
                {p.pageNumber}
              </option>
            ))}
          </select>{' '}
          of {pages.length}
        </label>
      ) : null}
      <button type="button" className="btn btn-primary btn-sm" onClick={onSave} disabled={!canSave} title="See what gold will hold, then save it (Ctrl+Enter)" data-testid="review-save">
        {saving ? 'Saving…' : saveLabel}
      </button>
    </header>
  );
}

interface ResolveSidePanelProps {
  doc: ReviewDocument;
  items: ItemRef[];
  sources: ReviewSource[];
  labels: Label[];
  problems: string[];
  pageNumberOf(pageId: string): number;
}

/** The sources, how many items are left to settle, the gold lineage, the items, and what stops saving. */
function ResolveSidePanel({ doc, items, sources, labels, problems, pageNumberOf }: ResolveSidePanelProps) {
  const saveError = useReviewDoc((s) => s.saveError);
  const attention = items.filter((i) => needsAttention(doc, i)).length;
  return (
    <aside className="review-panel" aria-label="Resolve" data-testid="review-panel">
      <SourcesLegend sources={sources} doc={doc} />
      <p className="small muted" data-testid="review-attention">
        {attention ? `${attention} item(s) to settle of ${items.length}` : `All ${items.length} item(s) agree`}
      </p>
      {doc.gold ? <GoldLineagePanel gold={doc.gold} /> : null}
      <ItemList doc={doc} sources={sources} labels={labels} pageNumberOf={pageNumberOf} />
      {problems.length || saveError ? (
        <div className="review-problems" role="alert" data-testid="review-problems">
          {saveError ? <p>{saveError}</p> : null}
          {problems.map((p) => (
            <p key={p}>{p}</p>
          ))}
        </div>
      ) : null}
    </aside>
  );
}

/** A control that Enter activates by itself (the browser clicks it). */
function activatesItself(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && target.closest('button, a[href], summary, [role="button"]') !== null;
}
