import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
// App-wide styles before App, so each feature's own file (imported through App) comes after them.
import './styles/base.css';
import './styles/controls.css';
import './styles/shell.css';
import './styles/toasts.css';
import './styles/modal.css';
import './styles/import.css';
import './styles/toolbar.css';
import './styles/common.css';
import { App } from './App';
import { readableError } from './lib/errors';
import { useToasts } from './stores/toasts';

// Anything that slips past the views still reaches the person as a readable message.
window.addEventListener('unhandledrejection', (event) => {
  useToasts.getState().push({ kind: 'error', title: 'Something went wrong', message: readableError(event.reason).message });
});
window.addEventListener('error', (event) => {
  if (event.error === undefined && !event.message) return; // resource load errors (images) are shown in place
  useToasts.getState().push({ kind: 'error', title: 'Something went wrong', message: readableError(event.error ?? event.message).message });
});

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
