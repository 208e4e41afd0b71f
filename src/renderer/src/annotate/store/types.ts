import type { StoreApi } from 'zustand/vanilla';
import type { Box, DocType, Prediction, QaPair, QuestionTemplate, VerifyProblem, VerifyWarning, VerifyWarningKind } from '../../../../shared/domain/model';
import type { ArrangedQa } from '../../../../shared/domain/templateQuestions';
import type { Change } from '../changes';

// The annotation store's public shape; createAnnotationStore (../store.ts) builds it from the slices here.

export type SaveState = 'saved' | 'pending' | 'saving' | 'error' | 'conflict' | 'refused';

/** A save the core refused, with the box or question it is about when it says. */
export interface SaveRefusal {
  message: string;
  boxId: string | null;
  qaId: string | null;
}

/** A verified document is read-only until the person asks to edit it. */
export const isReadOnly = (s: { status: 'draft' | 'verified'; editUnlocked: boolean; loaded: boolean }): boolean => s.loaded && s.status === 'verified' && !s.editUnlocked;

export interface AnnotationData {
  projectId: string;
  documentId: string;
  annotationId: string | null;
  version: number;
  status: 'draft' | 'verified';
  revision: number;
  boxes: Record<string, Box>;
  /** Box ids in drawing order. */
  order: string[];
  qa: QaPair[];
  predictions: Prediction[];
}

/** What decides a document's template questions: the project's templates and the document's type. */
export interface QuestionContext {
  documentId: string;
  templates: readonly QuestionTemplate[];
  docType: DocType | null;
}

export interface AnnotationStore extends AnnotationData {
  loaded: boolean;
  questionContext: QuestionContext | null;
  /** Of the template questions in `qa`: which are required, which are answers kept from questions no longer asked. */
  questionInfo: Pick<ArrangedQa, 'required' | 'kept'>;
  selection: ReadonlySet<string>;
  activeQaId: string | null;
  problems: VerifyProblem[];
  saveState: SaveState;
  saveError: string | null;
  saveRefusal: SaveRefusal | null;
  /** Edit was asked for on this verified document (see isReadOnly). */
  editUnlocked: boolean;
  /** Counts edits refused because the document is read-only, so the view can point at Edit. */
  readOnlyNudge: number;
  /** The project's label names; a box never gets a label outside them (null: not known yet). */
  labelSet: ReadonlySet<string> | null;
  canUndo: boolean;
  canRedo: boolean;
  /**
   * Boxes whose transcription came from the page's OCR and that nobody has edited or confirmed
   * yet, with the reader's confidence. Renderer state only: not saved, and verify ignores it.
   */
  prefilled: ReadonlyMap<string, number>;

  load(projectId: string, documentId: string): Promise<void>;
  commit(change: Change, opts?: { coalesceKey?: string }): void;
  undo(): void;
  redo(): void;
  /** Send unsaved edits now (before verify, leaving the document, closing). */
  flush(): Promise<void>;

  setLabelSet(names: readonly string[] | null): void;
  /** Make a verified document editable (its next edit starts a new draft version). */
  unlockEdit(): void;
  /** Say that an edit was refused because the document is read-only. */
  nudgeReadOnly(): void;
  /** The templates or the document's type changed: the template questions follow (answers are kept). */
  setQuestionContext(context: QuestionContext): void;

  select(ids: string[], mode?: 'replace' | 'add' | 'toggle'): void;
  setActiveQa(id: string | null): void;

  addBoxes(boxes: Box[]): void;
  /**
   * What the page says inside a box just drawn (see reading.ts): its text and its snap to the ink,
   * applied only while the box still has the geometry it was drawn with — the text only while its
   * transcription is empty. Joins the drawing's own undo step; returns whether anything changed.
   */
  fillDrawnBox(id: string, drawn: GeometryOf<Box>, fill: { transcription?: string; rect?: GeometryOf<Box> }): boolean;
  /** Say that a box's transcription was read from the page (see `prefilled`). */
  markPrefilled(id: string, confidence: number): void;
  /** The person accepts a prefilled transcription as it is. */
  confirmTranscription(id: string): void;
  updateBoxes(updates: { id: string; patch: Partial<Omit<Box, 'id'>> }[], opts?: { coalesceKey?: string }): void;
  deleteBoxes(ids: string[]): void;
  duplicateBoxes(ids: string[], offset: number, page: PageSize): string[];
  copyBoxes(ids: string[]): number;
  pasteBoxes(page: PageSize & { pageId: string }): string[];
  /**
   * Move the selected boxes on this page by (dx, dy), kept inside it: one undo step per run of
   * nudges. Locked boxes stay put; returns false when none can move (read-only or nothing selected here).
   */
  nudgeSelection(page: PageOnScreen, dx: number, dy: number): boolean;
  /** Grow or shrink the selected boxes on this page (never under 1 px), as nudgeSelection moves them. */
  resizeSelection(page: PageOnScreen, dw: number, dh: number): boolean;
  /** Hide the selected boxes, or show them when all are hidden; false with nothing selected. */
  toggleSelectionHidden(): boolean;
  /** Lock the selected boxes, or unlock them when all are locked; false with nothing selected. */
  toggleSelectionLocked(): boolean;

  addQuestion(question: string): string;
  updateQa(id: string, patch: Partial<Omit<QaPair, 'id'>>, opts?: { coalesceKey?: string }): void;
  deleteQa(id: string): void;
  toggleEvidence(qaId: string, boxId: string): void;
  /** Link boxes as evidence (one undo step); returns how many were added. */
  linkEvidence(qaId: string, boxIds: string[]): number;
  /** Append text to an answer (space-separated), linking a box as its evidence too: one undo step. */
  appendToAnswer(qaId: string, text: string, evidenceBoxId: string | null): boolean;
  /** Answer a question with the text of its evidence boxes (in evidence order). */
  answerFromEvidence(qaId: string): boolean;

  /** Accept predictions; `edits` overrides a box prediction's label or text as it is accepted. */
  acceptPredictions(ids: string[], edits?: Record<string, { label?: string | null; transcription?: string }>): void;
  rejectPredictions(ids: string[]): void;

  verify(acknowledge?: VerifyWarningKind[]): Promise<{ verified: boolean; problems: VerifyProblem[]; warnings: VerifyWarning[] }>;
}

export type GeometryOf<T extends { x: number; y: number; w: number; h: number }> = Pick<T, 'x' | 'y' | 'w' | 'h'>;

export interface PageSize {
  width: number;
  height: number;
}

export type PageOnScreen = PageSize & { pageId: string };

export type SetState = StoreApi<AnnotationStore>['setState'];
export type GetState = () => AnnotationStore;
