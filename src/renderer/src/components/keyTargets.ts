/** Input types that take typed text; a checkbox, radio or button never swallows shortcuts. */
const TEXT_INPUTS = new Set(['text', 'search', 'email', 'url', 'tel', 'password', 'number', 'date', 'datetime-local', 'month', 'time', 'week']);

/**
 * Whether a key belongs to the focused element rather than to the view's shortcuts: text fields,
 * a select (its arrows and letters pick options) and anything in a dialog. Only these take keys;
 * other controls leave single-key shortcuts to the view (see isActivation for Enter and Space).
 */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT') return true;
  if (target instanceof HTMLInputElement) return TEXT_INPUTS.has(target.type);
  return target.closest('[role="dialog"], [role="alertdialog"]') !== null;
}

/** Enter or Space on a focused button, link or checkbox: that control's own action, not a shortcut. */
export function isActivation(e: Pick<KeyboardEvent, 'key' | 'target'>): boolean {
  if (e.key !== 'Enter' && e.key !== ' ') return false;
  const t = e.target;
  return t instanceof HTMLElement && t.closest('button, a[href], input, summary, [role="button"], [role="tab"], [role="radio"], [role="option"]') !== null;
}
