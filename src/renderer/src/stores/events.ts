import { events } from '../lib/api';
import { RECONNECTED_EVENT } from '../platform/web';
import { useApp } from './app';
import { useDocuments } from './documents';
import { useJobs } from './jobs';
import { useOcr } from '../ocr/ocrStore';
import { usePreannotation } from '../preannotate/preannotationStore';
import { useProjects } from './projects';
import { useSync } from '../sync/syncStore';

/** Run `fn` at most once per `ms`, always once more after the last call (an import sends many events). */
function throttle(fn: () => void, ms: number): () => void {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let last = 0;
  return () => {
    if (timer) return;
    const wait = Math.max(0, last + ms - Date.now());
    timer = setTimeout(() => {
      timer = null;
      last = Date.now();
      fn();
    }, wait);
  };
}

const reloadByProject = new Map<string, () => void>();

function refreshProject(projectId: string): void {
  let reload = reloadByProject.get(projectId);
  if (!reload) {
    reload = throttle(() => {
      const projects = useProjects.getState();
      if (projects.list) void projects.loadList();
      if (projects.byId[projectId]) void projects.load(projectId);
      const documents = useDocuments.getState();
      if (documents.query?.projectId === projectId) void documents.reload();
    }, 600);
    reloadByProject.set(projectId, reload);
  }
  reload();
}

const reloadList = throttle(() => void useProjects.getState().loadList(), 600);

let connected = false;

/** Subscribe once to the core's events and keep the stores fresh. */
export function connectEvents(): void {
  if (connected) return;
  connected = true;
  const bus = events();
  bus.on('import.progress', (job) => useJobs.getState().apply('import', job));
  bus.on('import.finished', (job) => {
    useJobs.getState().apply('import', job);
    refreshProject(job.projectId);
  });
  bus.on('documents.changed', ({ projectId }) => refreshProject(projectId));
  // Sync: every event carries the full status (pending count, state, progress of the current build).
  bus.on('sync.changed', (status) => useSync.getState().applyStatus(status));
  // Pre-annotation: each event carries the whole run status (progress, cost, latency histogram).
  bus.on('preannotate.progress', (run) => usePreannotation.getState().apply(run));
  bus.on('preannotate.finished', (run) => {
    usePreannotation.getState().apply(run);
    refreshProject(run.projectId);
  });
  // Page OCR: each event carries the whole run; its end brings new words (search) and Local OCR predictions.
  bus.on('ocr.progress', (job) => useOcr.getState().applyJob(job));
  bus.on('ocr.finished', (job) => {
    useOcr.getState().applyJob(job);
    refreshProject(job.projectId);
  });
  // Exports and annotation imports: each event carries the whole job.
  bus.on('export.progress', (job) => useJobs.getState().apply('export', job));
  bus.on('export.finished', (job) => useJobs.getState().apply('export', job));
  bus.on('annotationsImport.progress', (job) => useJobs.getState().apply('annotationsImport', job));
  bus.on('annotationsImport.finished', (job) => {
    useJobs.getState().apply('annotationsImport', job);
    refreshProject(job.projectId);
  });
  // After a dropped connection, events were missed: reload what is on screen.
  window.addEventListener(RECONNECTED_EVENT, () => {
    void useApp.getState().refresh();
    const projects = useProjects.getState();
    if (projects.list) void projects.loadList();
    for (const id of Object.keys(projects.byId)) void projects.load(id);
    const pre = usePreannotation.getState();
    for (const id of Object.keys(pre.loaded)) void pre.load(id);
    void pre.loadActive();
    const ocr = useOcr.getState();
    for (const id of Object.keys(ocr.byProject)) void ocr.load(id);
    void useDocuments.getState().reload();
    const sync = useSync.getState();
    void sync.loadStatus();
    if (sync.pageOpen) void sync.reloadLists();
  });
  bus.on('projects.changed', ({ projectId }) => {
    if (projectId) refreshProject(projectId);
    else reloadList();
  });
}
