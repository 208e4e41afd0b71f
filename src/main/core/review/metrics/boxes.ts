import { solveAssignment } from './assignment';

/**
 * Box geometry agreement: IoU, an optimal one-to-one matching of two box sets on IoU with a
 * threshold, and detection precision/recall/F1. Boxes are axis-aligned, in page pixels.
 */

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Intersection over union. Two boxes without area are identical (1) or not (0). */
export function iou(a: Rect, b: Rect): number {
  const iw = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const ih = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  const inter = iw > 0 && ih > 0 ? iw * ih : 0;
  const union = a.w * a.h + b.w * b.h - inter;
  if (union <= 0) return a.x === b.x && a.y === b.y && a.w === b.w && a.h === b.h ? 1 : 0;
  return inter / union;
}

export interface BoxMatch {
  /** Indexes into the two input lists. */
  a: number;
  b: number;
  iou: number;
}

export interface BoxMatching {
  matches: BoxMatch[];
  unmatchedA: number[];
  unmatchedB: number[];
}

export interface MatchOptions {
  /** A pair can match only at IoU ≥ threshold (default 0.5). Must be > 0. */
  threshold?: number;
  /**
   * Among assignments with the same total IoU, prefer pairs this returns true for (e.g. the same
   * label). Worth far less than any real IoU difference.
   */
  prefer?: (a: number, b: number) => boolean;
}

const PREFER_BONUS = 1e-7;

/**
 * The one-to-one matching of `a` to `b` that maximises the total IoU over pairs at or above the
 * threshold (pairs below it cannot match). Only boxes that overlap can pair, so the candidate
 * graph splits into small connected components that are solved separately with the Hungarian
 * method — the same optimum as one big assignment, at a cost that stays near-linear on dense
 * pages of thousands of boxes.
 */
export function matchBoxes(a: readonly Rect[], b: readonly Rect[], opts: MatchOptions = {}): BoxMatching {
  const threshold = opts.threshold ?? 0.5;
  if (!(threshold > 0 && threshold <= 1)) throw new Error(`matchBoxes: threshold must be in (0, 1], got ${threshold}`);
  const edges = candidatePairs(a, b, threshold);

  // Union-find over a's indexes and b's (offset by a.length).
  const parent = Array.from({ length: a.length + b.length }, (_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]!]!;
      i = parent[i]!;
    }
    return i;
  };
  for (const e of edges) {
    const ra = find(e.a);
    const rb = find(a.length + e.b);
    if (ra !== rb) parent[ra] = rb;
  }
  const components = new Map<number, { as: number[]; bs: number[]; edges: BoxMatch[] }>();
  for (const e of edges) {
    const root = find(e.a);
    let c = components.get(root);
    if (!c) components.set(root, (c = { as: [], bs: [], edges: [] }));
    c.edges.push(e);
  }
  for (const c of components.values()) {
    c.as = [...new Set(c.edges.map((e) => e.a))].sort((x, y) => x - y);
    c.bs = [...new Set(c.edges.map((e) => e.b))].sort((x, y) => x - y);
  }

  const matches: BoxMatch[] = [];
  for (const c of components.values()) {
    if (c.edges.length === 1) {
      matches.push(c.edges[0]!);
      continue;
    }
    const rowOf = new Map(c.as.map((ai, r) => [ai, r]));
    const colOf = new Map(c.bs.map((bi, k) => [bi, k]));
    const score = c.as.map(() => new Array<number>(c.bs.length).fill(0));
    const edgeAt = new Map<string, BoxMatch>();
    for (const e of c.edges) {
      const bonus = opts.prefer?.(e.a, e.b) ? PREFER_BONUS : 0;
      score[rowOf.get(e.a)!]![colOf.get(e.b)!] = e.iou + bonus;
      edgeAt.set(`${e.a}:${e.b}`, e);
    }
    solveAssignment(score, { maximize: true }).forEach((k, r) => {
      if (k < 0) return;
      // A zero cell is a non-pair the method had to fill the assignment with.
      const e = edgeAt.get(`${c.as[r]}:${c.bs[k]}`);
      if (e) matches.push(e);
    });
  }
  matches.sort((x, y) => x.a - y.a);
  const matchedA = new Set(matches.map((m) => m.a));
  const matchedB = new Set(matches.map((m) => m.b));
  return {
    matches,
    unmatchedA: a.map((_, i) => i).filter((i) => !matchedA.has(i)),
    unmatchedB: b.map((_, i) => i).filter((i) => !matchedB.has(i)),
  };
}

