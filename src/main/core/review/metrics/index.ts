/** Agreement and accuracy measures, each a pure function tested against published worked examples. */
export { cohenKappa, cohenKappaFromConfusion, fleissCounts, fleissKappa, type CohenKappaOptions, type KappaWeights } from './kappa';
export { krippendorffAlpha, type AlphaLevel, type AlphaValue } from './krippendorff';
export { assignmentTotal, solveAssignment } from './assignment';
export { boxPrf, detectionScore, iou, matchBoxes, type BoxMatch, type BoxMatching, type DetectionScore, type MatchOptions, type Rect } from './boxes';
export { anls, anlsScore, exactMatch, levenshtein, maxOverGroundTruths, normalizeAnswer, normalizedEditDistance, tokenF1 } from './text';
