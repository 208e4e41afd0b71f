import { useEffect, useRef, useState } from 'react';
import { importDrop } from '../stores/fileImport';
import { useProjects } from '../stores/projects';
import { useRoute, type Route } from '../stores/route';
import { useToasts } from '../stores/toasts';
import { IconUpload } from './Icons';

/** The project a page belongs to, if any: a drop there imports into it. */
function projectOf(route: Route): string | null {
  return 'projectId' in route ? route.projectId : null;
}

const carriesFiles = (e: DragEvent): boolean => e.dataTransfer?.types.includes('Files') ?? false;

/**
 * Files or folders dragged from the desktop onto the window: anywhere in a project they are
 * imported into it (the import dialog opens with the upload's progress); elsewhere the drop is
 * refused with a word on where to go. The browser never gets to open a dropped file in place of
 * Folio.
 */
export function FileDrop({ enabled }: { enabled: boolean }) {
  const route = useRoute((s) => s.route);
  const projectId = enabled ? projectOf(route) : null;
  const projectName = useProjects((s) => (projectId ? (s.byId[projectId]?.project?.name ?? null) : null));
  const [dragging, setDragging] = useState(false);
  const target = useRef(projectId);
  useEffect(() => {
    target.current = projectId;
  }, [projectId]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    // A drag sends dragover every few dozen ms while it is over the window; when they stop, it left.
    const over = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      if (e.dataTransfer) e.dataTransfer.dropEffect = target.current ? 'copy' : 'none';
      setDragging(true);
      clearTimeout(timer);
      timer = setTimeout(() => setDragging(false), 400);
    };
    const drop = (e: DragEvent) => {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      clearTimeout(timer);
      setDragging(false);
      if (target.current && e.dataTransfer) importDrop(target.current, e.dataTransfer);
      else useToasts.getState().push({ kind: 'info', title: 'Open a project to import documents', message: 'Drop files and folders on a project’s page to import them into it.' });
    };
    window.addEventListener('dragenter', over);
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      clearTimeout(timer);
      window.removeEventListener('dragenter', over);
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, []);

  if (!dragging) return null;
  return (
    <div className={`drop-overlay${projectId ? '' : ' drop-overlay-refused'}`} data-testid="drop-overlay" aria-hidden="true">
      <div className="drop-overlay-card">
        <IconUpload size={28} />
        {projectId ? (
          <>
            <strong>Drop to import into {projectName ?? 'this project'}</strong>
            <span className="muted small">Files and whole folders: PNG, JPEG, TIFF, WebP and PDF</span>
          </>
        ) : (
          <>
            <strong>Open a project to import documents</strong>
            <span className="muted small">Drop files on a project’s page to import them into it</span>
          </>
        )}
      </div>
    </div>
  );
}
