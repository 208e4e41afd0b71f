import type { Box, QaPair } from '../../../../shared/domain/model';
import { arrangeQa, matchTemplateQuestion, questionKey } from '../../../../shared/domain/templateQuestions';
import { emptyChange } from '../changes';
import { LOW_CONFIDENCE } from '../confidence';
import { boxChange, newId } from './edits';
import { askedWith, boxesInOrder, withEvidence } from './questions';
import type { Slice } from './shared';

/** Deciding the model's predictions: an accepted one becomes a box or an answer, one undo step per decision. */
export const predictionSlice: Slice<'acceptPredictions' | 'rejectPredictions'> = (_set, get) => ({
  acceptPredictions(ids, edits = {}) {
    const { predictions, boxes, order, qa } = get();
    const wanted = new Set(ids);
    const byId = new Map(predictions.map((p) => [p.id, p]));
    // A QA prediction brings its evidence boxes with it, but not doubtful ones: they wait to be
    // decided (a wrong label must not come in unseen) and are linked once accepted.
    for (const id of ids) for (const ev of byId.get(id)?.evidence ?? []) if (byId.get(ev)?.kind === 'box' && byId.get(ev)!.confidence >= LOW_CONFIDENCE) wanted.add(ev);
    const change = emptyChange();
    const boxFor = new Map<string, string>();
    for (const id of order) {
      const origin = boxes[id]!.originPredictionId;
      if (origin) boxFor.set(origin, id);
    }
    for (const id of wanted) {
      const p = byId.get(id);
      if (!p || p.status !== 'pending' || p.kind !== 'box' || p.pageId === null || p.x === null || p.y === null || p.w === null || p.h === null) continue;
      const edit = edits[p.id];
      const box: Box = {
        id: newId(),
        pageId: p.pageId,
        label: edit?.label !== undefined ? edit.label : p.label,
        x: p.x,
        y: p.y,
        w: p.w,
        h: p.h,
        transcription: edit?.transcription ?? p.transcription ?? '',
        locked: false,
        hidden: false,
        originPredictionId: p.id,
      };
      change.boxes.push(boxChange(null, box));
      change.predictions.push({ id: p.id, before: p.status, after: 'accepted' });
      boxFor.set(p.id, box.id);
    }
    // A QA prediction answers the question that reads the same: a template question asked now
    // (line-item ones with the boxes accepted here too), else one already in the list.
    const qaPredictions = [...wanted].flatMap((id) => {
      const p = byId.get(id);
      return p && p.status === 'pending' && p.kind === 'qa' ? [p] : [];
    });
    const added = change.boxes.flatMap((c) => (c.after ? [c.after] : []));
    // Without the templates yet (no context), the questions in the list are all there is to match.
    const asked = qaPredictions.length ? askedWith(get(), [...boxesInOrder({ boxes, order }), ...added]) : null;
    const arranged = asked ? arrangeQa(asked, qa).qa : qa;
    const taken = new Set<string>();
    for (const p of qaPredictions) {
      const question = p.question ?? '';
      const template = asked && matchTemplateQuestion(question, asked, taken);
      const key = questionKey(question);
      const existing = template ? arranged.find((q) => q.id === template.qaId) : arranged.find((q) => !taken.has(q.id) && questionKey(q.question) === key);
      const evidenceBoxIds = p.evidence.flatMap((ev) => (boxFor.has(ev) ? [boxFor.get(ev)!] : []));
      const after: QaPair = existing
        ? { ...existing, answer: p.answer ?? '', unanswerable: p.answer === null, originPredictionId: p.id, evidenceBoxIds }
        : { id: newId(), question, answer: p.answer ?? '', unanswerable: p.answer === null, source: 'model', templateId: null, originPredictionId: p.id, evidenceBoxIds };
      taken.add(after.id);
      // A template question not saved yet has no "before": undo takes the answer away again.
      change.qa.push({ id: after.id, before: qa.find((q) => q.id === after.id) ?? null, after });
      change.predictions.push({ id: p.id, before: p.status, after: 'accepted' });
    }
    // Answers accepted earlier link the evidence boxes accepted now, in the model's order.
    for (const q of qa) {
      if (taken.has(q.id) || !q.originPredictionId) continue;
      const origin = byId.get(q.originPredictionId);
      const linked = origin?.evidence.flatMap((ev) => (boxFor.has(ev) ? [boxFor.get(ev)!] : [])) ?? [];
      if (!linked.some((id) => !q.evidenceBoxIds.includes(id))) continue;
      const evidenceBoxIds = [...linked, ...q.evidenceBoxIds.filter((id) => !linked.includes(id))];
      change.qa.push({ id: q.id, before: q, after: withEvidence({ ...boxes, ...Object.fromEntries(added.map((b) => [b.id, b])) }, q, evidenceBoxIds) });
    }
    get().commit(change);
  },

  rejectPredictions(ids) {
    const { predictions } = get();
    const wanted = new Set(ids);
    get().commit({ ...emptyChange(), predictions: predictions.filter((p) => wanted.has(p.id) && p.status === 'pending').map((p) => ({ id: p.id, before: p.status, after: 'rejected' as const })) });
  },
});
