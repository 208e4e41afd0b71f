import type { ExportDocument } from '../exportReader';
import type { ReferenceChoice } from '../../../../shared/domain/reference';

/** Where a page image is, as the export writes it. */
export interface PageRef {
  pageId: string;
  /** File name without extension (unique per page: see exportImageStem). */
  stem: string;
  /** The image's file name (stem + the image's own extension). */
  fileName: string;
  /** What the export writes: a path relative to the export folder (copied) or absolute (referenced). */
  ref: string;
}

/**
 * The project's label set as classes. Ids follow the label set's order; a label a version uses
 * that is no longer in the set is appended (never dropped, never renumbered).
 */
export class ClassTable {
  private readonly ids = new Map<string, number>();
  readonly names: string[] = [];

  constructor(labels: string[]) {
    for (const name of labels) this.id(name);
  }

  /** 0-based class index. */
  id(label: string | null): number {
    const name = label ?? '(unlabelled)';
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.ids.set(name, id);
      this.names.push(name);
    }
    return id;
  }
}

export interface ExportContext {
  /** The folder being written (a staging folder renamed into place at the end). */
  dir: string;
  project: { id: string; name: string; labels: { name: string; color: string }[] };
  /** Which version of each document was chosen (shared/domain/reference.ts). */
  status: ReferenceChoice;
  images: 'copy' | 'reference';
  /** The sub-folder page images are copied into (relative to dir), for this format. */
  imageDir: string;
  classes: ClassTable;
  now: string;
  filters: Record<string, unknown>;
}

export interface FormatWriter {
  begin(): Promise<void>;
  write(doc: ExportDocument, pages: PageRef[]): Promise<void>;
  /** Finish the files; returns the main files written, relative to the export folder. */
  end(): Promise<string[]>;
  /** Stop (cancel or failure): close open streams without finishing them. */
  abort(): void;
}
