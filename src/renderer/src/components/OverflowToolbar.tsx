import { Children, isValidElement, useCallback, useEffect, useId, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactElement, type ReactNode } from 'react';
import { IconMore } from './Icons';

/**
 * A toolbar that always fits its window: its groups declare a priority, and when the bar is too
 * narrow for all of them the lowest-priority groups move, in turn, into a "⋯" menu at its end.
 * Widths are measured (ResizeObserver), not guessed from breakpoints, so a group that grows (a
 * longer label name, a "Saving…" state) or a new group slots in without touching the others.
 *
 * Children that are not a ToolbarGroup (the document's title, say) always stay in the bar; one
 * that grows (flex-grow) counts with its CSS min-width, so give it one.
 */

export interface ToolbarGroupProps {
  id: string;
  /** Higher stays in the bar longer. */
  priority: number;
  /** Names the group for assistive technology and heads it in the menu. */
  label: string;
  children: ReactNode;
}

/** Controls that move into the overflow menu together. Rendered by OverflowToolbar. */
export function ToolbarGroup({ children }: ToolbarGroupProps) {
  return <>{children}</>;
}

const isGroup = (node: ReactNode): node is ReactElement<ToolbarGroupProps> => isValidElement(node) && node.type === ToolbarGroup;

const FOCUSABLE = 'button:not([disabled]), a[href], select:not([disabled]), input:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Which groups go into the menu for the bar as it is now: the lowest-ranked, in turn, until the
 * rest fit beside the "⋯" button. Measures the groups still in the bar into `widths` (one in the
 * menu keeps the width it last had in the bar).
 */
function groupsToHide(el: HTMLElement, moreBox: HTMLElement | null, moreButton: HTMLElement | null, ranking: readonly { id: string }[], widths: Map<string, number>): string[] {
  const style = getComputedStyle(el);
  const gap = parseFloat(style.columnGap) || 0;
  const room = el.clientWidth - (parseFloat(style.paddingLeft) || 0) - (parseFloat(style.paddingRight) || 0);
  let used = -gap;
  for (const child of Array.from(el.children) as HTMLElement[]) {
    if (child === moreBox) continue;
    const id = child.dataset.toolbarGroup;
    if (id !== undefined) {
      widths.set(id, child.getBoundingClientRect().width);
      continue;
    }
    const cs = getComputedStyle(child);
    if (cs.display === 'none' || cs.position === 'absolute' || cs.position === 'fixed') continue;
    used += gap + (parseFloat(cs.flexGrow) > 0 ? parseFloat(cs.minWidth) || 0 : child.getBoundingClientRect().width);
  }
  const ranked = ranking.map((g) => ({ id: g.id, width: widths.get(g.id) ?? 0 }));
  const all = ranked.reduce((sum, g) => sum + gap + g.width, used);
  if (all <= room) return [];
  // Keep the most important groups that fit beside the "⋯" button; the rest, in order, go.
  let total = used + gap + (moreButton?.getBoundingClientRect().width || 32);
  let i = 0;
  for (; i < ranked.length && total + gap + ranked[i]!.width <= room; i++) total += gap + ranked[i]!.width;
  return ranked.slice(i).map((g) => g.id);
}

/** Arrows, Home and End move between the menu's controls; Escape closes it. */
function onMenuKey(e: KeyboardEvent<HTMLDivElement>, close: (refocus: boolean) => void): void {
  // Keys in the menu are the menu's: arrows must not nudge boxes, Escape must not leave the document.
  e.stopPropagation();
  const target = e.target as HTMLElement;
  if (e.key === 'Escape') {
    e.preventDefault();
    close(true);
    return;
  }
  if (target.tagName === 'SELECT' || target.tagName === 'INPUT') return;
  const controls = Array.from(e.currentTarget.querySelectorAll<HTMLElement>(FOCUSABLE));
  const at = controls.indexOf(target);
  const step = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 }[e.key];
  let next: HTMLElement | undefined;
  if (step) next = controls[(at + step + controls.length) % controls.length];
  else if (e.key === 'Home') next = controls[0];
  else if (e.key === 'End') next = controls.at(-1);
  if (next) {
    e.preventDefault();
    next.focus();
  }
}

