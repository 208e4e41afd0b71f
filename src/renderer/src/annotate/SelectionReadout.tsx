import { describeBox, describePrediction } from './canvas/draw';
import { LOW_CONFIDENCE, useAnnotationUi } from './uiStore';
import { useAnnotation } from './useAnnotation';

/**
 * The selected box or prediction named in the status bar, label and confidence included: on the
 * canvas label text only goes where it covers nothing, so this is where a selection can always be
 * read (and where a screen reader hears it).
 */
export function SelectionReadout() {
  const predictionId = useAnnotationUi((s) => s.selectedPredictionId);
  const prediction = useAnnotation((s) => (predictionId ? (s.predictions.find((p) => p.id === predictionId) ?? null) : null));
  const count = useAnnotation((s) => s.selection.size);
  const box = useAnnotation((s) => {
    if (s.selection.size !== 1) return null;
    const [id] = s.selection;
    return s.boxes[id!] ?? null;
  });
  const text = prediction ? describePrediction(prediction, LOW_CONFIDENCE) : box ? describeBox(box) : count > 1 ? `${count} boxes` : '';
  return (
    <span className="selection-readout" data-testid="selection-readout" aria-live="polite">
      {text ? `Selected: ${text}` : ''}
    </span>
  );
}
