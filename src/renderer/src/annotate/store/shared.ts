import type { AppApi } from '../../../../shared/contract/methods';
import type { Change } from '../changes';
import type { History } from './history';
import type { Saver } from './saver';
import type { AnnotationStore, GetState, SetState } from './types';

/** What the slices share besides the state: the core, the undo history, autosave and the data edits. */
export interface StoreShared {
  api: AppApi;
  history: History;
  saver: Saver;
  /** Apply one side of a change to the data (no history, no dirty marks). */
  apply(change: Change): void;
  /** Put the QA pairs in the shape the document's template questions say. */
  reconcile(): void;
}

/** A part of the store: its state and the actions on it (zustand's slices pattern). */
export type Slice<K extends keyof AnnotationStore> = (set: SetState, get: GetState, shared: StoreShared) => Pick<AnnotationStore, K>;
