import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/main/core/synth/random';
import { assignmentTotal, boxPrf, detectionScore, iou, matchBoxes, solveAssignment, type Rect } from '../../src/main/core/review/metrics';

const r = (x: number, y: number, w: number, h: number): Rect => ({ x, y, w, h });

/** Every assignment of rows to distinct columns (rows ≤ columns), by brute force. */
function bruteForceBest(m: number[][], maximize: boolean): number {
  const rows = m.length;
  const cols = m[0]?.length ?? 0;
  if (rows > cols) return bruteForceBest(m[0]!.map((_, j) => m.map((row) => row[j]!)), maximize);
  let best = maximize ? -Infinity : Infinity;
  const used = new Array<boolean>(cols).fill(false);
  const walk = (i: number, total: number) => {
    if (i === rows) {
      best = maximize ? Math.max(best, total) : Math.min(best, total);
      return;
    }
    for (let j = 0; j < cols; j++) {
      if (used[j]) continue;
      used[j] = true;
      walk(i + 1, total + m[i]![j]!);
      used[j] = false;
    }
  };
  walk(0, 0);
  return best;
}

describe('IoU', () => {
  it('is intersection over union', () => {
    expect(iou(r(0, 0, 10, 10), r(0, 0, 10, 10))).toBe(1);
    expect(iou(r(0, 0, 10, 10), r(5, 0, 10, 10))).toBeCloseTo(50 / 150, 12);
    expect(iou(r(0, 0, 10, 10), r(5, 5, 10, 10))).toBeCloseTo(25 / 175, 12);
    expect(iou(r(0, 0, 10, 10), r(2, 2, 5, 5))).toBeCloseTo(25 / 100, 12);
    expect(iou(r(0, 0, 10, 10), r(10, 0, 10, 10))).toBe(0); // touching edges
    expect(iou(r(0, 0, 10, 10), r(20, 20, 5, 5))).toBe(0);
    expect(iou(r(1, 1, 0, 0), r(1, 1, 0, 0))).toBe(1);
    expect(iou(r(1, 1, 0, 0), r(2, 1, 0, 0))).toBe(0);
  });
});

describe('solveAssignment (Hungarian method)', () => {
  it('solves the classic 3×3 example', () => {
    // The worked example of https://en.wikipedia.org/wiki/Hungarian_algorithm (workers × jobs):
    // Alice/Bob/Carol, costs [[8,4,7],[5,2,3],[9,4,8]] → the minimum is 15.
    const m = [
      [8, 4, 7],
      [5, 2, 3],
      [9, 4, 8],
    ];
    const a = solveAssignment(m);
    expect(assignmentTotal(m, a)).toBe(15);
    expect(new Set(a).size).toBe(3);
  });

  it('handles rectangular matrices both ways', () => {
    const wide = [
      [4, 1, 3, 9],
      [2, 0, 5, 9],
    ];
    const w = solveAssignment(wide);
    expect(assignmentTotal(wide, w)).toBe(3); // (0,1)+(1,0) = 1+2
    expect(w).toEqual([1, 0]);
    const tall = wide[0]!.map((_, j) => wide.map((row) => row[j]!));
    const t = solveAssignment(tall);
    expect(t.filter((c) => c >= 0)).toHaveLength(2);
    expect(t.filter((c) => c < 0)).toHaveLength(2);
    expect(assignmentTotal(tall, t)).toBe(3);
    expect(solveAssignment([])).toEqual([]);
    expect(solveAssignment([[], []])).toEqual([-1, -1]);
  });

  it('maximises when asked, and breaks ties deterministically', () => {
    const ties = [
      [1, 1],
      [1, 1],
    ];
    expect(solveAssignment(ties, { maximize: true })).toEqual(solveAssignment(ties, { maximize: true }));
    expect(assignmentTotal(ties, solveAssignment(ties, { maximize: true }))).toBe(2);
    const m = [
      [0.9, 0.8],
      [0.8, 0],
    ];
    // Greedy takes 0.9 and is left with 0; the optimum is 1.6.
    expect(assignmentTotal(m, solveAssignment(m, { maximize: true }))).toBeCloseTo(1.6, 12);
  });

  it('agrees with brute force on random matrices (seed printed on failure)', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const rng = new Rng(seed);
      const rows = rng.int(1, 6);
      const cols = rng.int(1, 6);
      const m = Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.int(0, 9) / (rng.chance(0.5) ? 1 : 4)));
      for (const maximize of [false, true]) {
        const a = solveAssignment(m, { maximize });
        expect(new Set(a.filter((c) => c >= 0)).size, `seed ${seed}`).toBe(Math.min(rows, cols));
        expect(assignmentTotal(m, a), `seed ${seed} maximize ${maximize}`).toBeCloseTo(bruteForceBest(m, maximize), 9);
      }
    }
  });
});

