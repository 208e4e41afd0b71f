import type { QaPair } from '../../../../shared/domain/model';
import { emptyChange } from '../changes';
import { evidenceText } from '../evidence';
import { newId } from './edits';
import { withEvidence } from './questions';
import type { Slice } from './shared';

type QaKeys = 'addQuestion' | 'updateQa' | 'deleteQa' | 'toggleEvidence' | 'linkEvidence' | 'appendToAnswer' | 'answerFromEvidence';

/** Asking and answering questions, and linking the boxes that are their evidence. */
export const qaSlice: Slice<QaKeys> = (set, get) => ({
  addQuestion(question) {
    const qa: QaPair = { id: newId(), question, answer: '', unanswerable: false, source: 'annotator', templateId: null, originPredictionId: null, evidenceBoxIds: [] };
    get().commit({ ...emptyChange(), qa: [{ id: qa.id, before: null, after: qa }] });
    set({ activeQaId: qa.id });
    return qa.id;
  },

  updateQa(id, patch, opts) {
    const before = get().qa.find((q) => q.id === id);
    if (before) get().commit({ ...emptyChange(), qa: [{ id, before, after: { ...before, ...patch } }] }, opts);
  },

  deleteQa(id) {
    const before = get().qa.find((q) => q.id === id);
    // Template questions asked of this document stay (verify asks for them); an answer kept from
    // a question no longer asked can go, by the annotator's hand only.
    if (before && (before.source !== 'template' || get().questionInfo.kept.has(id))) get().commit({ ...emptyChange(), qa: [{ id, before, after: null }] });
  },

  toggleEvidence(qaId, boxId) {
    const q = get().qa.find((x) => x.id === qaId);
    if (!q || !get().boxes[boxId]) return;
    const evidenceBoxIds = q.evidenceBoxIds.includes(boxId) ? q.evidenceBoxIds.filter((id) => id !== boxId) : [...q.evidenceBoxIds, boxId];
    get().commit({ ...emptyChange(), qa: [{ id: qaId, before: q, after: withEvidence(get().boxes, q, evidenceBoxIds) }] });
  },

  linkEvidence(qaId, boxIds) {
    const q = get().qa.find((x) => x.id === qaId);
    if (!q) return 0;
    const adding = boxIds.filter((id) => get().boxes[id] && !q.evidenceBoxIds.includes(id));
    if (adding.length) get().commit({ ...emptyChange(), qa: [{ id: qaId, before: q, after: withEvidence(get().boxes, q, [...q.evidenceBoxIds, ...adding]) }] });
    return adding.length;
  },

  appendToAnswer(qaId, text, evidenceBoxId) {
    const q = get().qa.find((x) => x.id === qaId);
    const added = text.replace(/\s+/g, ' ').trim();
    if (!q || !added) return false;
    const answer = q.answer.trim() ? `${q.answer.replace(/\s+$/, '')} ${added}` : added;
    const link = evidenceBoxId !== null && get().boxes[evidenceBoxId] && !q.evidenceBoxIds.includes(evidenceBoxId);
    const after = { ...(link ? withEvidence(get().boxes, q, [...q.evidenceBoxIds, evidenceBoxId]) : q), answer, unanswerable: false };
    get().commit({ ...emptyChange(), qa: [{ id: qaId, before: q, after }] });
    return true;
  },

  answerFromEvidence(qaId) {
    const q = get().qa.find((x) => x.id === qaId);
    const text = q ? evidenceText(get().boxes, q.evidenceBoxIds) : '';
    if (!q || !text || (q.answer === text && !q.unanswerable)) return false;
    get().commit({ ...emptyChange(), qa: [{ id: qaId, before: q, after: { ...q, answer: text, unanswerable: false } }] });
    return true;
  },
});
