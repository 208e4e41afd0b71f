import { matchBoxes } from './metrics/boxes';
import { normalizeAnswer } from './metrics/text';
import { answerOf, keyedQuestions, questionKeys } from './disagreements';
import type { Disagreement, ReviewBox, ReviewBoxGroup, ReviewQa, ReviewQuestionGroup, ReviewSettings, ReviewVersion } from './types';

/**
 * What the lead resolves, item by item: the boxes of every source clustered into groups that
 * stand for one region of the page (each source's boxes matched optimally on IoU to the groups
 * so far; an unmatched box starts a new group), and the answers of every source grouped by
 * question. Each group says whether the annotators agree, which disagreements concern it, and
 * which source the lead most likely keeps. Pure: the service and tests feed it versions.
 */

interface Grouping {
  boxGroups: ReviewBoxGroup[];
  questionGroups: ReviewQuestionGroup[];
}

/** Same label, near-identical geometry and the same text: nothing to resolve. */
function boxesAgree(boxes: readonly ReviewBox[], settings: ReviewSettings): boolean {
  const [first, ...rest] = boxes;
  if (!first) return false;
  return rest.every(
    (b) =>
      b.label === first.label &&
      normalizeAnswer(b.transcription) === normalizeAnswer(first.transcription) &&
      matchBoxes([first], [b], { threshold: settings.geometryIou }).matches.length === 1,
  );
}

/**
 * The source to keep by default: gold when the lead resolved this before; otherwise, if most
 * annotators drew the box, the first annotator whose label is the most common one.
 */
function suggestBox(group: Map<string, ReviewBox>, annotatorIds: readonly string[], goldId: string | null): string | null {
  if (goldId) return group.has(goldId) ? goldId : null;
  const present = annotatorIds.filter((id) => group.has(id));
  if (present.length * 2 < annotatorIds.length || present.length === 0) return null;
  const votes = new Map<string, number>();
  for (const id of present) votes.set(group.get(id)!.label ?? '', (votes.get(group.get(id)!.label ?? '') ?? 0) + 1);
  const top = Math.max(...votes.values());
  return present.find((id) => votes.get(group.get(id)!.label ?? '') === top) ?? null;
}

function suggestAnswer(group: Map<string, ReviewQa>, annotatorIds: readonly string[], goldId: string | null): string | null {
  if (goldId) return group.has(goldId) ? goldId : null;
  const present = annotatorIds.filter((id) => group.has(id));
  if (!present.length) return null;
  const votes = new Map<string, number>();
  const keyOf = (qa: ReviewQa) => normalizeAnswer(answerOf(qa) ?? '\u0000unanswered');
  for (const id of present) votes.set(keyOf(group.get(id)!), (votes.get(keyOf(group.get(id)!)) ?? 0) + 1);
  const top = Math.max(...votes.values());
  return present.find((id) => votes.get(keyOf(group.get(id)!)) === top) ?? null;
}

/**
 * `versions` in display order (annotators, then the model); `gold` last when there is one, so
 * its boxes join the groups of the boxes they were taken from.
 */
export function groupSources(versions: readonly ReviewVersion[], gold: ReviewVersion | null, disagreements: readonly Disagreement[], settings: ReviewSettings): Grouping {
  const all = gold ? [...versions, gold] : [...versions];
  const annotatorIds = versions.filter((v) => v.source.kind === 'annotator').map((v) => v.source.id);
  const goldId = gold?.source.id ?? null;

  // Which disagreements name which box, and which question.
  const byBox = new Map<string, string[]>();
  const byQuestion = new Map<string, string[]>();
  const add = (m: Map<string, string[]>, key: string, id: string) => {
    const list = m.get(key);
    if (list) list.push(id);
    else m.set(key, [id]);
  };
  for (const d of disagreements) {
    if (d.boxA) add(byBox, `${d.a}\u0000${d.boxA}`, d.id);
    if (d.boxB) add(byBox, `${d.b}\u0000${d.boxB}`, d.id);
    if (d.questionKey && !d.boxA && !d.boxB) add(byQuestion, d.questionKey, d.id);
  }

  const boxGroups: ReviewBoxGroup[] = [];
  const pages = [...new Set(all.flatMap((v) => v.boxes.map((b) => b.pageId)))];
  for (const pageId of pages) {
    const groups: { rep: ReviewBox; boxes: Map<string, ReviewBox> }[] = [];
    for (const v of all) {
      const boxes = v.boxes.filter((b) => b.pageId === pageId);
      const reps = groups.map((g) => g.rep);
      const m = matchBoxes(reps, boxes, { threshold: settings.matchIou, prefer: (i, j) => reps[i]!.label === boxes[j]!.label });
      for (const x of m.matches) groups[x.a]!.boxes.set(v.source.id, boxes[x.b]!);
      for (const j of m.unmatchedB) groups.push({ rep: boxes[j]!, boxes: new Map([[v.source.id, boxes[j]!]]) });
    }
    // Reading order (top to bottom, left to right) so the lead walks the page naturally.
    groups.sort((g, h) => g.rep.y - h.rep.y || g.rep.x - h.rep.x);
    for (const g of groups) {
      const ids = [...new Set([...g.boxes].flatMap(([source, box]) => byBox.get(`${source}\u0000${box.id}`) ?? []))];
      const annotated = annotatorIds.filter((id) => g.boxes.has(id)).map((id) => g.boxes.get(id)!);
      boxGroups.push({
        id: `${pageId}:${[...g.boxes].map(([s, b]) => `${s}/${b.id}`).join('+')}`,
        pageId,
        boxes: Object.fromEntries(g.boxes),
        agreed: annotatorIds.length > 0 && annotated.length === annotatorIds.length && boxesAgree(annotated, settings),
        disagreementIds: ids,
        suggested: suggestBox(g.boxes, annotatorIds, goldId),
      });
    }
  }

  const keyOf = questionKeys(all);
  const questions = new Map<string, { question: string; templateId: string | null; answers: Map<string, ReviewQa> }>();
  for (const v of all) {
    for (const [key, qa] of keyedQuestions(v.qa, keyOf)) {
      let q = questions.get(key);
      if (!q) questions.set(key, (q = { question: qa.question, templateId: qa.templateId, answers: new Map() }));
      q.answers.set(v.source.id, qa);
    }
  }
  const questionGroups: ReviewQuestionGroup[] = [...questions].map(([key, q]) => {
    const answers = annotatorIds.filter((id) => q.answers.has(id)).map((id) => normalizeAnswer(answerOf(q.answers.get(id)!) ?? '\u0000'));
    return {
      key,
      question: q.question,
      templateId: q.templateId,
      answers: Object.fromEntries(q.answers),
      agreed: annotatorIds.length > 0 && answers.length === annotatorIds.length && answers.every((a) => a === answers[0]),
      disagreementIds: byQuestion.get(key) ?? [],
      suggested: suggestAnswer(q.answers, annotatorIds, goldId),
    };
  });
  return { boxGroups, questionGroups };
}
