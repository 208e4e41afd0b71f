import { useCallback, useEffect, useState } from 'react';
import { disagreementTypes, type DisagreementType, type ReviewQueue, type ReviewState } from '../../../shared/domain/review';
import { ErrorPage } from '../components/ErrorPage';
import { IconArrowLeft } from '../components/Icons';
import { LoadingPanel } from '../components/Spinner';
import { events } from '../lib/api';
import { formatCount, formatRelative } from '../lib/format';
import { useNow } from '../lib/useNow';
import { useProjects } from '../stores/projects';
import { navigate, paths } from '../stores/route';
import { AgreementCharts } from './AgreementCharts';
import { BundleDialog, PullButton } from './ExchangeControls';
import { useReviewQueue } from './reviewStore';
import './review.css';

/**
 * The lead's queue: documents by where they stand (open disagreements first, most severe on
 * top), with the kinds of disagreement each holds, and the project's agreement figures.
 */

export const stateLabels: Record<ReviewState, string> = {
  open: 'Disagree',
  agreed: 'Agree',
  waiting: 'Waiting for annotators',
  resolved: 'Resolved',
};

export const typeLabels: Record<DisagreementType, string> = {
  missing_box: 'missing box',
  extra_box: 'extra box',
  label_mismatch: 'label',
  geometry_mismatch: 'geometry',
  transcription_mismatch: 'transcription',
  answer_mismatch: 'answer',
  evidence_mismatch: 'evidence',
};

/** Open disagreements first: that is the lead's work; the rest is for looking things up. */
const queueFilters: (ReviewState | 'all')[] = ['open', 'agreed', 'waiting', 'resolved', 'all'];

const INCLUDE_MODEL_KEY = 'folio.review.includeModel';
export const rememberedIncludeModel = (): boolean => {
  try {
    return localStorage.getItem(INCLUDE_MODEL_KEY) === '1';
  } catch {
    return false;
  }
};

export function ReviewQueueView({ projectId }: { projectId: string }) {
  const project = useProjects((s) => s.byId[projectId]?.project ?? null);
  const loadProject = useProjects((s) => s.load);
  const [state, setState] = useState<ReviewState | 'all'>('open');
  const [includeModel, setIncludeModel] = useState(rememberedIncludeModel);
  const [bundles, setBundles] = useState(false);
  const queue = useReviewQueue((s) => (s.projectId === projectId ? s.queue : null));
  const agreement = useReviewQueue((s) => (s.projectId === projectId ? s.agreement : null));
  const error = useReviewQueue((s) => (s.projectId === projectId ? s.error : null));
  const load = useCallback(() => useReviewQueue.getState().load(projectId, state, includeModel), [projectId, state, includeModel]);

  useEffect(() => {
    if (!project) void loadProject(projectId);
  }, [project, projectId, loadProject]);
  useEffect(() => {
    void load();
    // Gold written elsewhere, or work brought in, changes the queue.
    const offs = [events().on('review.changed', (e) => e.projectId === projectId && void load()), events().on('documents.changed', (e) => e.projectId === projectId && void load())];
    return () => offs.forEach((off) => off());
  }, [load, projectId]);

  const toggleModel = (on: boolean) => {
    setIncludeModel(on);
    try {
      localStorage.setItem(INCLUDE_MODEL_KEY, on ? '1' : '0');
    } catch {
      // not remembered; the toggle still works for this view
    }
  };

  if (error && !queue) {
    return <ErrorPage title="The review queue could not be loaded" message={error} onRetry={() => void load()} />;
  }

  return (
    <div className="page" data-testid="review-queue">
      <header className="page-header">
        <div className="min-w-0">
          <a className="breadcrumb small" href={paths.project(projectId)} data-testid="review-back">
            <IconArrowLeft size={12} /> {project?.name ?? 'Documents'}
          </a>
          <h1>Review</h1>
          {queue ? (
            <div className="muted small" data-testid="review-summary">
              {formatCount(queue.totals.documents)} document(s) · {queue.requiredAnnotators} annotator(s) per document ·{' '}
              <a href={paths.projectSettings(projectId)}>change</a>
            </div>
          ) : null}
        </div>
        <div className="row gap">
          <PullButton projectId={projectId} />
          <button type="button" className="btn" onClick={() => setBundles(true)} disabled={!project} data-testid="bundles-button">
            Bundles…
          </button>
        </div>
      </header>
      {bundles && project ? <BundleDialog projectId={projectId} projectName={project.name} onClose={() => setBundles(false)} /> : null}
      <div className="toolbar">
        <div className="filter-chips" role="group" aria-label="Filter by review state">
          {queueFilters.map((s) => (
            <button
              key={s}
              type="button"
              className={`filter-chip${state === s ? ' active' : ''}`}
              aria-pressed={state === s}
              onClick={() => setState(s)}
              data-testid={`review-filter-${s}`}
            >
              {s === 'all' ? 'All' : stateLabels[s]} <span className="filter-count">{queue ? formatCount(s === 'all' ? queue.totals.documents : queue.totals[s]) : '–'}</span>
            </button>
          ))}
        </div>
        <div className="toolbar-spacer" />
        <label className="row gap-sm small" title="Compare the model's newest predictions too; its predictions under 80% confidence are listed apart">
          <input type="checkbox" checked={includeModel} onChange={(e) => toggleModel(e.target.checked)} data-testid="review-include-model" />
          Compare with the model
        </label>
      </div>
      <div className="page-body">
        {!queue ? (
          <LoadingPanel label="Comparing annotators…" />
        ) : queue.items.length === 0 ? (
          <p className="muted" data-testid="review-queue-empty">
            {state === 'open' ? 'No open disagreements. Documents appear here once two or more annotators have verified them and differ.' : 'No documents in this state.'}
          </p>
        ) : (
          <QueueTable projectId={projectId} queue={queue} />
        )}
        <section className="review-agreement">
          <h2>Agreement</h2>
          {agreement ? <AgreementCharts agreement={agreement} /> : <LoadingPanel label="Measuring agreement…" />}
        </section>
      </div>
    </div>
  );
}

