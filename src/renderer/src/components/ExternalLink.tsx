import type { ReactNode } from 'react';
import { api } from '../lib/api';
import { getPlatform } from '../platform';
import { toastError } from '../stores/toasts';

/**
 * Open a W&B page: in the browser host a new tab is just another page of the user's browser; the
 * desktop app asks the shell, which opens only https links to the configured W&B host.
 */
async function openExternal(url: string): Promise<void> {
  if (getPlatform().kind === 'web') {
    window.open(url, '_blank', 'noopener');
    return;
  }
  try {
    const { opened } = await api()['shell.openExternal']({ url });
    if (!opened) window.open(url, '_blank', 'noopener');
  } catch (err) {
    toastError('The link could not be opened', err);
  }
}

export function ExternalLink({ url, children, testId }: { url: string; children: ReactNode; testId: string }) {
  return (
    <a
      href={url}
      target="_blank"
      rel="noopener noreferrer"
      className="ext-link"
      data-testid={testId}
      onClick={(e) => {
        e.preventDefault();
        void openExternal(url);
      }}
    >
      {children}
    </a>
  );
}