/**
 * Every pair with IoU ≥ threshold, found through a uniform grid over b's boxes so a page with
 * thousands of boxes is not compared all against all.
 */
function candidatePairs(a: readonly Rect[], b: readonly Rect[], threshold: number): BoxMatch[] {
  const out: BoxMatch[] = [];
  if (a.length === 0 || b.length === 0) return out;
  const sizes = b.map((r) => Math.max(r.w, r.h)).filter((s) => s > 0).sort((x, y) => x - y);
  const cell = Math.max(1, sizes.length ? sizes[Math.floor(sizes.length / 2)]! : 1);
  const grid = new Map<string, number[]>();
  const large: number[] = [];
  const span = (r: Rect) => ({ x0: Math.floor(r.x / cell), x1: Math.floor((r.x + r.w) / cell), y0: Math.floor(r.y / cell), y1: Math.floor((r.y + r.h) / cell) });
  b.forEach((r, i) => {
    const s = span(r);
    if ((s.x1 - s.x0 + 1) * (s.y1 - s.y0 + 1) > 256) {
      large.push(i); // a huge box would fill the grid: it is checked against every box instead
      return;
    }
    for (let gx = s.x0; gx <= s.x1; gx++) {
      for (let gy = s.y0; gy <= s.y1; gy++) {
        const key = `${gx},${gy}`;
        const list = grid.get(key);
        if (list) list.push(i);
        else grid.set(key, [i]);
      }
    }
  });
  a.forEach((r, ai) => {
    const seen = new Set<number>(large);
    const consider = (bi: number) => {
      const v = iou(r, b[bi]!);
      if (v >= threshold && v > 0) out.push({ a: ai, b: bi, iou: v });
    };
    for (const bi of large) consider(bi);
    const s = span(r);
    const cells = (s.x1 - s.x0 + 1) * (s.y1 - s.y0 + 1);
    if (cells > 4 * grid.size) {
      for (let bi = 0; bi < b.length; bi++) if (!seen.has(bi)) consider(bi);
      return;
    }
    for (let gx = s.x0; gx <= s.x1; gx++) {
      for (let gy = s.y0; gy <= s.y1; gy++) {
        for (const bi of grid.get(`${gx},${gy}`) ?? []) {
          if (seen.has(bi)) continue;
          seen.add(bi);
          consider(bi);
        }
      }
    }
  });
  return out;
}

export interface DetectionScore {
  truePositives: number;
  /** Boxes in the reference and in the candidate. */
  reference: number;
  candidate: number;
  /** null where the denominator is 0 (nothing to measure). */
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

/** Precision = TP / candidate boxes, recall = TP / reference boxes, F1 = 2·TP / (reference + candidate). */
export function detectionScore(truePositives: number, reference: number, candidate: number): DetectionScore {
  return {
    truePositives,
    reference,
    candidate,
    precision: candidate ? truePositives / candidate : null,
    recall: reference ? truePositives / reference : null,
    f1: reference + candidate ? (2 * truePositives) / (reference + candidate) : null,
  };
}

/** Box precision/recall/F1 of `candidate` against `reference` at an IoU threshold (default 0.5). */
export function boxPrf(reference: readonly Rect[], candidate: readonly Rect[], threshold = 0.5): DetectionScore & { meanIou: number | null } {
  const m = matchBoxes(reference, candidate, { threshold });
  const meanIou = m.matches.length ? m.matches.reduce((s, x) => s + x.iou, 0) / m.matches.length : null;
  return { ...detectionScore(m.matches.length, reference.length, candidate.length), meanIou };
}
