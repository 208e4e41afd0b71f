import { create } from 'zustand';
import type { DocumentList } from '../../../shared/contract';
import { docTypes, type DocType, type DocumentStatus } from '../../../shared/domain/model';
import { api } from '../lib/api';
import { errorMessage } from '../lib/errors';

export const PAGE_SIZE = 60;

export interface DocumentQuery {
  projectId: string;
  status: DocumentStatus | null;
  /** A document type, `none` (type not set) or null (every document). */
  docType: DocType | 'none' | null;
  search: string;
  offset: number;
}

export const isDocTypeFilter = (v: unknown): v is DocType | 'none' => v === 'none' || (docTypes as readonly unknown[]).includes(v);

interface DocumentsState {
  query: DocumentQuery | null;
  result: DocumentList | null;
  /** The query `result` answers (results of superseded queries are dropped). */
  resultFor: DocumentQuery | null;
  loading: boolean;
  error: string | null;
  /** Show the list for a project, keeping the filter when coming back to the same project. */
  open(projectId: string): Promise<void>;
  setQuery(patch: Partial<Omit<DocumentQuery, 'projectId'>>): Promise<void>;
  reload(): Promise<void>;
}

let requestSeq = 0;

// The list's place (filter, search, page) per project survives a reload, like the address does.
const PLACE_KEY = 'folio.documentListPlace';

function savePlace(query: DocumentQuery): void {
  try {
    sessionStorage.setItem(PLACE_KEY, JSON.stringify(query));
  } catch {
    // storage unavailable: the list starts at the top after a reload
  }
}

function restorePlace(projectId: string): DocumentQuery {
  try {
    const saved = JSON.parse(sessionStorage.getItem(PLACE_KEY) ?? 'null') as DocumentQuery | null;
    if (saved && saved.projectId === projectId) {
      return {
        projectId,
        status: saved.status ?? null,
        docType: isDocTypeFilter(saved.docType) ? saved.docType : null,
        search: typeof saved.search === 'string' ? saved.search : '',
        offset: Number.isInteger(saved.offset) && saved.offset >= 0 ? saved.offset : 0,
      };
    }
  } catch {
    // ignore a damaged entry
  }
  return { projectId, status: null, docType: null, search: '', offset: 0 };
}

/** Where the list for `projectId` will open: the place in memory, else the one saved for reloads. */
export function placeFor(projectId: string): DocumentQuery {
  const q = useDocuments.getState().query;
  return q && q.projectId === projectId ? q : restorePlace(projectId);
}

export const useDocuments = create<DocumentsState>((set, get) => ({
  query: null,
  result: null,
  resultFor: null,
  loading: false,
  error: null,
  async open(projectId) {
    const q = get().query;
    if (!q || q.projectId !== projectId) {
      set({ query: restorePlace(projectId), result: null, resultFor: null, error: null });
    }
    await get().reload();
  },
  async setQuery(patch) {
    const q = get().query;
    if (!q) return;
    const resetsOffset = 'status' in patch || 'docType' in patch || 'search' in patch;
    set({ query: { ...q, ...patch, offset: patch.offset ?? (resetsOffset ? 0 : q.offset) } });
    await get().reload();
  },
  async reload() {
    const q = get().query;
    if (!q) return;
    const seq = ++requestSeq;
    savePlace(q);
    set({ loading: true });
    try {
      const result = await api()['documents.list']({
        projectId: q.projectId,
        ...(q.status ? { status: q.status } : {}),
        ...(q.docType ? { docType: q.docType } : {}),
        ...(q.search.trim() ? { search: q.search.trim() } : {}),
        offset: q.offset,
        limit: PAGE_SIZE,
      });
      if (seq !== requestSeq) return;
      // Documents may have gone (or a filter emptied) under the current page: step back to the last page.
      if (result.items.length === 0 && q.offset > 0 && result.total > 0) {
        set({ query: { ...q, offset: Math.floor((result.total - 1) / PAGE_SIZE) * PAGE_SIZE } });
        await get().reload();
        return;
      }
      set({ result, resultFor: q, loading: false, error: null });
    } catch (err) {
      if (seq !== requestSeq) return;
      set({ loading: false, error: errorMessage(err) });
    }
  },
}));
