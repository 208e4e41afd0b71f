import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { readableError } from './lib/errors';
import { useToasts } from './stores/toasts';
import './styles/app.css';

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
