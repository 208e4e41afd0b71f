import { useEffect, useRef } from 'react';
import type { Label } from '../../../shared/domain/model';
import type { ReviewBoxGroup, ReviewDocument, ReviewQuestionGroup, ReviewSource } from '../../../shared/domain/review';
import { IconAlert, IconCheck } from '../components/Icons';
import { chosenAnswer, chosenBox, itemKey, type BoxChoice, type Choices, type ItemRef, type QaChoice } from './resolution';
import { sourceColour } from './ReviewLayers';
import { useReviewDoc } from './reviewStore';

/**
 * The resolving side panel: the sources with their number keys and visibility, then every item
 * (regions, then questions) with whether the annotators agree, and for the current item each
 * source's version to take, "drop" and "edit". Picking one never moves to another item (J/K do);
 * a source with nothing there is refused with a note beside the item.
 */

const quote = (s: string, max = 48): string => `“${s.length > max ? `${s.slice(0, max - 1)}…` : s}”`;

/** The buttons' titles say what their keys do: taking stays on the item, J moves on. */
const takeTitle = (name: string, n: number): string => `Take ${name}'s version (${n}) — stays on this item; J: next to settle`;
const DROP_TITLE = 'Leave it out of gold (0) — stays on this item; J: next to settle';
const EDIT_TITLE = 'Write your own version (E, or Enter)';

const choiceKey = (c: BoxChoice | QaChoice | undefined): string => (!c ? 'none' : c.kind === 'source' ? c.sourceId : c.kind);

function boxSummary(g: ReviewBoxGroup, choice: BoxChoice | undefined): string {
  const b = chosenBox(g, choice) ?? Object.values(g.boxes)[0];
  if (!b) return 'region';
  return `${b.label ?? '(no label)'}${b.transcription ? ` ${quote(b.transcription, 28)}` : ''}`;
}

function answerText(qa: { answer: string; unanswerable: boolean } | undefined): string {
  if (!qa) return 'no answer';
  if (qa.unanswerable) return 'unanswerable';
  return qa.answer.trim() ? quote(qa.answer) : 'no answer';
}

export function SourcesLegend({ sources, doc }: { sources: ReviewSource[]; doc: ReviewDocument }) {
  const hidden = useReviewDoc((s) => s.hidden);
  const versionOf = (id: string) => [...doc.versions, ...(doc.gold ? [doc.gold] : [])].find((v) => v.source.id === id)?.version;
  return (
    <ul className="review-sources" data-testid="review-sources">
      {sources.map((s, i) => (
        <li key={s.id} data-testid="review-source" data-source-id={s.id}>
          <label className="row gap-sm" title={`Show or hide ${s.name}'s boxes (Shift+${i + 1})`}>
            <input type="checkbox" checked={!hidden[s.id]} onChange={() => useReviewDoc.getState().toggleSource(s.id)} data-testid="review-source-toggle" />
            <span className="review-swatch" style={{ borderColor: sourceColour(sources, s.id), borderStyle: s.kind === 'model' ? 'dashed' : 'solid' }} />
            <kbd>{i + 1}</kbd>
            <span className="truncate">{s.name}</span>
            {versionOf(s.id) ? <span className="muted small">v{versionOf(s.id)}</span> : null}
          </label>
        </li>
      ))}
    </ul>
  );
}

interface OptionProps {
  n: string;
  label: string;
  detail: string;
  active: boolean;
  /** This source has nothing here: picking it is refused with a note. */
  missing?: boolean;
  title: string;
  onPick: () => void;
  testId: string;
}

function Option({ n, label, detail, active, missing = false, title, onPick, testId }: OptionProps) {
  return (
    <button type="button" className={`review-option${active ? ' active' : ''}${missing ? ' missing' : ''}`} aria-pressed={active} title={title} onClick={onPick} data-testid={testId}>
      <kbd>{n}</kbd>
      <span className="review-option-source">{label}</span>
      <span className="review-option-detail truncate">{detail}</span>
    </button>
  );
}

