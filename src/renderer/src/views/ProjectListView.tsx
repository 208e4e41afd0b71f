import { useEffect, useState } from 'react';
import { CreateProjectDialog } from '../components/CreateProjectDialog';
import { DemoProgress } from '../components/DemoProgress';
import { ErrorPanel, InlineError } from '../components/ErrorPanel';
import { IconPlus, IconSparkles } from '../components/Icons';
import { ProgressBar } from '../components/ProgressBar';
import { LoadingPanel, Spinner } from '../components/Spinner';
import { formatCount, formatDateTime, formatRelative, plural } from '../lib/format';
import { useDemo } from '../stores/demo';
import { currentRun, isUnfinished, runProgressLabel, usePreannotation } from '../preannotate/preannotationStore';
import { useProjects } from '../stores/projects';
import { navigate, paths } from '../stores/route';
import { useNow } from '../lib/useNow';
import './projects.css';

/** A project's unfinished pre-annotation run on its card: progress, and whether it runs, is paused or stopped. */
function CardPreannotation({ projectId }: { projectId: string }) {
  const run = usePreannotation((s) => currentRun(s.runs, projectId));
  if (!run || !isUnfinished(run)) return null;
  const finished = run.pages.done + run.pages.failed + run.pages.cancelled;
  return (
    <div className={`project-card-run run-${run.state}`} data-testid="project-preannotation" data-state={run.state} title={run.stopReason?.message}>
      <span className="project-card-run-label">
        {run.state === 'running' ? <Spinner size={12} /> : null}
        {runProgressLabel(run)}
      </span>
      <ProgressBar value={finished} max={run.pages.total} label="Pre-annotation progress" />
    </div>
  );
}

export function ProjectListView() {
  const list = useProjects((s) => s.list);
  const error = useProjects((s) => s.listError);
  const loadList = useProjects((s) => s.loadList);
  const demoRunning = useDemo((s) => s.running);
  const demoError = useDemo((s) => s.error);
  const openDemo = useDemo((s) => s.open);
  const [creating, setCreating] = useState(false);
  const now = useNow();

  const loadRuns = usePreannotation((s) => s.loadActive);
  useEffect(() => {
    void loadList();
    // Runs in progress show on their cards; preannotate.progress events keep them live.
    void loadRuns();
  }, [loadList, loadRuns]);

  const startDemo = async () => {
    const project = await openDemo();
    if (project) navigate(paths.project(project.id));
  };

  const hasDemo = list?.some((p) => p.isDemo) ?? false;

  return (
    <div className="page" data-testid="project-list">
      <header className="page-header">
        <div>
          <h1>Projects</h1>
          {list ? <div className="muted small">{plural(list.length, 'project')}</div> : null}
        </div>
        <div className="row gap">
          {!hasDemo && list && list.length > 0 ? (
            <button type="button" className="btn" onClick={() => void startDemo()} disabled={demoRunning} data-testid="open-demo">
              <IconSparkles /> Open the demo project
            </button>
          ) : null}
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)} data-testid="new-project">
            <IconPlus /> New project
          </button>
        </div>
      </header>

      <div className="page-body">
        <InlineError message={demoError} testId="demo-error" />
        {error && list ? <InlineError message={`The project list could not be refreshed: ${error}`} testId="projects-error" /> : null}
        {demoRunning ? <DemoProgress /> : null}
        {error && !list ? (
          <ErrorPanel title="Projects could not be loaded" message={error}>
            <button type="button" className="btn" onClick={() => void loadList()}>
              Try again
            </button>
          </ErrorPanel>
        ) : !list ? (
          <LoadingPanel label="Loading projects…" />
        ) : list.length === 0 ? (
          demoRunning ? null : (
            <div className="empty" data-testid="projects-empty">
              <h2>No projects yet</h2>
              <p className="muted">Try Folio on generated business documents, or create a project and import your own.</p>
              <div className="row gap center">
                <button type="button" className="btn btn-primary" onClick={() => void startDemo()} data-testid="open-demo">
                  <IconSparkles /> Open the demo project
                </button>
                <button type="button" className="btn" onClick={() => setCreating(true)}>
                  <IconPlus /> Create a project
                </button>
              </div>
            </div>
          )
        ) : (
          <div className="project-grid">
            {list.map((p) => (
              <a key={p.id} href={paths.project(p.id)} className="project-card" data-testid="project-card" data-project-id={p.id}>
                <div className="project-card-top">
                  <span className="project-card-name" data-testid="project-name">
                    {p.name}
                  </span>
                  {p.isDemo ? (
                    <span className="badge" data-testid="demo-badge">
                      Demo
                    </span>
                  ) : null}
                </div>
                <dl className="project-card-stats">
                  <div>
                    <dt>Documents</dt>
                    <dd data-testid="project-documents">{formatCount(p.documentCount)}</dd>
                  </div>
                  <div>
                    <dt>Pages</dt>
                    <dd data-testid="project-pages">{formatCount(p.pageCount)}</dd>
                  </div>
                  <div>
                    <dt>Verified</dt>
                    <dd data-testid="project-verified">{formatCount(p.verifiedCount)}</dd>
                  </div>
                </dl>
                <CardPreannotation projectId={p.id} />
                <div className="project-card-foot muted small" title={formatDateTime(p.updatedAt)}>
                  Updated {formatRelative(p.updatedAt, now)}
                </div>
              </a>
            ))}
          </div>
        )}
      </div>
      {creating ? <CreateProjectDialog onClose={() => setCreating(false)} /> : null}
    </div>
  );
}
