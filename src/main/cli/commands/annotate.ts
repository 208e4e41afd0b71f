import { Presets, SingleBar } from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import { AppError } from '../../../shared/contract/errors';
import type { Core } from '../../core/createCore';
import type { PreannotationRun } from '../../core/preannotate';
import type { Effort } from '../../core/preannotate/catalog';

/**
 * `folio annotate --project <name> [--concurrency N|auto] [--model M] [--batch] [--json]`:
 * pre-annotate a project's new documents headlessly. Prints the cost estimate first, then a
 * progress bar on a terminal; Ctrl-C pauses the run (run the same command again to resume it).
 * With --json the last line printed is one JSON object (human output goes to stderr).
 * Exit code: 0 all pages done, 2 some pages failed, 1 the run stopped or was cancelled.
 */
export interface AnnotateCommandDeps {
  openCore: () => Promise<Core>;
  /** Where progress goes (default stderr) and whether it is a terminal. */
  progressStream?: NodeJS.WriteStream;
}

const parseConcurrency = (v: string): 'auto' | number => {
  if (v === 'auto') return 'auto';
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new InvalidArgumentError('expected "auto" or a whole number from 1 to 256');
  return n;
};
const parseMaxTokens = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 256 || n > 128_000) throw new InvalidArgumentError('expected a whole number from 256 to 128000');
  return n;
};

const usd = (v: number): string => `$${v < 1 ? v.toFixed(4) : v.toFixed(2)}`;

