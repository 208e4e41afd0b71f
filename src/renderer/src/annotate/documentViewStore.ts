import { create } from 'zustand';
import type { DocType, DocumentDetail, DocumentStatus, DocumentSummary } from '../../../shared/domain/model';
import { api } from '../lib/api';
import { errorMessage } from '../lib/errors';
import { toastError } from '../stores/toasts';

/**
 * Where a document sits in the list it was opened from, so previous/next walk that list (same
 * filter and search). Kept in sessionStorage so a reload of the document view keeps it.
 */
export interface ListContext {
  projectId: string;
  documentId: string;
  status: DocumentStatus | null;
  /** The list's type filter (absent in contexts saved before there was one). */
  docType?: DocType | 'none' | null;
  search: string;
  index: number;
}

const CONTEXT_KEY = 'folio.documentContext';

export function rememberContext(context: ListContext): void {
  try {
    sessionStorage.setItem(CONTEXT_KEY, JSON.stringify(context));
  } catch {
    // storage full or disabled: previous/next falls back to searching the whole list
  }
}

function recallContext(projectId: string, documentId: string): ListContext | null {
  try {
    const raw = sessionStorage.getItem(CONTEXT_KEY);
    if (!raw) return null;
    const context = JSON.parse(raw) as ListContext;
    return context.projectId === projectId && context.documentId === documentId ? context : null;
  } catch {
    return null;
  }
}

export interface Neighbours {
  index: number;
  total: number;
  previous: DocumentSummary | null;
  next: DocumentSummary | null;
  status: DocumentStatus | null;
  docType: DocType | 'none' | null;
  search: string;
}

interface DocumentViewState {
  key: string | null;
  doc: DocumentDetail | null;
  loading: boolean;
  error: string | null;
  neighbours: Neighbours | null;
  open(projectId: string, documentId: string): Promise<void>;
  /** Say what the open document is (null: not known); shown at once, put back if the core refuses. */
  setType(projectId: string, documentId: string, docType: DocType | null): Promise<void>;
}

const listArgs = (context: { projectId: string; status: DocumentStatus | null; docType?: DocType | 'none' | null; search: string }) => ({
  projectId: context.projectId,
  ...(context.status ? { status: context.status } : {}),
  ...(context.docType ? { docType: context.docType } : {}),
  ...(context.search.trim() ? { search: context.search.trim() } : {}),
});

async function findNeighbours(projectId: string, documentId: string): Promise<Neighbours | null> {
  const context = recallContext(projectId, documentId);
  if (context) {
    const start = Math.max(0, context.index - 1);
    const page = await api()['documents.list']({ ...listArgs(context), offset: start, limit: 3 });
    const at = page.items.findIndex((d) => d.id === documentId);
    if (at >= 0) {
      return {
        index: start + at,
        total: page.total,
        previous: page.items[at - 1] ?? null,
        next: page.items[at + 1] ?? null,
        status: context.status,
        docType: context.docType ?? null,
        search: context.search,
      };
    }
  }
  // No usable context (opened from an address, or the list changed): walk the unfiltered list.
  const chunk = 1000;
  let previousChunkLast: DocumentSummary | null = null;
  for (let offset = 0; offset < 50_000; offset += chunk) {
    const page = await api()['documents.list']({ projectId, offset, limit: chunk });
    const at = page.items.findIndex((d) => d.id === documentId);
    if (at >= 0) {
      let next = page.items[at + 1] ?? null;
      if (!next && offset + chunk < page.total) {
        next = (await api()['documents.list']({ projectId, offset: offset + chunk, limit: 1 })).items[0] ?? null;
      }
      return {
        index: offset + at,
        total: page.total,
        previous: at > 0 ? (page.items[at - 1] ?? null) : previousChunkLast,
        next,
        status: null,
        docType: null,
        search: '',
      };
    }
    if (page.items.length < chunk) break;
    previousChunkLast = page.items[page.items.length - 1] ?? null;
  }
  return null;
}

let seq = 0;

export const useDocumentView = create<DocumentViewState>((set, get) => ({
  key: null,
  doc: null,
  loading: false,
  error: null,
  neighbours: null,
  async open(projectId, documentId) {
    const key = `${projectId}/${documentId}`;
    if (get().key === key && get().doc) return;
    const mine = ++seq;
    set({ key, doc: null, loading: true, error: null, neighbours: null });
    try {
      const doc = await api()['documents.get']({ projectId, documentId });
      if (mine !== seq) return;
      set({ doc, loading: false });
    } catch (err) {
      if (mine !== seq) return;
      set({ loading: false, error: errorMessage(err) });
      return;
    }
    try {
      const neighbours = await findNeighbours(projectId, documentId);
      if (mine !== seq) return;
      set({ neighbours });
    } catch {
      // previous/next stay disabled; the document itself is shown
    }
  },
  async setType(projectId, documentId, docType) {
    const key = `${projectId}/${documentId}`;
    const withType = (t: DocType | null) => {
      const doc = get().doc;
      if (get().key === key && doc) set({ doc: { ...doc, docType: t } });
    };
    const before = get().key === key ? (get().doc?.docType ?? null) : null;
    withType(docType);
    try {
      withType((await api()['documents.setType']({ projectId, documentId, docType })).docType);
    } catch (err) {
      withType(before);
      toastError('The document type was not saved', err);
    }
  },
}));
