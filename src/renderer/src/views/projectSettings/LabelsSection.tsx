import type { Dispatch, SetStateAction } from 'react';
import { InlineError } from '../../components/ErrorPanel';
import { IconPlus } from '../../components/Icons';
import { OptionList } from '../settings/OptionList';
import { EditorRowActions } from './EditorRowActions';
import { HOTKEYS, move, newKey, PALETTE, type Draft, type Hotkey, type LabelDraft, type Reveal } from './draft';

interface LabelRowProps {
  label: LabelDraft;
  index: number;
  count: number;
  problem: string | undefined;
  onChange(patch: Partial<LabelDraft>): void;
  onMove(delta: -1 | 1): void;
  onRemove(): void;
}

function LabelRow({ label: l, index: i, count, problem, onChange, onMove, onRemove }: LabelRowProps) {
  return (
    <li className={`editor-row${problem ? ' invalid' : ''}`} data-testid="label-row">
      <div className="editor-row-main">
        <input type="color" className="color-input" value={l.color} onChange={(e) => onChange({ color: e.target.value })} aria-label={`Colour of label ${i + 1}`} data-testid="label-color" />
        <input
          className="input grow"
          value={l.name}
          onChange={(e) => onChange({ name: e.target.value })}
          placeholder="Label name, e.g. Total amount"
          maxLength={64}
          aria-label={`Name of label ${i + 1}`}
          data-testid="label-name"
        />
        <label className="hotkey-field">
          <span className="muted small">Hotkey</span>
          <select className="select" value={l.hotkey} onChange={(e) => onChange({ hotkey: e.target.value as Hotkey | '' })} aria-label={`Hotkey of label ${i + 1}`} data-testid="label-hotkey">
            <OptionList empty="None" values={HOTKEYS} />
          </select>
        </label>
        <EditorRowActions index={i} count={count} onMove={onMove} onRemove={onRemove} removeLabel={`Remove label ${l.name || i + 1}`} removeTestId="remove-label" />
      </div>
      <InlineError message={problem} testId="label-error" />
    </li>
  );
}

interface LabelsSectionProps {
  labels: LabelDraft[];
  problems: Record<string, string>;
  reveal: Reveal;
  setDraft: Dispatch<SetStateAction<Draft>>;
}

/** The project's box labels: add, rename, recolour, give a hotkey, reorder, remove. */
export function LabelsSection({ labels, problems, reveal, setDraft }: LabelsSectionProps) {
  const setLabel = (key: string, patch: Partial<LabelDraft>) => setDraft((d) => ({ ...d, labels: d.labels.map((l) => (l.key === key ? { ...l, ...patch } : l)) }));
  const addLabel = () =>
    setDraft((d) => {
      const used = new Set(d.labels.map((l) => l.hotkey));
      const hotkey = HOTKEYS.find((h) => !used.has(h)) ?? '';
      const color = PALETTE[d.labels.length % PALETTE.length] ?? '#2563eb';
      return { ...d, labels: [...d.labels, { key: newKey(), name: '', color, hotkey }] };
    });

  return (
    <section className="card">
      <div className="card-header">
        <div>
          <h2>Labels</h2>
          <p className="muted small">Box labels for this project. Hotkeys 1–9 pick a label while annotating; each can be used once.</p>
        </div>
        <button type="button" className="btn btn-sm" onClick={addLabel} data-testid="add-label">
          <IconPlus /> Add label
        </button>
      </div>
      {labels.length === 0 ? <p className="muted small empty-inline">No labels yet.</p> : null}
      <ol className="editor-list" data-testid="label-list">
        {labels.map((l, i) => (
          <LabelRow
            key={l.key}
            label={l}
            index={i}
            count={labels.length}
            problem={reveal(problems[l.key], l.name !== '' || l.hotkey !== '')}
            onChange={(patch) => setLabel(l.key, patch)}
            onMove={(delta) => setDraft((d) => ({ ...d, labels: move(d.labels, i, delta) }))}
            onRemove={() => setDraft((d) => ({ ...d, labels: d.labels.filter((x) => x.key !== l.key) }))}
          />
        ))}
      </ol>
    </section>
  );
}
