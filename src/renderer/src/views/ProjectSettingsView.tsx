import { useEffect, useState } from 'react';
import { docTypes, type DocType, type Project } from '../../../shared/domain/model';
import { placeholderProblem, placeholdersOf } from '../../../shared/domain/templateQuestions';
import { docTypeLabels } from '../components/DocType';
import { ErrorPanel, InlineError } from '../components/ErrorPanel';
import { IconChevronDown, IconChevronUp, IconPlus, IconTrash } from '../components/Icons';
import { LoadingPanel } from '../components/Spinner';
import { api } from '../lib/api';
import { errorMessage } from '../lib/errors';
import { useProjects } from '../stores/projects';
import { paths } from '../stores/route';
import { toastSuccess } from '../stores/toasts';
import './settings.css';

const HOTKEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9'] as const;
type Hotkey = (typeof HOTKEYS)[number];
const PALETTE = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#9333ea', '#0891b2', '#db2777', '#65a30d', '#4f46e5', '#ea580c'];

interface LabelDraft {
  key: string;
  id?: string;
  name: string;
  color: string;
  hotkey: Hotkey | '';
}

interface QuestionDraft {
  key: string;
  id?: string;
  text: string;
  required: boolean;
  /** The document types it is asked on; none ticked: every document. */
  kinds: DocType[];
}

interface Draft {
  name: string;
  requiredAnnotators: string;
  labels: LabelDraft[];
  questions: QuestionDraft[];
}

let keySeq = 0;
const newKey = () => `k${++keySeq}`;

function draftFrom(project: Project): Draft {
  return {
    name: project.name,
    requiredAnnotators: String(project.requiredAnnotators),
    labels: project.labels.map((l) => ({ key: newKey(), id: l.id, name: l.name, color: l.color, hotkey: l.hotkey ?? '' })),
    questions: project.questions.map((q) => ({ key: newKey(), id: q.id, text: q.text, required: q.required, kinds: docTypes.filter((t) => q.kinds.includes(t)) })),
  };
}

function comparable(d: Draft): string {
  return JSON.stringify({
    name: d.name,
    requiredAnnotators: d.requiredAnnotators,
    labels: d.labels.map(({ id, name, color, hotkey }) => ({ id, name, color: color.toLowerCase(), hotkey })),
    questions: d.questions.map(({ id, text, required, kinds }) => ({ id, text, required, kinds })),
  });
}

