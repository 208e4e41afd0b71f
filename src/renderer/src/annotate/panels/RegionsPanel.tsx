import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type MouseEvent as ReactMouseEvent, type ReactNode } from 'react';
import type { Box, Label, Page } from '../../../../shared/domain/model';
import { useAnnotationUi } from '../uiStore';
import { isReadOnly } from '../store';
import { useReading } from '../reading';
import { Spinner } from '../../components/Spinner';
import { annotationStore, useAnnotation } from '../useAnnotation';
import { IconEye, IconEyeOff, IconLock, IconSearch, IconSparkles, IconTrash, IconUnlock, IconX } from '../../components/Icons';
import { isFocusRequestHandled, takeFocusRequest, usePanels } from './panelsStore';
import { cssEscape, draftingBoxes, formatConfidence, labelColor, selectOnFill, showPage, useLabels, whenElement } from './shared';
import { VirtualList, type VirtualListHandle } from './VirtualList';

export const REGION_ROW_HEIGHT = 62;
/** The label filter's value for "boxes without a label". */
export const UNLABELLED = '\u0000unlabelled';

const edit = () => annotationStore.getState();

function setTranscription(id: string, transcription: string) {
  edit().updateBoxes([{ id, patch: { transcription } }], { coalesceKey: `transcription:${id}` });
}

/**
 * Typed text waits this long for the next key before it goes to the store: the keystroke itself
 * only re-renders its input, while the store update (and the canvas redraw it causes on a page of
 * 10,000 boxes) happens once per pause. Enter, Escape, blur and leaving commit at once.
 */
export const TRANSCRIPTION_COMMIT_MS = 250;
const pendingDrafts = new Set<() => void>();

/** Send every transcription still being typed to the store (before verify, unload, leaving). */
export function commitDrafts(): void {
  for (const commit of [...pendingDrafts]) commit();
}
// Capture phase: at the window, capture listeners run before the store's own flush-on-unload.
window.addEventListener(
  'beforeunload',
  () => {
    if (pendingDrafts.size) commitDrafts();
  },
  { capture: true },
);

function TranscriptionInput({ box, onStep, readOnly, reading }: { box: Box; onStep(boxId: string, delta: number): void; readOnly: boolean; reading: boolean }) {
  const [draft, setDraft] = useState<string | null>(null);
  const pending = useRef<{ value: string; timer: ReturnType<typeof setTimeout> } | null>(null);
  const commitRef = useRef<() => void>(() => undefined);

  useEffect(() => {
    // Commits the latest typed text; registered while a draft is pending.
    commitRef.current = () => {
      const p = pending.current;
      if (!p) return;
      clearTimeout(p.timer);
      pending.current = null;
      pendingDrafts.delete(commitRef.current);
      draftingBoxes.delete(box.id);
      if (pendingDrafts.size === 0) usePanels.getState().set({ draftPending: false });
      setTranscription(box.id, p.value);
      setDraft(null);
    };
  }, [box.id]);
  // A row scrolled out of the list, or the panel closing, keeps what was typed.
  useEffect(() => () => commitRef.current(), []);

  // Text read from the page lands selected in the field the caret is in: before the browser
  // handles another key, so a key typed as it arrives replaces it instead of following it.
  const input = useRef<HTMLInputElement>(null);
  useLayoutEffect(() => {
    if (!selectOnFill.delete(box.id) || draft !== null) return;
    if (input.current && input.current === document.activeElement && input.current.value === box.transcription) input.current.select();
  }, [box.id, box.transcription, draft]);

  const commit = () => commitRef.current();
  const onKeyDown = (e: ReactKeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      commit();
      // Enter says the text is right as it stands, read from the page or not.
      edit().confirmTranscription(box.id);
      onStep(box.id, e.shiftKey ? -1 : 1);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      commit();
      e.currentTarget.blur();
    }
  };
  return (
    <input
      ref={input}
      className="input region-text"
      value={draft ?? box.transcription}
      onChange={(e) => {
        const value = e.target.value;
        setDraft(value);
        if (pending.current) clearTimeout(pending.current.timer);
        pending.current = { value, timer: setTimeout(commit, TRANSCRIPTION_COMMIT_MS) };
        pendingDrafts.add(commitRef.current);
        draftingBoxes.add(box.id);
        if (!usePanels.getState().draftPending) usePanels.getState().set({ draftPending: true });
      }}
      onBlur={commit}
      onKeyDown={onKeyDown}
      placeholder={readOnly ? '' : reading ? 'Reading the page…' : 'Transcription'}
      readOnly={readOnly}
      spellCheck={false}
      aria-label="Transcription"
      data-testid="region-transcription"
    />
  );
}

