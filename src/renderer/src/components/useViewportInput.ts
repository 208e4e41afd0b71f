import { useEffect, useRef, useState, type PointerEvent as ReactPointerEvent, type RefObject } from 'react';
import type { Page } from '../../../shared/domain/model';
import { toImage, wheelFactor } from '../lib/viewport';
import { useViewer } from '../stores/viewer';
import { isActivation, isTypingTarget } from './keyTargets';

/** Size the view to the panel; returns the device pixel ratio, re-read with every resize. */
export function useStageSize(container: RefObject<HTMLDivElement | null>): number {
  const [dpr, setDpr] = useState(() => window.devicePixelRatio || 1);
  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const observer = new ResizeObserver(() => {
      useViewer.getState().setView({ width: Math.floor(el.clientWidth), height: Math.floor(el.clientHeight) });
      setDpr(window.devicePixelRatio || 1);
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [container]);
  return dpr;
}

/** Wheel: zoom around the pointer (pinch arrives as ctrl+wheel); horizontal or shift+wheel scrolls. */
export function useWheelZoom(container: RefObject<HTMLDivElement | null>): void {
  useEffect(() => {
    const el = container.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const rect = el.getBoundingClientRect();
      const anchor = { x: e.clientX - rect.left, y: e.clientY - rect.top };
      const viewer = useViewer.getState();
      const lineScale = e.deltaMode === 1 ? 16 : 1;
      if (!e.ctrlKey && !e.metaKey && (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY))) {
        const dx = e.shiftKey && e.deltaX === 0 ? e.deltaY : e.deltaX;
        const dy = e.shiftKey && e.deltaX === 0 ? 0 : e.deltaY;
        viewer.panBy(-dx * lineScale, -dy * lineScale);
        return;
      }
      viewer.zoomBy(wheelFactor(e.deltaY, e.deltaMode, e.ctrlKey || e.metaKey), anchor);
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [container]);
}

/** Space held: drag pans even when a tool owns the primary button. Returns whether it is held. */
export function useSpaceToPan(): boolean {
  const spaceDown = useViewer((s) => s.spaceHeld);
  useEffect(() => {
    const setSpaceDown = (held: boolean) => useViewer.setState({ spaceHeld: held });
    const down = (e: KeyboardEvent) => {
      if (e.code === 'Space' && !isTypingTarget(e.target) && !isActivation(e)) {
        e.preventDefault();
        setSpaceDown(true);
      }
    };
    const up = (e: KeyboardEvent) => {
      if (e.code === 'Space') setSpaceDown(false);
    };
    const blur = () => setSpaceDown(false);
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    window.addEventListener('blur', blur);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
      window.removeEventListener('blur', blur);
    };
  }, []);
  return spaceDown;
}

/**
 * Drag to pan (middle button, or primary with Space held or when no tool owns it), and the
 * pointer's position in image pixels shown in the returned `readout` element.
 */
export function usePointerPan(container: RefObject<HTMLDivElement | null>, page: Page, panWithPrimaryButton: boolean, spaceDown: boolean) {
  const readout = useRef<HTMLSpanElement>(null);
  const [panning, setPanning] = useState(false);
  const last = useRef<{ x: number; y: number; id: number } | null>(null);

  const onPointerDown = (e: ReactPointerEvent<HTMLDivElement>) => {
    // The page takes the keyboard when it is clicked (a panel control loses it), unless a layer
    // kept the focus on purpose (by preventing the default).
    if (!e.defaultPrevented) container.current?.focus({ preventScroll: true });
    const pan = e.button === 1 || (e.button === 0 && (spaceDown || panWithPrimaryButton));
    if (!pan) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture(e.pointerId);
    last.current = { x: e.clientX, y: e.clientY, id: e.pointerId };
    setPanning(true);
  };

  const onPointerMove = (e: ReactPointerEvent<HTMLDivElement>) => {
    const start = last.current;
    if (start && start.id === e.pointerId) {
      useViewer.getState().panBy(e.clientX - start.x, e.clientY - start.y);
      last.current = { x: e.clientX, y: e.clientY, id: e.pointerId };
    }
    const shown = readout.current;
    const el = container.current;
    if (shown && el) {
      const rect = el.getBoundingClientRect();
      const p = toImage(useViewer.getState(), { x: e.clientX - rect.left, y: e.clientY - rect.top });
      const inside = p.x >= 0 && p.y >= 0 && p.x <= page.width && p.y <= page.height;
      shown.textContent = inside ? `${Math.floor(p.x)}, ${Math.floor(p.y)} px` : '';
    }
  };

  const endPan = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (last.current?.id === e.pointerId) {
      last.current = null;
      setPanning(false);
    }
  };

  const onPointerLeave = () => {
    if (readout.current) readout.current.textContent = '';
  };

  return { panning, readout, handlers: { onPointerDown, onPointerMove, onPointerUp: endPan, onPointerCancel: endPan, onPointerLeave } };
}
