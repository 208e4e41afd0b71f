import { IconChevronDown, IconChevronUp, IconTrash } from '../../components/Icons';

interface EditorRowActionsProps {
  index: number;
  count: number;
  onMove(delta: -1 | 1): void;
  onRemove(): void;
  /** Names what Remove takes away, for assistive technology. */
  removeLabel: string;
  removeTestId: string;
}

/** Move up, move down and remove, at the end of a label's or question's row. */
export function EditorRowActions({ index, count, onMove, onRemove, removeLabel, removeTestId }: EditorRowActionsProps) {
  return (
    <div className="row-actions">
      <button type="button" className="icon-btn" onClick={() => onMove(-1)} disabled={index === 0} aria-label="Move up" title="Move up">
        <IconChevronUp />
      </button>
      <button type="button" className="icon-btn" onClick={() => onMove(1)} disabled={index === count - 1} aria-label="Move down" title="Move down">
        <IconChevronDown />
      </button>
      <button type="button" className="icon-btn danger" onClick={onRemove} aria-label={removeLabel} title="Remove" data-testid={removeTestId}>
        <IconTrash />
      </button>
    </div>
  );
}
