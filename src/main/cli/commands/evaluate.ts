import type { Command } from 'commander';
import { evaluationAgainstValues, type EvaluationAgainst, type EvaluationJobDetail } from '../../../shared/domain/evaluation';
import type { Core } from '../../core/createCore';
import { num, oneOf, table, wholeNumber } from '../output';
import { projectNamed } from '../projects';

/**
 * `folio evaluate --project <name> --model <name> [--model-version v] [--against …] [--json]`:
 * measures the model's predictions against the project's gold (or verified) versions, records the
 * job and logs it to W&B as a run of job type `evaluation` (skipped, with the reason, without a
 * key or a network). Prints the metrics as tables; with --json the last line is the job as one
 * JSON object (per-document rows included). Exit code 0 when the evaluation completed (even if
 * W&B logging was skipped or failed), 1 when it failed.
 */
export interface EvaluateCommandDeps {
  openCore: () => Promise<Core>;
}

export function describeEvaluation(job: EvaluationJobDetail, projectName: string, limit = 20): string[] {
  const out: string[] = [];
  out.push(`Evaluation of "${job.model}" ${job.modelVersion ?? ''} in "${projectName}" against ${job.against}: ${job.state}`.replace(/ {2,}/g, ' '));
  if (job.state === 'failed') {
    out.push(`  ${job.error ?? 'no reason recorded'}`);
    return out;
  }
  const m = job.metrics;
  const c = job.coverage;
  if (!m || !c) return out;
  out.push(
    `Documents: ${c.evaluated} evaluated (${c.againstGold} against gold, ${c.againstVerified} against verified) of ${c.total}; ` +
      `${c.noReference} without a reference, ${c.noPredictions} without predictions of the model.`,
  );
  if (job.dataset) out.push(`Dataset: ${job.dataset.entity}/${job.dataset.project}/${job.dataset.collection}:${job.dataset.version}`);
  out.push('');
  out.push(
    ...table(
      ['Overall', 'reference', 'predicted', 'matched', 'precision', 'recall', 'F1', 'mean IoU', 'label acc.'],
      [['boxes (IoU ≥ 0.5)', String(m.boxes.reference), String(m.boxes.predicted), String(m.boxes.matched), num(m.boxes.precision), num(m.boxes.recall), num(m.boxes.f1), num(m.boxes.meanIou), num(m.boxes.labelAccuracy)]],
    ),
  );
  out.push(`Answers: ${m.answers.questions} question(s); exact match ${num(m.answers.exactMatch)}, token F1 ${num(m.answers.tokenF1)}, ANLS ${num(m.answers.anls)}`);
  out.push(`Transcriptions of matched boxes: ${m.transcriptions.pairs}; exact ${num(m.transcriptions.exactMatch)}, ANLS ${num(m.transcriptions.anls)}`);
  const labels = Object.entries(job.perLabel ?? {});
  if (labels.length) {
    out.push('');
    out.push(
      ...table(
        ['Label', 'reference', 'predicted', 'matched', 'precision', 'recall', 'F1', 'mean IoU'],
        labels.map(([l, s]) => [l, String(s.reference), String(s.predicted), String(s.matched), num(s.precision), num(s.recall), num(s.f1), num(s.meanIou)]),
      ),
    );
  }
  if (job.documents.length) {
    out.push('');
    const worst = [...job.documents].sort((a, b) => (a.boxes.f1 ?? 1) + (a.answers.anls ?? 1) - ((b.boxes.f1 ?? 1) + (b.answers.anls ?? 1)) || a.sourceName.localeCompare(b.sourceName));
    const shown = worst.slice(0, limit);
    out.push(
      ...table(
        ['Document (lowest first)', 'ref', 'boxes', 'P', 'R', 'F1', 'IoU', 'questions', 'EM', 'F1 (tok)', 'ANLS'],
        shown.map((d) => [
          d.sourceName,
          d.reference,
          String(d.boxes.reference),
          num(d.boxes.precision),
          num(d.boxes.recall),
          num(d.boxes.f1),
          num(d.boxes.meanIou),
          String(d.answers.questions),
          num(d.answers.exactMatch),
          num(d.answers.tokenF1),
          num(d.answers.anls),
        ]),
      ),
    );
    if (job.documents.length > shown.length) out.push(`… and ${job.documents.length - shown.length} more (--limit, or --json for all).`);
  }
  out.push('');
  const w = job.wandb;
  if (w?.status === 'logged') out.push(`W&B: logged as run ${w.runId} (job type evaluation)${w.runUrl ? `  ${w.runUrl}` : ''}${w.message ? ` — ${w.message}` : ''}`);
  else if (w) out.push(`W&B: ${w.status} — ${w.message ?? ''}`);
  return out;
}

export function registerEvaluateCommand(program: Command, deps: EvaluateCommandDeps): Command {
  return program
    .command('evaluate')
    .description("Measure a model's predictions against gold (or verified) versions and log the evaluation to W&B")
    .requiredOption('-p, --project <name>', 'project name')
    .requiredOption('-m, --model <name>', 'the model whose predictions are evaluated (a pre-annotation model, or the name given to imported predictions)')
    .option('--model-version <v>', 'a version label for this evaluation (default: the day of the newest prediction and a fingerprint of the set)')
    .option('--against <what>', `reference versions: ${evaluationAgainstValues.join(', ')}`, oneOf(evaluationAgainstValues, 'one of'), 'gold-or-verified' as EvaluationAgainst)
    .option('--limit <n>', 'documents listed (human output)', wholeNumber, 20)
    .option('--json', 'print one JSON object as the last line')
    .action(async (opts: { project: string; model: string; modelVersion?: string; against: EvaluationAgainst; limit: number; json?: boolean }) => {
      const core = await deps.openCore();
      try {
        const project = projectNamed(core, opts.project);
        if (!opts.json) console.error(`Evaluating "${opts.model}" in "${project.name}" against ${opts.against}…`);
        const job = await core.evaluation.run({ projectId: project.id, model: opts.model, against: opts.against, ...(opts.modelVersion ? { modelVersion: opts.modelVersion } : {}) });
        if (opts.json) console.log(JSON.stringify(job));
        else for (const line of describeEvaluation(job, project.name, opts.limit)) console.log(line);
        process.exitCode = job.state === 'completed' ? 0 : 1;
      } finally {
        await core.close();
      }
    });
}
