/**
 * The assignment problem (Kuhn–Munkres / Hungarian method) in its O(n²·m) shortest-augmenting-path
 * form with row and column potentials (Jonker–Volgenant style). Rectangular matrices are fine:
 * every row of the smaller side is assigned. Ties go to the lowest column index, so the result
 * is deterministic for a given input order.
 */

/**
 * Assign each row to a distinct column minimising the total cost (or maximising it with
 * `maximize`). Returns `rowToColumn[r]` = the column of row r, or −1 when there are more rows
 * than columns and row r was left out.
 */
export function solveAssignment(matrix: readonly (readonly number[])[], opts: { maximize?: boolean } = {}): number[] {
  const rows = matrix.length;
  const cols = rows === 0 ? 0 : matrix[0]!.length;
  for (const [r, row] of matrix.entries()) {
    if (row.length !== cols) throw new Error(`solveAssignment: row ${r} has ${row.length} columns, expected ${cols}`);
    for (const v of row) if (!Number.isFinite(v)) throw new Error('solveAssignment: costs must be finite numbers');
  }
  if (rows === 0 || cols === 0) return new Array<number>(rows).fill(-1);
  const sign = opts.maximize ? -1 : 1;
  // The method needs rows ≤ columns; solve the transpose otherwise.
  if (rows > cols) {
    const colToRow = solveMin(cols, rows, (i, j) => sign * matrix[j]![i]!);
    const out = new Array<number>(rows).fill(-1);
    colToRow.forEach((r, c) => {
      out[r] = c;
    });
    return out;
  }
  return solveMin(rows, cols, (i, j) => sign * matrix[i]![j]!);
}

/** n ≤ m. Returns, for each of the n rows, its column. */
function solveMin(n: number, m: number, cost: (row: number, col: number) => number): number[] {
  // 1-based, with index 0 as the virtual source column.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1); // p[j]: the row assigned to column j (0 = none)
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost(i0 - 1, j - 1) - u[i0]! - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]!]! += delta;
          v[j]! -= delta;
        } else {
          minv[j]! -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const rowToCol = new Array<number>(n).fill(-1);
  for (let j = 1; j <= m; j++) if (p[j]! > 0) rowToCol[p[j]! - 1] = j - 1;
  return rowToCol;
}

/** The total of `matrix` over an assignment (−1 entries skipped). */
export function assignmentTotal(matrix: readonly (readonly number[])[], rowToColumn: readonly number[]): number {
  return rowToColumn.reduce((s, c, r) => (c < 0 ? s : s + matrix[r]![c]!), 0);
}
