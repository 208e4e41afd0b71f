import { useEffect, type SVGProps } from 'react';
import type { SyncStatusView } from '../../../shared/domain/sync';
import { formatCount, plural } from '../lib/format';
import { paths } from '../stores/route';
import { useSync } from './syncStore';

export const IconCloud = ({ size = 16, ...rest }: SVGProps<SVGSVGElement> & { size?: number }) => (
  <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={1.8} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false" {...rest}>
    <path d="M7 18a4.5 4.5 0 0 1-.6-8.96A6 6 0 0 1 18 9.5a4.25 4.25 0 0 1-.5 8.5z" />
  </svg>
);

export type SyncTone = 'ok' | 'busy' | 'waiting' | 'off' | 'attention';

/** A short name for the state and a colour for it, shared by the indicator and the status page. */
export function syncHeadline(status: SyncStatusView): { label: string; tone: SyncTone } {
  const waiting = status.outbox.pending + status.outbox.inFlight;
  switch (status.state) {
    case 'syncing':
      return { label: 'Syncing', tone: 'busy' };
    case 'offline':
      return { label: 'Offline', tone: 'off' };
    case 'not_configured':
      return { label: 'Not set up', tone: 'off' };
    case 'needs_attention':
      return { label: 'Needs attention', tone: 'attention' };
    case 'stopped':
      return { label: 'Paused', tone: 'off' };
    case 'other_process':
      return { label: 'Syncing elsewhere', tone: 'busy' };
    case 'idle':
      if (status.outbox.dead > 0 && waiting === 0) return { label: `${formatCount(status.outbox.dead)} not sent`, tone: 'attention' };
      return waiting > 0 ? { label: 'Waiting', tone: 'waiting' } : { label: 'Synced', tone: 'ok' };
  }
}

/** Progress of the running build in words: "uploading 3/7 files". */
export function progressText(status: SyncStatusView): string | null {
  const p = status.currentJob?.progress;
  if (!p) return status.state === 'syncing' ? 'starting' : null;
  return p.filesTotal > 0 ? `${p.phase} ${p.filesDone}/${p.filesTotal} files` : p.phase;
}

/** What is waiting, in versions and the documents they are of: "3 verified versions of 2 documents". */
export function waitingText(status: SyncStatusView): string {
  const versions = status.outbox.pending + status.outbox.inFlight;
  return `${plural(versions, 'verified version')} of ${plural(status.outbox.waitingDocuments, 'document')}`;
}

/**
 * Always visible at the bottom of the sidebar: how many verified versions wait to reach W&B and
 * what sync is doing, with the engine's one-line reason when nothing syncs. Live from `sync.changed`.
 */
export function SyncIndicator() {
  const status = useSync((s) => s.status);
  const statusError = useSync((s) => s.statusError);
  const loadStatus = useSync((s) => s.loadStatus);

  useEffect(() => {
    void loadStatus();
  }, [loadStatus]);

  if (!status) {
    return (
      <a className="sync-indicator tone-off" href={paths.sync()} data-testid="sync-indicator" data-state="unknown" title={statusError ?? undefined}>
        <span className="sync-indicator-top">
          <IconCloud />
          <span className="sync-indicator-label">{statusError ? 'Sync status unavailable' : 'Sync…'}</span>
        </span>
      </a>
    );
  }

  const { label, tone } = syncHeadline(status);
  const waiting = status.outbox.pending + status.outbox.inFlight;
  const progress = progressText(status);
  const p = status.currentJob?.progress;
  // Say why when nothing syncs; when all is well the label says enough.
  const showReason = status.state !== 'idle' || status.outbox.dead > 0;

  return (
    <a
      className={`sync-indicator tone-${tone}`}
      href={paths.sync()}
      data-testid="sync-indicator"
      data-state={status.state}
      data-pending={waiting}
      title={status.message}
      aria-label={`Sync: ${label}. ${waitingText(status)} waiting. ${status.message}`}
    >
      <span className="sync-indicator-top">
        <span className={`sync-dot${tone === 'busy' ? ' sync-dot-pulse' : ''}`} aria-hidden="true" />
        <span className="sync-indicator-label" data-testid="sync-indicator-label">
          {label}
        </span>
        <span className="sync-indicator-count" data-testid="sync-indicator-pending" title={`${waitingText(status)} waiting to sync`}>
          {formatCount(waiting)} waiting
        </span>
      </span>
      {status.state === 'syncing' ? (
        <span className="sync-indicator-progress" data-testid="sync-indicator-progress">
          <span className="sync-mini-bar">
            <span className="sync-mini-fill" style={{ width: p && p.filesTotal > 0 ? `${Math.round((p.filesDone / p.filesTotal) * 100)}%` : '15%' }} />
          </span>
          <span className="sync-indicator-reason">{progress}</span>
        </span>
      ) : showReason ? (
        <span className="sync-indicator-reason" data-testid="sync-indicator-reason">
          {status.message}
        </span>
      ) : null}
    </a>
  );
}
