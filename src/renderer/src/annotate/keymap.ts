/**
 * Every shortcut of the annotation view, and the sidebar's: one table of actions with default
 * keys, user overrides from settings, and conflict detection. Combos are written like
 * "ctrl+shift+z"; "mod" means ctrl, or cmd on macOS, so one keymap works on every laptop.
 */

export type ActionGroup = 'Tools' | 'View' | 'Edit' | 'Boxes' | 'Labels' | 'Questions' | 'Predictions' | 'Documents' | 'Help';

export interface ActionSpec {
  id: string;
  title: string;
  group: ActionGroup;
  keys: string[];
}

const labelSlots: ActionSpec[] = Array.from({ length: 9 }, (_, i) => ({
  id: `label.slot${i + 1}`,
  title: `Apply label with hotkey ${i + 1}`,
  group: 'Labels',
  keys: [String(i + 1)],
}));

export const actions: ActionSpec[] = [
  { id: 'tool.select', title: 'Select tool', group: 'Tools', keys: ['v'] },
  { id: 'tool.draw', title: 'Draw rectangle tool', group: 'Tools', keys: ['r'] },
  { id: 'view.fitPage', title: 'Fit page', group: 'View', keys: ['f', '0'] },
  { id: 'view.fitWidth', title: 'Fit width', group: 'View', keys: ['w', 'shift+f'] },
  // Shift+0 arrives as ")" on most layouts.
  { id: 'view.actualSize', title: 'Zoom to 100%', group: 'View', keys: ['mod+0', 'shift+)', 'shift+0'] },
  { id: 'view.zoomIn', title: 'Zoom in', group: 'View', keys: ['=', 'shift+='] },
  { id: 'view.zoomOut', title: 'Zoom out', group: 'View', keys: ['-'] },
  { id: 'view.toggleLabels', title: 'Show or hide label text on boxes and predictions', group: 'View', keys: ['t'] },
  { id: 'view.lowConfidence', title: 'Show only predictions under 0.8 confidence', group: 'View', keys: ['shift+c'] },
  // Handled by the sidebar on every page, not by the annotation view.
  { id: 'view.toggleSidebar', title: 'Collapse or expand the sidebar', group: 'View', keys: ['mod+b'] },
  { id: 'edit.undo', title: 'Undo', group: 'Edit', keys: ['mod+z'] },
  { id: 'edit.redo', title: 'Redo', group: 'Edit', keys: ['mod+shift+z', 'mod+y'] },
  { id: 'edit.selectAll', title: 'Select all boxes on the page', group: 'Edit', keys: ['mod+a'] },
  { id: 'edit.deselect', title: 'Clear selection / leave a mode (never leaves the document)', group: 'Edit', keys: ['escape'] },
  { id: 'edit.delete', title: 'Delete selected boxes', group: 'Edit', keys: ['delete', 'backspace'] },
  { id: 'edit.duplicate', title: 'Duplicate selected boxes', group: 'Edit', keys: ['mod+d'] },
  { id: 'edit.copy', title: 'Copy selected boxes', group: 'Edit', keys: ['mod+c'] },
  { id: 'edit.paste', title: 'Paste boxes onto this page', group: 'Edit', keys: ['mod+v'] },
  { id: 'box.nudgeLeft', title: 'Move left 1 px', group: 'Boxes', keys: ['arrowleft'] },
  { id: 'box.nudgeRight', title: 'Move right 1 px', group: 'Boxes', keys: ['arrowright'] },
  { id: 'box.nudgeUp', title: 'Move up 1 px', group: 'Boxes', keys: ['arrowup'] },
  { id: 'box.nudgeDown', title: 'Move down 1 px', group: 'Boxes', keys: ['arrowdown'] },
  { id: 'box.nudgeLeft10', title: 'Move left 10 px', group: 'Boxes', keys: ['shift+arrowleft'] },
  { id: 'box.nudgeRight10', title: 'Move right 10 px', group: 'Boxes', keys: ['shift+arrowright'] },
  { id: 'box.nudgeUp10', title: 'Move up 10 px', group: 'Boxes', keys: ['shift+arrowup'] },
  { id: 'box.nudgeDown10', title: 'Move down 10 px', group: 'Boxes', keys: ['shift+arrowdown'] },
  { id: 'box.narrower', title: 'Resize: 1 px narrower', group: 'Boxes', keys: ['alt+arrowleft'] },
  { id: 'box.wider', title: 'Resize: 1 px wider', group: 'Boxes', keys: ['alt+arrowright'] },
  { id: 'box.shorter', title: 'Resize: 1 px shorter', group: 'Boxes', keys: ['alt+arrowup'] },
  { id: 'box.taller', title: 'Resize: 1 px taller', group: 'Boxes', keys: ['alt+arrowdown'] },
  { id: 'box.narrower10', title: 'Resize: 10 px narrower', group: 'Boxes', keys: ['alt+shift+arrowleft'] },
  { id: 'box.wider10', title: 'Resize: 10 px wider', group: 'Boxes', keys: ['alt+shift+arrowright'] },
  { id: 'box.shorter10', title: 'Resize: 10 px shorter', group: 'Boxes', keys: ['alt+shift+arrowup'] },
  { id: 'box.taller10', title: 'Resize: 10 px taller', group: 'Boxes', keys: ['alt+shift+arrowdown'] },
  { id: 'box.transcribe', title: 'Edit the selected box’s transcription', group: 'Boxes', keys: ['enter'] },
  { id: 'box.toggleLock', title: 'Lock or unlock selected boxes', group: 'Boxes', keys: ['shift+l'] },
  { id: 'box.toggleHidden', title: 'Hide or show selected boxes', group: 'Boxes', keys: ['h'] },
  { id: 'label.picker', title: 'Choose a label (searchable)', group: 'Labels', keys: ['l'] },
  ...labelSlots,
  { id: 'qa.next', title: 'Next question', group: 'Questions', keys: [']'] },
  { id: 'qa.previous', title: 'Previous question', group: 'Questions', keys: ['['] },
  { id: 'qa.linkEvidence', title: 'Link selected boxes as evidence of the current question', group: 'Questions', keys: ['e'] },
  { id: 'qa.answer', title: 'Answer the current question', group: 'Questions', keys: ['q'] },
  { id: 'qa.answerFromEvidence', title: 'Answer with the text of the evidence boxes (a selected proposed answer: accept it so)', group: 'Questions', keys: ['c'] },
  { id: 'prediction.accept', title: 'Accept selected prediction', group: 'Predictions', keys: ['a'] },
  { id: 'prediction.reject', title: 'Reject selected prediction', group: 'Predictions', keys: ['x'] },
  { id: 'prediction.usePageText', title: 'Accept the selected prediction with the text the page shows (selected boxes: read them again)', group: 'Predictions', keys: ['o'] },
  { id: 'prediction.next', title: 'Select the next undecided prediction', group: 'Predictions', keys: ['n'] },
  { id: 'prediction.previous', title: 'Select the previous undecided prediction', group: 'Predictions', keys: ['shift+n'] },
  { id: 'prediction.acceptAbove', title: 'Accept all predictions above the threshold', group: 'Predictions', keys: ['shift+a'] },
  { id: 'prediction.rejectRest', title: 'Reject every undecided prediction', group: 'Predictions', keys: ['shift+x'] },
  { id: 'document.next', title: 'Next document', group: 'Documents', keys: ['j'] },
  { id: 'document.previous', title: 'Previous document', group: 'Documents', keys: ['k'] },
  { id: 'document.back', title: 'Back to the document list', group: 'Documents', keys: ['u'] },
  { id: 'document.edit', title: 'Edit a verified document', group: 'Documents', keys: ['shift+e'] },
  { id: 'document.verify', title: 'Verify document', group: 'Documents', keys: ['mod+enter'] },
  { id: 'help.toggle', title: 'Show keyboard shortcuts', group: 'Help', keys: ['shift+?', '?'] },
];

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
export function actionFor(keymap: Keymap, e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>, mac = isMac()): string | null {
  const combo = comboFromEvent(e, mac);
  // "?" arrives with shift on most layouts; accept it either way.
  const alt = e.shiftKey ? combo.replace('shift+', '') : null;
  for (const [id, combos] of Object.entries(keymap)) if (combos.includes(combo) || (alt !== null && combos.includes(alt) && alt.length === 1 && !/[a-z0-9]/.test(alt))) return id;
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
