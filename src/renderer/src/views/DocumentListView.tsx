import { useEffect, useRef, useState } from 'react';
import type { DocumentList } from '../../../shared/contract';
import { ErrorPanel, InlineError } from '../components/ErrorPanel';
import { IconUpload } from '../components/Icons';
import { ExportDialog } from '../components/formats/ExportDialog';
import { ImportAnnotationsDialog } from '../components/formats/ImportAnnotationsDialog';
import { PreannotateDialog } from '../preannotate/PreannotateDialog';
import { LoadingPanel } from '../components/Spinner';
import { formatCount } from '../lib/format';
import { useApp } from '../stores/app';
import { PAGE_SIZE, placeFor, useDocuments, type DocumentQuery } from '../stores/documents';
import { useFileImport } from '../stores/fileImport';
import { useProjects } from '../stores/projects';
import { paths } from '../stores/route';
import { toastError } from '../stores/toasts';
import './documents.css';
import { DocumentFilterBar, type DocumentListLayout } from './documents/DocumentFilterBar';
import { DocumentGrid, DocumentTable } from './documents/DocumentItems';
import { DocumentListHeader } from './documents/DocumentListHeader';

/** The search box's text, sent to the query a moment after typing stops. */
function useSearchBox(projectId: string) {
  const setQuery = useDocuments((s) => s.setQuery);
  const [search, setSearch] = useState(() => placeFor(projectId).search);
  const searchTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => () => {
    if (searchTimer.current) clearTimeout(searchTimer.current);
  }, []);

  const onSearch = (value: string) => {
    setSearch(value);
    if (searchTimer.current) clearTimeout(searchTimer.current);
    searchTimer.current = setTimeout(() => void setQuery({ search: value }), 250);
  };
  return { search, onSearch, setSearch };
}

function NoDocuments({ projectId, query, onClearFilters }: { projectId: string; query: DocumentQuery | null; onClearFilters(): void }) {
  const openImport = useFileImport((s) => s.openDialog);
  return (
    <div className="empty" data-testid="documents-empty">
      {query?.status || query?.docType || query?.search ? (
        <>
          <h2>No matching documents</h2>
          <p className="muted">Nothing matches this filter{query.search ? ` and “${query.search}”` : ''}.</p>
          <button type="button" className="btn" onClick={onClearFilters}>
            Clear filters
          </button>
        </>
      ) : (
        <>
          <h2>No documents yet</h2>
          <p className="muted">Import images (PNG, JPEG, TIFF, WebP) or PDFs from files or whole folders: drop them here, or</p>
          <button type="button" className="btn btn-primary" onClick={() => openImport(projectId)}>
            <IconUpload /> Import documents
          </button>
        </>
      )}
    </div>
  );
}

function Pager({ offset, total }: { offset: number; total: number }) {
  const setQuery = useDocuments((s) => s.setQuery);
  return (
    <div className="pager" data-testid="pager">
      <button type="button" className="btn btn-sm" disabled={offset === 0} onClick={() => void setQuery({ offset: Math.max(0, offset - PAGE_SIZE) })} data-testid="pager-prev">
        Previous
      </button>
      <span className="muted small">
        {formatCount(offset + 1)}–{formatCount(Math.min(total, offset + PAGE_SIZE))} of {formatCount(total)}
      </span>
      <button type="button" className="btn btn-sm" disabled={offset + PAGE_SIZE >= total} onClick={() => void setQuery({ offset: offset + PAGE_SIZE })} data-testid="pager-next">
        Next
      </button>
    </div>
  );
}

interface DocumentResultsProps {
  projectId: string;
  query: DocumentQuery | null;
  /** This project's result, null while it loads. */
  shown: DocumentList | null;
  layout: DocumentListLayout;
  onClearFilters(): void;
}

/** The page of documents (or why there is none) and the pager under it. */
function DocumentResults({ projectId, query, shown, layout, onClearFilters }: DocumentResultsProps) {
  const loading = useDocuments((s) => s.loading);
  const error = useDocuments((s) => s.error);
  const offset = useDocuments((s) => s.resultFor?.offset ?? 0);
  const body = useRef<HTMLDivElement>(null);

  // A new page of results starts at the top.
  useEffect(() => {
    body.current?.scrollTo({ top: 0 });
  }, [offset]);

  const total = shown?.total ?? 0;
  const items = shown?.items ?? [];
  const Items = layout === 'grid' ? DocumentGrid : DocumentTable;
  return (
    <div className="page-body" ref={body}>
      {error ? <InlineError message={`The documents could not be loaded: ${error}`} testId="documents-error" /> : null}
      {!shown ? (
        error ? null : <LoadingPanel label="Loading documents…" />
      ) : total === 0 ? (
        <NoDocuments projectId={projectId} query={query} onClearFilters={onClearFilters} />
      ) : (
        <Items projectId={projectId} items={items} query={query} loading={loading} />
      )}

      {shown && total > PAGE_SIZE ? <Pager offset={offset} total={total} /> : null}
    </div>
  );
}

export function DocumentListView({ projectId }: { projectId: string }) {
  const entry = useProjects((s) => s.byId[projectId]);
  const loadProject = useProjects((s) => s.load);
  const query = useDocuments((s) => s.query);
  const result = useDocuments((s) => s.result);
  const resultFor = useDocuments((s) => s.resultFor);
  const openList = useDocuments((s) => s.open);
  const setQuery = useDocuments((s) => s.setQuery);
  const layout = useApp((s) => s.settings?.ui.documentListView ?? 'grid');
  const setUi = useApp((s) => s.setUi);
  const [preannotating, setPreannotating] = useState(false);
  const [formatsDialog, setFormatsDialog] = useState<'export' | 'import' | null>(null);
  const { search, onSearch, setSearch } = useSearchBox(projectId);

  useEffect(() => {
    void loadProject(projectId);
    void openList(projectId);
  }, [projectId, loadProject, openList]);

  const setLayout = (v: DocumentListLayout) => {
    setUi({ documentListView: v }).catch((err: unknown) => toastError('The view choice was not saved', err));
  };

  const project = entry?.project ?? null;
  if (entry?.error && !project) {
    return (
      <div className="page">
        <ErrorPanel title="This project could not be opened" message={entry.error}>
          <button type="button" className="btn" onClick={() => void loadProject(projectId)}>
            Try again
          </button>
          <a className="btn btn-ghost" href={paths.projects()}>
            All projects
          </a>
        </ErrorPanel>
      </div>
    );
  }

  const current = query?.projectId === projectId ? query : null;
  const shown = resultFor?.projectId === projectId ? result : null;

  return (
    <div className="page" data-testid="document-list">
      <DocumentListHeader projectId={projectId} project={project} onPreannotate={() => setPreannotating(true)} onFormats={setFormatsDialog} />
      <DocumentFilterBar query={current} counts={shown?.counts} typeCounts={shown?.typeCounts} search={search} onSearch={onSearch} layout={layout} onLayout={setLayout} />
      <DocumentResults
        projectId={projectId}
        query={current}
        shown={shown}
        layout={layout}
        onClearFilters={() => {
          setSearch('');
          void setQuery({ status: null, docType: null, search: '' });
        }}
      />

      {formatsDialog === 'export' && project ? <ExportDialog projectId={projectId} projectName={project.name} onClose={() => setFormatsDialog(null)} /> : null}
      {formatsDialog === 'import' ? <ImportAnnotationsDialog projectId={projectId} onClose={() => setFormatsDialog(null)} /> : null}
      {preannotating ? <PreannotateDialog projectId={projectId} onClose={() => setPreannotating(false)} /> : null}
    </div>
  );
}
