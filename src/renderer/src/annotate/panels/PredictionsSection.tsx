import { memo, useEffect, useMemo, useRef, useState } from 'react';
import type { Label, Page, Prediction } from '../../../../shared/domain/model';
import { useApp } from '../../stores/app';
import { toastError } from '../../stores/toasts';
import { displayCombo } from '../keymap';
import { offeredPageText, readPrediction, usePageText, takePageTextForSelection } from '../pageText';
import { LOW_CONFIDENCE, useAnnotationUi } from '../uiStore';
import { isReadOnly } from '../store';
import { useAnnotation } from '../useAnnotation';
import { IconAlert, IconCheck, IconChevronRight, IconSparkles, IconX } from '../../components/Icons';
import { takeFocusRequest, usePanels } from './panelsStore';
import { acceptAboveThreshold, decidePrediction, DEFAULT_ACCEPT_THRESHOLD, rejectRest, selectPrediction } from './predictionActions';
import { cssEscape, formatConfidence, labelColor, useKeymap, useLabels, whenElement } from './shared';
import { VirtualList, type VirtualListHandle } from './VirtualList';

const PREDICTION_ROW_HEIGHT = 40;
/** The list grows to this many rows, then scrolls. */
const MAX_LIST_ROWS = 5;

/**
 * The selected box prediction's text, correctable before it is accepted (Enter accepts, Esc gives
 * the keys back to the page). Nothing is saved until it is accepted.
 */
function PredictionTextInput({ p, typed, readOnly }: { p: Prediction; typed: string; readOnly: boolean }) {
  return (
    <input
      className="input prediction-text-input"
      value={typed}
      readOnly={readOnly}
      onChange={(e) => {
        const ui = useAnnotationUi.getState();
        ui.set({ predictionText: { ...ui.predictionText, [p.id]: e.target.value } });
      }}
      onKeyDown={(e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          e.currentTarget.blur();
          decidePrediction(p.id, true);
        } else if (e.key === 'Escape') {
          e.preventDefault();
          e.currentTarget.blur();
        }
      }}
      aria-label="Text of the prediction (Enter accepts it)"
      spellCheck={false}
      data-testid="prediction-text"
    />
  );
}

/** Start correcting a box prediction's text (Enter on the selected prediction, or a double-click). */
export function editPredictionText(p: Prediction): void {
  const ui = useAnnotationUi.getState();
  if (p.kind !== 'box') return;
  ui.set({ selectedPredictionId: p.id, predictionText: { ...ui.predictionText, [p.id]: ui.predictionText[p.id] ?? p.transcription ?? '' } });
  ui.requestFocus('prediction', p.id);
}

const PredictionRow = memo(function PredictionRow({ p, selected, labels, pageNumber, readOnly }: { p: Prediction; selected: boolean; labels: Label[]; pageNumber: number | null; readOnly: boolean }) {
  const typed = useAnnotationUi((s) => s.predictionText[p.id]);
  const low = p.confidence < LOW_CONFIDENCE;
  const color = labelColor(labels, p.label);
  const title = p.kind === 'box' ? (p.label ?? 'Box without label') : (p.question ?? 'Question');
  const detail = p.kind === 'box' ? p.transcription : p.answer === null ? 'Unanswerable' : p.answer;
  return (
    <div
      className={`prediction-row${selected ? ' selected' : ''}${low ? ' low' : ''}`}
      data-testid="prediction-row"
      data-prediction-id={p.id}
      data-low={low ? 'true' : undefined}
      onMouseDown={(e) => {
        if (!(e.target instanceof HTMLElement && e.target.closest('button, input'))) selectPrediction(p);
      }}
    >
      <span className="prediction-kind" style={color ? { background: color } : undefined} title={p.kind === 'box' ? 'Box' : 'Question and answer'}>
        {p.kind === 'qa' ? 'Q' : null}
      </span>
      <div className="prediction-text min-w-0">
        <div className="truncate">{title}</div>
        {typed !== undefined ? (
          <PredictionTextInput p={p} typed={typed} readOnly={readOnly} />
        ) : (
          <div className="truncate muted small" onDoubleClick={() => !readOnly && editPredictionText(p)} title={p.kind === 'box' ? 'Double-click (or Enter) to correct the text before accepting' : undefined}>
            {pageNumber !== null ? `p.${pageNumber} · ` : ''}
            {detail || '—'}
          </div>
        )}
      </div>
      <span className={`confidence${low ? ' low' : ''}`} title={low ? 'Under 0.8: check it closely' : 'Model confidence'} data-testid="prediction-confidence">
        {low ? <IconAlert size={11} /> : null}
        {formatConfidence(p.confidence)}
      </span>
      <button type="button" className="icon-btn icon-btn-xs accept" onClick={() => decidePrediction(p.id, true)} disabled={readOnly} title="Accept" aria-label="Accept" data-testid="prediction-accept">
        <IconCheck />
      </button>
      <button type="button" className="icon-btn icon-btn-xs danger" onClick={() => decidePrediction(p.id, false)} disabled={readOnly} title="Reject" aria-label="Reject" data-testid="prediction-reject">
        <IconX />
      </button>
    </div>
  );
});

