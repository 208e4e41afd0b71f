import { memo, useEffect, useMemo, useState, type KeyboardEvent as ReactKeyboardEvent } from 'react';
import type { Box, DocType, Label, Page, Prediction, QaPair } from '../../../../shared/domain/model';
import { LOW_CONFIDENCE, useAnnotationUi } from '../uiStore';
import { evidenceText } from '../evidence';
import { isReadOnly } from '../store';
import { annotationStore, useAnnotation } from '../useAnnotation';
import { decidePrediction } from './predictionActions';
import { IconAlert, IconCheck, IconLink, IconPlus, IconSparkles, IconTrash, IconX } from '../../components/Icons';
import { isFocusRequestHandled, takeFocusRequest } from './panelsStore';
import { confirmAnswer, linkSelectedEvidence, setLinking } from './qaActions';
import { cssEscape, formatConfidence, labelColor, showPage, useKeymap, whenElement } from './shared';
import { displayCombo } from '../keymap';
import { useProjects } from '../../stores/projects';
import { useDocumentView } from '../documentViewStore';
import { docTypeLabel, DocTypeOptions } from '../../components/DocType';

const edit = () => annotationStore.getState();

const isAnswered = (q: QaPair) => q.unanswerable || q.answer.trim() !== '';

function setHoverBox(id: string | null) {
  const ui = useAnnotationUi.getState();
  if (ui.hoverBoxId !== id) ui.set({ hoverBoxId: id });
}

function EvidenceChip({ boxId, box, labels, pageNumber, onRemove }: { boxId: string; box: Box | undefined; labels: Label[]; pageNumber: number | null; onRemove(): void }) {
  const color = labelColor(labels, box?.label ?? null);
  const text = box ? box.transcription.trim() || box.label || 'Unlabelled box' : 'Missing box';
  return (
    <span
      className={`evidence-chip${box ? '' : ' missing'}`}
      style={color ? { borderColor: color } : undefined}
      data-testid="evidence-chip"
      data-box-id={boxId}
      onMouseEnter={() => setHoverBox(boxId)}
      onMouseLeave={() => {
        if (useAnnotationUi.getState().hoverBoxId === boxId) setHoverBox(null);
      }}
    >
      <button
        type="button"
        className="evidence-chip-main"
        onClick={() => {
          if (!box) return;
          showPage(box.pageId);
          edit().select([boxId]);
        }}
        title={box ? `${box.label ?? 'No label'}${box.transcription ? `: ${box.transcription}` : ''} — select it on the page` : 'This box no longer exists'}
      >
        <span className="evidence-dot" style={{ background: color ?? 'var(--text-muted)' }} aria-hidden="true" />
        <span className="truncate">{text}</span>
        {pageNumber !== null ? <span className="muted">p.{pageNumber}</span> : null}
      </button>
      <button type="button" className="evidence-remove" onClick={onRemove} aria-label={`Unlink ${text}`} title="Unlink this box" data-testid="evidence-remove">
        <IconX size={11} />
      </button>
    </span>
  );
}

interface CardProps {
  q: QaPair;
  index: number;
  active: boolean;
  linking: boolean;
  required: boolean | null;
  /** A template answer kept although its question is no longer asked of this document. */
  kept: boolean;
  boxes: Record<string, Box>;
  labels: Label[];
  pageNumbers: Map<string, number> | null;
  selectionSize: number;
  linkKey: string;
  fromEvidenceKey: string;
  readOnly: boolean;
  onHover(id: string | null): void;
}

