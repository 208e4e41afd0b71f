import { useEffect, useRef, useState } from 'react';
import { docTypes, documentStatuses, type DocumentStatus, type DocumentSummary } from '../../../shared/domain/model';
import { ErrorPanel, InlineError } from '../components/ErrorPanel';
import { IconGrid, IconList, IconSearch, IconSettings, IconSparkles, IconUpload } from '../components/Icons';
import { ExportDialog } from '../components/formats/ExportDialog';
import { ImportAnnotationsDialog } from '../components/formats/ImportAnnotationsDialog';
import { PreannotateDialog } from '../preannotate/PreannotateDialog';
import { ProgressBar } from '../components/ProgressBar';
import { LoadingPanel, Spinner } from '../components/Spinner';
import { StatusChip, statusLabels } from '../components/StatusChip';
import { docTypeLabel, docTypeLabels } from '../components/DocType';
import { mediaUrl } from '../lib/api';
import { formatBytes, formatCount, formatDateTime, formatShortDateTime, plural } from '../lib/format';
import { useApp } from '../stores/app';
import { rememberContext } from '../annotate/documentViewStore';
import { isDocTypeFilter, PAGE_SIZE, placeFor, useDocuments, type DocumentQuery } from '../stores/documents';
import { useFileImport } from '../stores/fileImport';
import { isJobFinished, useJobs } from '../stores/jobs';
import { currentRun, isUnfinished, runProgressLabel, usePreannotation } from '../preannotate/preannotationStore';
import { useProjects } from '../stores/projects';
import { paths } from '../stores/route';
import { toastError } from '../stores/toasts';
import './documents.css';

const kindLabels = { image: 'Image', pdf: 'PDF', tiff: 'TIFF' } as const;

function Thumbnail({ doc, className }: { doc: DocumentSummary; className: string }) {
  const [failed, setFailed] = useState(false);
  return (
    <div className={className}>
      {failed ? (
        <span className="thumb-missing muted small">No preview</span>
      ) : (
        <img
          src={mediaUrl(doc.thumbnail)}
          alt=""
          loading="lazy"
          decoding="async"
          draggable={false}
          onError={() => setFailed(true)}
          data-testid="document-thumbnail"
        />
      )}
    </div>
  );
}

/** A new document a pre-annotation run looked at without finding anything: said beside its status. */
function NothingFoundNote({ doc }: { doc: DocumentSummary }) {
  const n = doc.nothingFound;
  if (!n) return null;
  const partial = n.pages < doc.pageCount;
  return (
    <div
      className="doc-note muted small truncate"
      title={`${n.model} looked at ${partial ? `${n.pages} of ${doc.pageCount} pages` : 'this document'} on ${formatDateTime(n.at)} and found nothing to suggest. Annotate it by hand, or pre-annotate "every document not yet verified" to send it again.`}
      data-testid="document-note"
    >
      Model found nothing{partial ? ` on ${n.pages} of ${doc.pageCount} pages` : ''}
    </div>
  );
}

function openContext(query: DocumentQuery, doc: DocumentSummary, indexOnPage: number) {
  rememberContext({
    projectId: query.projectId,
    documentId: doc.id,
    status: query.status,
    docType: query.docType,
    search: query.search,
    index: query.offset + indexOnPage,
  });
}

function ActiveImports({ projectId, onOpen }: { projectId: string; onOpen(jobId: string | null): void }) {
  const job = useJobs((s) => Object.values(s.jobs.import).find((j) => j.projectId === projectId && !isJobFinished(j)) ?? null);
  const upload = useFileImport((s) => (s.upload?.projectId === projectId ? s.upload : null));
  if (upload) {
    const p = upload.progress;
    return (
      <button type="button" className="active-import" onClick={() => onOpen(null)} data-testid="active-upload">
        <Spinner size={12} />
        <span title={p ? `${formatBytes(p.sentBytes)} of ${formatBytes(p.totalBytes)} sent` : undefined}>
          Sending files {p && p.totalBytes > 0 ? `${Math.floor((p.sentBytes / p.totalBytes) * 100)}%` : '…'}
        </span>
        <ProgressBar value={p?.sentBytes ?? 0} max={p?.totalBytes ?? 0} label="Upload progress" />
      </button>
    );
  }
  if (!job) return null;
  return (
    <button type="button" className="active-import" onClick={() => onOpen(job.jobId)} data-testid="active-import">
      <Spinner size={12} />
      <span>
        Importing {formatCount(job.done)} / {formatCount(job.total)}
      </span>
      <ProgressBar value={job.done} max={job.total} label="Import progress" />
    </button>
  );
}

