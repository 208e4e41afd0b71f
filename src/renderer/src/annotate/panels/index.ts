/**
 * The annotation view's side panels and overlays. The document view renders these and calls the
 * keyboard entry points from its key dispatch.
 */
export { AnnotationSidePanel } from './AnnotationSidePanel';
export { VerifyControls, runVerify, focusProblem } from './VerifyControls';
export { HelpOverlay } from './HelpOverlay';
export { LabelPicker, applyLabel } from './LabelPicker';
export { nextQuestion, previousQuestion, focusAnswer, linkSelectedEvidence, setLinking } from './qaActions';
export { acceptAboveThreshold } from './PredictionsSection';
export { commitDrafts } from './RegionsPanel';
