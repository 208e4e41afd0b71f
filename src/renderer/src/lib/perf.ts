/**
 * Timings for `npm run bench:canvas`: when the benchmark sets `window.__folioPerf = {}`, named
 * durations are collected there; otherwise this costs one property read.
 */
export function recordPerf(name: string, ms: number): void {
  const sink = (window as unknown as { __folioPerf?: Record<string, number[]> }).__folioPerf;
  if (sink) (sink[name] ??= []).push(ms);
}

/**
 * The label text the canvas drew in its last frame, in image pixels, for end-to-end tests: when a
 * test sets `window.__folioDrawnText = {}`, each frame replaces its `texts` (and counts `frames`).
 */
export function publishDrawnText(texts: readonly { id: string; kind: string; text: string; x: number; y: number; w: number; h: number }[]): void {
  const sink = (window as unknown as { __folioDrawnText?: { texts?: unknown; frames?: number } }).__folioDrawnText;
  if (sink) {
    sink.texts = texts;
    sink.frames = (sink.frames ?? 0) + 1;
  }
}
