import { join } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { Command } from 'commander';
import { AppError } from '../../shared/contract/errors';
import type { ImportJob } from '../../shared/domain/model';
import { createCore, FOLIO_VERSION, type Core } from '../core/createCore';
import { defaultDataDir } from '../core/dataDir';
import { FileSecretStore, JsonFileSettingsStore } from '../core/settings/fileStores';
import { readStatus } from '../core/status';
import { registerAgreementCommand } from './commands/agreement';
import { registerAnnotateCommand } from './commands/annotate';
import { registerEvaluateCommand } from './commands/evaluate';
import { registerExchangeCommands } from './commands/exchange';
import { registerFormatsCommands } from './commands/formats';
import { registerOcrCommand } from './commands/ocr';
import { registerSyncCommand, withSyncStatus } from './commands/sync';

/**
 * `npm run folio -- <command>`: the same data folder as the app, for scripts and terminals.
 * With --json, the last line printed is one JSON object; human output goes to stderr then.
 */

async function openCore(): Promise<Core> {
  const dataDir = defaultDataDir();
  return createCore({
    dataDir,
    settingsStore: new JsonFileSettingsStore(join(dataDir, 'settings.json')),
    secretStore: new FileSecretStore(join(dataDir, 'secrets.json')),
    platform: { kind: 'web' },
    // A command runs sync only when asked (`folio sync`), never as a side effect.
    sync: { autoStart: false },
    preannotation: { resumeInterrupted: false },
    // Weekly evaluations run in the app; a command never starts one as a side effect.
    evaluation: { schedule: false },
    // Pages are read by `folio ocr` or the app, never as a side effect of another command.
    ocr: { background: false },
  });
}

/** A progress bar on a terminal; plain lines (or nothing, with --json) elsewhere. */
function importProgress(json: boolean): { update(job: ImportJob): void; stop(): void } {
  if (json || !process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    { format: 'Importing {bar} {value}/{total} files | {eta_formatted} left | {file}', stream: process.stderr, hideCursor: true, etaBuffer: 20 },
    Presets.shades_classic,
  );
  let started = false;
  return {
    update(job) {
      if (!started && job.total > 0) {
        bar.start(job.total, job.done, { file: '' });
        started = true;
      }
      if (started) bar.update(job.done, { file: job.currentFile ? job.currentFile.split(/[\\/]/).pop() : '' });
    },
    stop: () => started && bar.stop(),
  };
}

const program = new Command()
  .name('folio')
  .description('Folio from the command line. Data folder: FOLIO_DATA_DIR or the app default.')
  .version(FOLIO_VERSION)
  .showHelpAfterError();

program
  .command('import')
  .description('Import files and folders (PNG, JPEG, TIFF, WebP, PDF) into a project; creates the project if needed')
  .argument('<paths...>', 'files or folders')
  .requiredOption('-p, --project <name>', 'project name')
  .option('--json', 'print one JSON object as the last line')
  .action(async (paths: string[], opts: { project: string; json?: boolean }) => {
    const json = opts.json === true;
    const core = await openCore();
    try {
      let project = core.projects.findByName(opts.project);
      if (!project) {
        project = await core.api['projects.create']({ name: opts.project });
        if (!json) console.error(`Created project "${project.name}".`);
      }
      const progress = importProgress(json);
      const job = await core.importer.run(project.id, paths, (j) => progress.update(j));
      progress.stop();
      const summary = {
        project: project.name,
        projectId: project.id,
        state: job.state,
        imported: job.imported,
        pages: job.pages,
        duplicates: job.duplicates,
        skipped: job.skipped,
        failed: job.failed,
      };
      if (json) {
        console.log(JSON.stringify(summary));
      } else {
        console.log(`Imported ${job.imported} document(s) with ${job.pages} page(s) into "${project.name}"; ${job.duplicates} duplicate(s), ${job.skipped} skipped, ${job.failed.length} failed.`);
        for (const f of job.failed) console.log(`  failed: ${f.path}: ${f.reason}`);
      }
      process.exitCode = job.state !== 'completed' ? 1 : job.failed.length > 0 ? 2 : 0;
    } finally {
      await core.close();
    }
  });

program
  .command('status')
  .description('Projects, documents, verified work and the sync outbox')
  .option('--json', 'print one JSON object as the last line')
  .action(async (opts: { json?: boolean }) => {
    const core = await openCore();
    try {
      const status = withSyncStatus(readStatus(core.db, core.dataDir), core);
      if (opts.json) {
        console.log(JSON.stringify(status));
      } else {
        console.log(`Data folder: ${status.dataDir}`);
        console.log(`Projects: ${status.projects}   Documents: ${status.documents}   Pages: ${status.pages}   Verified: ${status.verified}`);
        console.log(`Outbox (verified versions): ${status.outbox.pending} pending, ${status.outbox.inFlight} in flight, ${status.outbox.dead} dead`);
        for (const p of status.perProject) console.log(`  ${p.name}: ${p.documents} documents, ${p.verified} verified`);
      }
    } finally {
      await core.close();
    }
  });

registerSyncCommand(program, { openCore, engineFor: (core) => core.sync });
registerAnnotateCommand(program, { openCore });
registerAgreementCommand(program, { openCore });
registerEvaluateCommand(program, { openCore });
registerFormatsCommands(program, { openCore });
registerExchangeCommands(program, { openCore });
registerOcrCommand(program, { openCore });

program.parseAsync().catch((err: unknown) => {
  const message = err instanceof AppError ? err.message : err instanceof Error ? err.message : String(err);
  console.error(`folio: ${message}`);
  process.exitCode = 1;
});