/** What the page itself says inside the selected box prediction, when that is not what the model transcribed. */
function PageTextOffer({ p, useKey, readOnly }: { p: Prediction; useKey: string | null; readOnly: boolean }) {
  const reading = usePageText((s) => s.byPrediction[p.id]);
  const offered = offeredPageText(p, reading);
  return (
    <div className="prediction-page-text small" data-testid="prediction-page-text" data-state={reading?.state ?? 'reading'} data-offered={offered === null ? undefined : 'true'}>
      {reading?.state === 'reading' ? (
        <span className="muted">Reading the page inside it…</span>
      ) : offered !== null ? (
        <>
          <span className="truncate" title="What the page shows inside the box, read on this computer">
            Page reads <q data-testid="prediction-page-text-value">{offered}</q>
          </span>
          <button type="button" className="btn btn-sm" disabled={readOnly} onClick={() => void takePageTextForSelection(decidePrediction)} data-testid="prediction-use-page-text">
            Accept with it{useKey ? ` (${useKey})` : ''}
          </button>
        </>
      ) : reading?.state === 'read' && reading.text !== '' ? (
        <span className="muted">The page reads the same.</span>
      ) : null}
    </div>
  );
}

function ThresholdInput({ value }: { value: number }) {
  const [draft, setDraft] = useState<string | null>(null);
  const setUi = useApp((s) => s.setUi);
  const commit = (text: string) => {
    const n = Number(text);
    if (text.trim() !== '' && Number.isFinite(n) && n >= 0 && n <= 1 && n !== value) {
      setUi({ acceptThreshold: n }).catch((err: unknown) => toastError('The threshold was not saved', err));
    }
  };
  return (
    <input
      type="number"
      className="input threshold-input"
      min={0}
      max={1}
      step={0.05}
      value={draft ?? String(value)}
      onChange={(e) => {
        setDraft(e.target.value);
        commit(e.target.value);
      }}
      onBlur={() => setDraft(null)}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === 'Escape') e.currentTarget.blur();
      }}
      aria-label="Acceptance threshold (0 to 1)"
      title="Predictions at or above this confidence are accepted by “Accept all”"
      data-testid="prediction-threshold"
    />
  );
}

