import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { oneOf } from '../output';
import { DEFAULT_EXPORT_STATUS, exportFormats, importFormats, type AnnotationsImportJob, type ExportFormat, type ExportJob, type ExportStatus, type ImportFormat } from '../../../shared/domain/formats';
import { referenceChoices } from '../../../shared/domain/reference';
import type { Core } from '../../core/createCore';
import { projectNamed } from '../projects';

/**
 * `folio export` and `folio import-annotations`: the formats core from a terminal. A progress bar
 * on a terminal; with --json the last line printed is one JSON object (human output goes to
 * stderr). Exit codes: 0 done, 2 done with problems (documents skipped or items refused), 1 failed.
 */
export interface FormatsCommandDeps {
  openCore: () => Promise<Core>;
  progressStream?: NodeJS.WriteStream;
}

const STATUS_TEXT: Record<ExportStatus, string> = { 'gold-or-verified': 'gold or verified', verified: 'verified annotator', gold: 'gold' };

function bar(json: boolean, stream: NodeJS.WriteStream, format: string): SingleBar | null {
  return !json && stream.isTTY ? new SingleBar({ format, stream, hideCursor: true, etaBuffer: 50 }, Presets.shades_classic) : null;
}

export function registerFormatsCommands(program: Command, deps: FormatsCommandDeps): void {
  program
    .command('export')
    .description(
      "Export one verified version of each document of a project — by default gold where a lead resolved it in review, else the newest verified — as COCO, Label Studio, Pascal VOC, YOLO or Folio JSONL",
    )
    .requiredOption('-p, --project <name>', 'project name')
    .requiredOption('-f, --format <format>', `one of ${exportFormats.join(', ')}`, oneOf(exportFormats, 'a format'))
    .requiredOption('-o, --out <folder>', 'a new (or empty) folder to write the export into')
    .option(
      '--status <status>',
      'which version of each document: gold-or-verified (gold where resolved, else the newest verified), verified (annotators’ newest verified, even where gold overrules it) or gold (gold only)',
      oneOf(referenceChoices, 'a status'),
      DEFAULT_EXPORT_STATUS,
    )
    .option('--annotator <id|name>', 'only versions by this annotator (gold-or-verified: documents whose chosen version is theirs)')
    .option('--since <date>', 'verified (or resolved) on or after (YYYY-MM-DD, UTC, or an ISO time)')
    .option('--until <date>', 'verified (or resolved) on or before (YYYY-MM-DD, UTC, or an ISO time)')
    .option('--images <mode>', 'copy the page images into the export, or reference them by path', oneOf(['copy', 'reference'] as const, 'copy or reference'), 'copy')
    .option('--json', 'print one JSON object as the last line')
    .action(
      async (opts: { project: string; format: ExportFormat; out: string; status: ExportStatus; annotator?: string; since?: string; until?: string; images: 'copy' | 'reference'; json?: boolean }) => {
        const json = opts.json === true;
        const say = (line: string) => (json ? process.stderr.write(`${line}\n`) : console.log(line));
        const core = await deps.openCore();
        try {
          const project = projectNamed(core, opts.project);
          const progress = bar(json, deps.progressStream ?? process.stderr, 'Exporting {bar} {value}/{total} documents | {eta_formatted} left | {rate} docs/s');
          const started = Date.now();
          let barStarted = false;
          const job: ExportJob = await core.exporter.run(
            {
              projectId: project.id,
              format: opts.format,
              out: opts.out,
              status: opts.status,
              images: opts.images,
              ...(opts.annotator ? { annotator: opts.annotator } : {}),
              ...(opts.since ? { since: opts.since } : {}),
              ...(opts.until ? { until: opts.until } : {}),
            },
            (j) => {
              if (!progress) return;
              if (!barStarted) {
                progress.start(j.total, j.done, { rate: '0' });
                barStarted = true;
              }
              progress.setTotal(j.total);
              progress.update(j.done, { rate: (j.done / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(0) });
            },
          );
          if (barStarted) progress?.stop();
          const seconds = (Date.now() - started) / 1000;
          const summary = { project: project.name, ...job, seconds: Math.round(seconds * 1000) / 1000 };
          if (json) console.log(JSON.stringify(summary));
          else {
            if (job.state === 'completed' && job.total === 0) say(`No document of "${project.name}" has a ${STATUS_TEXT[opts.status]} version that matches the filters; the export is empty.`);
            if (job.state === 'completed') {
              say(
                `Exported ${job.done - job.skipped.length} document(s) (${job.fromGold} from gold, ${job.fromVerified} from the newest verified version), ${job.pages} page(s), ${job.boxes} box(es) and ${job.qa} QA pair(s) as ${job.format} to ${job.out} in ${seconds.toFixed(1)} s.`,
              );
              say(`  files: ${job.files.join(', ')}${job.imagesCopied ? `; ${job.imagesCopied} image(s) copied` : ''}`);
            } else say(`Export ${job.state}${job.error ? `: ${job.error}` : ''}.`);
            for (const s of job.skipped) say(`  skipped ${s.documentId}: ${s.reason}`);
          }
          process.exitCode = job.state !== 'completed' ? 1 : job.skipped.length ? 2 : 0;
        } finally {
          await core.close();
        }
      },
    );

  program
    .command('import-annotations')
    .description('Import annotations or predictions from Label Studio JSON, COCO, Folio JSONL, Pascal VOC or YOLO into a project’s documents')
    .argument('<file>', 'the file to import (a folder for voc and yolo)')
    .requiredOption('-p, --project <name>', 'project name')
    .requiredOption('-f, --format <format>', `one of ${importFormats.join(', ')}`, oneOf(importFormats, 'a format'))
    .option('--as <what>', 'annotations (verified versions) or predictions (model suggestions)', oneOf(['annotations', 'predictions'] as const, 'annotations or predictions'), 'annotations')
    .option('--annotator <name>', 'who imported annotations are attributed to (default: the file’s own, where it names one)')
    .option('--model <name>', 'the model imported predictions are attributed to (default: the file’s model_version, or "<format>-import")')
    .option('--images <folder>', 'where the images the file names are (default: next to the file)')
    .option('--json', 'print one JSON object as the last line')
    .action(
      async (file: string, opts: { project: string; format: ImportFormat; as: 'annotations' | 'predictions'; annotator?: string; model?: string; images?: string; json?: boolean }) => {
        const json = opts.json === true;
        const say = (line: string) => (json ? process.stderr.write(`${line}\n`) : console.log(line));
        const core = await deps.openCore();
        try {
          const project = projectNamed(core, opts.project);
          const progress = bar(json, deps.progressStream ?? process.stderr, '{phase} {bar} {percentage}% | {items} items | {problems} problems');
          let barStarted = false;
          let lastPhase = '';
          const job: AnnotationsImportJob = await core.annotationsImport.run(
            {
              projectId: project.id,
              format: opts.format,
              file,
              as: opts.as,
              ...(opts.annotator ? { annotator: opts.annotator } : {}),
              ...(opts.model ? { model: opts.model } : {}),
              ...(opts.images ? { images: opts.images } : {}),
            },
            (j) => {
              if (!progress) return;
              const phase = j.phase === 'reading' ? 'Reading  ' : 'Writing  ';
              if (!barStarted || phase !== lastPhase) {
                if (barStarted) progress.stop();
                progress.start(Math.max(1, j.total), j.done, { phase, items: j.items, problems: j.problemCount });
                barStarted = true;
                lastPhase = phase;
              }
              progress.setTotal(Math.max(1, j.total));
              progress.update(j.done, { phase, items: j.items, problems: j.problemCount });
            },
          );
          if (barStarted) progress?.stop();
          if (json) console.log(JSON.stringify({ project: project.name, ...job }));
          else {
            const d = job.documents;
            if (job.state === 'completed') {
              say(
                `Read ${job.items} item(s): ${d.imported} document(s) imported (${job.as === 'predictions' ? `${job.predictions} prediction(s)` : `${job.boxes} box(es), ${job.qa} QA pair(s)`}), ${d.unchanged} unchanged, ${d.skipped} skipped; ${job.problemCount} problem(s).`,
              );
            } else say(`Import ${job.state}${job.error ? `: ${job.error}` : ''}.`);
            for (const p of job.problems) say(`  ${p.severity}: ${p.file}: ${p.item}: ${p.field}: ${p.reason}`);
            if (job.problemCount > job.problems.length) say(`  … and ${job.problemCount - job.problems.length} more (use --json for the first ${job.problems.length})`);
          }
          process.exitCode = job.state !== 'completed' ? 1 : job.problems.some((p) => p.severity === 'error') || job.documents.skipped > 0 ? 2 : 0;
        } finally {
          await core.close();
        }
      },
    );
}
