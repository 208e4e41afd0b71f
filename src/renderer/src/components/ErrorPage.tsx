import type { ReactNode } from 'react';
import { ErrorPanel } from './ErrorPanel';

interface ErrorPageProps {
  title: string;
  message: string;
  /** Shown as a "Try again" button before the other ways out. */
  onRetry?(): void;
  /** Other ways out (links back). */
  children?: ReactNode;
}

/** A view that could not load, in place of the whole page. */
export function ErrorPage({ title, message, onRetry, children }: ErrorPageProps) {
  return (
    <div className="page">
      <ErrorPanel title={title} message={message}>
        {onRetry ? (
          <button type="button" className="btn" onClick={onRetry}>
            Try again
          </button>
        ) : null}
        {children}
      </ErrorPanel>
    </div>
  );
}
