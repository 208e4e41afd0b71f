import type { AnnotationState, VerifyProblem, VerifyWarning } from '../../../shared/domain/model';
import type { DecideVerify, VerifyFacts } from '../db/repos/annotations';

/**
 * What stops a draft from being verified: unlabelled boxes, labels the project no longer has,
 * questions with neither answer nor "unanswerable". Template questions that are optional, or no
 * longer asked, may stay empty.
 */
export function verifyProblems(state: AnnotationState, facts: VerifyFacts): VerifyProblem[] {
  const problems: VerifyProblem[] = [];
  state.boxes.forEach((b, i) => {
    const which = `Box ${i + 1}${b.transcription ? ` ("${b.transcription.slice(0, 40)}")` : ''}`;
    if (!b.label) problems.push({ kind: 'unlabelled_box', boxId: b.id, message: `${which} has no label` });
    else if (!facts.labels.has(b.label)) problems.push({ kind: 'unknown_label', boxId: b.id, message: `${which} has the label "${b.label}", which is no longer in this project's label set` });
  });
  for (const q of state.qa) {
    const optional = q.source === 'template' && !facts.requiredTemplateQaIds.has(q.id);
    if (!q.unanswerable && q.answer.trim() === '' && !optional) {
      problems.push({ kind: 'unanswered_question', qaId: q.id, message: `"${q.question}" has no answer and is not marked unanswerable` });
    }
  }
  return problems;
}

/** What verify asks about once before recording: usually a slip, sometimes meant. */
export function verifyWarnings(state: AnnotationState): VerifyWarning[] {
  const warnings: VerifyWarning[] = [];
  if (state.boxes.length === 0) warnings.push({ kind: 'no_boxes', count: 0, message: 'This document has no boxes' });
  const undecided = state.predictions.filter((p) => p.status === 'pending').length;
  if (undecided) {
    warnings.push({
      kind: 'undecided_predictions',
      count: undecided,
      message: `${undecided} model prediction${undecided === 1 ? ' is' : 's are'} neither accepted nor rejected`,
    });
  }
  return warnings;
}

/** Verify's decision: refuse on a problem, ask about a warning not yet acknowledged, else record. */
export const decideVerify: DecideVerify = (state, facts, acknowledged) => {
  const problems = verifyProblems(state, facts);
  if (problems.length) return { result: 'refused', problems };
  const warnings = verifyWarnings(state).filter((w) => !acknowledged.includes(w.kind));
  if (warnings.length) return { result: 'confirm', warnings };
  return { result: 'record' };
};
