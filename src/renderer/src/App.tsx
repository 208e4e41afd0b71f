import { useEffect } from 'react';
import { ErrorBoundary } from './components/ErrorBoundary';
import { FileDrop } from './components/FileDrop';
import { ImportDialogHost } from './components/ImportDialog';
import { Sidebar, useSidebarCollapsed } from './components/Sidebar';
import { Spinner } from './components/Spinner';
import { Toasts } from './components/Toasts';
import { useApp } from './stores/app';
import { connectEvents } from './stores/events';
import { useRoute, type Route } from './stores/route';
import { DocumentListView } from './views/DocumentListView';
import { DocumentView } from './annotate/DocumentView';
import { FirstStart } from './views/FirstStart';
import { NotFound } from './views/NotFound';
import { ProjectListView } from './views/ProjectListView';
import { ProjectSettingsView } from './views/ProjectSettingsView';
import { EvaluationsView } from './evaluation/EvaluationsView';
import { ReviewDocumentView } from './review/ReviewDocumentView';
import { ReviewQueueView } from './review/ReviewQueueView';
import { SettingsView } from './views/SettingsView';
import { SyncView } from './sync/SyncView';

function useTheme() {
  const theme = useApp((s) => s.settings?.ui.theme ?? 'system');
  useEffect(() => {
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const apply = () => {
      const resolved = theme === 'system' ? (media.matches ? 'dark' : 'light') : theme;
      document.documentElement.dataset.theme = resolved;
    };
    apply();
    media.addEventListener('change', apply);
    return () => media.removeEventListener('change', apply);
  }, [theme]);
}

function routeKey(route: Route): string {
  return JSON.stringify(route);
}

function CurrentView({ route }: { route: Route }) {
  switch (route.name) {
    case 'projects':
      return <ProjectListView />;
    case 'project':
      return <DocumentListView projectId={route.projectId} />;
    case 'projectSettings':
      return <ProjectSettingsView projectId={route.projectId} />;
    case 'document':
      return <DocumentView projectId={route.projectId} documentId={route.documentId} pageNumber={route.page} />;
    case 'review':
      return <ReviewQueueView projectId={route.projectId} />;
    case 'reviewDocument':
      return <ReviewDocumentView key={route.documentId} projectId={route.projectId} documentId={route.documentId} />;
    case 'evaluations':
      return <EvaluationsView projectId={route.projectId} />;
    case 'settings':
      return <SettingsView />;
    case 'sync':
      return <SyncView />;
    case 'notFound':
      return <NotFound path={route.path} />;
  }
}

const viewNames: Record<Route['name'], string> = {
  projects: 'The project list',
  project: 'The document list',
  projectSettings: 'Project settings',
  document: 'This document',
  review: 'The review queue',
  reviewDocument: 'This review',
  evaluations: 'Evaluations',
  settings: 'Settings',
  sync: 'Sync status',
  notFound: 'This page',
};

export function App() {
  const booting = useApp((s) => s.booting);
  const bootError = useApp((s) => s.bootError);
  const onboarding = useApp((s) => s.onboarding);
  const boot = useApp((s) => s.boot);
  const route = useRoute((s) => s.route);
  const sidebarCollapsed = useSidebarCollapsed();
  useTheme();

  useEffect(() => {
    connectEvents();
    void boot();
  }, [boot]);

  let content;
  if (booting) {
    content = (
      <div className="splash" data-testid="splash">
        <Spinner size={24} label="Starting Folio…" />
      </div>
    );
  } else if (bootError) {
    content = (
      <div className="splash">
        <div className="error-panel" role="alert" data-testid="boot-error">
          <h2>Folio could not start</h2>
          <p className="error-panel-message">{bootError}</p>
          <div className="row gap">
            <button type="button" className="btn btn-primary" onClick={() => void boot()}>
              Try again
            </button>
          </div>
        </div>
      </div>
    );
  } else if (onboarding) {
    content = (
      <ErrorBoundary where="The welcome screen">
        <FirstStart />
      </ErrorBoundary>
    );
  } else {
    content = (
      <div className={`shell${sidebarCollapsed ? ' sidebar-collapsed' : ''}`}>
        <Sidebar collapsed={sidebarCollapsed} />
        <main className="main" id="main">
          <ErrorBoundary resetKey={routeKey(route)} where={viewNames[route.name]}>
            <CurrentView route={route} />
          </ErrorBoundary>
        </main>
        <ErrorBoundary where="The import dialog">
          <ImportDialogHost />
        </ErrorBoundary>
      </div>
    );
  }

  return (
    <ErrorBoundary where="Folio">
      {content}
      <FileDrop enabled={!booting && !bootError && !onboarding} />
      <Toasts />
    </ErrorBoundary>
  );
}
