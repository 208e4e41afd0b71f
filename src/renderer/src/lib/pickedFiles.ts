import { isDocumentName, isHiddenName } from '../../../shared/domain/importFiles';

/**
 * Files the user dropped on the window or chose with a file input, as a browser gives them: each
 * with its path relative to what was dropped ("scans/march/p1.png" inside a dropped folder
 * "scans", "receipt.pdf" for a file dropped alone). Inside folders, the importer's folder rule
 * applies here already (hidden files and files without a document extension are left out and
 * counted as skipped), so they are never uploaded.
 */
export interface PickedFile {
  file: File;
  path: string;
}

export interface PickedFiles {
  files: PickedFile[];
  /** Files and hidden folders inside dropped folders that are not documents. */
  skipped: number;
}

/**
 * What a drop carried, taken while the drop event runs (a DataTransfer is emptied when its event
 * handler returns): the dropped entries for walking folders, and the top-level File objects (the
 * desktop app asks each for its path on disk).
 */
export interface DroppedItems {
  entries: (FileSystemEntry | File)[];
  files: File[];
}

export function captureDrop(data: DataTransfer): DroppedItems {
  const entries: (FileSystemEntry | File)[] = [];
  for (const item of Array.from(data.items)) {
    if (item.kind !== 'file') continue;
    // A DataTransfer a page builds itself has no entries; its files are taken as files.
    const entry = item.webkitGetAsEntry?.() ?? null;
    const file = entry ? null : item.getAsFile();
    if (entry) entries.push(entry);
    else if (file) entries.push(file);
  }
  return { entries, files: Array.from(data.files) };
}

/** Whether a path below what was dropped is imported (the first part is the dropped folder itself). */
function keptInFolder(path: string): 'keep' | 'skip' {
  const parts = path.split('/');
  if (parts.length < 2) return 'keep';
  if (parts.slice(1).some(isHiddenName)) return 'skip';
  return isDocumentName(parts[parts.length - 1]!) ? 'keep' : 'skip';
}

const readEntries = (reader: FileSystemDirectoryReader): Promise<FileSystemEntry[]> => new Promise((resolve, reject) => reader.readEntries(resolve, reject));
const fileOf = (entry: FileSystemFileEntry): Promise<File> => new Promise((resolve, reject) => entry.file(resolve, reject));

/** Walk dropped folders (in name order, like the importer), keeping the paths relative to the drop. */
export async function filesFromDrop(dropped: DroppedItems): Promise<PickedFiles> {
  const out: PickedFiles = { files: [], skipped: 0 };
  const walk = async (entry: FileSystemEntry, path: string, top: boolean): Promise<void> => {
    if (!top && isHiddenName(entry.name)) {
      out.skipped++;
      return;
    }
    if (entry.isFile) {
      if (top || keptInFolder(path) === 'keep') out.files.push({ file: await fileOf(entry as FileSystemFileEntry), path });
      else out.skipped++;
      return;
    }
    if (!entry.isDirectory) return;
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    const children: FileSystemEntry[] = [];
    // readEntries hands out a folder's entries in batches until it returns none.
    for (let batch = await readEntries(reader); batch.length > 0; batch = await readEntries(reader)) children.push(...batch);
    children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const child of children) await walk(child, `${path}/${child.name}`, false);
  };
  for (const entry of dropped.entries) {
    if (entry instanceof File) out.files.push({ file: entry, path: entry.name });
    else await walk(entry, entry.name, true);
  }
  return out;
}

/** Files from `<input type=file multiple>` or a folder from `<input type=file webkitdirectory>`. */
export function filesFromInput(list: FileList): PickedFiles {
  const out: PickedFiles = { files: [], skipped: 0 };
  const hiddenFolders = new Set<string>();
  for (const file of Array.from(list)) {
    const path = file.webkitRelativePath || file.name;
    if (keptInFolder(path) === 'keep') {
      out.files.push({ file, path });
      continue;
    }
    // A hidden folder counts once, as the importer counts it, not once per file in it.
    const parts = path.split('/');
    const hidden = parts.findIndex((p, i) => i > 0 && i < parts.length - 1 && isHiddenName(p));
    if (hidden < 0) out.skipped++;
    else hiddenFolders.add(parts.slice(0, hidden + 1).join('/'));
  }
  out.skipped += hiddenFolders.size;
  return out;
}
