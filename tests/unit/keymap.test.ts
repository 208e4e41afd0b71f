import { describe, expect, it } from 'vitest';
import { actionFor, actions, displayCombo, findConflicts, normalizeCombo, resolveKeymap } from '../../src/renderer/src/annotate/keymap';

const key = (k: string, mods: Partial<Record<'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey', boolean>> = {}) => ({ key: k, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });

describe('keymap', () => {
  it('has no conflicts by default and every action has a key', () => {
    const map = resolveKeymap();
    expect(findConflicts(map)).toEqual([]);
    for (const a of actions) expect(map[a.id]!.length).toBeGreaterThan(0);
  });

  it('normalises spellings so the same combo always compares equal', () => {
    expect(normalizeCombo('Shift+Ctrl+Z')).toBe('mod+shift+z');
    expect(normalizeCombo('cmd+shift+z')).toBe('mod+shift+z');
    expect(normalizeCombo('Alt+Left')).toBe('alt+arrowleft');
  });

  it('maps events to actions on Windows/Linux and macOS', () => {
    const map = resolveKeymap();
    expect(actionFor(map, key('z', { ctrlKey: true }), false)).toBe('edit.undo');
    expect(actionFor(map, key('Z', { ctrlKey: true, shiftKey: true }), false)).toBe('edit.redo');
    expect(actionFor(map, key('z', { metaKey: true }), true)).toBe('edit.undo');
    expect(actionFor(map, key('ArrowLeft', { shiftKey: true }), false)).toBe('box.nudgeLeft10');
    expect(actionFor(map, key('ArrowRight', { altKey: true }), false)).toBe('box.wider');
    expect(actionFor(map, key('3'), false)).toBe('label.slot3');
    expect(actionFor(map, key('?', { shiftKey: true }), false)).toBe('help.toggle');
    expect(actionFor(map, key('Enter', { ctrlKey: true }), false)).toBe('document.verify');
    expect(actionFor(map, key('g'), false)).toBeNull();
  });

  it('lets the user rebind an action and detects the clash it creates', () => {
    const map = resolveKeymap({ 'tool.draw': ['v'] });
    expect(findConflicts(map)).toEqual([{ combo: 'v', actionIds: ['tool.select', 'tool.draw'] }]);
    const fixed = resolveKeymap({ 'tool.draw': ['b'] });
    expect(findConflicts(fixed)).toEqual([]);
    expect(actionFor(fixed, key('b'), false)).toBe('tool.draw');
    expect(actionFor(fixed, key('r'), false)).toBeNull();
  });

  it('shows combos the way each keyboard labels them', () => {
    expect(displayCombo('mod+shift+z', false)).toBe('Ctrl+Shift+Z');
    expect(displayCombo('mod+shift+z', true)).toBe('⌘⇧Z');
    expect(displayCombo('alt+arrowleft', false)).toBe('Alt+←');
  });
});
