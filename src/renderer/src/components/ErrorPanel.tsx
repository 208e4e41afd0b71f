import type { ReactNode } from 'react';

/** A failure in place of the content it stops, with what to do next. */
export function ErrorPanel({ title, message, children }: { title: string; message: string; children?: ReactNode }) {
  return (
    <div className="error-panel" role="alert" data-testid="error-panel">
      <h2>{title}</h2>
      <p className="error-panel-message">{message}</p>
      {children ? <div className="row gap">{children}</div> : null}
    </div>
  );
}

export function InlineError({ message, testId }: { message: string | null | undefined; testId?: string }) {
  if (!message) return null;
  return (
    <div className="inline-error" role="alert" data-testid={testId ?? 'inline-error'}>
      {message}
    </div>
  );
}
