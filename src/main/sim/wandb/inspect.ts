import { createHash } from 'node:crypto';
import { b64ToHex, type ManifestEntry, type SimState } from './state';

/**
 * What a dataset version really holds, read the way a W&B reader would (manifest → partitioned
 * table → parts → rows → image cells), with every digest checked along the way. Problems are
 * collected rather than thrown so a test can show all of them.
 */

export interface DatasetPartition {
  path: string;
  columns: string[];
  rows: unknown[][];
}

export interface DatasetView {
  artifactId: string;
  versionIndex: number;
  digest: string;
  aliases: string[];
  entries: Map<string, ManifestEntry>;
  partitions: DatasetPartition[];
  /** Every row of every partition as an object keyed by column name. */
  rows: Record<string, unknown>[];
  problems: string[];
}

export function readDataset(
  state: SimState,
  q: { entity: string; project: string; collection: string; ref?: string; checkImages?: boolean },
): DatasetView | null {
  const a = state.resolveName(q.entity, q.project, `${q.collection}:${q.ref ?? 'latest'}`);
  if (!a || !a.contents || a.versionIndex === null) return null;
  const problems: string[] = [];
  const read = (path: string): Buffer | null => {
    const e = a.contents!.get(path);
    if (!e) {
      problems.push(`${path} is not in the manifest`);
      return null;
    }
    const bytes = state.readObject(b64ToHex(e.digest));
    if (!bytes) {
      problems.push(`${path}: bytes missing from storage`);
      return null;
    }
    if (createHash('md5').update(bytes).digest('base64') !== e.digest) problems.push(`${path}: stored bytes do not match digest ${e.digest}`);
    return bytes;
  };
  const json = (path: string): unknown => {
    const bytes = read(path);
    if (!bytes) return null;
    try {
      return JSON.parse(bytes.toString('utf8'));
    } catch {
      problems.push(`${path} is not JSON`);
      return null;
    }
  };

  const partitions: DatasetPartition[] = [];
  const rows: Record<string, unknown>[] = [];
  const rootTables = [...a.contents.keys()].filter((p) => p.endsWith('.partitioned-table.json'));
  for (const root of rootTables) {
    const pt = json(root) as { _type?: string; parts_path?: string } | null;
    if (!pt || pt._type !== 'partitioned-table' || typeof pt.parts_path !== 'string') {
      problems.push(`${root} is not a partitioned table`);
      continue;
    }
    const prefix = pt.parts_path.endsWith('/') ? pt.parts_path : `${pt.parts_path}/`;
    let columns: string[] | null = null;
    for (const path of [...a.contents.keys()].filter((p) => p.startsWith(prefix)).sort()) {
      const t = json(path) as { _type?: string; columns?: string[]; data?: unknown[][]; ncols?: number; nrows?: number } | null;
      if (!t) continue;
      if (t._type !== 'table' || !Array.isArray(t.columns) || !Array.isArray(t.data)) {
        problems.push(`${path} is not a W&B table`);
        continue;
      }
      if (t.ncols !== t.columns.length || t.nrows !== t.data.length) problems.push(`${path}: ncols/nrows do not match columns/data`);
      if (columns && JSON.stringify(columns) !== JSON.stringify(t.columns)) problems.push(`${path}: columns differ from the other partitions`);
      columns ??= t.columns;
      partitions.push({ path, columns: t.columns, rows: t.data });
      for (const row of t.data) {
        if (!Array.isArray(row) || row.length !== t.columns.length) {
          problems.push(`${path}: a row does not have ${t.columns.length} cells`);
          continue;
        }
        const obj: Record<string, unknown> = {};
        t.columns.forEach((c, i) => (obj[c] = row[i]));
        rows.push(obj);
        for (const cell of row) {
          const img = cell as { _type?: string; path?: string; sha256?: string; classes?: { path?: string; digest?: string }; boxes?: Record<string, unknown> } | null;
          if (!img || typeof img !== 'object' || img._type !== 'image-file') continue;
          if (!img.path || !a.contents.has(img.path)) {
            problems.push(`${path}: image cell points at ${img.path}, which is not in the manifest`);
            continue;
          }
          if (img.boxes && !img.classes) problems.push(`${path}: image ${img.path} has boxes but no classes`);
          if (img.classes) {
            const ce = img.classes.path ? a.contents.get(img.classes.path) : undefined;
            if (!ce) problems.push(`${path}: classes file ${img.classes.path} is not in the manifest`);
            else if (ce.digest !== img.classes.digest) problems.push(`${path}: classes digest ${img.classes.digest} is not the manifest's ${ce.digest}`);
          }
          if (q.checkImages) {
            const bytes = read(img.path);
            if (bytes && createHash('sha256').update(bytes).digest('hex') !== img.sha256) problems.push(`${path}: sha256 of ${img.path} does not match the cell`);
          }
        }
      }
    }
  }
  return {
    artifactId: a.id,
    versionIndex: a.versionIndex,
    digest: a.digest,
    aliases: state.artifactAliases(a),
    entries: a.contents,
    partitions,
    rows,
    problems,
  };
}
