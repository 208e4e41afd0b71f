import { useMemo, useState } from 'react';
import { Modal } from '../../components/Modal';
import { navigate, paths } from '../../stores/route';
import { actions, type ActionGroup, type ActionSpec } from '../actions';
import { displayCombo } from '../keymap';
import { useAnnotationUi } from '../uiStore';
import { IconSearch } from '../../components/Icons';
import { useCurrentLabels, useKeymap } from './shared';

export const groupOrder: ActionGroup[] = ['Tools', 'View', 'Edit', 'Boxes', 'Labels', 'Questions', 'Predictions', 'Documents', 'Help'];

export function groupedActions(): { group: ActionGroup; actions: ActionSpec[] }[] {
  return groupOrder.map((group) => ({ group, actions: actions.filter((a) => a.group === group) })).filter((g) => g.actions.length > 0);
}

function HelpDialog() {
  const keymap = useKeymap();
  const labels = useCurrentLabels();
  const [query, setQuery] = useState('');
  const close = () => useAnnotationUi.getState().set({ helpOpen: false });

  const groups = useMemo(() => {
    const q = query.trim().toLowerCase();
    const slotName = (id: string) => {
      const n = /^label\.slot(\d)$/.exec(id)?.[1];
      return n ? labels.find((l) => l.hotkey === n)?.name : undefined;
    };
    return groupedActions()
      .map(({ group, actions: list }) => ({
        group,
        rows: list
          .map((a) => ({ action: a, combos: keymap[a.id] ?? [], label: slotName(a.id) }))
          .filter(
            (r) =>
              !q ||
              r.action.title.toLowerCase().includes(q) ||
              group.toLowerCase().includes(q) ||
              (r.label ?? '').toLowerCase().includes(q) ||
              r.combos.some((c) => displayCombo(c).toLowerCase().includes(q)),
          ),
      }))
      .filter((g) => g.rows.length > 0);
  }, [keymap, labels, query]);

  return (
    <Modal
      title="Keyboard shortcuts"
      onClose={close}
      wide
      testId="help-overlay"
      footer={
        <>
          <span className="muted small grow">Shortcuts do nothing while you type in a field; Esc leaves the field.</span>
          <button
            type="button"
            className="btn btn-sm"
            onClick={() => {
              close();
              navigate(paths.settings());
              setTimeout(() => document.getElementById('keymap-settings')?.scrollIntoView({ block: 'start' }), 50);
            }}
            data-testid="help-change-shortcuts"
          >
            Change shortcuts…
          </button>
        </>
      }
    >
      <div className="help-overlay">
        <div className="panel-search">
          <IconSearch />
          <input
            className="panel-search-input"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === '?' && !query) {
                e.preventDefault();
                close();
              }
            }}
            placeholder="Find a shortcut"
            aria-label="Find a shortcut"
            data-testid="help-search"
          />
        </div>
        <div className="help-groups">
          {groups.map(({ group, rows }) => (
            <section key={group} className="help-group" data-testid="help-group" data-group={group}>
              <h3>{group}</h3>
              <dl>
                {rows.map(({ action, combos, label }) => (
                  <div key={action.id} className="help-row" data-testid="help-row" data-action={action.id}>
                    <dt>
                      {action.title}
                      {label ? <span className="muted"> — {label}</span> : null}
                    </dt>
                    <dd>
                      {combos.length ? (
                        combos.map((c, i) => (
                          <span key={c}>
                            {i > 0 ? <span className="muted small"> or </span> : null}
                            <kbd data-testid="help-combo">{displayCombo(c)}</kbd>
                          </span>
                        ))
                      ) : (
                        <span className="muted small">none</span>
                      )}
                    </dd>
                  </div>
                ))}
              </dl>
            </section>
          ))}
          {groups.length === 0 ? <p className="muted">No shortcut matches “{query}”.</p> : null}
        </div>
      </div>
    </Modal>
  );
}

/** Every shortcut of the annotation view with the user's current keys (opened with ?). */
export function HelpOverlay() {
  const open = useAnnotationUi((s) => s.helpOpen);
  return open ? <HelpDialog /> : null;
}
