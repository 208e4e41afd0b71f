import { useEffect, useRef } from 'react';
import type { ReviewDocument, ReviewSource } from '../../../shared/domain/review';
import { IconAlert, IconCheck } from '../components/Icons';
import { Modal } from '../components/Modal';
import { itemKey, type Choices, type GoldSummary, type ItemRef } from './resolution';
import { choiceLabel, itemTitle } from './ResolvePanel';
import { sourceColour } from './ReviewLayers';

/**
 * What gold will hold, shown before it is written (Ctrl+Enter or the save button): how many
 * regions and answers are kept from each source, edited and dropped, and the items to settle the
 * lead never looked at, each a button that goes back to it. One confirmation writes gold: Enter
 * (or Ctrl+Enter again) or the save button; Esc or Back returns to the items with nothing written.
 */

interface Props {
  doc: ReviewDocument;
  sources: ReviewSource[];
  choices: Choices;
  summary: GoldSummary;
  /** The save button's words ("Save as gold", "Save gold v2"). */
  label: string;
  /** While gold is written and the next document found: what is happening (the dialog is locked). */
  busy: string | null;
  pageNumberOf(pageId: string): number;
  onConfirm(): void;
  onJump(item: ItemRef): void;
  onClose(): void;
}

const count = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

export function GoldSummaryDialog({ doc, sources, choices, summary, label, busy, pageNumberOf, onConfirm, onJump, onClose }: Props) {
  const confirm = useRef<HTMLButtonElement>(null);
  const onConfirmRef = useRef(onConfirm);
  useEffect(() => {
    onConfirmRef.current = onConfirm;
  });

  // The save button has the focus (after the dialog's own first-focus), so Enter saves; Enter on
  // Back or on an item to go back to does what that button says.
  useEffect(() => {
    confirm.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Enter' || e.altKey || e.shiftKey || e.repeat) return;
      const target = e.target instanceof HTMLElement ? e.target.closest('button, a[href], input, select, textarea') : null;
      if (target && target !== confirm.current && !e.ctrlKey && !e.metaKey) return;
      e.preventDefault();
      e.stopPropagation();
      onConfirmRef.current();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  const boxes = summary.kept.reduce((n, k) => n + k.boxes, 0) + summary.edited.boxes;
  const answers = summary.kept.reduce((n, k) => n + k.answers, 0) + summary.edited.answers;
  return (
    <Modal
      title={`What gold will hold — ${doc.sourceName}`}
      onClose={onClose}
      locked={busy !== null}
      wide
      testId="gold-summary"
      footer={
        <>
          <span className="muted small grow">Enter saves · Esc goes back</span>
          <button type="button" className="btn btn-ghost" onClick={onClose} disabled={busy !== null} data-testid="gold-summary-back">
            Back
          </button>
          <button type="button" ref={confirm} className="btn btn-primary" onClick={onConfirm} disabled={busy !== null} data-testid="gold-summary-confirm">
            {busy ?? label}
          </button>
        </>
      }
    >
      <p className="gold-summary-lead" data-testid="gold-summary-total">
        Gold will hold {count(boxes, 'region', 'regions')} and {count(answers, 'answer', 'answers')}.
      </p>
      <table className="sync-table gold-summary-table">
        <thead>
          <tr>
            <th />
            <th className="num">Regions</th>
            <th className="num">Answers</th>
          </tr>
        </thead>
        <tbody>
          {summary.kept.map((k) => (
            <tr key={k.source.id} data-testid="gold-summary-kept" data-source-id={k.source.id} data-boxes={k.boxes} data-answers={k.answers}>
              <td>
                <span className="row gap-sm">
                  <span className="review-swatch" style={{ borderColor: sourceColour(sources, k.source.id), borderStyle: k.source.kind === 'model' ? 'dashed' : 'solid' }} />
                  Kept from {k.source.name}
                </span>
              </td>
              <td className="num">{k.boxes}</td>
              <td className="num">{k.answers}</td>
            </tr>
          ))}
          <tr data-testid="gold-summary-edited" data-count={summary.edited.boxes + summary.edited.answers}>
            <td>Edited by you</td>
            <td className="num">{summary.edited.boxes}</td>
            <td className="num">{summary.edited.answers}</td>
          </tr>
          <tr data-testid="gold-summary-dropped" data-count={summary.dropped.boxes + summary.dropped.answers}>
            <td>Dropped (left out of gold)</td>
            <td className="num">{summary.dropped.boxes}</td>
            <td className="num">{summary.dropped.answers}</td>
          </tr>
        </tbody>
      </table>
      {summary.unlooked.length ? (
        <section className="gold-summary-unlooked" data-testid="gold-summary-unlooked">
          <p className="gold-summary-warn">
            <IconAlert /> You never looked at {summary.unlooked.length} of the {count(summary.toSettle, 'item', 'items')} to settle. They stay on the suggestion:
          </p>
          <ul>
            {summary.unlooked.map((item) => {
              const choice = item.kind === 'box' ? choices.boxes[item.id] : choices.qa[item.id];
              return (
                <li key={itemKey(item)}>
                  <button type="button" className="gold-summary-item" onClick={() => onJump(item)} title="Go back to this item" data-testid="gold-summary-unlooked-item">
                    <span className="truncate grow">{itemTitle(doc, item, choices, pageNumberOf)}</span>
                    <span className="muted small">→ {choiceLabel(choice, sources)}</span>
                  </button>
                </li>
              );
            })}
          </ul>
        </section>
      ) : (
        <p className="gold-summary-ok" data-testid="gold-summary-all-looked">
          <IconCheck /> {summary.toSettle === 0 ? 'The annotators agree on every item.' : summary.toSettle === 1 ? 'You looked at the one item to settle.' : `You looked at every one of the ${summary.toSettle} items to settle.`}
        </p>
      )}
    </Modal>
  );
}