interface Problems {
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
function validate(d: Draft, initial: Draft): Problems {
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

function move<T>(list: T[], index: number, delta: number): T[] {
  const to = index + delta;
  if (to < 0 || to >= list.length) return list;
  const copy = [...list];
  const [item] = copy.splice(index, 1);
  copy.splice(to, 0, item as T);
  return copy;
}

function SettingsForm({ project, onSaved }: { project: Project; onSaved(project: Project): void }) {
  const [initial] = useState(() => draftFrom(project));
  const [draft, setDraft] = useState<Draft>(initial);
  const [showProblems, setShowProblems] = useState(false);
  const [saving, setSaving] = useState(false);
  const [serverError, setServerError] = useState<string | null>(null);
  const problems = validate(draft, initial);
  const dirty = comparable(draft) !== comparable(initial);
  // Problems show as soon as a field is left wrong (hotkey clashes at once), all of them on Save.
  const visible = (msg: string | undefined, touched: boolean) => (showProblems || touched ? msg : undefined);

  const setLabel = (key: string, patch: Partial<LabelDraft>) =>
    setDraft((d) => ({ ...d, labels: d.labels.map((l) => (l.key === key ? { ...l, ...patch } : l)) }));
  const setQuestion = (key: string, patch: Partial<QuestionDraft>) =>
    setDraft((d) => ({ ...d, questions: d.questions.map((q) => (q.key === key ? { ...q, ...patch } : q)) }));

  const addLabel = () =>
    setDraft((d) => {
      const used = new Set(d.labels.map((l) => l.hotkey));
      const hotkey = HOTKEYS.find((h) => !used.has(h)) ?? '';
      const color = PALETTE[d.labels.length % PALETTE.length] ?? '#2563eb';
      return { ...d, labels: [...d.labels, { key: newKey(), name: '', color, hotkey }] };
    });
  const addQuestion = () => setDraft((d) => ({ ...d, questions: [...d.questions, { key: newKey(), text: '', required: false, kinds: [] }] }));
  const toggleKind = (q: QuestionDraft, t: DocType) => setQuestion(q.key, { kinds: docTypes.filter((k) => (k === t ? !q.kinds.includes(t) : q.kinds.includes(k))) });

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setShowProblems(true);
    setServerError(null);
    if (problems.count > 0) return;
    setSaving(true);
    try {
      const saved = await api()['projects.update']({
        projectId: project.id,
        name: draft.name.trim(),
        requiredAnnotators: Number(draft.requiredAnnotators),
        labels: draft.labels.map((l) => ({
          ...(l.id ? { id: l.id } : {}),
          name: l.name.trim(),
          color: l.color.toLowerCase(),
          hotkey: l.hotkey === '' ? null : l.hotkey,
        })),
        questions: draft.questions.map((q) => ({ ...(q.id ? { id: q.id } : {}), text: q.text.trim(), required: q.required, kinds: q.kinds })),
      });
      toastSuccess('Project settings saved');
      onSaved(saved);
    } catch (err) {
      setServerError(errorMessage(err));
      setSaving(false);
    }
  };

  return (
    <form className="settings-form" onSubmit={(e) => void save(e)} noValidate data-testid="project-settings-form">
      <section className="card">
        <h2>General</h2>
        <label className="field">
          <span className="field-label">Project name</span>
          <input
            className={`input${visible(problems.name, draft.name !== initial.name) ? ' invalid' : ''}`}
            value={draft.name}
            onChange={(e) => setDraft((d) => ({ ...d, name: e.target.value }))}
            maxLength={120}
            data-testid="project-name-field"
          />
          <InlineError message={visible(problems.name, draft.name !== initial.name)} testId="project-name-error" />
        </label>
        <label className="field">
          <span className="field-label">Annotators per document</span>
          <input
            className={`input input-narrow${visible(problems.requiredAnnotators, draft.requiredAnnotators !== initial.requiredAnnotators) ? ' invalid' : ''}`}
            type="number"
            min={1}
            max={20}
            value={draft.requiredAnnotators}
            onChange={(e) => setDraft((d) => ({ ...d, requiredAnnotators: e.target.value }))}
            data-testid="project-required-annotators"
          />
          <span className="muted small">How many people should verify each document before the lead reviews it; documents with fewer wait in the review queue.</span>
          <InlineError message={visible(problems.requiredAnnotators, draft.requiredAnnotators !== initial.requiredAnnotators)} testId="project-required-annotators-error" />
        </label>
      </section>

      <section className="card">
        <div className="card-header">
          <div>
            <h2>Labels</h2>
            <p className="muted small">Box labels for this project. Hotkeys 1–9 pick a label while annotating; each can be used once.</p>
          </div>
          <button type="button" className="btn btn-sm" onClick={addLabel} data-testid="add-label">
            <IconPlus /> Add label
          </button>
        </div>
        {draft.labels.length === 0 ? <p className="muted small empty-inline">No labels yet.</p> : null}
        <ol className="editor-list" data-testid="label-list">
          {draft.labels.map((l, i) => {
            const problem = visible(problems.labels[l.key], l.name !== '' || l.hotkey !== '');
            return (
              <li key={l.key} className={`editor-row${problem ? ' invalid' : ''}`} data-testid="label-row">
                <div className="editor-row-main">
                  <input
                    type="color"
                    className="color-input"
                    value={l.color}
                    onChange={(e) => setLabel(l.key, { color: e.target.value })}
                    aria-label={`Colour of label ${i + 1}`}
                    data-testid="label-color"
                  />
                  <input
                    className="input grow"
                    value={l.name}
                    onChange={(e) => setLabel(l.key, { name: e.target.value })}
                    placeholder="Label name, e.g. Total amount"
                    maxLength={64}
                    aria-label={`Name of label ${i + 1}`}
                    data-testid="label-name"
                  />
                  <label className="hotkey-field">
                    <span className="muted small">Hotkey</span>
                    <select
                      className="select"
                      value={l.hotkey}
                      onChange={(e) => setLabel(l.key, { hotkey: e.target.value as Hotkey | '' })}
                      aria-label={`Hotkey of label ${i + 1}`}
                      data-testid="label-hotkey"
                    >
                      <option value="">None</option>
                      {HOTKEYS.map((h) => (
                        <option key={h} value={h}>
                          {h}
                        </option>
                      ))}
                    </select>
                  </label>
                  <div className="row-actions">
                    <button type="button" className="icon-btn" onClick={() => setDraft((d) => ({ ...d, labels: move(d.labels, i, -1) }))} disabled={i === 0} aria-label="Move up" title="Move up">
                      <IconChevronUp />
                    </button>
                    <button
                      type="button"
                      className="icon-btn"
                      onClick={() => setDraft((d) => ({ ...d, labels: move(d.labels, i, 1) }))}
                      disabled={i === draft.labels.length - 1}
                      aria-label="Move down"
                      title="Move down"
                    >
                      <IconChevronDown />
                    </button>
                    <button
                      type="button"
                      className="icon-btn danger"
                      onClick={() => setDraft((d) => ({ ...d, labels: d.labels.filter((x) => x.key !== l.key) }))}
                      aria-label={`Remove label ${l.name || i + 1}`}
                      title="Remove"
                      data-testid="remove-label"
                    >
                      <IconTrash />
                    </button>
                  </div>
                </div>
                <InlineError message={problem} testId="label-error" />
              </li>
            );
          })}
        </ol>
      </section>

      <section className="card">
        <div className="card-header">
          <div>
            <h2>Questions</h2>
            <p className="muted small">
              Questions asked about the documents; answers link to evidence boxes. Tick the types a question is asked on (none: every document, also before its type is set).
              A label in braces, such as <code>{'{line_item_description}'}</code>, asks the question once per box with that label, with the box’s text in its place.
            </p>
          </div>
          <button type="button" className="btn btn-sm" onClick={addQuestion} data-testid="add-question">
            <IconPlus /> Add question
          </button>
        </div>
        {draft.questions.length === 0 ? <p className="muted small empty-inline">No questions yet.</p> : null}
        <ol className="editor-list" data-testid="question-list">
          {draft.questions.map((q, i) => {
            const problem = visible(problems.questions[q.key], q.text !== '');
            const warning = problems.questionWarnings[q.key];
            const item = !problem && !warning ? placeholdersOf(q.text)[0] : undefined;
            return (
              <li key={q.key} className={`editor-row question-editor-row${problem ? ' invalid' : ''}`} data-testid="question-row">
                <div className="editor-row-main">
                  <span className="muted small question-index">{i + 1}.</span>
                  <input
                    className="input grow"
                    value={q.text}
                    onChange={(e) => setQuestion(q.key, { text: e.target.value })}
                    placeholder="e.g. What is the invoice total?"
                    maxLength={500}
                    aria-label={`Question ${i + 1}`}
                    data-testid="question-text"
                  />
                  <label className="checkbox" title="Verify needs an answer or “unanswerable” wherever the question is asked">
                    <input type="checkbox" checked={q.required} onChange={(e) => setQuestion(q.key, { required: e.target.checked })} data-testid="question-required" />
                    Required
                  </label>
                  <div className="row-actions">
                    <button type="button" className="icon-btn" onClick={() => setDraft((d) => ({ ...d, questions: move(d.questions, i, -1) }))} disabled={i === 0} aria-label="Move up" title="Move up">
                      <IconChevronUp />
                    </button>
                    <button
                      type="button"
                      className="icon-btn"
                      onClick={() => setDraft((d) => ({ ...d, questions: move(d.questions, i, 1) }))}
                      disabled={i === draft.questions.length - 1}
                      aria-label="Move down"
                      title="Move down"
                    >
                      <IconChevronDown />
                    </button>
                    <button
                      type="button"
                      className="icon-btn danger"
                      onClick={() => setDraft((d) => ({ ...d, questions: d.questions.filter((x) => x.key !== q.key) }))}
                      aria-label={`Remove question ${i + 1}`}
                      title="Remove"
                      data-testid="remove-question"
                    >
                      <IconTrash />
                    </button>
                  </div>
                </div>
                <fieldset className="question-kinds" data-testid="question-kinds">
                  <legend className="muted small">Asked on</legend>
                  {docTypes.map((t) => (
                    <label key={t} className="checkbox small">
                      <input type="checkbox" checked={q.kinds.includes(t)} onChange={() => toggleKind(q, t)} aria-label={`Question ${i + 1}: asked on ${docTypeLabels[t].toLowerCase()}s`} data-testid={`question-kind-${t}`} />
                      {docTypeLabels[t]}s
                    </label>
                  ))}
                  <span className="muted small" data-testid="question-kinds-summary">
                    {q.kinds.length === 0 ? 'every document' : q.kinds.length === docTypes.length ? 'invoices, receipts and forms (not before a type is set)' : `only ${q.kinds.map((t) => `${docTypeLabels[t].toLowerCase()}s`).join(' and ')}`}
                    {item ? ` · once per “${item}” box` : ''}
                  </span>
                </fieldset>
                {warning ? (
                  <p className="muted small question-warning" data-testid="question-warning">
                    {warning}
                  </p>
                ) : null}
                <InlineError message={problem} testId="question-error" />
              </li>
            );
          })}
        </ol>
      </section>

      <div className="form-footer">
        <div className="grow">
          {showProblems && problems.count > 0 ? (
            <InlineError
              message={problems.count === 1 ? 'Fix the highlighted field before saving.' : `Fix the ${problems.count} highlighted fields before saving.`}
              testId="project-settings-problems"
            />
          ) : null}
          <InlineError message={serverError} testId="project-settings-error" />
          {!serverError && !(showProblems && problems.count > 0) ? <span className="muted small">{dirty ? 'Unsaved changes' : 'All changes saved'}</span> : null}
        </div>
        <button type="button" className="btn btn-ghost" disabled={!dirty || saving} onClick={() => { setDraft(initial); setShowProblems(false); setServerError(null); }} data-testid="project-settings-revert">
          Revert
        </button>
        <button type="submit" className="btn btn-primary" disabled={saving || !dirty} data-testid="project-settings-save">
          {saving ? 'Saving…' : 'Save'}
        </button>
      </div>
    </form>
  );
}

export function ProjectSettingsView({ projectId }: { projectId: string }) {
  const entry = useProjects((s) => s.byId[projectId]);
  const load = useProjects((s) => s.load);
  const put = useProjects((s) => s.put);
  const [version, setVersion] = useState(0);

  useEffect(() => {
    void load(projectId);
  }, [projectId, load]);

  const project = entry?.project ?? null;
  return (
    <div className="page" data-testid="project-settings">
      <header className="page-header">
        <div>
          <div className="breadcrumb small">
            <a href={paths.project(projectId)}>{project?.name ?? 'Project'}</a> / Settings
          </div>
          <h1>Project settings</h1>
        </div>
      </header>
      <div className="page-body narrow">
        {entry?.error && !project ? (
          <ErrorPanel title="This project could not be opened" message={entry.error}>
            <button type="button" className="btn" onClick={() => void load(projectId)}>
              Try again
            </button>
          </ErrorPanel>
        ) : !project ? (
          <LoadingPanel />
        ) : (
          <SettingsForm
            key={`${project.id}:${version}`}
            project={project}
            onSaved={(saved) => {
              put(saved);
              setVersion((v) => v + 1);
            }}
          />
        )}
      </div>
    </div>
  );
}
