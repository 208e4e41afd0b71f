/**
 * Review: the measurement core behind the lead's view and the `agreement` command. Metrics and
 * the disagreement engine are pure (no Node, no database); `store` reads versions from SQLite and
 * `agreement` aggregates them over a project.
 */
export * from './metrics';
export * from './types';
export {
  answerOf,
  answerScores,
  compareVersions,
  countDisagreements,
  modelVersion,
  orderQueue,
  orderSources,
  questionKeys,
  reviewDocument,
  sortDisagreements,
  type AnswerScores,
  type BoxPair,
  type DocumentReview,
  type QuestionPair,
  type VersionComparison,
} from './disagreements';
export { readReviewDocuments, type ReviewDocumentInput } from './store';
export { computeAgreement, NO_BOX, projectAgreement, type AgreementReport, type AnswerStats, type BoxStats, type ComparisonStats, type DocumentDisagreements, type LabelAgreement } from './agreement';
