import { create } from 'zustand';

/**
 * What the annotation view shows and how input is interpreted, shared by the canvas and the side
 * panels. Nothing here is saved with the annotation; UI preferences (label text, threshold,
 * keymap) come from settings.
 */
export type Tool = 'select' | 'draw';
export type PanelTab = 'regions' | 'questions';

export interface FocusRequest {
  kind: 'box' | 'qa' | 'transcription';
  id: string;
  /** Changes on every request so the same target can be focused twice. */
  nonce: number;
}

interface AnnotationUiState {
  tool: Tool;
  /** Label given to newly drawn boxes; null draws unlabelled boxes. */
  activeLabel: string | null;
  /** The box under the pointer on the canvas or in a list (evidence links are highlighted for it). */
  hoverBoxId: string | null;
  /** The pending prediction under the pointer on the canvas (when no box is). */
  hoverPredictionId: string | null;
  /** Boxes to emphasise (e.g. the evidence of the question under the pointer). */
  highlightBoxIds: readonly string[];
  /** While on, clicking a box on the canvas toggles it as evidence of the active question. */
  linkingEvidence: boolean;
  selectedPredictionId: string | null;
  showPredictions: boolean;
  /** Only predictions under the attention threshold (0.8). */
  lowConfidenceOnly: boolean;
  panelTab: PanelTab;
  regionFilter: { label: string | null; search: string };
  labelPickerOpen: boolean;
  helpOpen: boolean;
  focus: FocusRequest | null;
  set(patch: Partial<Omit<AnnotationUiState, 'set' | 'requestFocus' | 'reset'>>): void;
  requestFocus(kind: FocusRequest['kind'], id: string): void;
  /** A new document: forget per-document state, keep tool and label. */
  reset(): void;
}

export const LOW_CONFIDENCE = 0.8;

export const useAnnotationUi = create<AnnotationUiState>((set) => ({
  tool: 'select',
  activeLabel: null,
  hoverBoxId: null,
  hoverPredictionId: null,
  highlightBoxIds: [],
  linkingEvidence: false,
  selectedPredictionId: null,
  showPredictions: true,
  lowConfidenceOnly: false,
  panelTab: 'regions',
  regionFilter: { label: null, search: '' },
  labelPickerOpen: false,
  helpOpen: false,
  focus: null,
  set: (patch) => set(patch),
  requestFocus: (kind, id) => set({ focus: { kind, id, nonce: Date.now() + Math.random() } }),
  reset: () => set({ hoverBoxId: null, hoverPredictionId: null, highlightBoxIds: [], linkingEvidence: false, selectedPredictionId: null, focus: null, labelPickerOpen: false }),
}));
