import { useState } from 'react';
import type { ConnectionService, ConnectionTest as Result } from '../../../../shared/domain/connection';
import { IconAlert, IconCheck } from '../../components/Icons';
import { Spinner } from '../../components/Spinner';
import { api } from '../../lib/api';
import { errorMessage } from '../../lib/errors';

const serviceNames: Record<ConnectionService, string> = { anthropic: 'Claude', wandb: 'W&B' };

/**
 * "Test connection": one real request with the saved key and URL; the answer says what was
 * checked, or exactly what failed (no key, bad key, no permission, host unreachable, TLS, …).
 * `unsaved`: the form above has changes the test would not see.
 */
export function ConnectionTest({ service, unsaved }: { service: ConnectionService; unsaved: boolean }) {
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<string | null>(null);
  const test = async () => {
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      setResult(await api()['settings.testConnection']({ service }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="connection-test" data-testid={`connection-test-${service}`}>
      <div className="row gap-sm">
        <button type="button" className="btn" onClick={() => void test()} disabled={busy} data-testid={`test-connection-${service}`}>
          Test connection
        </button>
        {busy ? <Spinner size={14} label={`Asking ${serviceNames[service]}…`} /> : null}
        {unsaved && !busy ? <span className="muted small">Tests the saved settings: save your changes first.</span> : null}
      </div>
      {result ? (
        <div
          className={`connection-result ${result.ok ? 'connection-ok' : 'connection-failed'}`}
          role="status"
          data-testid={`connection-result-${service}`}
          data-ok={String(result.ok)}
          data-problem={result.problem ?? ''}
        >
          {result.ok ? <IconCheck /> : <IconAlert />}
          <span className="connection-message">{result.message}</span>
          <span className="muted small">{result.elapsedMs} ms</span>
        </div>
      ) : null}
      {error ? (
        <div className="connection-result connection-failed" role="alert" data-testid={`connection-result-${service}`} data-ok="false">
          <IconAlert />
          <span className="connection-message">The test could not run: {error}</span>
        </div>
      ) : null}
    </div>
  );
}
