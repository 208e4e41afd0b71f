import { useApp } from '../stores/app';
import { useProjects } from '../stores/projects';
import { paths, useRoute } from '../stores/route';
import { IconCompare, IconGauge, IconFile, IconFolder, IconSettings } from './Icons';
import { IconCloud, SyncIndicator } from './SyncIndicator';

function NavLink({ href, active, children, testId }: { href: string; active: boolean; children: React.ReactNode; testId?: string }) {
  return (
    <a href={href} className={`nav-link${active ? ' active' : ''}`} aria-current={active ? 'page' : undefined} data-testid={testId}>
      {children}
    </a>
  );
}

export function Sidebar() {
  const route = useRoute((s) => s.route);
  const settings = useApp((s) => s.settings);
  const projectId = 'projectId' in route ? route.projectId : null;
  const project = useProjects((s) => (projectId ? (s.byId[projectId]?.project ?? null) : null));
  const name = settings?.annotator.name ?? '';

  return (
    <nav className="sidebar" aria-label="Main">
      <a className="brand" href={paths.projects()}>
        <span className="brand-mark" aria-hidden="true">
          F
        </span>
        <span className="brand-name">Folio</span>
      </a>
      <div className="nav-section">
        <NavLink href={paths.projects()} active={route.name === 'projects'} testId="nav-projects">
          <IconFolder /> Projects
        </NavLink>
      </div>
      {projectId ? (
        <div className="nav-section">
          <div className="nav-heading" title={project?.name}>
            {project?.name ?? 'Project'}
          </div>
          <NavLink href={paths.project(projectId)} active={route.name === 'project' || route.name === 'document'} testId="nav-documents">
            <IconFile /> Documents
          </NavLink>
          <NavLink href={paths.review(projectId)} active={route.name === 'review' || route.name === 'reviewDocument'} testId="nav-review">
            <IconCompare /> Review
          </NavLink>
          <NavLink href={paths.evaluations(projectId)} active={route.name === 'evaluations'} testId="nav-evaluations">
            <IconGauge /> Evaluations
          </NavLink>
          <NavLink href={paths.projectSettings(projectId)} active={route.name === 'projectSettings'} testId="nav-project-settings">
            <IconSettings /> Project settings
          </NavLink>
        </div>
      ) : null}
      <div className="sidebar-spacer" />
      <div className="nav-section">
        <NavLink href={paths.sync()} active={route.name === 'sync'} testId="nav-sync">
          <IconCloud /> Sync
        </NavLink>
        <NavLink href={paths.settings()} active={route.name === 'settings'} testId="nav-settings">
          <IconSettings /> Settings
        </NavLink>
        {name ? (
          <div className="sidebar-user" title={`Annotating as ${name}`} data-testid="sidebar-user">
            <span className="avatar" aria-hidden="true">
              {name.trim().charAt(0).toUpperCase()}
            </span>
            <span className="sidebar-user-name">{name}</span>
          </div>
        ) : null}
      </div>
      <SyncIndicator />
    </nav>
  );
}
