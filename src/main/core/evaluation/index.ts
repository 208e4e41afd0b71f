/**
 * Evaluation: a model's predictions against gold or verified versions (metrics from the review
 * engine), recorded as jobs and logged to W&B as runs of job type `evaluation`, on demand or on a
 * weekly schedule.
 */
export { EvaluationService, type EvaluationDeps } from './service';
export { EvaluationAccumulator, evaluateDocuments, type EvaluationInput } from './metrics';
export { dueSlot, lastWeeklyAt, nextWeeklyAt } from './schedule';
export { EVALUATION_JOB_KIND, EvaluationStore } from './store';
export { EVALUATION_JOB_TYPE, logEvaluationRun, perDocumentTable, summaryMetrics, TABLE_KEY } from './wandbLog';
