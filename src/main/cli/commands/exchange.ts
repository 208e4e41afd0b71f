import { Presets, SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import type { ExchangeConflict, ExchangeError } from '../../../shared/domain/exchange';
import type { Core } from '../../core/createCore';
import { exportBundle, importBundle, type BundleProgress } from '../../core/exchange';
import { projectNamed } from '../projects';

/**
 * Bringing annotators' work together from a terminal: `pull` (from the W&B dataset),
 * `export-bundle` and `import-bundle` (without W&B). A progress bar on a terminal; with --json the
 * last line printed is one JSON object and human output goes to stderr. Exit codes: 0 done,
 * 2 done with conflicts or refused files (listed), 1 failed.
 */
export interface ExchangeCommandDeps {
  openCore: () => Promise<Core>;
  progressStream?: NodeJS.WriteStream;
}

/** What to do when the project is missing here (a lead pulls into a project of the annotators' name). */
const NO_PROJECT_HINT = "Create it with the annotators' project name, or import a bundle of it, then pull";

/** One bar whose total may change with the phase (bundles hash, then write). */
function progressBar(json: boolean, stream: NodeJS.WriteStream, format: string) {
  const bar = !json && stream.isTTY ? new SingleBar({ format, stream, hideCursor: true, etaBuffer: 20 }, Presets.shades_classic) : null;
  let started = false;
  return {
    update(value: number, total: number, payload: Record<string, unknown>) {
      if (!bar || total <= 0) return;
      if (!started) {
        bar.start(total, value, payload);
        started = true;
      }
      bar.setTotal(total);
      bar.update(value, payload);
    },
    stop: () => started && bar?.stop(),
  };
}

const conflictLine = (c: ExchangeConflict) => `  conflict: ${c.kind === 'gold' ? 'gold ' : ''}version ${c.version} of ${c.documentId.slice(0, 12)}… by ${c.annotator}: ${c.reason}`;
const errorLine = (e: ExchangeError) => `  refused: ${e.message}`;

export function registerExchangeCommands(program: Command, deps: ExchangeCommandDeps): void {
  program
    .command('pull')
    .description("Pull every annotator's verified (and gold) versions of a project from the W&B dataset artifact, creating the documents you lack")
    .requiredOption('-p, --project <name>', 'project name (matched to the annotators’ project by id, else by name)')
    .option('--json', 'print one JSON object as the last line')
    .action(async (opts: { project: string; json?: boolean }) => {
      const json = opts.json === true;
      const say = (line: string) => (json ? process.stderr.write(`${line}\n`) : console.log(line));
      const core = await deps.openCore();
      try {
        const project = projectNamed(core, opts.project, NO_PROJECT_HINT);
        const bar = progressBar(json, deps.progressStream ?? process.stderr, 'Pulling {bar} {value}/{total} partitions | {imported} imported, {conflicts} conflicts');
        const job = await core.pulls.run(project.id, (j) => bar.update(j.partitionsDone, j.partitions, { imported: j.imported, conflicts: j.conflictCount }));
        bar.stop();
        if (json) console.log(JSON.stringify({ project: project.name, ...job }));
        else if (job.state !== 'completed') say(`Pull ${job.state}${job.error ? `: ${job.error}` : ''}`);
        else {
          say(`Pulled "${project.name}" from ${job.target ?? 'W&B'}: ${job.newArtifactVersions} new of ${job.artifactVersions} artifact version(s), ${job.partitions} partition(s) read.`);
          say(`  ${job.versionsSeen} version(s) seen: ${job.imported} imported, ${job.skipped} already here, ${job.conflictCount} conflict(s); ${job.documentsCreated} document(s) created; ${job.errorCount} file(s) refused.`);
          for (const c of job.conflicts) say(conflictLine(c));
          for (const e of job.errors) say(errorLine(e));
        }
        process.exitCode = job.state !== 'completed' ? 1 : job.conflictCount || job.errorCount ? 2 : 0;
      } finally {
        await core.close();
      }
    });

  program
    .command('export-bundle')
    .description("Write a project's documents, page images and verified work (annotators' and gold) to one bundle file, for a machine without W&B")
    .requiredOption('-p, --project <name>', 'project name')
    .requiredOption('-o, --out <file>', 'the bundle to write (e.g. invoices.folio.tar.gz); it must not exist')
    .option('--json', 'print one JSON object as the last line')
    .action(async (opts: { project: string; out: string; json?: boolean }) => {
      const json = opts.json === true;
      const say = (line: string) => (json ? process.stderr.write(`${line}\n`) : console.log(line));
      const core = await deps.openCore();
      try {
        const project = projectNamed(core, opts.project, NO_PROJECT_HINT);
        const bar = progressBar(json, deps.progressStream ?? process.stderr, '{phase} {bar} {value}/{total} page images');
        const summary = await exportBundle(core.bundleDeps, { projectId: project.id, path: opts.out }, (p: BundleProgress) => bar.update(p.done, p.total, { phase: p.phase === 'reading' ? 'Hashing' : 'Writing' }));
        bar.stop();
        if (json) console.log(JSON.stringify(summary));
        else {
          const size = summary.bytes >= 1e6 ? `${(summary.bytes / 1e6).toFixed(1)} MB` : `${Math.ceil(summary.bytes / 1e3)} kB`;
          say(`Wrote ${summary.path} (${size}): "${summary.projectName}", ${summary.documents} document(s), ${summary.pages} page(s), ${summary.versions} verified version(s) by ${summary.annotators} annotator(s).`);
          say(`  sha256 ${summary.sha256}`);
        }
        process.exitCode = 0;
      } finally {
        await core.close();
      }
    });

  program
    .command('import-bundle')
    .description('Import a bundle: checks every file first and writes nothing if anything is wrong; creates the project if needed; never overwrites local work')
    .argument('<file>', 'a bundle written by export-bundle')
    .option('--json', 'print one JSON object as the last line')
    .action(async (file: string, opts: { json?: boolean }) => {
      const json = opts.json === true;
      const say = (line: string) => (json ? process.stderr.write(`${line}\n`) : console.log(line));
      const core = await deps.openCore();
      try {
        const bar = progressBar(json, deps.progressStream ?? process.stderr, '{phase} {bar} {value}/{total}');
        const phases: Record<BundleProgress['phase'], string> = { reading: 'Reading', checking: 'Checking images', writing: 'Writing' };
        // The bar ends (and the cursor comes back) whether the bundle is imported or refused.
        const summary = await importBundle(core.bundleDeps, { path: file }, (p) => bar.update(p.done, p.total, { phase: phases[p.phase] })).finally(() => bar.stop());
        if (json) console.log(JSON.stringify(summary));
        else {
          say(`Imported ${summary.path} into "${summary.projectName}"${summary.projectCreated ? ' (created)' : ''}: ${summary.versionsSeen} version(s): ${summary.imported} imported, ${summary.skipped} already here, ${summary.conflicts.length} conflict(s); ${summary.documentsCreated} document(s) created.`);
          for (const c of summary.conflicts) say(conflictLine(c));
        }
        process.exitCode = summary.conflicts.length ? 2 : 0;
      } finally {
        await core.close();
      }
    });
}
