import type { DocumentList } from '../../../../shared/contract';
import { docTypes, documentStatuses, type DocumentStatus } from '../../../../shared/domain/model';
import { docTypeLabels } from '../../components/DocType';
import { IconGrid, IconList, IconSearch } from '../../components/Icons';
import { statusLabels } from '../../components/StatusChip';
import { formatCount } from '../../lib/format';
import { isDocTypeFilter, useDocuments, type DocumentQuery } from '../../stores/documents';

export type DocumentListLayout = 'grid' | 'table';

interface DocumentFilterBarProps {
  /** The query shown, null while another project's is. */
  query: DocumentQuery | null;
  counts: DocumentList['counts'] | undefined;
  typeCounts: DocumentList['typeCounts'] | undefined;
  /** What the search box holds; the query follows it after a pause. */
  search: string;
  onSearch(value: string): void;
  layout: DocumentListLayout;
  onLayout(layout: DocumentListLayout): void;
}

/** Status chips, the type filter, the search (names and page text) and the grid/table switch above the list. */
export function DocumentFilterBar({ query, counts, typeCounts, search, onSearch, layout, onLayout }: DocumentFilterBarProps) {
  const setQuery = useDocuments((s) => s.setQuery);
  const allCount = counts ? Object.values(counts).reduce((a, b) => a + (b ?? 0), 0) : null;
  return (
    <div className="toolbar">
      <div className="filter-chips" role="group" aria-label="Filter by status">
        <button
          type="button"
          className={`filter-chip${!query?.status ? ' active' : ''}`}
          aria-pressed={!query?.status}
          onClick={() => void setQuery({ status: null })}
          data-testid="filter-all"
        >
          All <span className="filter-count">{allCount === null ? '–' : formatCount(allCount)}</span>
        </button>
        {documentStatuses.map((status: DocumentStatus) => (
          <button
            key={status}
            type="button"
            className={`filter-chip${query?.status === status ? ' active' : ''}`}
            aria-pressed={query?.status === status}
            onClick={() => void setQuery({ status: query?.status === status ? null : status })}
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
          value={query?.docType ?? ''}
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
          placeholder="Search names, page text"
          title="Matches document names, and the words read on their pages"
          value={search}
          onChange={(e) => onSearch(e.target.value)}
          aria-label="Search names and page text"
          data-testid="document-search"
        />
      </label>
      <div className="segmented" role="group" aria-label="View">
        <button type="button" className={layout === 'grid' ? 'active' : ''} aria-pressed={layout === 'grid'} onClick={() => onLayout('grid')} title="Thumbnails" data-testid="view-grid">
          <IconGrid />
        </button>
        <button type="button" className={layout === 'table' ? 'active' : ''} aria-pressed={layout === 'table'} onClick={() => onLayout('table')} title="Table" data-testid="view-table">
          <IconList />
        </button>
      </div>
    </div>
  );
}
