import { useState } from 'react';
import { errorMessage } from '../../lib/errors';
import { toastSuccess } from '../../stores/toasts';

/** One form of the settings page: busy while saving, its own error, a toast when saved. */
export function useSection() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (what: string, fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
      toastSuccess(what);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}