export function OverflowToolbar({ className, label, children }: { className: string; label: string; children: ReactNode }) {
  const bar = useRef<HTMLElement>(null);
  const moreBox = useRef<HTMLDivElement>(null);
  const moreButton = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const widths = useRef(new Map<string, number>());
  const [hidden, setHidden] = useState<readonly string[]>([]);
  const [openState, setOpen] = useState(false);
  const menuId = useId();
  const open = openState && hidden.length > 0;

  const items = Children.toArray(children);
  const groups = items.filter(isGroup);
  // The groups as measuring sees them; their list (ids and priorities) changing re-measures.
  const ranking = useRef<{ id: string; priority: number }[]>([]);
  const groupKey = groups.map((g) => `${g.props.id}:${g.props.priority}`).join(',');
  useLayoutEffect(() => {
    ranking.current = groups.map((g) => ({ id: g.props.id, priority: g.props.priority })).sort((a, b) => b.priority - a.priority);
  });

  const fit = useCallback(() => {
    if (!bar.current) return;
    const next = groupsToHide(bar.current, moreBox.current, moreButton.current, ranking.current, widths.current);
    setHidden((prev) => (prev.length === next.length && prev.every((id) => next.includes(id)) ? prev : next));
    if (!next.length) setOpen(false);
  }, []);

  // Measure after every render of the bar, and whenever it or one of its groups changes size.
  useLayoutEffect(fit);
  useEffect(() => {
    const el = bar.current;
    if (!el) return;
    const observer = new ResizeObserver(() => fit());
    observer.observe(el);
    for (const child of Array.from(el.querySelectorAll(':scope > [data-toolbar-group]'))) observer.observe(child);
    return () => observer.disconnect();
  }, [fit, hidden, groupKey]);

  const close = useCallback((refocus: boolean) => {
    setOpen(false);
    if (refocus) moreButton.current?.focus();
  }, []);

  // Open: focus the first control; a press outside closes.
  useEffect(() => {
    if (!open) return;
    menu.current?.querySelector<HTMLElement>(FOCUSABLE)?.focus();
    const onPointer = (e: PointerEvent) => {
      if (!moreBox.current?.contains(e.target as Node)) close(false);
    };
    document.addEventListener('pointerdown', onPointer, true);
    return () => document.removeEventListener('pointerdown', onPointer, true);
  }, [open, close]);

  const onButtonKey = (e: KeyboardEvent<HTMLButtonElement>) => {
    if (e.key === 'ArrowDown' && !open) {
      e.preventDefault();
      e.stopPropagation();
      setOpen(true);
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      e.stopPropagation();
      close(true);
    }
  };

  const overflowed = groups.filter((g) => hidden.includes(g.props.id));
  return (
    <header ref={bar} className={className} aria-label={label}>
      {items.map((item) =>
        isGroup(item) ? (
          hidden.includes(item.props.id) ? null : (
            <div key={item.props.id} className="toolbar-group" role="group" aria-label={item.props.label} data-toolbar-group={item.props.id}>
              {item.props.children}
            </div>
          )
        ) : (
          item
        ),
      )}
      {overflowed.length ? (
        <div
          ref={moreBox}
          className="toolbar-more"
          onBlur={(e) => {
            if (open && !e.currentTarget.contains(e.relatedTarget as Node | null)) close(false);
          }}
        >
          <button
            ref={moreButton}
            type="button"
            className={`icon-btn${open ? ' active' : ''}`}
            aria-haspopup="true"
            aria-expanded={open}
            aria-controls={open ? menuId : undefined}
            aria-label={`More: ${overflowed.map((g) => g.props.label).join(', ')}`}
            title={`More: ${overflowed.map((g) => g.props.label).join(', ')}`}
            onClick={() => setOpen(!open)}
            onKeyDown={onButtonKey}
            data-testid="toolbar-more"
          >
            <IconMore />
          </button>
          {open ? (
            <div
              id={menuId}
              ref={menu}
              className="toolbar-menu"
              role="group"
              aria-label={`More ${label.toLowerCase()} controls`}
              onKeyDown={(e) => onMenuKey(e, close)}
              // A button or link used from the menu closes it, like any menu item (a page picked in a list does not).
              onClick={(e) => {
                if ((e.target as HTMLElement).closest('button, a')) close(true);
              }}
              data-testid="toolbar-menu"
            >
              {overflowed.map((g) => (
                <div key={g.props.id} className="toolbar-menu-group" role="group" aria-label={g.props.label} data-toolbar-group={g.props.id}>
                  <span className="toolbar-menu-heading" aria-hidden="true">
                    {g.props.label}
                  </span>
                  <div className="toolbar-menu-controls">{g.props.children}</div>
                </div>
              ))}
            </div>
          ) : null}
        </div>
      ) : null}
    </header>
  );
}