function selectFromRow(box: Box, e: { shiftKey: boolean; ctrlKey: boolean; metaKey: boolean }) {
  const mode = e.shiftKey ? 'add' : e.ctrlKey || e.metaKey ? 'toggle' : 'replace';
  showPage(box.pageId);
  edit().select([box.id], mode);
}

const isControl = (target: EventTarget | null) => target instanceof HTMLElement && target.closest('input, select, button, textarea') !== null;

function setHover(id: string | null) {
  const ui = useAnnotationUi.getState();
  if (id !== null) {
    if (ui.hoverBoxId !== id) ui.set({ hoverBoxId: id });
  } else if (ui.hoverBoxId !== null) ui.set({ hoverBoxId: null });
}

interface RowProps {
  box: Box;
  selected: boolean;
  labels: Label[];
  /** Shown only for documents of several pages. */
  pageNumber: number | null;
  /** Enter / Shift+Enter in a transcription: go to the next / previous region's transcription. */
  onStep(boxId: string, delta: number): void;
  /** A verified document not unlocked for editing. */
  readOnly: boolean;
  /** The page's text inside the box is being read (it was just drawn). */
  reading: boolean;
  /** The transcription came from the page's OCR and is not confirmed yet: the reader's confidence. */
  prefilled: number | undefined;
}

/** One region. Memoised on the box object: editing one box re-renders one row, not 10,000. */
const RegionRow = memo(function RegionRow({ box, selected, labels, pageNumber, onStep, readOnly, reading, prefilled }: RowProps) {
  const color = labelColor(labels, box.label);
  const unknownLabel = box.label !== null && color === null;
  return (
    <div
      className={`region-row${selected ? ' selected' : ''}${box.hidden ? ' is-hidden' : ''}${box.label ? '' : ' unlabelled'}`}
      data-testid="region-row"
      data-box-id={box.id}
      data-selected={selected ? 'true' : undefined}
      data-reading={reading ? 'true' : undefined}
      data-prefilled={prefilled !== undefined ? 'true' : undefined}
      onMouseDown={(e: ReactMouseEvent) => {
        if (e.button === 0 && !isControl(e.target)) selectFromRow(box, e);
      }}
      onFocus={() => {
        if (!edit().selection.has(box.id)) selectFromRow(box, { shiftKey: false, ctrlKey: false, metaKey: false });
      }}
      onMouseEnter={() => setHover(box.id)}
      onMouseLeave={() => {
        if (useAnnotationUi.getState().hoverBoxId === box.id) setHover(null);
      }}
    >
      <div className="region-line">
        <span className="region-swatch" style={{ background: color ?? 'transparent' }} aria-hidden="true" />
        <select
          className="select-sm region-label"
          value={box.label ?? ''}
          onChange={(e) => edit().updateBoxes([{ id: box.id, patch: { label: e.target.value || null } }])}
          disabled={readOnly}
          aria-label="Label"
          data-testid="region-label"
        >
          <option value="">No label</option>
          {labels.map((l) => (
            <option key={l.id} value={l.name}>
              {l.hotkey ? `${l.hotkey} · ` : ''}
              {l.name}
            </option>
          ))}
          {unknownLabel ? <option value={box.label ?? ''}>{box.label} (not in the label set)</option> : null}
        </select>
        {box.originPredictionId ? (
          <span className="region-origin" title="Accepted from a model prediction" data-testid="region-model-origin">
            <IconSparkles size={12} />
          </span>
        ) : null}
        {pageNumber !== null ? <span className="region-page muted small">p.{pageNumber}</span> : null}
        {reading ? (
          <span className="region-reading muted small" title="Reading the text inside the box from the page" data-testid="region-reading">
            <Spinner size={11} label="Reading…" />
          </span>
        ) : null}
        {prefilled !== undefined ? (
          <button
            type="button"
            className="region-prefilled"
            onClick={() => edit().confirmTranscription(box.id)}
            disabled={readOnly}
            title={`Read from the page (confidence ${formatConfidence(prefilled)}). Click, or Enter in the text, to confirm it.`}
            aria-label="Confirm the text read from the page"
            data-testid="region-prefilled"
          >
            OCR {formatConfidence(prefilled)}
          </button>
        ) : null}
        <span className="grow" />
        <RegionToggle
          on={box.locked}
          onToggle={() => edit().updateBoxes([{ id: box.id, patch: { locked: !box.locked } }])}
          disabled={readOnly}
          title={box.locked ? 'Unlock (the box can be moved and deleted again)' : 'Lock (no moving, resizing or deleting)'}
          label={box.locked ? 'Unlock' : 'Lock'}
          testId="region-lock"
        >
          {box.locked ? <IconLock /> : <IconUnlock />}
        </RegionToggle>
        <RegionToggle
          on={box.hidden}
          onToggle={() => edit().updateBoxes([{ id: box.id, patch: { hidden: !box.hidden } }])}
          disabled={readOnly}
          title={box.hidden ? 'Show on the canvas' : 'Hide on the canvas'}
          label={box.hidden ? 'Show' : 'Hide'}
          testId="region-hide"
        >
          {box.hidden ? <IconEyeOff /> : <IconEye />}
        </RegionToggle>
        <button
          type="button"
          className="icon-btn icon-btn-xs danger"
          onClick={() => edit().deleteBoxes([box.id])}
          disabled={box.locked || readOnly}
          title={box.locked ? 'Locked boxes cannot be deleted' : 'Delete'}
          aria-label="Delete"
          data-testid="region-delete"
        >
          <IconTrash />
        </button>
      </div>
      <TranscriptionInput box={box} onStep={onStep} readOnly={readOnly} reading={reading} />
    </div>
  );
});

