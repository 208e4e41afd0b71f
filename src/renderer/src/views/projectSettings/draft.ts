import { docTypes, type DocType, type Project } from '../../../../shared/domain/model';
import { placeholderProblem } from '../../../../shared/domain/templateQuestions';

/** A project's labels, questions and numbers as the settings form edits them, and what is wrong with them. */

export const HOTKEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
export type Hotkey = (typeof HOTKEYS)[number];
export const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#9333ea', '#0891b2', '#db2777', '#65a30d', '#4f46e5', '#ea580c'];

export interface LabelDraft {
  key: string;
  id?: string;
  name: string;
  color: string;
  hotkey: Hotkey | '';
}

export interface QuestionDraft {
  key: string;
  id?: string;
  text: string;
  required: boolean;
  /** The document types it is asked on; none ticked: every document. */
  kinds: DocType[];
}

export interface Draft {
  name: string;
  requiredAnnotators: string;
  labels: LabelDraft[];
  questions: QuestionDraft[];
}

let keySeq = 0;
export const newKey = () => `k${++keySeq}`;

export function draftFrom(project: Project): Draft {
  return {
    name: project.name,
    requiredAnnotators: String(project.requiredAnnotators),
    labels: project.labels.map((l) => ({ key: newKey(), id: l.id, name: l.name, color: l.color, hotkey: l.hotkey ?? '' })),
    questions: project.questions.map((q) => ({ key: newKey(), id: q.id, text: q.text, required: q.required, kinds: docTypes.filter((t) => q.kinds.includes(t)) })),
  };
}

export function comparable(d: Draft): string {
  return JSON.stringify({
    name: d.name,
    requiredAnnotators: d.requiredAnnotators,
    labels: d.labels.map(({ id, name, color, hotkey }) => ({ id, name, color: color.toLowerCase(), hotkey })),
    questions: d.questions.map(({ id, text, required, kinds }) => ({ id, text, required, kinds })),
  });
}

/** Shows a problem once its field is touched, or every problem after a Save. */
export type Reveal = (message: string | undefined, touched: boolean) => string | undefined;

export interface Problems {
  name?: string;
  requiredAnnotators?: string;
  labels: Record<string, string>;
  questions: Record<string, string>;
  /** Templates saved before placeholders had to name a label: never asked, kept until edited. */
  questionWarnings: Record<string, string>;
  count: number;
}

/**
 * What the person can fix before the core sees it; the core checks again and its word is final.
 * A placeholder must name a label (as the core insists for a question written or edited now, or
 * one whose label this change would take away); an old question that never did is only flagged.
 */
export function validate(d: Draft, initial: Draft): Problems {
  const p: Problems = { labels: {}, questions: {}, questionWarnings: {}, count: 0 };
  if (!d.name.trim()) p.name = 'A project needs a name.';
  const n = Number(d.requiredAnnotators);
  if (!Number.isInteger(n) || n < 1 || n > 20) p.requiredAnnotators = 'Between 1 and 20 annotators per document.';
  const names = new Map<string, string>();
  const hotkeys = new Map<string, string>();
  for (const l of d.labels) {
    const name = l.name.trim();
    if (!name) p.labels[l.key] = 'A label needs a name.';
    else if (names.has(name.toLowerCase())) p.labels[l.key] = `There is already a label called “${name}”.`;
    else if (!/^#[0-9a-fA-F]{6}$/.test(l.color)) p.labels[l.key] = 'Choose a colour.';
    else if (l.hotkey && hotkeys.has(l.hotkey)) p.labels[l.key] = `Hotkey ${l.hotkey} is already used by “${hotkeys.get(l.hotkey) ?? ''}”.`;
    if (name) names.set(name.toLowerCase(), name);
    if (l.hotkey && !hotkeys.has(l.hotkey)) hotkeys.set(l.hotkey, name || 'another label');
  }
  const labelNames = d.labels.map((l) => l.name.trim()).filter(Boolean);
  const initialLabels = initial.labels.map((l) => l.name.trim());
  for (const q of d.questions) {
    if (!q.text.trim()) {
      p.questions[q.key] = 'A question needs text.';
      continue;
    }
    const problem = placeholderProblem(q.text.trim(), labelNames);
    if (!problem) continue;
    const was = initial.questions.find((x) => x.key === q.key);
    const untouchedOld = was && was.text.trim() === q.text.trim() && placeholderProblem(was.text.trim(), initialLabels) !== null;
    const sentence = `${problem.charAt(0).toUpperCase()}${problem.slice(1)}.`;
    if (untouchedOld) p.questionWarnings[q.key] = `Never asked: ${problem}.`;
    else p.questions[q.key] = sentence;
  }
  p.count = (p.name ? 1 : 0) + (p.requiredAnnotators ? 1 : 0) + Object.keys(p.labels).length + Object.keys(p.questions).length;
  return p;
}

export function move<T>(list: T[], index: number, delta: number): T[] {
  const to = index + delta;
  if (to < 0 || to >= list.length) return list;
  const copy = [...list];
  const [item] = copy.splice(index, 1);
  copy.splice(to, 0, item as T);
  return copy;
}
