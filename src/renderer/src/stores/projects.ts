import { create } from 'zustand';
import type { Project, ProjectSummary } from '../../../shared/domain/model';
import { api } from '../lib/api';
import { errorMessage } from '../lib/errors';

interface ProjectEntry {
  project: Project | null;
  error: string | null;
  loading: boolean;
}

interface ProjectsState {
  list: ProjectSummary[] | null;
  listError: string | null;
  listLoading: boolean;
  byId: Record<string, ProjectEntry>;
  loadList(): Promise<void>;
  load(projectId: string): Promise<Project | null>;
  /** A project the core just returned (create, update, openDemo). */
  put(project: Project): void;
}

export const useProjects = create<ProjectsState>((set, get) => ({
  list: null,
  listError: null,
  listLoading: false,
  byId: {},
  async loadList() {
    set({ listLoading: true });
    try {
      const list = await api()['projects.list']({});
      set({ list, listError: null, listLoading: false });
    } catch (err) {
      set({ listError: errorMessage(err), listLoading: false });
    }
  },
  async load(projectId) {
    const previous = get().byId[projectId];
    set({ byId: { ...get().byId, [projectId]: { project: previous?.project ?? null, error: null, loading: true } } });
    try {
      const project = await api()['projects.get']({ projectId });
      set({ byId: { ...get().byId, [projectId]: { project, error: null, loading: false } } });
      return project;
    } catch (err) {
      set({ byId: { ...get().byId, [projectId]: { project: null, error: errorMessage(err), loading: false } } });
      return null;
    }
  },
  put(project) {
    const list = get().list;
    const summary: ProjectSummary = {
      id: project.id,
      name: project.name,
      isDemo: project.isDemo,
      requiredAnnotators: project.requiredAnnotators,
      documentCount: project.documentCount,
      pageCount: project.pageCount,
      verifiedCount: project.verifiedCount,
      createdAt: project.createdAt,
      updatedAt: project.updatedAt,
    };
    set({
      byId: { ...get().byId, [project.id]: { project, error: null, loading: false } },
      list: list ? (list.some((p) => p.id === project.id) ? list.map((p) => (p.id === project.id ? summary : p)) : [summary, ...list]) : list,
    });
  },
}));
