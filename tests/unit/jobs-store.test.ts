import { beforeEach, describe, expect, it } from 'vitest';
import type { AnnotationsImportJob, ExportJob } from '../../src/shared/domain/formats';
import type { ImportJob } from '../../src/shared/domain/model';
import { useJobs } from '../../src/renderer/src/stores/jobs';

const importJob = (over: Partial<ImportJob>): ImportJob => ({
  jobId: 'i1',
  projectId: 'p1',
  state: 'running',
  done: 0,
  total: 10,
  currentFile: null,
  etaMs: null,
  imported: 0,
  pages: 0,
  duplicates: 0,
  skipped: 0,
  failed: [],
  error: null,
  ...over,
});

const exportJob = (over: Partial<ExportJob>): ExportJob => ({
  jobId: 'e1',
  projectId: 'p1',
  state: 'running',
  format: 'coco',
  out: '/tmp/out',
  done: 0,
  total: 10,
  etaMs: null,
  pages: 0,
  boxes: 0,
  qa: 0,
  imagesCopied: 0,
  fromGold: 0,
  fromVerified: 0,
  files: [],
  skipped: [],
  error: null,
  ...over,
});

const annotationsImportJob = (over: Partial<AnnotationsImportJob>): AnnotationsImportJob => ({
  jobId: 'a1',
  projectId: 'p1',
  state: 'running',
  format: 'coco',
  as: 'annotations',
  file: '/tmp/in.json',
  phase: 'reading',
  done: 0,
  total: 1000,
  items: 0,
  documents: { imported: 0, unchanged: 0, skipped: 0 },
  boxes: 0,
  qa: 0,
  predictions: 0,
  problems: [],
  problemCount: 0,
  error: null,
  ...over,
});

/** Events and `*.get` answers about the same job can arrive in either order; the store keeps the newest. */
describe('jobs store', () => {
  const store = () => useJobs.getState();
  beforeEach(() => useJobs.setState({ jobs: { import: {}, export: {}, annotationsImport: {} } }));

  it('keeps each kind apart, by id', () => {
    store().apply('import', importJob({ jobId: 'x' }));
    store().apply('export', exportJob({ jobId: 'x' }));
    expect(Object.keys(store().jobs.import)).toEqual(['x']);
    expect(store().jobs.export.x?.format).toBe('coco');
    expect(store().jobs.annotationsImport).toEqual({});
  });

  it('never takes progress backwards, nor a finished job back to running', () => {
    store().apply('import', importJob({ done: 5 }));
    store().apply('import', importJob({ done: 3 }));
    expect(store().jobs.import.i1?.done).toBe(5);
    store().apply('import', importJob({ done: 6, state: 'completed' }));
    store().apply('import', importJob({ done: 9 }));
    expect(store().jobs.import.i1?.state).toBe('completed');
  });

  it('counts an annotation import from zero again when it moves from reading to writing', () => {
    store().apply('annotationsImport', annotationsImportJob({ phase: 'reading', done: 900 }));
    store().apply('annotationsImport', annotationsImportJob({ phase: 'writing', done: 1, total: 4 }));
    expect(store().jobs.annotationsImport.a1?.phase).toBe('writing');
    store().apply('annotationsImport', annotationsImportJob({ phase: 'writing', done: 0, total: 4 }));
    expect(store().jobs.annotationsImport.a1?.done).toBe(1);
  });
});