/** The queue's documents, one row each: where each stands, its disagreements by kind, its gold. */
function QueueTable({ projectId, queue }: { projectId: string; queue: ReviewQueue }) {
  const now = useNow();
  return (
    <div className="sync-table-wrap review-table-wrap">
      <table className="sync-table review-table" data-testid="review-table">
        <thead>
          <tr>
            <th>Document</th>
            <th>State</th>
            <th className="num">Annotators</th>
            <th>Disagreements</th>
            <th className="num">Severity</th>
            <th>Gold</th>
          </tr>
        </thead>
        <tbody>
          {queue.items.map((item) => (
            <tr
              key={item.documentId}
              className="clickable"
              onClick={() => navigate(paths.reviewDocument(projectId, item.documentId))}
              data-testid="review-item"
              data-document-id={item.documentId}
              data-state={item.state}
            >
              <td className="truncate" title={item.sourceName}>
                <a href={paths.reviewDocument(projectId, item.documentId)} onClick={(e) => e.stopPropagation()} data-testid="review-item-link">
                  {item.sourceName}
                </a>
              </td>
              <td>
                <span className={`chip review-${item.state}`}>{stateLabels[item.state]}</span>
              </td>
              <td className="num" title={item.sources.map((s) => s.name).join(', ')}>
                {item.annotatorCount} / {queue.requiredAnnotators}
              </td>
              <td className="review-types" data-testid="review-item-types">
                {disagreementTypes
                  .filter((t) => item.counts.byType[t] > 0)
                  .map((t) => (
                    <span key={t} className="chip review-type" data-type={t}>
                      {item.counts.byType[t]} {typeLabels[t]}
                    </span>
                  ))}
                {item.lowConfidence ? <span className="chip review-type muted">{item.lowConfidence} low-confidence</span> : null}
              </td>
              <td className="num">{Math.round(item.score)}</td>
              <td title={item.gold?.resolvedAt}>{item.gold ? `v${item.gold.version} · ${item.gold.resolvedBy} · ${formatRelative(item.gold.resolvedAt, now)}` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
