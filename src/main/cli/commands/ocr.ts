import { Presets, SingleBar } from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import type { OcrJob } from '../../../shared/domain/ocr';
import type { Core } from '../../core/createCore';
import { projectNamed } from '../projects';

/**
 * `folio ocr --project <name> [--predict [line|word]] [--all] [--status] [--on-import on|off] [--json]`:
 * read the words on every page of a project that has none yet, on this computer (the app does the
 * same in the background); with --predict, the words then become pending box predictions with text
 * (Local OCR pre-annotation) on new documents (--all: every document not yet verified).
 * A progress bar on a terminal; Ctrl-C stops after the page in hand, keeping every page read.
 * Exit code: 0 every page read, 2 some pages could not be read, 1 stopped.
 */
export interface OcrCommandDeps {
  openCore: () => Promise<Core>;
}

const onOff = (v: string): boolean => {
  if (v === 'on' || v === 'off') return v === 'on';
  throw new InvalidArgumentError('expected on or off');
};

export function registerOcrCommand(program: Command, deps: OcrCommandDeps): void {
  program
    .command('ocr')
    .description("Read the words on a project's pages (offline, tesseract): search by page text, prefill and local pre-annotation use them")
    .requiredOption('-p, --project <name>', 'project name')
    .option('--predict [granularity]', 'then pre-annotate from the words: one box per line (default) or per word', (v: string) => {
      if (v !== 'line' && v !== 'word') throw new InvalidArgumentError('expected line or word');
      return v;
    })
    .option('--all', 'with --predict: every document not yet verified, not only new ones')
    .option('--status', 'only say how many pages have words')
    .option('--on-import <on|off>', "set whether importing documents starts reading their pages (the project's setting)", onOff)
    .option('--json', 'print one JSON object as the last line')
    .action(async (opts: { project: string; predict?: 'line' | 'word' | true; all?: boolean; status?: boolean; onImport?: boolean; json?: boolean }) => {
      const json = opts.json === true;
      const say = (line: string) => (json ? process.stderr.write(`${line}\n`) : console.log(line));
      const core = await deps.openCore();
      try {
        const project = projectNamed(core, opts.project);
        if (opts.onImport !== undefined) {
          core.ocrJobs.setOnImport(project.id, opts.onImport);
          say(`Importing documents into "${project.name}" ${opts.onImport ? 'now starts' : 'no longer starts'} reading their pages.`);
        }
        const before = core.ocrJobs.status(project.id);
        if (opts.status || opts.onImport !== undefined) {
          say(`"${project.name}": ${before.pagesRead} of ${before.pagesTotal} page(s) have words${before.paused ? ' (paused in the app)' : ''}.`);
          if (json) console.log(JSON.stringify(before));
          return;
        }
        const unread = before.pagesTotal - before.pagesRead;
        say(unread ? `Reading ${unread} page(s) of "${project.name}"…` : `Every page of "${project.name}" has words already.`);
        let stopped = false;
        const onSigint = () => {
          stopped = true;
          void core.ocrJobs.stop(project.id);
        };
        process.once('SIGINT', onSigint);
        const bar = !json && process.stderr.isTTY && unread ? new SingleBar({ format: 'Reading {bar} {value}/{total} pages | {eta_formatted} left | {failed} failed', stream: process.stderr, hideCursor: true, etaBuffer: 10 }, Presets.shades_classic) : null;
        bar?.start(unread, 0, { failed: 0 });
        let job: OcrJob;
        try {
          const predict = opts.predict ? { granularity: opts.predict === true ? ('line' as const) : opts.predict, scope: opts.all ? ('all' as const) : ('new' as const) } : null;
          job = await core.ocrJobs.run(project.id, predict, (j) => {
            bar?.setTotal(j.pagesTotal);
            bar?.update(j.pagesDone, { failed: j.pagesFailed });
          });
        } finally {
          bar?.stop();
          process.off('SIGINT', onSigint);
        }
        const after = core.ocrJobs.status(project.id);
        say(`${stopped ? 'Stopped: read' : 'Read'} ${job.pagesDone - job.pagesFailed} page(s), ${job.wordsFound} word(s); ${job.pagesFailed} could not be read. ${after.pagesRead} of ${after.pagesTotal} page(s) have words.`);
        if (job.prediction) say(`Local OCR pre-annotated ${job.documentsPredicted} document(s) with ${job.predictionsMade} box prediction(s).`);
        for (const f of job.failures) say(`  ${f.name} page ${f.pageNumber}: ${f.reason}`);
        if (job.error && job.state === 'failed') say(`OCR failed: ${job.error}`);
        if (json) console.log(JSON.stringify({ project: project.name, projectId: project.id, job, pagesRead: after.pagesRead, pagesTotal: after.pagesTotal }));
        process.exitCode = job.state !== 'completed' ? 1 : job.pagesFailed > 0 ? 2 : 0;
      } finally {
        await core.close();
      }
    });
}