interface RegionToggleProps {
  on: boolean;
  onToggle(): void;
  disabled: boolean;
  title: string;
  label: string;
  testId: string;
  children: ReactNode;
}

/** A row's on/off flag (locked, hidden): pressed and lit while on. */
function RegionToggle({ on, onToggle, disabled, title, label, testId, children }: RegionToggleProps) {
  return (
    <button type="button" className={`icon-btn icon-btn-xs${on ? ' active' : ''}`} onClick={onToggle} disabled={disabled} title={title} aria-label={label} aria-pressed={on} data-testid={testId}>
      {children}
    </button>
  );
}

/**
 * Which boxes are listed, in page order then drawing order. Unfiltered single-page documents list
 * `order` itself; otherwise one pass over the boxes (about a millisecond at 10,000).
 */
function useListedRegions(pageId: string, multiPage: boolean, scope: 'page' | 'all', pageNumbers: Map<string, number>): string[] {
  const boxes = useAnnotation((s) => s.boxes);
  const order = useAnnotation((s) => s.order);
  const filter = useAnnotationUi((s) => s.regionFilter);
  return useMemo(() => {
    const search = filter.search.trim().toLowerCase();
    const wantLabel = filter.label;
    const sortByPage = multiPage && scope === 'all';
    if (!search && wantLabel === null && scope === 'all' && !multiPage) return order;
    const out: string[] = [];
    for (const id of order) {
      const b = boxes[id];
      if (!b) continue;
      if (scope === 'page' && b.pageId !== pageId) continue;
      if (wantLabel !== null && (wantLabel === UNLABELLED ? b.label !== null : b.label !== wantLabel)) continue;
      if (search && !b.transcription.toLowerCase().includes(search) && !(b.label ?? '').toLowerCase().includes(search)) continue;
      out.push(id);
    }
    if (sortByPage) {
      const ranked = out.map((id, i) => ({ id, page: pageNumbers.get(boxes[id]?.pageId ?? '') ?? 0, i }));
      ranked.sort((a, b) => a.page - b.page || a.i - b.i);
      return ranked.map((r) => r.id);
    }
    return out;
  }, [order, boxes, filter, scope, pageId, multiPage, pageNumbers]);
}

