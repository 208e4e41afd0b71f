/**
 * The annotation view's side panels and overlays. The document view renders these and calls the
 * keyboard entry points from its key dispatch.
 */
export { AnnotationSidePanel } from './AnnotationSidePanel';
export { VerifyControls, runVerify, focusProblem, ReadOnlyNote, SaveRefusedBanner } from './VerifyControls';
export { HelpOverlay } from './HelpOverlay';
export { LabelPicker, applyLabel } from './LabelPicker';
export { nextQuestion, previousQuestion, focusAnswer, linkSelectedEvidence, setLinking, answerFromEvidence, questionBeingAnswered } from './qaActions';
export { acceptAboveThreshold, decidePrediction, rejectRest, stepPrediction } from './predictionActions';
export { editPredictionText } from './PredictionsSection';
export { commitDrafts } from './RegionsPanel';