export function registerAnnotateCommand(program: Command, deps: AnnotateCommandDeps): void {
  program
    .command('annotate')
    .description("Pre-annotate a project's documents with Claude (boxes, transcriptions, answers); resumes an interrupted run")
    .requiredOption('-p, --project <name>', 'project name')
    .option('-c, --concurrency <n|auto>', 'requests in flight: a number, or auto to follow the rate limits', parseConcurrency, 'auto')
    .option('-m, --model <id>', 'Claude model (default: the model table’s default)')
    .option('--effort <level>', 'low, medium, high, xhigh or max')
    .option('--max-tokens <n>', 'output token limit per page', parseMaxTokens)
    .option('--batch', 'use the Message Batches API (half price, results within hours)')
    .option('--all', 'every document not yet verified, not only new ones')
    .option('--estimate-only', 'print the cost estimate and stop')
    .option('--json', 'print one JSON object as the last line')
    .action(
      async (opts: {
        project: string;
        concurrency: 'auto' | number;
        model?: string;
        effort?: string;
        maxTokens?: number;
        batch?: boolean;
        all?: boolean;
        estimateOnly?: boolean;
        json?: boolean;
      }) => {
        const json = opts.json === true;
        const say = (line: string) => (json ? process.stderr.write(`${line}\n`) : console.log(line));
        if (opts.effort !== undefined && !['low', 'medium', 'high', 'xhigh', 'max'].includes(opts.effort)) {
          throw new AppError('invalid_request', `--effort: expected low, medium, high, xhigh or max, got "${opts.effort}"`);
        }
        const core = await deps.openCore();
        const service = core.preannotation;
        let interrupted = false;
        const onSigint = () => {
          interrupted = true;
        };
        try {
          const project = core.projects.findByName(opts.project);
          if (!project) {
            const names = core.projects.list().map((p) => `"${p.name}"`);
            throw new AppError('not_found', `No project called "${opts.project}"${names.length ? `; projects: ${names.join(', ')}` : ''}`);
          }
          const runOpts = {
            model: opts.model,
            effort: opts.effort as Effort | undefined,
            maxTokens: opts.maxTokens,
            batch: opts.batch === true,
            scope: opts.all ? ('all' as const) : ('new' as const),
          };
          const unfinished = service.listRuns(project.id).find((r) => r.state === 'running' || r.state === 'paused' || r.state === 'stopped');
          let run: PreannotationRun;
          if (unfinished) {
            say(`Resuming run ${unfinished.runId} (${unfinished.pages.done}/${unfinished.pages.total} pages done, ${unfinished.state}).`);
            service.resumeInterrupted();
            run = unfinished.state === 'running' ? service.status(unfinished.runId) : await service.resume(unfinished.runId);
          } else {
            const estimate = await service.estimate(project.id, runOpts);
            say(
              `Estimate for ${estimate.pages} page(s) with ${estimate.model}${estimate.mode === 'batch' ? ' (batch, half price)' : ''}: ${usd(estimate.usd.total)} ` +
                `(${estimate.tokens.input.toLocaleString('en-US')} input, ${estimate.tokens.output.toLocaleString('en-US')} output tokens; ${usd(estimate.perPageUsd)} per page).`,
            );
            if (opts.estimateOnly) {
              if (json) console.log(JSON.stringify({ project: project.name, projectId: project.id, estimate }));
              return;
            }
            run = await service.start(project.id, { ...runOpts, concurrency: opts.concurrency });
          }
          if (run.simulated) say('Answers come from the Claude simulator, not from Claude.');
          process.once('SIGINT', onSigint);
          const stream = deps.progressStream ?? process.stderr;
          const bar =
            !json && stream.isTTY
              ? new SingleBar(
                  { format: 'Pre-annotating {bar} {value}/{total} pages | {eta_formatted} left | {cost} | {rate} pages/s | {failed} failed', stream, hideCursor: true, etaBuffer: 30 },
                  Presets.shades_classic,
                )
              : null;
          bar?.start(run.pages.total, run.pages.done + run.pages.failed, { cost: usd(run.costUsd), rate: '0.00', failed: run.pages.failed });
          const finished = service.waitForRun(run.runId);
          let current = run;
          for (;;) {
            const settled = await Promise.race([finished.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 250))]);
            current = service.status(run.runId);
            bar?.update(current.pages.done + current.pages.failed, {
              cost: usd(current.costUsd),
              rate: current.throughput.recentPagesPerSec.toFixed(2),
              failed: current.pages.failed,
            });
            if (settled) break;
            if (interrupted && current.state === 'running') {
              bar?.stop();
              say('Pausing: requests in flight finish first…');
              current = await service.pause(run.runId);
              break;
            }
          }
          bar?.stop();
          current = service.status(run.runId);
          const summary = {
            project: project.name,
            projectId: project.id,
            runId: current.runId,
            state: current.state,
            model: current.model,
            mode: current.mode,
            simulated: current.simulated,
            pages: current.pages,
            costUsd: current.costUsd,
            estimateUsd: current.estimate?.usd.total ?? null,
            tokens: current.tokens,
            latencyMs: current.latency,
            pagesPerSec: current.throughput.pagesPerSec,
            requests: current.requests,
            dropped: current.dropped,
            stopReason: current.stopReason,
            failures: current.failures,
            statsFile: current.statsFile,
          };
          if (json) console.log(JSON.stringify(summary));
          else {
            say(
              `Run ${current.state}: ${current.pages.done} page(s) pre-annotated, ${current.pages.failed} failed, ${current.pages.queued} left; ` +
                `${current.predictions.boxes} boxes and ${current.predictions.qa} answers; cost ${usd(current.costUsd)}` +
                (current.estimate ? ` (estimated ${usd(current.estimate.usd.total)})` : '') +
                `; p50/p95 latency ${((current.latency.p50 ?? 0) / 1000).toFixed(1)} s / ${((current.latency.p95 ?? 0) / 1000).toFixed(1)} s.`,
            );
            if (current.stopReason) say(`Stopped: ${current.stopReason.message}`);
            if (current.state === 'paused') say('Run the same command again to resume.');
            for (const f of current.failures) say(`  failed: ${f.documentId} (${f.pageId}): ${f.message}`);
            if (current.statsFile) say(`Performance figures: ${current.statsFile}`);
          }
          process.exitCode = current.state === 'completed' ? (current.pages.failed > 0 ? 2 : 0) : 1;
        } finally {
          process.off('SIGINT', onSigint);
          await core.close();
        }
      },
    );
}
