import { useEffect, useMemo, useRef, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import type { Label } from '../../../../shared/domain/model';
import { Modal } from '../../components/Modal';
import { useAnnotationUi } from '../uiStore';
import { annotationStore, useAnnotation } from '../useAnnotation';
import { IconSearch } from '../../components/Icons';
import { decidePrediction } from './predictionActions';
import { useCurrentLabels } from './shared';

/**
 * Apply a label (null: none) of the open project's set: a selected prediction is accepted with it;
 * otherwise the selected boxes get it, and it becomes the label of new boxes. Locked boxes keep
 * theirs, as with the label hotkeys (their own row in the regions list still relabels them). A
 * name outside the project's set is never applied.
 */
export function applyLabel(label: string | null): void {
  const store = annotationStore.getState();
  const ui = useAnnotationUi.getState();
  ui.set({ labelPickerOpen: false });
  if (label !== null && !store.labelSet?.has(label)) return;
  if (ui.selectedPredictionId) {
    decidePrediction(ui.selectedPredictionId, true, { label });
    return;
  }
  const ids = [...store.selection].filter((id) => store.boxes[id] && !store.boxes[id].locked && store.boxes[id].label !== label);
  if (ids.length) store.updateBoxes(ids.map((id) => ({ id, patch: { label } })));
  ui.set({ activeLabel: label, labelProjectId: store.projectId });
}

type Option = { kind: 'label'; label: Label } | { kind: 'none' };

function LabelPickerDialog() {
  const labels = useCurrentLabels();
  const selected = useAnnotation((s) => s.selection.size);
  const activeLabel = useAnnotationUi((s) => s.activeLabel);
  const [query, setQuery] = useState('');
  const [cursor, setCursor] = useState(0);
  const list = useRef<HTMLUListElement>(null);
  const close = () => useAnnotationUi.getState().set({ labelPickerOpen: false });

  const options = useMemo((): Option[] => {
    const q = query.trim().toLowerCase();
    const matching = q ? labels.filter((l) => l.name.toLowerCase().includes(q)) : labels;
    // Names that start with the query first, then the rest in label-set order.
    const ranked = q ? [...matching].sort((a, b) => Number(!a.name.toLowerCase().startsWith(q)) - Number(!b.name.toLowerCase().startsWith(q))) : matching;
    const out: Option[] = ranked.map((label) => ({ kind: 'label', label }));
    if (!q || 'no label'.includes(q) || 'none'.includes(q)) out.push({ kind: 'none' });
    return out;
  }, [labels, query]);
  const at = Math.min(cursor, Math.max(0, options.length - 1));

  useEffect(() => {
    list.current?.querySelector(`[data-index="${at}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [at]);

  const pick = (option: Option | undefined) => {
    if (option) applyLabel(option.kind === 'label' ? option.label.name : null);
  };

  const onKeyDown = (e: ReactKeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setCursor(options.length ? (at + 1) % options.length : 0);
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setCursor(options.length ? (at - 1 + options.length) % options.length : 0);
    } else if (e.key === 'Home' && !query) {
      e.preventDefault();
      setCursor(0);
    } else if (e.key === 'End' && !query) {
      e.preventDefault();
      setCursor(options.length - 1);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      pick(options[at]);
    } else if (/^[1-9]$/.test(e.key) && !e.ctrlKey && !e.metaKey && !e.altKey) {
      // The label's own hotkey picks it here too.
      const label = labels.find((l) => l.hotkey === e.key);
      if (label) {
        e.preventDefault();
        pick({ kind: 'label', label });
      }
    }
  };

  const predictionSelected = useAnnotationUi((s) => s.selectedPredictionId !== null);
  const target = predictionSelected ? 'the selected prediction (it is accepted with the label)' : selected ? `${selected} selected box${selected === 1 ? '' : 'es'}` : 'new boxes';
  return (
    <Modal title="Choose a label" onClose={close} testId="label-picker">
      <div className="label-picker">
        <p className="muted small">
          For {target}. Type to search, ↑ ↓ and Enter to choose, or press a label’s number.
        </p>
        <div className="panel-search">
          <IconSearch />
          <input
            className="panel-search-input"
            value={query}
            onChange={(e) => {
              setQuery(e.target.value);
              setCursor(0);
            }}
            onKeyDown={onKeyDown}
            placeholder="Search labels"
            aria-label="Search labels"
            role="combobox"
            aria-expanded="true"
            aria-controls="label-picker-options"
            aria-activedescendant={options.length ? `label-option-${at}` : undefined}
            autoComplete="off"
            spellCheck={false}
            data-testid="label-picker-search"
          />
        </div>
        {labels.length === 0 ? <p className="muted small">This project has no labels yet: add them in the project’s settings.</p> : null}
        <ul ref={list} className="label-options" role="listbox" id="label-picker-options" aria-label="Labels">
          {options.map((o, i) => (
            <li
              key={o.kind === 'label' ? o.label.id : 'none'}
              id={`label-option-${i}`}
              role="option"
              aria-selected={i === at}
              data-index={i}
              className={`label-option${i === at ? ' current' : ''}`}
              onMouseMove={() => {
                if (i !== at) setCursor(i);
              }}
              onMouseDown={(e) => {
                e.preventDefault();
                pick(o);
              }}
              data-testid="label-option"
              data-label={o.kind === 'label' ? o.label.name : ''}
            >
              {o.kind === 'label' ? (
                <>
                  <span className="label-option-key">{o.label.hotkey ?? ''}</span>
                  <span className="label-option-swatch" style={{ background: o.label.color }} aria-hidden="true" />
                  <span className="grow truncate">{o.label.name}</span>
                  {activeLabel === o.label.name ? <span className="muted small">for new boxes</span> : null}
                </>
              ) : (
                <>
                  <span className="label-option-key" />
                  <span className="label-option-swatch none" aria-hidden="true" />
                  <span className="grow muted">No label</span>
                </>
              )}
            </li>
          ))}
          {options.length === 0 ? <li className="panel-empty muted small">No label matches “{query}”.</li> : null}
        </ul>
      </div>
    </Modal>
  );
}

/** The searchable label picker (key L on the canvas), usable with the keyboard alone. */
export function LabelPicker() {
  const open = useAnnotationUi((s) => s.labelPickerOpen);
  return open ? <LabelPickerDialog /> : null;
}
