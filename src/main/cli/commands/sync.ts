import type { Command } from 'commander';
import type { Core } from '../../core/createCore';
import { FOLIO_VERSION } from '../../core/createCore';
import type { SyncJob, SyncStatusView } from '../../../shared/domain/sync';
import type { SyncService } from '../../core/sync';
import { createSyncEngine, syncStatusFields } from '../../core/sync/forCore';

/**
 * `folio sync [--now] [--json]`: without --now, the queue, the settings and the last jobs; with
 * --now, a build of everything waiting (ignoring the schedule and backoff), one job per batch.
 * With --json the last line printed is one JSON object. Exit code 1 when a job failed, a setting
 * needs fixing, or another Folio process (the app) is syncing this data folder.
 */
export function registerSyncCommand(program: Command, deps: { openCore: () => Promise<Core>; engineFor?: (core: Core) => SyncService }): Command {
  return program
    .command('sync')
    .description('Send verified annotations to the W&B dataset artifact, or show the sync queue and recent jobs')
    .option('--now', 'build now: send everything waiting, ignoring the schedule and backoff')
    .option('--json', 'print one JSON object as the last line')
    .action(async (opts: { now?: boolean; json?: boolean }) => {
      const json = opts.json === true;
      const core = await deps.openCore();
      const engine = deps.engineFor?.(core) ?? createSyncEngine({ db: core.db, dataDir: core.dataDir, settings: core.settings, folioVersion: FOLIO_VERSION });
      try {
        if (opts.now) {
          if (!json) console.error('Syncing verified annotations to W&B…');
          const { jobs, status } = await engine.syncNow();
          if (json) console.log(JSON.stringify({ status, jobs }));
          else {
            for (const j of jobs) console.log(describeJob(j));
            if (!jobs.length) console.log('Nothing was built.');
            console.log(describeStatus(status));
          }
          // Exit 1 when nothing could be sent as asked: a job failed, a setting needs fixing, or another Folio holds the folder's sync.
          process.exitCode = jobs.some((j) => j.state === 'failed') || status.state === 'needs_attention' || status.state === 'other_process' ? 1 : 0;
        } else {
          const status = await engine.status();
          const out = { status, config: await engine.getConfig(), jobs: await engine.jobs(10), dead: await engine.deadItems(20) };
          if (json) console.log(JSON.stringify(out));
          else {
            console.log(describeStatus(status));
            const c = out.config;
            console.log(`Schedule: every ${c.intervalMinutes} min (a batch of up to ${c.batchSize} verified versions, or whatever waited ${c.maxWaitMinutes} min), daily at ${c.dailyTime ?? '(off)'}; dead after ${c.maxAttempts} failed attempts`);
            for (const j of out.jobs) console.log(`  ${describeJob(j)}`);
            for (const d of out.dead) console.log(`  dead: annotation ${d.annotationId} v${d.version}: ${d.reason ?? 'no reason recorded'}`);
          }
        }
      } finally {
        await engine.stop();
        await core.close();
      }
    });
}

/** `status --json` plus what sync knows: outbox by state and the last jobs (with run and artifact links). */
export function withSyncStatus<T extends object>(status: T, core: Pick<Core, 'db'>, lastJobs = 5): T & ReturnType<typeof syncStatusFields> {
  return { ...status, ...syncStatusFields(core.db, lastJobs) };
}

function describeJob(j: SyncJob): string {
  const when = j.finishedAt ?? j.startedAt ?? j.createdAt;
  if (j.state === 'completed') {
    return `${when} completed: ${j.documents} verified version(s) → ${j.artifactVersion ?? '(no new version)'}${j.outcome && j.outcome !== 'committed' ? ` (${j.outcome})` : ''}${j.dead ? `, ${j.dead} dead` : ''}${j.artifactUrl ? `  ${j.artifactUrl}` : ''}`;
  }
  return `${when} ${j.state}: ${j.documents} verified version(s)${j.error ? ` — ${j.error}` : ''}${j.runUrl ? `  ${j.runUrl}` : ''}`;
}

function describeStatus(s: SyncStatusView): string {
  return `Sync: ${s.state} — ${s.message} Outbox (verified versions): ${s.outbox.pending} pending, ${s.outbox.inFlight} in flight, ${s.outbox.dead} dead, ${s.outbox.done} done.`;
}
