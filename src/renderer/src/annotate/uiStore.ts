import { create } from 'zustand';

/**
 * What the annotation view shows and how input is interpreted, shared by the canvas and the side
 * panels. Nothing here is saved with the annotation; UI preferences (label text, threshold,
 * keymap) come from settings.
 */
export type Tool = 'select' | 'draw';
export type PanelTab = 'regions' | 'questions';

export interface FocusRequest {
  kind: 'box' | 'qa' | 'transcription' | 'prediction';
  id: string;
  /** Changes on every request so the same target can be focused twice. */
  nonce: number;
}

export interface AnnotationUiState {
  tool: Tool;
  /** Label given to newly drawn boxes; null draws unlabelled boxes. */
  activeLabel: string | null;
  /** The project `activeLabel` belongs to: another project's document never inherits it. */
  labelProjectId: string | null;
  /** Text typed into a selected box prediction before it is accepted, by prediction id. */
  predictionText: Record<string, string>;
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
  /** The page's OCR words drawn as outlines (the words layer). */
  showWords: boolean;
  /** Only predictions under the attention threshold (0.8). */
  lowConfidenceOnly: boolean;
  panelTab: PanelTab;
  regionFilter: { label: string | null; search: string };
  labelPickerOpen: boolean;
  helpOpen: boolean;
  focus: FocusRequest | null;
  set(patch: Partial<Omit<AnnotationUiState, 'set' | 'requestFocus' | 'reset'>>): void;
  requestFocus(kind: FocusRequest['kind'], id: string): void;
  /**
   * A document opens: in Select, with per-document state forgotten; the label for new boxes is
   * kept only within the same project.
   */
  reset(projectId: string): void;
}

export { LOW_CONFIDENCE } from './confidence';

/** What belongs to the open document and starts empty with each one. */
const perDocument = {
  predictionText: {},
  hoverBoxId: null,
  hoverPredictionId: null,
  highlightBoxIds: [],
  linkingEvidence: false,
  selectedPredictionId: null,
  focus: null,
  labelPickerOpen: false,
} satisfies Partial<AnnotationUiState>;

export const useAnnotationUi = create<AnnotationUiState>((set) => ({
  tool: 'select',
  activeLabel: null,
  labelProjectId: null,
  ...perDocument,
  showPredictions: true,
  showWords: false,
  lowConfidenceOnly: false,
  panelTab: 'regions',
  regionFilter: { label: null, search: '' },
  helpOpen: false,
  set: (patch) => set(patch),
  requestFocus: (kind, id) => set({ focus: { kind, id, nonce: Date.now() + Math.random() } }),
  reset: (projectId) =>
    set((s) => ({
      tool: 'select',
      activeLabel: s.labelProjectId === projectId ? s.activeLabel : null,
      labelProjectId: projectId,
      ...perDocument,
    })),
}));
