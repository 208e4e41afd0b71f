import { actions as registry, isActionId, type ActionId, type ActionSpec } from './actions';

/**
 * Every shortcut of the annotation view, and the sidebar's: the registry's default keys, user
 * overrides from settings, and conflict detection. Combos are written like
 * "ctrl+shift+z"; "mod" means ctrl, or cmd on macOS, so one keymap works on every laptop.
 */

export type { ActionGroup, ActionSpec } from './actions';

/** The registry's titles and default keys (actions.ts owns them), for the settings page. */
export const actions: readonly ActionSpec[] = registry;

export type Keymap = Record<string, string[]>;

const modifierOrder = ['mod', 'ctrl', 'alt', 'shift', 'meta'];

export const isMac = (): boolean => typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

/** "Shift+Ctrl+Z" → "mod+shift+z": one spelling per combo, so comparison is string equality. */
export function normalizeCombo(combo: string): string {
  const parts = combo
    .toLowerCase()
    .split('+')
    .map((p) => p.trim())
    .filter(Boolean);
  // "shift++" spells the plus key.
  if (combo.endsWith('++')) parts.push('+');
  const key = parts.pop() ?? '';
  const mods = new Set(parts.map((m) => (m === 'cmd' || m === 'command' || m === 'control' ? 'mod' : m === 'option' ? 'alt' : m)));
  if (mods.has('ctrl')) {
    mods.delete('ctrl');
    mods.add('mod');
  }
  const named: Record<string, string> = { esc: 'escape', del: 'delete', return: 'enter', space: ' ', left: 'arrowleft', right: 'arrowright', up: 'arrowup', down: 'arrowdown' };
  return [...modifierOrder.filter((m) => mods.has(m)), named[key] ?? key].join('+');
}

/** The combo a keyboard event spells, in the same normal form. */
export function comboFromEvent(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>, mac = isMac()): string {
  const mods: string[] = [];
  if (mac ? e.metaKey : e.ctrlKey) mods.push('mod');
  if (mac && e.ctrlKey) mods.push('ctrl');
  if (e.altKey) mods.push('alt');
  if (e.shiftKey) mods.push('shift');
  if (!mac && e.metaKey) mods.push('meta');
  let key = e.key.toLowerCase();
  if (key === 'dead' || key === 'unidentified') key = '';
  return [...mods, key].join('+');
}

/** Defaults with the user's overrides on top (an override replaces that action's keys). */
export function resolveKeymap(overrides: Record<string, string[]> = {}): Keymap {
  const map: Keymap = {};
  for (const a of actions) map[a.id] = (overrides[a.id] ?? a.keys).map(normalizeCombo).filter(Boolean);
  return map;
}

export interface KeyConflict {
  combo: string;
  actionIds: string[];
}

/** Combos bound to more than one action; the settings page refuses to save them. */
export function findConflicts(keymap: Keymap): KeyConflict[] {
  const byCombo = new Map<string, string[]>();
  for (const [id, combos] of Object.entries(keymap)) {
    for (const combo of combos) byCombo.set(combo, [...(byCombo.get(combo) ?? []), id]);
  }
  return [...byCombo.entries()].filter(([, ids]) => ids.length > 1).map(([combo, actionIds]) => ({ combo, actionIds }));
}

/** The action a key event triggers, if any. */
export function actionFor(keymap: Keymap, e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>, mac = isMac()): ActionId | null {
  const combo = comboFromEvent(e, mac);
  // "?" arrives with shift on most layouts; accept it either way.
  const alt = e.shiftKey ? combo.replace('shift+', '') : null;
  for (const [id, combos] of Object.entries(keymap)) {
    if (isActionId(id) && (combos.includes(combo) || (alt !== null && combos.includes(alt) && alt.length === 1 && !/[a-z0-9]/.test(alt)))) return id;
  }
  return null;
}

/** "mod+shift+z" as the user's keyboard labels it: "Ctrl+Shift+Z" or "⌘⇧Z". */
export function displayCombo(combo: string, mac = isMac()): string {
  const names: Record<string, [string, string]> = {
    mod: ['Ctrl', '⌘'],
    ctrl: ['Ctrl', '⌃'],
    alt: ['Alt', '⌥'],
    shift: ['Shift', '⇧'],
    meta: ['Win', '⌘'],
    arrowleft: ['←', '←'],
    arrowright: ['→', '→'],
    arrowup: ['↑', '↑'],
    arrowdown: ['↓', '↓'],
    escape: ['Esc', 'Esc'],
    enter: ['Enter', '↩'],
    delete: ['Del', '⌦'],
    backspace: ['Backspace', '⌫'],
    ' ': ['Space', 'Space'],
  };
  const parts = combo.split('+').filter((p, i, all) => p !== '' || i === all.length - 1);
  const shown = parts.map((p) => names[p]?.[mac ? 1 : 0] ?? (p.length === 1 ? p.toUpperCase() : p));
  return mac ? shown.join('') : shown.join('+');
}