/** Pending model predictions: counts, accept all above the threshold, the low-confidence filter, one by one. */
export function PredictionsSection({ projectId, pages }: { projectId: string; pages: Page[] }) {
  const predictions = useAnnotation((s) => s.predictions);
  const labels = useLabels(projectId);
  const threshold = useApp((s) => s.settings?.ui.acceptThreshold ?? DEFAULT_ACCEPT_THRESHOLD);
  const lowOnly = useAnnotationUi((s) => s.lowConfidenceOnly);
  const selectedId = useAnnotationUi((s) => s.selectedPredictionId);
  const open = usePanels((s) => s.predictionsOpen);
  const readOnly = useAnnotation(isReadOnly);
  const keymap = useKeymap();

  const { pending, low, above } = useMemo(() => {
    const pending = predictions.filter((p) => p.status === 'pending');
    return { pending, low: pending.filter((p) => p.confidence < LOW_CONFIDENCE), above: pending.filter((p) => p.confidence >= threshold).length };
  }, [predictions, threshold]);
  const pageNumbers = useMemo(() => (pages.length > 1 ? new Map(pages.map((p) => [p.id, p.pageNumber])) : null), [pages]);
  const shown = lowOnly ? low : pending;

  // A prediction picked on the canvas scrolls into view here, so its accept and reject are at hand.
  const list = useRef<VirtualListHandle>(null);
  const focus = useAnnotationUi((s) => s.focus);
  useEffect(() => {
    if (!focus || focus.kind !== 'prediction' || !takeFocusRequest(focus.nonce)) return;
    if (!open) usePanels.getState().set({ predictionsOpen: true });
    const index = shown.findIndex((p) => p.id === focus.id);
    if (index >= 0 && !list.current?.isFullyVisible(index)) list.current?.scrollToIndex(index, 'center');
    whenElement<HTMLInputElement>(`[data-testid="prediction-row"][data-prediction-id="${cssEscape(focus.id)}"] [data-testid="prediction-text"]`, (el) => {
      el.focus();
      el.select();
    });
  }, [focus, shown, open]);
  useEffect(() => {
    if (!selectedId) return;
    const index = shown.findIndex((p) => p.id === selectedId);
    if (index >= 0 && !list.current?.isFullyVisible(index)) list.current?.scrollToIndex(index, 'center');
  }, [selectedId, shown]);
  // The selected box prediction is read from the page, so a transcription that differs shows here.
  const selected = useMemo(() => pending.find((p) => p.id === selectedId) ?? null, [pending, selectedId]);
  useEffect(() => {
    if (selected?.kind === 'box') void readPrediction(selected);
  }, [selected]);

  if (predictions.length === 0) return null;
  const decided = predictions.length - pending.length;
  const acceptKey = keymap['prediction.acceptAbove']?.[0];
  const rejectRestKey = keymap['prediction.rejectRest']?.[0];
  const lowKey = keymap['view.lowConfidence']?.[0];
  const key = (id: string) => (keymap[id]?.[0] ? displayCombo(keymap[id][0]) : null);

  return (
    <section className={`predictions-section${open ? ' open' : ''}`} data-testid="predictions-section" aria-label="Model predictions">
      <button type="button" className="panel-section-toggle" onClick={() => usePanels.getState().set({ predictionsOpen: !open })} aria-expanded={open} data-testid="predictions-toggle">
        <IconChevronRight style={{ transform: open ? 'rotate(90deg)' : undefined, transition: 'transform 0.12s' }} />
        <IconSparkles />
        <span className="grow">Predictions</span>
        <span className="muted small" data-testid="predictions-counts">
          {pending.length} pending{low.length ? ' · ' : ''}
          {low.length ? (
            <span className="warn" data-testid="predictions-low-count">
              {low.length} low
            </span>
          ) : null}
          {decided ? ` · ${decided} done` : ''}
        </span>
      </button>
      {open ? (
        <div className="predictions-body">
          <div className="row gap-sm predictions-actions">
            <button
              type="button"
              className="btn btn-sm"
              disabled={above === 0 || readOnly}
              onClick={() => acceptAboveThreshold()}
              title={`Accept every pending prediction with confidence ≥ ${formatConfidence(threshold)}${acceptKey ? ` (${displayCombo(acceptKey)})` : ''}`}
              data-testid="predictions-accept-above"
            >
              <IconCheck /> Accept {above} ≥
            </button>
            <ThresholdInput value={threshold} />
            <button
              type="button"
              className="btn btn-sm btn-danger-ghost"
              disabled={pending.length === 0 || readOnly}
              onClick={() => rejectRest()}
              title={`Reject every prediction not accepted yet${rejectRestKey ? ` (${displayCombo(rejectRestKey)})` : ''}`}
              data-testid="predictions-reject-rest"
            >
              <IconX /> Reject rest
            </button>
            <span className="grow" />
            <label className="checkbox small" title={lowKey ? `Shortcut: ${displayCombo(lowKey)}` : undefined}>
              <input type="checkbox" checked={lowOnly} onChange={(e) => useAnnotationUi.getState().set({ lowConfidenceOnly: e.target.checked })} data-testid="predictions-low-only" />
              Low only
            </label>
          </div>
          {shown.length ? (
            <VirtualList
              items={shown}
              handle={list}
              rowHeight={PREDICTION_ROW_HEIGHT}
              getKey={(p) => p.id}
              className="predictions-list"
              style={{ height: Math.min(MAX_LIST_ROWS * PREDICTION_ROW_HEIGHT, shown.length * PREDICTION_ROW_HEIGHT) + 2 }}
              testId="predictions-list"
              ariaLabel="Pending predictions"
              renderRow={(p) => <PredictionRow p={p} selected={p.id === selectedId} labels={labels} readOnly={readOnly} pageNumber={pageNumbers && p.pageId ? (pageNumbers.get(p.pageId) ?? null) : null} />}
            />
          ) : (
            <div className="panel-empty muted small">{pending.length ? 'No pending prediction under 0.8.' : 'Every prediction has been accepted or rejected.'}</div>
          )}
          {selected?.kind === 'box' ? <PageTextOffer p={selected} useKey={key('prediction.usePageText')} readOnly={readOnly} /> : null}
          {shown.length ? (
            <div className="muted small predictions-hint" data-testid="predictions-hint">
              Selected: {key('prediction.accept')} accept · {key('prediction.reject')} reject · 1–9 accept as that label · Enter edit its text · {key('prediction.next')} next
            </div>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