const QaCard = memo(function QaCard({ q, index, active, linking, required, kept, boxes, labels, pageNumbers, selectionSize, linkKey, fromEvidenceKey, readOnly, onHover }: CardProps) {
  const fromEvidence = q.evidenceBoxIds.length ? evidenceText(boxes, q.evidenceBoxIds) : '';
  const onAnswerKey = (e: ReactKeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      confirmAnswer();
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.currentTarget.blur();
    }
  };
  const activate = () => {
    if (edit().activeQaId !== q.id) edit().setActiveQa(q.id);
  };
  return (
    <div
      className={`qa-card${active ? ' active' : ''}${isAnswered(q) ? ' answered' : ''}${linking ? ' linking' : ''}${kept ? ' kept' : ''}`}
      data-testid="qa-card"
      data-qa-id={q.id}
      data-kept={kept ? 'true' : undefined}
      data-active={active ? 'true' : undefined}
      onMouseDown={activate}
      onFocus={activate}
      onMouseEnter={() => onHover(q.id)}
      onMouseLeave={() => onHover(null)}
    >
      <div className="qa-head">
        <span className="qa-num" aria-hidden="true">
          {isAnswered(q) ? <IconCheck size={12} /> : index + 1}
        </span>
        {q.source === 'template' ? (
          <span className="qa-question" data-testid="qa-question">
            {q.question}
          </span>
        ) : (
          <input
            className="input qa-question-input"
            value={q.question}
            readOnly={readOnly}
            onChange={(e) => edit().updateQa(q.id, { question: e.target.value }, { coalesceKey: `question:${q.id}` })}
            aria-label="Question"
            placeholder="Question"
            data-testid="qa-question-input"
          />
        )}
        <QaSourceBadge q={q} kept={kept} required={required} />
        {q.source !== 'template' || kept ? (
          <button
            type="button"
            className="icon-btn icon-btn-xs danger"
            onClick={() => edit().deleteQa(q.id)}
            disabled={readOnly}
            title={kept ? 'Delete this kept answer' : 'Delete this question'}
            aria-label={kept ? 'Delete kept answer' : 'Delete question'}
            data-testid="qa-delete"
          >
            <IconTrash />
          </button>
        ) : null}
      </div>
      <textarea
        className="input textarea qa-answer"
        rows={2}
        value={q.answer}
        disabled={q.unanswerable}
        readOnly={readOnly}
        onChange={(e) => edit().updateQa(q.id, { answer: e.target.value }, { coalesceKey: `answer:${q.id}` })}
        onKeyDown={onAnswerKey}
        placeholder={q.unanswerable ? 'Marked unanswerable' : readOnly ? '' : 'Answer — or click the box that holds it · Enter: next question'}
        aria-label={`Answer to: ${q.question}`}
        spellCheck={false}
        data-testid="qa-answer"
      />
      <QaTools q={q} linking={linking} readOnly={readOnly} selectionSize={selectionSize} fromEvidence={fromEvidence} fromEvidenceKey={fromEvidenceKey} linkKey={linkKey} activate={activate} />
      {linking ? <div className="qa-linking-hint small">Click boxes on the page to link or unlink them. Press the button again when done.</div> : null}
      {q.evidenceBoxIds.length ? (
        <div className={`qa-evidence${readOnly ? ' read-only' : ''}`} aria-label="Evidence boxes">
          {q.evidenceBoxIds.map((boxId) => {
            const box = boxes[boxId];
            return (
              <EvidenceChip
                key={boxId}
                boxId={boxId}
                box={box}
                labels={labels}
                pageNumber={pageNumbers && box ? (pageNumbers.get(box.pageId) ?? null) : null}
                onRemove={() => edit().updateQa(q.id, { evidenceBoxIds: q.evidenceBoxIds.filter((id) => id !== boxId) })}
              />
            );
          })}
        </div>
      ) : null}
    </div>
  );
});

/** Where the question comes from: a template (required or not), kept from one, the model, or the annotator. */
function QaSourceBadge({ q, kept, required }: { q: QaPair; kept: boolean; required: boolean | null }) {
  return kept ? (
    <span className="qa-source kept" title="This question is no longer asked of this document (its type changed, its line item is gone or its template was removed). The answer is kept; delete it if it does not belong.">
      Kept
    </span>
  ) : q.source === 'template' ? (
    <span className={`qa-source${required ? ' required' : ''}`} title={required ? 'A template question: verify needs an answer or "unanswerable"' : 'An optional template question'}>
      {required ? 'Required' : 'Optional'}
    </span>
  ) : q.source === 'model' ? (
    <span className="qa-source model" title="Proposed by the model and accepted">
      <IconSparkles size={11} /> Model
    </span>
  ) : (
    <span className="qa-source mine">Yours</span>
  );
}