/**
 * An item's choices: each source's version by its number (one with nothing here is refused with
 * a note), drop (0) and edit (E); while editing, `editor` stands in the place of E.
 */
function ItemOptions({
  item,
  sources,
  choice,
  has,
  detail,
  absent,
  dropDetail,
  editDetail,
  editor,
}: {
  item: ItemRef;
  sources: ReviewSource[];
  choice: BoxChoice | QaChoice | undefined;
  has(sourceId: string): boolean;
  detail(sourceId: string): string;
  /** What a source lacks when it has nothing here: "box" or "answer". */
  absent: string;
  dropDetail: string;
  editDetail: string;
  editor: React.ReactNode;
}) {
  const editing = useReviewDoc((s) => s.editing);
  const store = useReviewDoc.getState;
  return (
    <div className="review-options">
      {sources.map((s, i) => (
        <Option
          key={s.id}
          n={String(i + 1)}
          label={s.name}
          detail={detail(s.id)}
          active={choice?.kind === 'source' && choice.sourceId === s.id}
          missing={!has(s.id)}
          title={has(s.id) ? takeTitle(s.name, i + 1) : `${s.name} has no ${absent} here`}
          onPick={() => store().take(item, s.id)}
          testId="review-option"
        />
      ))}
      <Option n="0" label="Drop" detail={dropDetail} active={choice?.kind === 'drop'} title={DROP_TITLE} onPick={() => store().drop(item)} testId="review-option-drop" />
      {choice?.kind === 'edit' && editing ? (
        editor
      ) : (
        <Option n="E" label="Edit" detail={editDetail} active={choice?.kind === 'edit'} title={EDIT_TITLE} onPick={() => startEditing()} testId="review-option-edit" />
      )}
    </div>
  );
}

function BoxOptions({ group, sources, labels }: { group: ReviewBoxGroup; sources: ReviewSource[]; labels: Label[] }) {
  const choice = useReviewDoc((s) => s.choices.boxes[group.id]);
  const picked = chosenBox(group, choice);
  const detail = (sourceId: string): string => {
    const b = group.boxes[sourceId];
    return b ? `${b.label ?? '(no label)'}${b.transcription ? ` ${quote(b.transcription)}` : ''}` : 'no box here';
  };
  return (
    <ItemOptions
      item={{ kind: 'box', id: group.id }}
      sources={sources}
      choice={choice}
      has={(id) => !!group.boxes[id]}
      detail={detail}
      absent="box"
      dropDetail="no box in gold"
      editDetail={choice?.kind === 'edit' ? `${picked?.label ?? ''} ${quote(picked?.transcription ?? '')}` : 'your own label, text or geometry'}
      editor={choice?.kind === 'edit' ? <BoxEditor group={group} choice={choice} labels={labels} /> : null}
    />
  );
}

function useFocusOnMount() {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  return input;
}

/** Enter or Esc in an editor ends editing (Ctrl+Enter still reaches the view: it saves gold). */
function finishEditing(e: React.KeyboardEvent): void {
  if ((e.key === 'Enter' && !e.ctrlKey && !e.metaKey) || e.key === 'Escape') {
    e.preventDefault();
    e.stopPropagation();
    useReviewDoc.getState().setEditing(false);
  }
}

function BoxEditor({ group, choice, labels }: { group: ReviewBoxGroup; choice: Extract<BoxChoice, { kind: 'edit' }>; labels: Label[] }) {
  const input = useFocusOnMount();
  const set = (patch: Partial<Extract<BoxChoice, { kind: 'edit' }>>) => useReviewDoc.getState().chooseBox(group.id, { ...choice, ...patch });
  return (
    <div className="review-editor" data-testid="review-box-editor">
      <select className="select-sm" value={choice.label} onChange={(e) => set({ label: e.target.value })} onKeyDown={finishEditing} aria-label="Label" data-testid="review-edit-label">
        {labels.map((l) => (
          <option key={l.id} value={l.name}>
            {l.name}
          </option>
        ))}
      </select>
      <input
        ref={input}
        className="input"
        value={choice.transcription}
        onChange={(e) => set({ transcription: e.target.value })}
        onKeyDown={finishEditing}
        aria-label="Transcription"
        data-testid="review-edit-transcription"
      />
      <p className="muted small">Drag or resize the black box on the page. Enter: done.</p>
    </div>
  );
}

