import { Component, type ErrorInfo, type ReactNode } from 'react';
import { readableError } from '../lib/errors';

interface Props {
  children: ReactNode;
  /** Changing this (e.g. the route) clears a caught error so navigation recovers. */
  resetKey?: string;
  /** Where the failure happened, for the heading. */
  where?: string;
}

interface State {
  error: unknown;
  hasError: boolean;
}

/** A render failure shows what went wrong and a way out, never a blank window. */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = { error: null, hasError: false };

  static getDerivedStateFromError(error: unknown): State {
    return { error, hasError: true };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo): void {
    console.error('Folio view failed', error, info.componentStack);
  }

  override componentDidUpdate(previous: Props): void {
    if (this.state.hasError && previous.resetKey !== this.props.resetKey) {
      this.setState({ error: null, hasError: false });
    }
  }

  override render(): ReactNode {
    if (!this.state.hasError) return this.props.children;
    const { message } = readableError(this.state.error);
    return (
      <div className="error-panel" role="alert" data-testid="error-boundary">
        <h2>{this.props.where ? `${this.props.where} could not be shown` : 'Something went wrong'}</h2>
        <p className="error-panel-message">{message}</p>
        <div className="row gap">
          <button type="button" className="btn" onClick={() => this.setState({ error: null, hasError: false })}>
            Try again
          </button>
          <button type="button" className="btn btn-ghost" onClick={() => window.location.reload()}>
            Reload Folio
          </button>
          <a className="btn btn-ghost" href="#/projects">
            Go to projects
          </a>
        </div>
      </div>
    );
  }
}
