import { useEffect, useMemo, useState, type Dispatch, type SetStateAction } from 'react';
import { groupedActions } from '../../annotate/panels/HelpOverlay';
import { actions, comboFromEvent, displayCombo, findConflicts, normalizeCombo, resolveKeymap, type Keymap } from '../../annotate/keymap';
import { InlineError } from '../../components/ErrorPanel';
import { errorMessage } from '../../lib/errors';
import { useApp } from '../../stores/app';
import { toastSuccess } from '../../stores/toasts';

const MAX_COMBOS = 4;
const NO_OVERRIDES: Record<string, string[]> = {};
const MODIFIER_KEYS = new Set(['Shift', 'Control', 'Alt', 'AltGraph', 'Meta', 'OS', 'CapsLock', 'Fn', 'Hyper', 'Super']);
const titles = new Map(actions.map((a) => [a.id, a.title]));
const defaults = resolveKeymap({});

const same = (a: readonly string[] | undefined, b: readonly string[] | undefined) => (a ?? []).length === (b ?? []).length && (a ?? []).every((c, i) => c === b?.[i]);

/** Only what differs from the defaults is saved, so new defaults reach users who never changed them. */
export function overridesOf(keymap: Keymap): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const a of actions) if (!same(keymap[a.id], defaults[a.id])) out[a.id] = keymap[a.id] ?? [];
  return out;
}

interface Capture {
  actionId: string;
  /** Which combo is replaced; null adds one. */
  index: number | null;
}

type Conflicts = ReturnType<typeof findConflicts>;
type SetCapture = Dispatch<SetStateAction<Capture | null>>;

/** For each action in a conflict: the clashing combo and the other actions it also triggers. */
function conflictsByAction(conflicts: Conflicts): Map<string, Map<string, string[]>> {
  const map = new Map<string, Map<string, string[]>>();
  for (const c of conflicts) {
    for (const id of c.actionIds) {
      const byCombo = map.get(id) ?? new Map<string, string[]>();
      byCombo.set(
        c.combo,
        c.actionIds.filter((other) => other !== id),
      );
      map.set(id, byCombo);
    }
  }
  return map;
}

/** The action groups with the actions whose title, group or keys contain the search text. */
function matchingGroups(query: string, draft: Keymap) {
  const q = query.trim().toLowerCase();
  return groupedActions()
    .map((g) => ({
      group: g.group,
      list: g.actions.filter((a) => !q || a.title.toLowerCase().includes(q) || g.group.toLowerCase().includes(q) || (draft[a.id] ?? []).some((c) => displayCombo(c).toLowerCase().includes(q))),
    }))
    .filter((g) => g.list.length > 0);
}

/** While capturing, the next key press (with its modifiers) is the new shortcut; a key that cannot be bound leaves a notice. */
function useKeyCapture(setDraft: Dispatch<SetStateAction<Keymap>>) {
  const [capture, setCapture] = useState<Capture | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    if (!capture) return;
    const onKey = (e: KeyboardEvent) => {
      if (MODIFIER_KEYS.has(e.key)) return;
      e.preventDefault();
      e.stopPropagation();
      if (e.key === 'Escape' && !e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey) {
        setCapture(null);
        return;
      }
      const combo = normalizeCombo(comboFromEvent(e));
      const key = combo.split('+').pop() ?? '';
      if (!key || e.key === ' ' || e.key === 'Tab') {
        setNotice(e.key === ' ' ? 'Space pans the page and cannot be bound.' : e.key === 'Tab' ? 'Tab moves between fields and cannot be bound.' : 'That key cannot be used: try another.');
        return;
      }
      setNotice(null);
      setDraft((current) => {
        const list = [...(current[capture.actionId] ?? [])];
        if (capture.index === null) {
          if (!list.includes(combo)) list.push(combo);
        } else {
          list[capture.index] = combo;
        }
        return { ...current, [capture.actionId]: [...new Set(list)].slice(0, MAX_COMBOS) };
      });
      setCapture(null);
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [capture, setDraft]);
  return { capture, setCapture, notice };
}

interface KeymapRowProps {
  action: { id: string; title: string };
  combos: string[];
  /** Its clashing combos and the other actions each also triggers; undefined without a conflict. */
  clashes: Map<string, string[]> | undefined;
  capture: Capture | null;
  setCapture: SetCapture;
  onChange(combos: string[]): void;
}

