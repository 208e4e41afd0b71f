import { useCallback, useEffect, useImperativeHandle, useRef, useState, type CSSProperties, type ReactNode, type Ref } from 'react';

export interface VirtualListHandle {
  /** Scroll so row `index` is in view ('nearest' does nothing when it already is). */
  scrollToIndex(index: number, align?: 'nearest' | 'center' | 'start'): void;
  isFullyVisible(index: number): boolean;
}

interface VirtualListProps<T> {
  items: readonly T[];
  rowHeight: number;
  getKey(item: T, index: number): string;
  renderRow(item: T, index: number): ReactNode;
  /** Rows rendered above and below the visible ones, so fast scrolling does not show blanks. */
  overscan?: number;
  className?: string;
  handle?: Ref<VirtualListHandle>;
  testId?: string;
  ariaLabel?: string;
  empty?: ReactNode;
  style?: CSSProperties;
}

/**
 * A list of fixed-height rows that renders only the rows in view (plus a few), so 10,000 items
 * scroll like 30. Rows are absolutely positioned inside a spacer as tall as the whole list; each
 * row keeps its key, so memoised row components re-render only when their own props change.
 */
export function VirtualList<T>({ items, rowHeight, getKey, renderRow, overscan = 6, className, handle, testId, ariaLabel, empty, style }: VirtualListProps<T>) {
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(0);

  useEffect(() => {
    const el = viewport.current;
    if (!el) return;
    const measure = () => setHeight(el.clientHeight);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  // A shorter list (a filter) may leave the viewport scrolled past its end: the browser clamps
  // scrollTop, and the next scroll event brings our copy in line.
  const onScroll = useCallback(() => {
    const el = viewport.current;
    if (el) setScrollTop(el.scrollTop);
  }, []);

  useImperativeHandle(
    handle,
    () => ({
      scrollToIndex(index, align = 'nearest') {
        const el = viewport.current;
        if (!el || index < 0) return;
        const top = index * rowHeight;
        const bottom = top + rowHeight;
        let target = el.scrollTop;
        if (align === 'start') target = top;
        else if (align === 'center') target = top - (el.clientHeight - rowHeight) / 2;
        else if (top < el.scrollTop) target = top;
        else if (bottom > el.scrollTop + el.clientHeight) target = bottom - el.clientHeight;
        target = Math.max(0, Math.min(target, items.length * rowHeight - el.clientHeight));
        if (target !== el.scrollTop) {
          el.scrollTop = target;
          setScrollTop(el.scrollTop);
        }
      },
      isFullyVisible(index) {
        const el = viewport.current;
        if (!el) return false;
        const top = index * rowHeight;
        return top >= el.scrollTop && top + rowHeight <= el.scrollTop + el.clientHeight;
      },
    }),
    [items.length, rowHeight],
  );

  const total = items.length * rowHeight;
  const clampedTop = Math.max(0, Math.min(scrollTop, Math.max(0, total - height)));
  const first = Math.max(0, Math.floor(clampedTop / rowHeight) - overscan);
  const last = Math.min(items.length, Math.ceil((clampedTop + height) / rowHeight) + overscan);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    const item = items[i] as T;
    rows.push(
      <div key={getKey(item, i)} className="vlist-row" style={{ top: i * rowHeight, height: rowHeight }} role="listitem">
        {renderRow(item, i)}
      </div>,
    );
  }

  return (
    <div ref={viewport} className={`vlist${className ? ` ${className}` : ''}`} style={style} onScroll={onScroll} data-testid={testId} role="list" aria-label={ariaLabel}>
      {items.length === 0 && empty ? empty : null}
      <div className="vlist-spacer" style={{ height: total }}>
        {rows}
      </div>
    </div>
  );
}
