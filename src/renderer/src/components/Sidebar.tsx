import { useEffect, useState } from 'react';
import { actionFor, displayCombo, resolveKeymap } from '../annotate/keymap';
import { useApp } from '../stores/app';
import { useProjects } from '../stores/projects';
import { paths, useRoute } from '../stores/route';
import { IconCompare, IconGauge, IconFile, IconFolder, IconSettings, IconSidebar } from './Icons';
import { isTypingTarget } from './PageCanvas';
import { IconCloud, SyncIndicator } from '../sync/SyncIndicator';

/** Below this window width (a 1280 px laptop included) the sidebar starts collapsed, unless the user chose otherwise. */
const NARROW_WINDOW = '(max-width: 1299px)';

/** Whether the sidebar is collapsed to a rail of icons: the saved choice, else the window's width. */
export function useSidebarCollapsed(): boolean {
  const choice = useApp((s) => s.settings?.ui.sidebar ?? 'auto');
  const [narrow, setNarrow] = useState(() => window.matchMedia(NARROW_WINDOW).matches);
  useEffect(() => {
    const media = window.matchMedia(NARROW_WINDOW);
    const update = () => setNarrow(media.matches);
    media.addEventListener('change', update);
    return () => media.removeEventListener('change', update);
  }, []);
  return choice === 'collapsed' || (choice === 'auto' && narrow);
}

/** An explicit choice is remembered; "auto" only decides until the user picks. */
const toggleSidebar = (collapsed: boolean) => void useApp.getState().setUi({ sidebar: collapsed ? 'expanded' : 'collapsed' });

function NavLink({ href, active, children, testId, title }: { href: string; active: boolean; children: React.ReactNode; testId?: string; title?: string }) {
  return (
    <a href={href} className={`nav-link${active ? ' active' : ''}`} aria-current={active ? 'page' : undefined} data-testid={testId} title={title}>
      {children}
    </a>
  );
}

export function Sidebar({ collapsed }: { collapsed: boolean }) {
  const route = useRoute((s) => s.route);
  const settings = useApp((s) => s.settings);
  const projectId = 'projectId' in route ? route.projectId : null;
  const project = useProjects((s) => (projectId ? (s.byId[projectId]?.project ?? null) : null));
  const name = settings?.annotator.name ?? '';
  const keymap = resolveKeymap(settings?.ui.keymap ?? {});
  const toggleKey = keymap['view.toggleSidebar']?.[0];

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (isTypingTarget(e.target) || actionFor(resolveKeymap(useApp.getState().settings?.ui.keymap ?? {}), e) !== 'view.toggleSidebar') return;
      e.preventDefault();
      toggleSidebar(collapsed);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [collapsed]);

  // Collapsed, the links keep their names for screen readers and show them on hover.
  const tip = (text: string) => (collapsed ? text : undefined);
  const toggleTitle = `${collapsed ? 'Expand' : 'Collapse'} the sidebar${toggleKey ? ` (${displayCombo(toggleKey)})` : ''}`;
  return (
    <nav className="sidebar" aria-label="Main" data-testid="sidebar" data-collapsed={collapsed}>
      <div className="sidebar-top">
        <a className="brand" href={paths.projects()} title={tip('Folio: projects')}>
          <span className="brand-mark" aria-hidden="true">
            F
          </span>
          <span className="brand-name">Folio</span>
        </a>
        <button type="button" className="icon-btn sidebar-toggle" onClick={() => toggleSidebar(collapsed)} aria-expanded={!collapsed} aria-label={toggleTitle} title={toggleTitle} data-testid="sidebar-toggle">
          <IconSidebar />
        </button>
      </div>
      <div className="nav-section">
        <NavLink href={paths.projects()} active={route.name === 'projects'} testId="nav-projects" title={tip('Projects')}>
          <IconFolder /> Projects
        </NavLink>
      </div>
      {projectId ? (
        <div className="nav-section">
          <div className="nav-heading" title={project?.name}>
            {project?.name ?? 'Project'}
          </div>
          <NavLink href={paths.project(projectId)} active={route.name === 'project' || route.name === 'document'} testId="nav-documents" title={tip('Documents')}>
            <IconFile /> Documents
          </NavLink>
          <NavLink href={paths.review(projectId)} active={route.name === 'review' || route.name === 'reviewDocument'} testId="nav-review" title={tip('Review')}>
            <IconCompare /> Review
          </NavLink>
          <NavLink href={paths.evaluations(projectId)} active={route.name === 'evaluations'} testId="nav-evaluations" title={tip('Evaluations')}>
            <IconGauge /> Evaluations
          </NavLink>
          <NavLink href={paths.projectSettings(projectId)} active={route.name === 'projectSettings'} testId="nav-project-settings" title={tip('Project settings')}>
            <IconSettings /> Project settings
          </NavLink>
        </div>
      ) : null}
      <div className="sidebar-spacer" />
      <div className="nav-section">
        <NavLink href={paths.sync()} active={route.name === 'sync'} testId="nav-sync" title={tip('Sync')}>
          <IconCloud /> Sync
        </NavLink>
        <NavLink href={paths.settings()} active={route.name === 'settings'} testId="nav-settings" title={tip('Settings')}>
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