interface QaToolsProps {
  q: QaPair;
  linking: boolean;
  readOnly: boolean;
  selectionSize: number;
  /** The evidence boxes' text, offered as the answer when it differs. */
  fromEvidence: string;
  fromEvidenceKey: string;
  linkKey: string;
  activate(): void;
}

/** Below the answer: unanswerable, the evidence text as the answer, and linking evidence boxes. */
function QaTools({ q, linking, readOnly, selectionSize, fromEvidence, fromEvidenceKey, linkKey, activate }: QaToolsProps) {
  return (
    <div className="qa-tools">
      <label className="checkbox small">
        <input
          type="checkbox"
          checked={q.unanswerable}
          disabled={readOnly}
          onChange={(e) => edit().updateQa(q.id, e.target.checked ? { unanswerable: true, answer: '' } : { unanswerable: false })}
          data-testid="qa-unanswerable"
        />
        Unanswerable
      </label>
      <span className="grow" />
      {fromEvidence && fromEvidence !== q.answer && !readOnly ? (
        <button
          type="button"
          className="btn btn-sm btn-ghost"
          onClick={() => edit().answerFromEvidence(q.id)}
          title={`Answer with the evidence boxes' text: “${fromEvidence}” (${fromEvidenceKey})`}
          data-testid="qa-from-evidence"
        >
          Use evidence text
        </button>
      ) : null}
      <button
        type="button"
        className={`btn btn-sm${linking ? ' btn-toggle-on' : ' btn-ghost'}`}
        aria-pressed={linking}
        disabled={readOnly}
        onClick={() => setLinking(linking ? null : q.id)}
        title="While on, clicking boxes on the page links or unlinks them"
        data-testid="qa-link-toggle"
      >
        <IconLink /> {linking ? 'Linking…' : 'Link evidence'}
      </button>
      <button
        type="button"
        className="btn btn-sm btn-ghost"
        disabled={selectionSize === 0 || readOnly}
        onClick={() => {
          activate();
          linkSelectedEvidence(q.id);
        }}
        title={`Link the selected boxes as evidence (${linkKey})`}
        data-testid="qa-link-selected"
      >
        Link selected{selectionSize ? ` (${selectionSize})` : ''}
      </button>
    </div>
  );
}

function ProposedQa({ p, readOnly }: { p: Prediction; readOnly: boolean }) {
  const low = p.confidence < LOW_CONFIDENCE;
  return (
    <div className={`qa-card proposed${low ? ' low' : ''}`} data-testid="qa-proposed" data-prediction-id={p.id}>
      <div className="qa-head">
        <span className="qa-num model" aria-hidden="true">
          <IconSparkles size={12} />
        </span>
        <span className="qa-question">{p.question}</span>
        <span className={`confidence${low ? ' low' : ''}`} title={low ? 'Under 0.8: check it closely' : 'Model confidence'} data-testid="qa-proposed-confidence">
          {low ? <IconAlert size={11} /> : null}
          {formatConfidence(p.confidence)}
        </span>
      </div>
      <div className="qa-proposed-answer">{p.answer === null ? <span className="muted">Unanswerable</span> : p.answer || <span className="muted">(empty)</span>}</div>
      <div className="qa-tools">
        <span className="muted small">
          {p.evidence.length ? `${p.evidence.length} evidence box${p.evidence.length === 1 ? '' : 'es'}` : 'No evidence'} · {p.model}
        </span>
        <span className="grow" />
        <button type="button" className="btn btn-sm" onClick={() => decidePrediction(p.id, true)} disabled={readOnly} data-testid="qa-proposed-accept">
          <IconCheck /> Accept
        </button>
        <button type="button" className="btn btn-sm btn-danger-ghost" onClick={() => decidePrediction(p.id, false)} disabled={readOnly} data-testid="qa-proposed-reject">
          <IconX /> Reject
        </button>
      </div>
    </div>
  );
}

