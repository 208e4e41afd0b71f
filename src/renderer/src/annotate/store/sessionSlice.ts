import { fromBoxColumns, type AnnotationColumnsState } from '../../../../shared/domain/boxColumns';
import type { Box } from '../../../../shared/domain/model';
import type { Slice } from './shared';
import type { AnnotationData } from './types';

type SessionKeys =
  | keyof AnnotationData
  | 'loaded'
  | 'questionContext'
  | 'questionInfo'
  | 'problems'
  | 'saveState'
  | 'saveError'
  | 'saveRefusal'
  | 'editUnlocked'
  | 'readOnlyNudge'
  | 'labelSet'
  | 'load'
  | 'flush'
  | 'verify'
  | 'setLabelSet'
  | 'unlockEdit'
  | 'nudgeReadOnly'
  | 'setQuestionContext';

/** The document being annotated: loading it, saving it, verifying it, and what it is edited under. */
export const sessionSlice: Slice<SessionKeys> = (set, get, { api, history, saver, reconcile }) => ({
  projectId: '',
  documentId: '',
  annotationId: null,
  version: 0,
  status: 'draft',
  revision: 0,
  boxes: {},
  order: [],
  qa: [],
  predictions: [],
  loaded: false,
  questionContext: null,
  questionInfo: { required: new Set(), kept: new Set() },
  problems: [],
  saveState: 'saved',
  saveError: null,
  saveRefusal: null,
  editUnlocked: false,
  readOnlyNudge: 0,
  labelSet: null,

  async load(projectId, documentId) {
    await saver.flush();
    const state = await api['annotations.getColumns']({ projectId, documentId });
    history.reset(state.status === 'verified');
    saver.reset();
    set({
      ...toData(state),
      loaded: true,
      selection: new Set(),
      activeQaId: state.qa[0]?.id ?? null,
      problems: [],
      saveState: 'saved',
      saveError: null,
      saveRefusal: null,
      editUnlocked: false,
      canUndo: false,
      canRedo: false,
      prefilled: new Map(),
    });
    reconcile();
  },

  flush: () => saver.flush(),

  async verify(acknowledge = []) {
    await saver.flush();
    if (get().saveState === 'conflict' || get().saveState === 'error' || get().saveState === 'refused') {
      throw new Error(get().saveError ?? 'Unsaved changes: verify after they are saved.');
    }
    const s = get();
    const result = await api['annotations.verify']({ projectId: s.projectId, documentId: s.documentId, ...(acknowledge.length ? { acknowledge } : {}) });
    if (result.result === 'refused') {
      set({ problems: result.problems });
      return { verified: false, problems: result.problems, warnings: [] };
    }
    if (result.result === 'confirm') return { verified: false, problems: [], warnings: result.warnings };
    // Verify may have stored template answers: take the server's view and keep the history.
    const fresh = await api['annotations.getColumns']({ projectId: s.projectId, documentId: s.documentId });
    history.markVerified();
    set({ ...toData(fresh), problems: [], editUnlocked: false });
    reconcile();
    return { verified: true, problems: [], warnings: [] };
  },

  setLabelSet(names) {
    set({ labelSet: names ? new Set(names) : null });
  },

  unlockEdit() {
    set({ editUnlocked: true });
  },

  nudgeReadOnly() {
    set({ readOnlyNudge: get().readOnlyNudge + 1 });
  },

  setQuestionContext(context) {
    const c = get().questionContext;
    if (c && c.documentId === context.documentId && c.templates === context.templates && c.docType === context.docType) return;
    set({ questionContext: context });
    reconcile();
  },
});

/** The store's data from the core's state, whose boxes arrive as columns (see boxColumns.ts). */
function toData(state: AnnotationColumnsState): AnnotationData {
  const list = fromBoxColumns(state.boxColumns);
  const boxes: Record<string, Box> = {};
  for (const b of list) boxes[b.id] = b;
  return {
    projectId: state.projectId,
    documentId: state.documentId,
    annotationId: state.annotationId,
    version: state.version,
    status: state.status,
    revision: state.revision,
    boxes,
    order: state.boxColumns.id.slice(),
    qa: state.qa,
    predictions: state.predictions,
  };
}