interface RegionFiltersProps {
  labels: Label[];
  multiPage: boolean;
  scope: 'page' | 'all';
  /** How many regions are listed, and how many the scope holds before the filters. */
  shown: number;
  inScope: number;
  pageNumber: number;
}

/** The search, the label filter, this page or all pages, and how many regions are listed. */
function RegionFilters({ labels, multiPage, scope, shown, inScope, pageNumber }: RegionFiltersProps) {
  const filter = useAnnotationUi((s) => s.regionFilter);
  const setFilter = (patch: Partial<typeof filter>) => useAnnotationUi.getState().set({ regionFilter: { ...filter, ...patch } });
  const filtered = filter.search !== '' || filter.label !== null;
  return (
    <div className="regions-filters">
      <div className="panel-search">
        <IconSearch />
        <input
          className="panel-search-input"
          value={filter.search}
          onChange={(e) => setFilter({ search: e.target.value })}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              e.preventDefault();
              if (filter.search) setFilter({ search: '' });
              else e.currentTarget.blur();
            }
          }}
          placeholder="Search transcriptions and labels"
          aria-label="Search regions"
          data-testid="regions-search"
        />
        {filter.search ? (
          <button type="button" className="icon-btn icon-btn-xs" onClick={() => setFilter({ search: '' })} aria-label="Clear the search">
            <IconX />
          </button>
        ) : null}
      </div>
      <div className="row gap-sm">
        <select
          className="select-sm grow"
          value={filter.label ?? ''}
          onChange={(e) => setFilter({ label: e.target.value === '' ? null : e.target.value })}
          aria-label="Filter by label"
          data-testid="regions-label-filter"
        >
          <option value="">All labels</option>
          <option value={UNLABELLED}>No label</option>
          {labels.map((l) => (
            <option key={l.id} value={l.name}>
              {l.name}
            </option>
          ))}
        </select>
        {multiPage ? (
          <div className="segmented segmented-xs" role="radiogroup" aria-label="Which pages">
            {(['page', 'all'] as const).map((s) => (
              <button
                key={s}
                type="button"
                role="radio"
                aria-checked={scope === s}
                className={scope === s ? 'active' : ''}
                onClick={() => usePanels.getState().set({ regionScope: s })}
                data-testid={`regions-scope-${s}`}
              >
                {s === 'page' ? 'This page' : 'All pages'}
              </button>
            ))}
          </div>
        ) : null}
      </div>
      <div className="muted small" data-testid="regions-count">
        {filtered ? `${shown.toLocaleString()} of ${inScope.toLocaleString()}` : shown.toLocaleString()} region{inScope === 1 ? '' : 's'}
        {scope === 'page' && multiPage ? ` on page ${pageNumber}` : ''}
      </div>
    </div>
  );
}

interface RegionsPanelProps {
  page: Page;
  pages: Page[];
}

