import { create } from 'zustand';

/**
 * In-app navigation on the URL hash, so a reload keeps the place:
 *   #/projects, #/projects/<id>, #/projects/<id>/settings,
 *   #/projects/<id>/documents/<docId>?page=<n>, #/projects/<id>/review,
 *   #/projects/<id>/review/<docId>, #/projects/<id>/evaluations, #/settings, #/sync
 */
export type Route =
  | { name: 'projects' }
  | { name: 'project'; projectId: string }
  | { name: 'projectSettings'; projectId: string }
  | { name: 'document'; projectId: string; documentId: string; page: number }
  | { name: 'review'; projectId: string }
  | { name: 'reviewDocument'; projectId: string; documentId: string }
  | { name: 'evaluations'; projectId: string }
  | { name: 'settings' }
  | { name: 'sync' }
  | { name: 'notFound'; path: string };

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/projects';
  const [pathPart = '', query = ''] = raw.split('?');
  const params = new URLSearchParams(query);
  let segments: string[];
  try {
    segments = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return { name: 'notFound', path: raw };
  }
  const [first, projectId, section, documentId, ...rest] = segments;
  if (first === 'settings' && segments.length === 1) return { name: 'settings' };
  if (first === 'sync' && segments.length === 1) return { name: 'sync' };
  if (first !== 'projects') return { name: 'notFound', path: raw };
  if (!projectId) return { name: 'projects' };
  if (!section) return { name: 'project', projectId };
  if (section === 'settings' && !documentId) return { name: 'projectSettings', projectId };
  if (section === 'evaluations' && !documentId) return { name: 'evaluations', projectId };
  if (section === 'review' && rest.length === 0) return documentId ? { name: 'reviewDocument', projectId, documentId } : { name: 'review', projectId };
  if (section === 'documents' && documentId && rest.length === 0) {
    const page = Number.parseInt(params.get('page') ?? '1', 10);
    return { name: 'document', projectId, documentId, page: Number.isFinite(page) && page > 0 ? page : 1 };
  }
  return { name: 'notFound', path: raw };
}

const enc = encodeURIComponent;

export const paths = {
  projects: () => '#/projects',
  project: (projectId: string) => `#/projects/${enc(projectId)}`,
  projectSettings: (projectId: string) => `#/projects/${enc(projectId)}/settings`,
  document: (projectId: string, documentId: string, page = 1) =>
    `#/projects/${enc(projectId)}/documents/${enc(documentId)}${page > 1 ? `?page=${page}` : ''}`,
  review: (projectId: string) => `#/projects/${enc(projectId)}/review`,
  reviewDocument: (projectId: string, documentId: string) => `#/projects/${enc(projectId)}/review/${enc(documentId)}`,
  evaluations: (projectId: string) => `#/projects/${enc(projectId)}/evaluations`,
  settings: () => '#/settings',
  sync: () => '#/sync',
};

interface RouteState {
  route: Route;
  navigate(hash: string, opts?: { replace?: boolean }): void;
}

export const useRoute = create<RouteState>(() => ({
  route: parseHash(window.location.hash),
  navigate(hash, opts) {
    if (opts?.replace) {
      const url = new URL(window.location.href);
      url.hash = hash;
      window.history.replaceState(null, '', url.toString());
      useRoute.setState({ route: parseHash(hash) });
    } else if (window.location.hash !== hash) {
      window.location.hash = hash; // fires hashchange, which updates the route
    }
  },
}));

window.addEventListener('hashchange', () => {
  useRoute.setState({ route: parseHash(window.location.hash) });
});

export function navigate(hash: string, opts?: { replace?: boolean }): void {
  useRoute.getState().navigate(hash, opts);
}