function AddQuestion() {
  const [text, setText] = useState('');
  const add = () => {
    const question = text.trim();
    if (!question) return;
    const id = edit().addQuestion(question);
    setText('');
    useAnnotationUi.getState().requestFocus('qa', id);
  };
  return (
    <form
      className="qa-add"
      onSubmit={(e) => {
        e.preventDefault();
        add();
      }}
    >
      <input className="input grow" value={text} onChange={(e) => setText(e.target.value)} placeholder="Ask another question about this document" aria-label="New question" maxLength={2000} data-testid="qa-add-input" />
      <button type="submit" className="btn btn-sm" disabled={!text.trim()} data-testid="qa-add">
        <IconPlus /> Add
      </button>
    </form>
  );
}

/** "Type: Invoice ▾": what the document is, which decides its template questions. */
function DocTypeControl({ projectId, documentId }: { projectId: string; documentId: string }) {
  const docType = useDocumentView((s) => (s.key === `${projectId}/${documentId}` && s.doc ? s.doc.docType : undefined));
  if (docType === undefined) return null;
  return (
    <label className="doc-type-control" title="What this document is: the questions asked of it follow">
      <span className="muted">Type:</span>
      <select
        className="select-sm doc-type-select"
        value={docType ?? ''}
        onChange={(e) => void useDocumentView.getState().setType(projectId, documentId, (e.target.value || null) as DocType | null)}
        aria-label="Document type"
        data-testid="doc-type-select"
      >
        <DocTypeOptions unset="Not set" />
      </select>
    </label>
  );
}