/** Every box of the document with its label and transcription: filtered, searchable, virtualised. */
export function RegionsPanel({ page, pages }: RegionsPanelProps) {
  const projectId = useAnnotation((s) => s.projectId);
  const boxes = useAnnotation((s) => s.boxes);
  const order = useAnnotation((s) => s.order);
  const selection = useAnnotation((s) => s.selection);
  const readOnly = useAnnotation(isReadOnly);
  const reading = useReading((s) => s.reading);
  const prefilled = useAnnotation((s) => s.prefilled);
  const labels = useLabels(projectId);
  const filter = useAnnotationUi((s) => s.regionFilter);
  const focus = useAnnotationUi((s) => s.focus);
  const scope = usePanels((s) => (pages.length > 1 ? s.regionScope : 'all'));
  const list = useRef<VirtualListHandle>(null);

  const pageNumbers = useMemo(() => new Map(pages.map((p) => [p.id, p.pageNumber])), [pages]);
  const multiPage = pages.length > 1;

  const items = useListedRegions(page.id, multiPage, scope, pageNumbers);

  const itemsRef = useRef(items);
  useEffect(() => {
    itemsRef.current = items;
  }, [items]);

  const focusRow = useCallback((boxId: string, part: 'transcription' | 'label') => {
    const index = itemsRef.current.indexOf(boxId);
    if (index < 0) return false;
    if (!list.current?.isFullyVisible(index)) list.current?.scrollToIndex(index, 'center');
    whenElement<HTMLElement>(`[data-testid="region-row"][data-box-id="${cssEscape(boxId)}"] [data-testid="region-${part}"]`, (el) => {
      el.focus();
      if (el instanceof HTMLInputElement) el.select();
    });
    return true;
  }, []);

  const onStep = useCallback(
    (boxId: string, delta: number) => {
      const ids = itemsRef.current;
      const at = ids.indexOf(boxId);
      const next = ids[at + delta];
      if (at < 0 || next === undefined) {
        (document.activeElement as HTMLElement | null)?.blur();
        return;
      }
      const box = edit().boxes[next];
      if (box) selectFromRow(box, { shiftKey: false, ctrlKey: false, metaKey: false });
      focusRow(next, 'transcription');
    },
    [focusRow],
  );

  // Selection made on the canvas: bring the (newest) selected box into view.
  useEffect(() => {
    let last: string | undefined;
    for (const id of selection) last = id;
    if (last === undefined) return;
    const index = itemsRef.current.indexOf(last);
    if (index >= 0 && !list.current?.isFullyVisible(index)) list.current?.scrollToIndex(index, 'center');
  }, [selection]);

  // "Edit this box's transcription" / "this box needs a label", from the canvas or the verify list.
  useEffect(() => {
    if (!focus || (focus.kind !== 'transcription' && focus.kind !== 'box') || isFocusRequestHandled(focus.nonce)) return;
    const part = focus.kind === 'transcription' ? 'transcription' : 'label';
    if (items.includes(focus.id)) {
      takeFocusRequest(focus.nonce);
      focusRow(focus.id, part);
      return;
    }
    // Filtered out: widen the filters once, then this effect runs again with the box listed.
    const ui = useAnnotationUi.getState();
    const panels = usePanels.getState();
    const box = edit().boxes[focus.id];
    const narrowed = ui.regionFilter.label !== null || ui.regionFilter.search !== '' || (panels.regionScope === 'page' && box && box.pageId !== page.id);
    if (!box || !narrowed) {
      takeFocusRequest(focus.nonce);
      return;
    }
    ui.set({ regionFilter: { label: null, search: '' } });
    if (box.pageId !== page.id) panels.set({ regionScope: 'all' });
  }, [focus, items, focusRow, page.id]);

  const renderRow = (id: string) => {
    const box = boxes[id]!;
    return <RegionRow box={box} selected={selection.has(id)} labels={labels} readOnly={readOnly} reading={reading.has(id)} prefilled={prefilled.get(id)} pageNumber={multiPage ? (pageNumbers.get(box.pageId) ?? null) : null} onStep={onStep} />;
  };

  const filtered = filter.search !== '' || filter.label !== null;
  const inScope = scope === 'page' && filtered ? countOnPage(order, boxes, page.id) : scope === 'page' ? items.length : order.length;

  return (
    <div className="regions-panel" data-testid="regions-panel">
      <RegionFilters labels={labels} multiPage={multiPage} scope={scope} shown={items.length} inScope={inScope} pageNumber={page.pageNumber} />
      <VirtualList
        items={items}
        rowHeight={REGION_ROW_HEIGHT}
        getKey={(id) => id}
        renderRow={renderRow}
        handle={list}
        className="regions-list"
        testId="regions-list"
        ariaLabel="Regions"
        empty={
          <div className="panel-empty muted small">
            {order.length === 0 ? 'No regions yet. Draw one on the page with the rectangle tool (R).' : filtered ? 'No region matches the filter.' : 'No regions on this page.'}
          </div>
        }
      />
    </div>
  );
}

function countOnPage(order: string[], boxes: Record<string, Box>, pageId: string): number {
  let n = 0;
  for (const id of order) if (boxes[id]?.pageId === pageId) n++;
  return n;
}
