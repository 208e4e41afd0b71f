import type { Dispatch, SetStateAction } from 'react';
import { docTypes, type DocType } from '../../../../shared/domain/model';
import { placeholdersOf } from '../../../../shared/domain/templateQuestions';
import { docTypeLabels } from '../../components/DocType';
import { InlineError } from '../../components/ErrorPanel';
import { IconPlus } from '../../components/Icons';
import { EditorRowActions } from './EditorRowActions';
import { move, newKey, type Draft, type QuestionDraft, type Reveal } from './draft';

function kindsSummary(kinds: DocType[]): string {
  if (kinds.length === 0) return 'every document';
  if (kinds.length === docTypes.length) return 'invoices, receipts and forms (not before a type is set)';
  return `only ${kinds.map((t) => `${docTypeLabels[t].toLowerCase()}s`).join(' and ')}`;
}

interface QuestionRowProps {
  question: QuestionDraft;
  index: number;
  count: number;
  problem: string | undefined;
  warning: string | undefined;
  onChange(patch: Partial<QuestionDraft>): void;
  onMove(delta: -1 | 1): void;
  onRemove(): void;
}

function QuestionRow({ question: q, index: i, count, problem, warning, onChange, onMove, onRemove }: QuestionRowProps) {
  const item = !problem && !warning ? placeholdersOf(q.text)[0] : undefined;
  const toggleKind = (t: DocType) => onChange({ kinds: docTypes.filter((k) => (k === t ? !q.kinds.includes(t) : q.kinds.includes(k))) });
  return (
    <li className={`editor-row question-editor-row${problem ? ' invalid' : ''}`} data-testid="question-row">
      <div className="editor-row-main">
        <span className="muted small question-index">{i + 1}.</span>
        <input
          className="input grow"
          value={q.text}
          onChange={(e) => onChange({ text: e.target.value })}
          placeholder="e.g. What is the invoice total?"
          maxLength={500}
          aria-label={`Question ${i + 1}`}
          data-testid="question-text"
        />
        <label className="checkbox" title="Verify needs an answer or “unanswerable” wherever the question is asked">
          <input type="checkbox" checked={q.required} onChange={(e) => onChange({ required: e.target.checked })} data-testid="question-required" />
          Required
        </label>
        <EditorRowActions index={i} count={count} onMove={onMove} onRemove={onRemove} removeLabel={`Remove question ${i + 1}`} removeTestId="remove-question" />
      </div>
      <fieldset className="question-kinds" data-testid="question-kinds">
        <legend className="muted small">Asked on</legend>
        {docTypes.map((t) => (
          <label key={t} className="checkbox small">
            <input type="checkbox" checked={q.kinds.includes(t)} onChange={() => toggleKind(t)} aria-label={`Question ${i + 1}: asked on ${docTypeLabels[t].toLowerCase()}s`} data-testid={`question-kind-${t}`} />
            {docTypeLabels[t]}s
          </label>
        ))}
        <span className="muted small" data-testid="question-kinds-summary">
          {kindsSummary(q.kinds)}
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
}

interface QuestionsSectionProps {
  questions: QuestionDraft[];
  problems: Record<string, string>;
  warnings: Record<string, string>;
  reveal: Reveal;
  setDraft: Dispatch<SetStateAction<Draft>>;
}

/** The questions asked about the documents: text, required, the types they are asked on, order. */
export function QuestionsSection({ questions, problems, warnings, reveal, setDraft }: QuestionsSectionProps) {
  const setQuestion = (key: string, patch: Partial<QuestionDraft>) =>
    setDraft((d) => ({ ...d, questions: d.questions.map((q) => (q.key === key ? { ...q, ...patch } : q)) }));
  const addQuestion = () => setDraft((d) => ({ ...d, questions: [...d.questions, { key: newKey(), text: '', required: false, kinds: [] }] }));

  return (
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
      {questions.length === 0 ? <p className="muted small empty-inline">No questions yet.</p> : null}
      <ol className="editor-list" data-testid="question-list">
        {questions.map((q, i) => (
          <QuestionRow
            key={q.key}
            question={q}
            index={i}
            count={questions.length}
            problem={reveal(problems[q.key], q.text !== '')}
            warning={warnings[q.key]}
            onChange={(patch) => setQuestion(q.key, patch)}
            onMove={(delta) => setDraft((d) => ({ ...d, questions: move(d.questions, i, delta) }))}
            onRemove={() => setDraft((d) => ({ ...d, questions: d.questions.filter((x) => x.key !== q.key) }))}
          />
        ))}
      </ol>
    </section>
  );
}