function QaOptions({ group, sources }: { group: ReviewQuestionGroup; sources: ReviewSource[] }) {
  const choice = useReviewDoc((s) => s.choices.qa[group.key]);
  return (
    <ItemOptions
      item={{ kind: 'qa', id: group.key }}
      sources={sources}
      choice={choice}
      has={(id) => !!group.answers[id]}
      detail={(id) => answerText(group.answers[id])}
      absent="answer"
      dropDetail="leave the question out of gold"
      editDetail={choice?.kind === 'edit' ? answerText(choice) : 'type the right answer'}
      editor={choice?.kind === 'edit' ? <AnswerEditor group={group} choice={choice} /> : null}
    />
  );
}

function AnswerEditor({ group, choice }: { group: ReviewQuestionGroup; choice: Extract<QaChoice, { kind: 'edit' }> }) {
  const input = useFocusOnMount();
  const set = (patch: Partial<Extract<QaChoice, { kind: 'edit' }>>) => useReviewDoc.getState().chooseQa(group.key, { ...choice, ...patch });
  return (
    <div className="review-editor" data-testid="review-answer-editor">
      <input
        ref={input}
        className="input"
        value={choice.answer}
        disabled={choice.unanswerable}
        onChange={(e) => set({ answer: e.target.value })}
        onKeyDown={finishEditing}
        aria-label="Answer"
        data-testid="review-edit-answer"
      />
      <label className="row gap-sm small">
        <input type="checkbox" checked={choice.unanswerable} onChange={(e) => set({ unanswerable: e.target.checked })} onKeyDown={finishEditing} />
        Unanswerable
      </label>
    </div>
  );
}

/** Start editing the current item from whatever it holds now (or the first source's version). */
export function startEditing(): void {
  const { doc, current, choices } = useReviewDoc.getState();
  if (!doc || !current) return;
  const store = useReviewDoc.getState();
  if (current.kind === 'box') {
    const g = doc.boxGroups.find((x) => x.id === current.id);
    if (!g) return;
    const choice = choices.boxes[g.id];
    if (choice?.kind !== 'edit') {
      const from = chosenBox(g, choice) ?? chosenBox(g, { kind: 'source', sourceId: Object.keys(g.boxes)[0]! });
      if (!from) return;
      store.chooseBox(g.id, { kind: 'edit', base: from.from, label: from.label ?? '', transcription: from.transcription, x: from.x, y: from.y, w: from.w, h: from.h });
    }
  } else {
    const g = doc.questionGroups.find((x) => x.key === current.id);
    if (!g) return;
    const choice = choices.qa[g.key];
    if (choice?.kind !== 'edit') {
      const from = chosenAnswer(g, choice) ?? chosenAnswer(g, { kind: 'source', sourceId: Object.keys(g.answers)[0]! });
      store.chooseQa(g.key, { kind: 'edit', base: from?.from ?? null, answer: from?.answer ?? '', unanswerable: from?.unanswerable ?? false });
    }
  }
  store.setEditing(true);
}

/** How an item is named in the list and in the summary before saving. */
export function itemTitle(doc: ReviewDocument, item: ItemRef, choices: Choices, pageNumberOf: (pageId: string) => number): string {
  if (item.kind === 'qa') return `Q: ${doc.questionGroups.find((g) => g.key === item.id)?.question ?? ''}`;
  const g = doc.boxGroups.find((x) => x.id === item.id);
  if (!g) return 'region';
  const multiPage = new Set(doc.boxGroups.map((x) => x.pageId)).size > 1;
  return `${multiPage ? `p${pageNumberOf(g.pageId)} · ` : ''}${boxSummary(g, choices.boxes[g.id])}`;
}