/** The project's pre-annotation run while it has work left: progress in the header, a click opens the dialog. */
function ActivePreannotation({ projectId, onOpen }: { projectId: string; onOpen(): void }) {
  const load = usePreannotation((s) => s.load);
  const run = usePreannotation((s) => currentRun(s.runs, projectId));
  useEffect(() => {
    void load(projectId);
  }, [load, projectId]);
  if (!run || !isUnfinished(run)) return null;
  const finished = run.pages.done + run.pages.failed + run.pages.cancelled;
  return (
    <button type="button" className="active-import active-preannotation" onClick={onOpen} data-testid="active-preannotation" data-state={run.state}>
      {run.state === 'running' ? <Spinner size={12} /> : null}
      <span>{runProgressLabel(run)}</span>
      <ProgressBar value={finished} max={run.pages.total} label="Pre-annotation progress" />
    </button>
  );
}

export function DocumentListView({ projectId }: { projectId: string }) {
  const entry = useProjects((s) => s.byId[projectId]);
  const loadProject = useProjects((s) => s.load);
  const query = useDocuments((s) => s.query);
  const result = useDocuments((s) => s.result);
  const resultFor = useDocuments((s) => s.resultFor);
  const loading = useDocuments((s) => s.loading);
  const error = useDocuments((s) => s.error);
  const openList = useDocuments((s) => s.open);
  const setQuery = useDocuments((s) => s.setQuery);
  const view = useApp((s) => s.settings?.ui.documentListView ?? 'grid');
  const setUi = useApp((s) => s.setUi);
  const openImport = useFileImport((s) => s.openDialog);
  const [preannotating, setPreannotating] = useState(false);
  const [formatsDialog, setFormatsDialog] = useState<'export' | 'import' | null>(null);
  const [search, setSearch] = useState(() => placeFor(projectId).search);
  const searchTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const body = useRef<HTMLDivElement>(null);
  const shownOffset = useDocuments((s) => s.resultFor?.offset ?? 0);

  // A new page of results starts at the top.
  useEffect(() => {
    body.current?.scrollTo({ top: 0 });
  }, [shownOffset]);

  useEffect(() => {
    void loadProject(projectId);
    void openList(projectId);
  }, [projectId, loadProject, openList]);

  useEffect(() => () => {
    if (searchTimer.current) clearTimeout(searchTimer.current);
  }, []);

  const onSearch = (value: string) => {
    setSearch(value);
    if (searchTimer.current) clearTimeout(searchTimer.current);
    searchTimer.current = setTimeout(() => void setQuery({ search: value }), 250);
  };

  const setView = (v: 'grid' | 'table') => {
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
  const counts = shown?.counts;
  const typeCounts = shown?.typeCounts;
  const allCount = counts ? Object.values(counts).reduce((a, b) => a + (b ?? 0), 0) : null;
  const offset = resultFor?.offset ?? 0;
  const total = shown?.total ?? 0;
  const items = shown?.items ?? [];

  return (
    <div className="page" data-testid="document-list">
      <header className="page-header">
        <div className="min-w-0">
          <div className="row gap-sm">
            <h1 className="truncate" data-testid="project-title">
              {project?.name ?? ' '}
            </h1>
            {project?.isDemo ? <span className="badge">Demo</span> : null}
          </div>
          {project ? (
            <div className="muted small" data-testid="project-stats">
              <span data-testid="project-document-count">{plural(project.documentCount, 'document')}</span>
              {' · '}
              <span data-testid="project-page-count">{plural(project.pageCount, 'page')}</span>
              {' · '}
              <span data-testid="project-verified-count">{formatCount(project.verifiedCount)} verified</span>
            </div>
          ) : null}
        </div>
        <div className="row gap">
          <ActiveImports projectId={projectId} onOpen={(jobId) => openImport(projectId, jobId)} />
          <ActivePreannotation projectId={projectId} onOpen={() => setPreannotating(true)} />
          <a className="btn btn-ghost" href={paths.projectSettings(projectId)} data-testid="project-settings-link">
            <IconSettings /> Settings
          </a>
          <button
            type="button"
            className="btn"
            onClick={() => setPreannotating(true)}
            disabled={!project || project.documentCount === 0}
            title="Let Claude draw boxes and answer the questions first, so you correct instead of starting from nothing"
            data-testid="preannotate-button"
          >
            <IconSparkles /> Pre-annotate
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => setFormatsDialog('export')}
            disabled={!project || project.verifiedCount === 0}
            title={
              project && project.verifiedCount === 0
                ? 'Nothing to export yet: export writes verified versions, and no document here is verified'
                : 'One verified version of each document (gold where a lead resolved it) as COCO, Label Studio, Pascal VOC, YOLO or Folio JSONL'
            }
            data-testid="export-button"
          >
            Export
          </button>
          <button
            type="button"
            className="btn"
            onClick={() => setFormatsDialog('import')}
            disabled={!project || project.documentCount === 0}
            title="Annotations or predictions from Label Studio, COCO or Folio JSONL, matched to this project's documents"
            data-testid="import-annotations-button"
          >
            Import annotations
          </button>
          <button type="button" className="btn btn-primary" onClick={() => openImport(projectId)} data-testid="import-button">
            <IconUpload /> Import
          </button>
        </div>
      </header>

      <div className="toolbar">
        <div className="filter-chips" role="group" aria-label="Filter by status">
          <button
            type="button"
            className={`filter-chip${!current?.status ? ' active' : ''}`}
            aria-pressed={!current?.status}
            onClick={() => void setQuery({ status: null })}
            data-testid="filter-all"
          >
            All <span className="filter-count">{allCount === null ? '–' : formatCount(allCount)}</span>
          </button>
          {documentStatuses.map((status: DocumentStatus) => (
            <button
              key={status}
              type="button"
              className={`filter-chip${current?.status === status ? ' active' : ''}`}
              aria-pressed={current?.status === status}
              onClick={() => void setQuery({ status: current?.status === status ? null : status })}
              data-testid={`filter-${status}`}
            >
              <span className={`chip-dot status-${status}`} aria-hidden="true" />
              {statusLabels[status]} <span className="filter-count">{counts ? formatCount(counts[status] ?? 0) : '–'}</span>
            </button>
          ))}
        </div>
        <label className="type-filter small">
          <span className="muted">Type</span>
          <select
            className="select-sm"
            value={current?.docType ?? ''}
            onChange={(e) => void setQuery({ docType: isDocTypeFilter(e.target.value) ? e.target.value : null })}
            aria-label="Filter by document type"
            data-testid="filter-doc-type"
          >
            <option value="">All types</option>
            {docTypes.map((t) => (
              <option key={t} value={t}>
                {docTypeLabels[t]}
                {typeCounts ? ` (${formatCount(typeCounts[t] ?? 0)})` : ''}
              </option>
            ))}
            <option value="none">Not set{typeCounts ? ` (${formatCount(typeCounts.none ?? 0)})` : ''}</option>
          </select>
        </label>
        <div className="toolbar-spacer" />
        <label className="search">
          <IconSearch />
          <input
            type="search"
            className="search-input"
            placeholder="Search file names"
            value={search}
            onChange={(e) => onSearch(e.target.value)}
            aria-label="Search file names"
            data-testid="document-search"
          />
        </label>
        <div className="segmented" role="group" aria-label="View">
          <button type="button" className={view === 'grid' ? 'active' : ''} aria-pressed={view === 'grid'} onClick={() => setView('grid')} title="Thumbnails" data-testid="view-grid">
            <IconGrid />
          </button>
          <button type="button" className={view === 'table' ? 'active' : ''} aria-pressed={view === 'table'} onClick={() => setView('table')} title="Table" data-testid="view-table">
            <IconList />
          </button>
        </div>
      </div>

      <div className="page-body" ref={body}>
        {error ? <InlineError message={`The documents could not be loaded: ${error}`} testId="documents-error" /> : null}
        {!shown ? (
          error ? null : <LoadingPanel label="Loading documents…" />
        ) : total === 0 ? (
          <div className="empty" data-testid="documents-empty">
            {current?.status || current?.docType || current?.search ? (
              <>
                <h2>No matching documents</h2>
                <p className="muted">Nothing matches this filter{current.search ? ` and “${current.search}”` : ''}.</p>
                <button
                  type="button"
                  className="btn"
                  onClick={() => {
                    setSearch('');
                    void setQuery({ status: null, docType: null, search: '' });
                  }}
                >
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
        ) : view === 'grid' ? (
          <div className={`doc-grid${loading ? ' is-loading' : ''}`} data-testid="document-grid">
            {items.map((doc, i) => (
              <a
                key={doc.id}
                href={paths.document(projectId, doc.id)}
                className="doc-card"
                onClick={() => current && openContext(current, doc, i)}
                data-testid="document-card"
                data-document-id={doc.id}
              >
                <Thumbnail doc={doc} className="doc-thumb" />
                <div className="doc-card-body">
                  <div className="doc-card-name truncate" title={doc.sourceName} data-testid="document-name">
                    {doc.sourceName}
                  </div>
                  <div className="row between">
                    <StatusChip status={doc.status} />
                    <span className="muted small">
                      {doc.docType ? (
                        <span className="doc-type-tag" data-testid="document-type">
                          {docTypeLabels[doc.docType]}
                          {' · '}
                        </span>
                      ) : null}
                      <span data-testid="document-pages">{plural(doc.pageCount, 'page')}</span>
                    </span>
                  </div>
                  <NothingFoundNote doc={doc} />
                </div>
              </a>
            ))}
          </div>
        ) : (
          <table className={`doc-table${loading ? ' is-loading' : ''}`} data-testid="document-table">
            <thead>
              <tr>
                <th className="col-thumb" aria-label="Preview" />
                <th>File</th>
                <th>Type</th>
                <th>Kind</th>
                <th className="num">Pages</th>
                <th>Size</th>
                <th>Status</th>
                <th>Added</th>
              </tr>
            </thead>
            <tbody>
              {items.map((doc, i) => (
                <tr key={doc.id} data-testid="document-row" data-document-id={doc.id}>
                  <td className="col-thumb">
                    <Thumbnail doc={doc} className="row-thumb" />
                  </td>
                  <td className="truncate-cell">
                    <a href={paths.document(projectId, doc.id)} onClick={() => current && openContext(current, doc, i)} title={doc.sourceName} data-testid="document-name">
                      {doc.sourceName}
                    </a>
                  </td>
                  <td className={doc.docType ? undefined : 'muted'} data-testid="document-type">
                    {docTypeLabel(doc.docType, '—')}
                  </td>
                  <td>{kindLabels[doc.kind]}</td>
                  <td className="num" data-testid="document-pages">
                    {formatCount(doc.pageCount)}
                  </td>
                  <td className="muted">
                    {doc.width} × {doc.height}
                  </td>
                  <td>
                    <StatusChip status={doc.status} />
                    <NothingFoundNote doc={doc} />
                  </td>
                  <td className="muted" title={formatDateTime(doc.addedAt)}>
                    {formatShortDateTime(doc.addedAt)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}

        {shown && total > PAGE_SIZE ? (
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
        ) : null}
      </div>

      {formatsDialog === 'export' && project ? <ExportDialog projectId={projectId} projectName={project.name} onClose={() => setFormatsDialog(null)} /> : null}
      {formatsDialog === 'import' ? <ImportAnnotationsDialog projectId={projectId} onClose={() => setFormatsDialog(null)} /> : null}
      {preannotating ? <PreannotateDialog projectId={projectId} onClose={() => setPreannotating(false)} /> : null}
    </div>
  );
}