function KeymapRow({ action: a, combos, clashes, capture, setCapture, onChange }: KeymapRowProps) {
  const changed = !same(combos, defaults[a.id]);
  const capturingNew = capture?.actionId === a.id && capture.index === null;
  return (
    <div className={`keymap-row${clashes ? ' conflict' : ''}`} data-testid="keymap-row" data-action={a.id}>
      <div className="keymap-title">
        <span>{a.title}</span>
        {clashes ? (
          <span className="keymap-clash small" data-testid="keymap-row-conflict">
            {[...clashes.entries()].map(([combo, others]) => `${displayCombo(combo)} is also ${others.map((o) => `“${titles.get(o) ?? o}”`).join(', ')}`).join('; ')}
          </span>
        ) : null}
      </div>
      <div className="keymap-combos">
        {combos.map((combo, i) => {
          const capturingThis = capture?.actionId === a.id && capture.index === i;
          return (
            <span key={`${combo}-${i}`} className={`keymap-combo${clashes?.has(combo) ? ' conflict' : ''}${capturingThis ? ' capturing' : ''}`}>
              <button
                type="button"
                className="keymap-combo-key"
                onClick={() => setCapture(capturingThis ? null : { actionId: a.id, index: i })}
                onBlur={() => setCapture((c) => (c?.actionId === a.id && c.index === i ? null : c))}
                title="Click, then press the new keys"
                data-testid="keymap-combo"
              >
                {capturingThis ? 'Press keys…' : displayCombo(combo)}
              </button>
              <button type="button" className="keymap-combo-remove" onClick={() => onChange(combos.filter((_, j) => j !== i))} aria-label={`Remove ${displayCombo(combo)}`} data-testid="keymap-remove">
                ×
              </button>
            </span>
          );
        })}
        {combos.length < MAX_COMBOS ? (
          <button
            type="button"
            className={`keymap-add${capturingNew ? ' capturing' : ''}`}
            onClick={() => setCapture(capturingNew ? null : { actionId: a.id, index: null })}
            onBlur={() => setCapture((c) => (c?.actionId === a.id && c.index === null ? null : c))}
            aria-label={`Add a shortcut for ${a.title}`}
            title="Add a shortcut"
            data-testid="keymap-add"
          >
            {capturingNew ? 'Press keys…' : combos.length ? '+' : '+ Add'}
          </button>
        ) : null}
        <button
          type="button"
          className="btn btn-sm btn-ghost keymap-reset"
          disabled={!changed}
          onClick={() => onChange([...(defaults[a.id] ?? [])])}
          title={`Default: ${(defaults[a.id] ?? []).map((c) => displayCombo(c)).join(' or ') || 'none'}`}
          data-testid="keymap-reset"
        >
          Reset
        </button>
      </div>
    </div>
  );
}

/** Rebind every shortcut of the annotation view: press the new keys, see conflicts, save when there are none. */
export function KeymapSettings() {
  const saved = useApp((s) => s.settings?.ui.keymap) ?? NO_OVERRIDES;
  const setUi = useApp((s) => s.setUi);
  const savedMap = useMemo(() => resolveKeymap(saved), [saved]);
  const [draft, setDraft] = useState<Keymap>(savedMap);
  const [query, setQuery] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const { capture, setCapture, notice } = useKeyCapture(setDraft);

  const conflicts = useMemo(() => findConflicts(draft), [draft]);
  const conflictsOf = useMemo(() => conflictsByAction(conflicts), [conflicts]);
  const dirty = actions.some((a) => !same(draft[a.id], savedMap[a.id]));

  const update = (id: string, combos: string[]) => {
    setDraft((current) => ({ ...current, [id]: combos }));
    setError(null);
  };

  const save = async () => {
    if (conflicts.length) {
      setError(`Resolve the ${conflicts.length === 1 ? 'conflict' : `${conflicts.length} conflicts`} first: one key cannot do two things.`);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await setUi({ keymap: overridesOf(draft) });
      toastSuccess('Shortcuts saved');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const groups = matchingGroups(query, draft);

  return (
    <section className="card keymap-settings" id="keymap-settings" data-testid="keymap-settings">
      <div className="card-header">
        <h2>Keyboard shortcuts</h2>
        <input className="input keymap-search" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="Find an action or key" aria-label="Find a shortcut" data-testid="keymap-search" />
      </div>
      <p className="muted small">
        Click a key to replace it, + to add another, then press the new keys (Esc cancels). Ctrl means ⌘ on a Mac.
      </p>
      {conflicts.length ? (
        <div className="inline-error" role="alert" data-testid="keymap-conflicts">
          {conflicts.length === 1 ? 'One key is' : `${conflicts.length} keys are`} bound to more than one action:{' '}
          {conflicts.map((c) => `${displayCombo(c.combo)} (${c.actionIds.map((id) => titles.get(id) ?? id).join(' / ')})`).join('; ')}. Change one of them to save.
        </div>
      ) : null}
      <div className="keymap-groups">
        {groups.map(({ group, list }) => (
          <div key={group} className="keymap-group">
            <h3 className="keymap-group-title">{group}</h3>
            {list.map((a) => (
              <KeymapRow
                key={a.id}
                action={a}
                combos={draft[a.id] ?? []}
                clashes={conflictsOf.get(a.id)}
                capture={capture}
                setCapture={setCapture}
                onChange={(combos) => update(a.id, combos)}
              />
            ))}
          </div>
        ))}
      </div>
      {notice ? <p className="warn small">{notice}</p> : null}
      <InlineError message={error} testId="keymap-error" />
      <div className="row between keymap-footer">
        <button type="button" className="btn btn-ghost" onClick={() => setDraft(resolveKeymap({}))} disabled={actions.every((a) => same(draft[a.id], defaults[a.id]))} data-testid="keymap-reset-all">
          Reset all to defaults
        </button>
        <div className="row gap-sm">
          {conflicts.length ? (
            <span className="small keymap-clash" data-testid="keymap-footer-conflicts">
              {conflicts.length === 1 ? '1 conflict' : `${conflicts.length} conflicts`}: change a key to save
            </span>
          ) : (
            <span className="muted small">{dirty ? 'Unsaved changes' : 'All shortcuts saved'}</span>
          )}
          <button type="button" className="btn btn-ghost" onClick={() => setDraft(savedMap)} disabled={!dirty || busy} data-testid="keymap-discard">
            Discard
          </button>
          <button type="button" className="btn btn-primary" onClick={() => void save()} disabled={!dirty || busy || conflicts.length > 0} data-testid="keymap-save">
            Save shortcuts
          </button>
        </div>
      </div>
    </section>
  );
}