describe('matchBoxes', () => {
  it('matches one to one at IoU ≥ threshold, leaving the rest unmatched', () => {
    const a = [r(0, 0, 10, 10), r(100, 0, 10, 10), r(200, 0, 10, 10)];
    const b = [r(101, 0, 10, 10), r(0, 0, 10, 10), r(206, 0, 10, 10), r(500, 500, 5, 5)];
    const m = matchBoxes(a, b);
    expect(m.matches.map((x) => [x.a, x.b])).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect(m.matches[1]!.iou).toBeCloseTo(90 / 110, 12);
    // (200..210) vs (206..216): IoU 40/160 = 0.25 < 0.5.
    expect(m.unmatchedA).toEqual([2]);
    expect(m.unmatchedB).toEqual([2, 3]);
    expect(matchBoxes(a, b, { threshold: 0.2 }).matches).toHaveLength(3);
    expect(() => matchBoxes(a, b, { threshold: 0 })).toThrow(/threshold/);
  });

  it('finds the optimal assignment where greedy matching does not', () => {
    // a0 overlaps b0 a lot and b1 somewhat; a1 overlaps only b0. Greedy pairs a0–b0 and leaves a1
    // alone (0.82); the optimum pairs a0–b1 and a1–b0 (0.69 + 0.82).
    const a = [r(0, 0, 100, 100), r(-20, 0, 100, 100)];
    const b = [r(-10, 0, 100, 100), r(18, 0, 100, 100)];
    const m = matchBoxes(a, b);
    expect(m.matches.map((x) => [x.a, x.b])).toEqual([
      [0, 1],
      [1, 0],
    ]);
    expect(m.matches.reduce((s, x) => s + x.iou, 0)).toBeGreaterThan(iou(a[0]!, b[0]!));
  });

  it('handles rectangular sets and exact ties, and prefers the tie-break pair', () => {
    const same = r(10, 10, 50, 20);
    const m = matchBoxes([same, same], [same, same, same]);
    expect(m.matches).toHaveLength(2);
    expect(new Set(m.matches.map((x) => x.b)).size).toBe(2);
    expect(m.unmatchedB).toHaveLength(1);
    expect(matchBoxes([same, same], [same, same, same])).toEqual(m); // deterministic
    // Two identical candidates: the preferred one (same label) wins the tie.
    const labelsA = ['total'];
    const labelsB = ['date', 'total'];
    const pick = matchBoxes([same], [same, same], { prefer: (i, j) => labelsA[i] === labelsB[j] });
    expect(pick.matches.map((x) => x.b)).toEqual([1]);
    // …but never over a real IoU difference.
    const better = matchBoxes([same], [r(11, 10, 50, 20), same], { prefer: (_i, j) => j === 0 });
    expect(better.matches.map((x) => x.b)).toEqual([1]);
    expect(matchBoxes([], [same]).unmatchedB).toEqual([0]);
    expect(matchBoxes([same], []).unmatchedA).toEqual([0]);
  });

  it('reaches the same optimum as one full assignment on random dense pages (seed printed on failure)', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const rng = new Rng(1000 + seed);
      const a = Array.from({ length: rng.int(5, 40) }, () => r(rng.int(0, 300), rng.int(0, 300), rng.int(5, 60), rng.int(5, 60)));
      const b = a.filter(() => rng.chance(0.8)).map((x) => r(x.x + rng.int(-8, 8), x.y + rng.int(-8, 8), x.w + rng.int(-5, 5), x.h + rng.int(-5, 5)));
      for (let i = rng.int(0, 5); i > 0; i--) b.push(r(rng.int(0, 300), rng.int(0, 300), rng.int(5, 60), rng.int(5, 60)));
      const m = matchBoxes(a, b, { threshold: 0.3 });
      // The reference: one big assignment with sub-threshold pairs worth 0.
      const full = a.map((x) => b.map((y) => (iou(x, y) >= 0.3 ? iou(x, y) : 0)));
      const optimum = assignmentTotal(full, solveAssignment(full, { maximize: true }));
      expect(m.matches.reduce((s, x) => s + x.iou, 0), `seed ${1000 + seed}`).toBeCloseTo(optimum, 9);
      expect(m.matches.every((x) => x.iou >= 0.3)).toBe(true);
      expect(new Set(m.matches.map((x) => x.b)).size).toBe(m.matches.length);
      expect(m.matches.length + m.unmatchedA.length).toBe(a.length);
      expect(m.matches.length + m.unmatchedB.length).toBe(b.length);
    }
  });

  it('matches a dense page of 10,000 boxes quickly', () => {
    const a: Rect[] = [];
    for (let row = 0; row < 200; row++) for (let col = 0; col < 50; col++) a.push(r(col * 60, row * 30, 55, 25));
    const b = a.map((x, i) => (i % 7 === 0 ? r(x.x + 3, x.y + 2, x.w, x.h) : x)).reverse();
    const started = performance.now();
    const m = matchBoxes(a, b);
    expect(m.matches).toHaveLength(10_000);
    expect(m.matches.every((x) => x.b === 9_999 - x.a)).toBe(true);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('box precision, recall and F1', () => {
  it('counts matches at IoU 0.5 against the reference', () => {
    const reference = [r(0, 0, 10, 10), r(100, 0, 10, 10), r(200, 0, 10, 10), r(300, 0, 10, 10)];
    const candidate = [r(0, 0, 10, 10), r(102, 0, 10, 10), r(500, 0, 10, 10)];
    const s = boxPrf(reference, candidate);
    expect(s.truePositives).toBe(2);
    expect(s.precision).toBeCloseTo(2 / 3, 12);
    expect(s.recall).toBeCloseTo(2 / 4, 12);
    expect(s.f1).toBeCloseTo(4 / 7, 12);
    expect(s.meanIou).toBeCloseTo((1 + 80 / 120) / 2, 12);
    expect(detectionScore(0, 0, 0)).toMatchObject({ precision: null, recall: null, f1: null });
  });
});
