import { useState } from 'react';
import type { DocumentSummary } from '../../../../shared/domain/model';
import { rememberContext } from '../../annotate/documentViewStore';
import { docTypeLabel, docTypeLabels } from '../../components/DocType';
import { StatusChip } from '../../components/StatusChip';
import { mediaUrl } from '../../lib/api';
import { formatCount, formatDateTime, formatShortDateTime, plural } from '../../lib/format';
import type { DocumentQuery } from '../../stores/documents';
import { paths } from '../../stores/route';

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

interface DocumentItemsProps {
  projectId: string;
  items: DocumentSummary[];
  /** The query the items answer; opening a document remembers it for next/previous. */
  query: DocumentQuery | null;
  loading: boolean;
}

function DocumentCard({ projectId, doc, onOpen }: { projectId: string; doc: DocumentSummary; onOpen(): void }) {
  return (
    <a href={paths.document(projectId, doc.id)} className="doc-card" onClick={onOpen} data-testid="document-card" data-document-id={doc.id}>
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
  );
}

export function DocumentGrid({ projectId, items, query, loading }: DocumentItemsProps) {
  return (
    <div className={`doc-grid${loading ? ' is-loading' : ''}`} data-testid="document-grid">
      {items.map((doc, i) => (
        <DocumentCard key={doc.id} projectId={projectId} doc={doc} onOpen={() => query && openContext(query, doc, i)} />
      ))}
    </div>
  );
}

function DocumentRow({ projectId, doc, onOpen }: { projectId: string; doc: DocumentSummary; onOpen(): void }) {
  return (
    <tr data-testid="document-row" data-document-id={doc.id}>
      <td className="col-thumb">
        <Thumbnail doc={doc} className="row-thumb" />
      </td>
      <td className="truncate-cell">
        <a href={paths.document(projectId, doc.id)} onClick={onOpen} title={doc.sourceName} data-testid="document-name">
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
  );
}

export function DocumentTable({ projectId, items, query, loading }: DocumentItemsProps) {
  return (
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
          <DocumentRow key={doc.id} projectId={projectId} doc={doc} onOpen={() => query && openContext(query, doc, i)} />
        ))}
      </tbody>
    </table>
  );
}