export function QuestionsPanel({ projectId, documentId, pages }: { projectId: string; documentId: string; pages: Page[] }) {
  const qa = useAnnotation((s) => s.qa);
  const info = useAnnotation((s) => s.questionInfo);
  const boxes = useAnnotation((s) => s.boxes);
  const activeQaId = useAnnotation((s) => s.activeQaId);
  const selectionSize = useAnnotation((s) => s.selection.size);
  const predictions = useAnnotation((s) => s.predictions);
  const linkingEvidence = useAnnotationUi((s) => s.linkingEvidence);
  const readOnly = useAnnotation(isReadOnly);
  const focus = useAnnotationUi((s) => s.focus);
  const project = useProjects((s) => s.byId[projectId]?.project);
  const docType = useDocumentView((s) => (s.key === `${projectId}/${documentId}` && s.doc ? s.doc.docType : undefined));
  const labels = project?.labels;
  const keymap = useKeymap();
  const [hoverQa, setHoverQa] = useState<string | null>(null);

  const pageNumbers = useMemo(() => (pages.length > 1 ? new Map(pages.map((p) => [p.id, p.pageNumber])) : null), [pages]);
  const proposed = useMemo(() => predictions.filter((p) => p.kind === 'qa' && p.status === 'pending'), [predictions]);
  const asked = useMemo(() => qa.filter((q) => !info.kept.has(q.id)), [qa, info]);
  const kept = useMemo(() => qa.filter((q) => info.kept.has(q.id)), [qa, info]);
  // With no type yet, only the "any document" templates are asked: say how to get the rest.
  const typedTemplates = project?.questions.some((t) => t.kinds.length > 0) ?? false;
  const answered = asked.filter(isAnswered).length;
  const linkKey = keymap['qa.linkEvidence']?.[0];
  const fromEvidenceKey = keymap['qa.answerFromEvidence']?.[0];

  // The canvas emphasises the evidence of the question under the pointer.
  useEffect(() => {
    const ids = hoverQa ? (qa.find((q) => q.id === hoverQa)?.evidenceBoxIds ?? []) : [];
    const ui = useAnnotationUi.getState();
    const current = ui.highlightBoxIds;
    if (current.length !== ids.length || current.some((id, i) => id !== ids[i])) ui.set({ highlightBoxIds: ids });
  }, [hoverQa, qa]);
  useEffect(() => () => useAnnotationUi.getState().set({ highlightBoxIds: [] }), []);

  // "Answer this question" from the keyboard, a new question or the verify list.
  useEffect(() => {
    if (!focus || focus.kind !== 'qa' || isFocusRequestHandled(focus.nonce)) return;
    takeFocusRequest(focus.nonce);
    if (edit().activeQaId !== focus.id) edit().setActiveQa(focus.id);
    whenElement<HTMLElement>(`[data-testid="qa-card"][data-qa-id="${cssEscape(focus.id)}"]`, (card) => {
      card.scrollIntoView({ block: 'nearest' });
      const answer = card.querySelector<HTMLTextAreaElement>('[data-testid="qa-answer"]');
      const target = answer && !answer.disabled ? answer : card.querySelector<HTMLElement>('[data-testid="qa-unanswerable"]');
      target?.focus();
    });
  }, [focus]);

  const card = (q: QaPair, i: number) => (
    <QaCard
      key={q.id}
      q={q}
      index={i}
      active={q.id === activeQaId}
      linking={linkingEvidence && q.id === activeQaId}
      required={q.source === 'template' ? info.required.has(q.id) : null}
      kept={info.kept.has(q.id)}
      boxes={q.evidenceBoxIds.length ? boxes : EMPTY_BOXES}
      labels={labels ?? NO_LABELS}
      pageNumbers={pageNumbers}
      selectionSize={selectionSize}
      linkKey={linkKey ? displayCombo(linkKey) : 'no shortcut'}
      fromEvidenceKey={fromEvidenceKey ? displayCombo(fromEvidenceKey) : 'no shortcut'}
      readOnly={readOnly}
      onHover={setHoverQa}
    />
  );

  return (
    <div className="questions-panel" data-testid="questions-panel">
      <div className="questions-summary muted small" data-testid="qa-summary">
        <DocTypeControl projectId={projectId} documentId={documentId} />
        <span data-testid="qa-answered">{asked.length ? `${answered} of ${asked.length} answered` : 'No questions yet'}</span>
        <span className="grow" />
        {keymap['qa.previous']?.[0] && keymap['qa.next']?.[0] ? (
          <span title="Previous / next question">
            <kbd>{displayCombo(keymap['qa.previous'][0])}</kbd> <kbd>{displayCombo(keymap['qa.next'][0])}</kbd>
          </span>
        ) : null}
      </div>
      <div className="questions-scroll" data-testid="qa-list">
        {docType === null && typedTemplates ? (
          <p className="qa-type-prompt small" data-testid="qa-type-prompt">
            Choose the document’s <strong>Type</strong> above to see the questions for invoices, receipts or forms. Until then only the questions for every document are asked.
          </p>
        ) : null}
        {asked.map(card)}
        {kept.length ? (
          <section className="qa-kept-section" aria-label="Answers kept from questions no longer asked" data-testid="qa-kept-section">
            <h4 className="panel-subheading">Kept answers ({kept.length})</h4>
            <p className="muted small">
              No longer asked of this {docTypeLabel(docType ?? null, 'document').toLowerCase()} (its type or line items changed). Kept until you delete them; verify does not need them.
            </p>
            {kept.map((q, i) => card(q, asked.length + i))}
          </section>
        ) : null}
        {proposed.length ? (
          <section className="qa-proposed-section" aria-label="Proposed by the model">
            <h4 className="panel-subheading">
              <IconSparkles /> Proposed by the model ({proposed.length})
            </h4>
            {proposed.map((p) => (
              <ProposedQa key={p.id} p={p} readOnly={readOnly} />
            ))}
          </section>
        ) : null}
        {readOnly ? null : <AddQuestion />}
      </div>
    </div>
  );
}

const EMPTY_BOXES: Record<string, Box> = {};
const NO_LABELS: Label[] = [];