/** What an item will be in gold: the source it is taken from, "edited" or "dropped". */
export function choiceLabel(choice: BoxChoice | QaChoice | undefined, sources: ReviewSource[]): string {
  if (!choice || choice.kind === 'drop') return 'dropped';
  if (choice.kind === 'edit') return 'edited';
  return sources.find((s) => s.id === choice.sourceId)?.name ?? '';
}

export function ItemList({ doc, sources, labels, pageNumberOf }: { doc: ReviewDocument; sources: ReviewSource[]; labels: Label[]; pageNumberOf: (pageId: string) => number }) {
  const current = useReviewDoc((s) => s.current);
  const choices = useReviewDoc((s) => s.choices);
  const showAgreed = useReviewDoc((s) => s.showAgreed);
  const refusal = useReviewDoc((s) => s.refusal);
  const list = useRef<HTMLOListElement>(null);
  const messages = new Map([...doc.disagreements, ...doc.lowConfidence].map((d) => [d.id, d]));
  const isCurrent = (item: ItemRef) => current?.kind === item.kind && current.id === item.id;

  // Keep the current item in view as the keyboard walks the list.
  useEffect(() => {
    list.current?.querySelector('[data-current="true"]')?.scrollIntoView({ block: 'nearest' });
  }, [current]);

  const row = (item: ItemRef, agreed: boolean, ids: string[], choice: BoxChoice | QaChoice | undefined, body: React.ReactNode) => {
    if (agreed && !showAgreed && !isCurrent(item)) return null;
    const title = itemTitle(doc, item, choices, pageNumberOf);
    const types = [...new Set(ids.map((id) => messages.get(id)?.type.replace(/_/g, ' ')).filter(Boolean))].join(', ');
    return (
      <li
        key={`${item.kind}/${item.id}`}
        className={`review-item${isCurrent(item) ? ' current' : ''}${agreed ? ' agreed' : ''}`}
        data-testid="review-item-row"
        data-kind={item.kind}
        data-item-id={item.id}
        data-agreed={agreed}
        data-current={isCurrent(item)}
        data-choice={choiceKey(choice)}
      >
        <button type="button" className="review-item-head" onClick={() => useReviewDoc.getState().select(item)}>
          {agreed ? <IconCheck className="ok" /> : <IconAlert className="warn" />}
          <span className="truncate grow">{title}</span>
          {!agreed ? <span className="muted small">{types}</span> : null}
          <span className="review-item-choice small" data-testid="review-item-choice">
            → {choiceLabel(choice, sources)}
          </span>
        </button>
        {isCurrent(item) ? (
          <div className="review-item-body">
            {ids.flatMap((id) => messages.get(id) ?? []).map((d) => (
              <p key={d.id} className="small muted review-message" data-testid="review-disagreement">
                {d.message}
              </p>
            ))}
            {refusal?.item === itemKey(item) ? (
              <p className="review-refusal small" role="alert" data-testid="review-refusal">
                <IconAlert /> {refusal.message}
              </p>
            ) : null}
            {body}
          </div>
        ) : null}
      </li>
    );
  };

  const agreedCount = doc.boxGroups.filter((g) => g.agreed).length + doc.questionGroups.filter((g) => g.agreed).length;
  return (
    <>
      <label className="row gap-sm small muted review-show-agreed">
        <input type="checkbox" checked={showAgreed} onChange={(e) => useReviewDoc.setState({ showAgreed: e.target.checked })} data-testid="review-show-agreed" />
        Show the {agreedCount} item(s) everyone agrees on
      </label>
      <ol className="review-items" ref={list} data-testid="review-items">
        {doc.boxGroups.map((g) =>
          row({ kind: 'box', id: g.id }, g.agreed, g.disagreementIds, choices.boxes[g.id], <BoxOptions group={g} sources={sources} labels={labels} />),
        )}
        {doc.questionGroups.map((g) => row({ kind: 'qa', id: g.key }, g.agreed, g.disagreementIds, choices.qa[g.key], <QaOptions group={g} sources={sources} />))}
      </ol>
    </>
  );
}
