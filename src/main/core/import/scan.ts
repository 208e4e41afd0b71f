import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ImportFailure } from '../../../shared/domain/model';
import { isDocumentName, isHiddenName } from '../../../shared/domain/importFiles';

export interface ScanResult {
  files: string[];
  failed: ImportFailure[];
  /** Files inside folders that are not documents (by extension) or are hidden. */
  skipped: number;
}

/**
 * Expand the user's choice into files. A file named explicitly is always tried (its bytes decide
 * its type); inside folders, only files with a document extension are taken, hidden ones never.
 */
export async function scanPaths(paths: string[], signal: AbortSignal): Promise<ScanResult> {
  const files: string[] = [];
  const failed: ImportFailure[] = [];
  const seen = new Set<string>();
  let skipped = 0;

  const add = (file: string) => {
    if (!seen.has(file)) {
      seen.add(file);
      files.push(file);
    }
  };

  const walk = async (dir: string): Promise<void> => {
    signal.throwIfAborted();
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      failed.push({ path: dir, reason: `cannot read this folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = join(dir, entry.name);
      if (isHiddenName(entry.name)) {
        skipped++;
      } else if (entry.isDirectory()) {
        await walk(full);
      } else if (entry.isFile()) {
        if (isDocumentName(entry.name)) add(full);
        else skipped++;
      }
    }
  };

  for (const raw of paths) {
    const path = resolve(raw.trim());
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      failed.push({ path, reason: code === 'ENOENT' ? 'no such file or folder' : `cannot read it (${code ?? (err as Error).message})` });
      continue;
    }
    if (info.isDirectory()) await walk(path);
    else if (info.isFile()) add(path);
    else failed.push({ path, reason: 'not a regular file or folder' });
  }
  return { files, failed, skipped };
}
