/**
 * An app stand-in for the orphan test (sync-process.test.ts): opens a core, starts its sync
 * process, prints that process's pid and waits to be killed.
 *
 *   node --import tsx tests/crash/syncHostParent.ts <dataDir>
 */
import { openTestCore } from '../helpers/core';

const core = await openTestCore(process.argv[2]!);
await core.sync.start();
process.stdout.write(`sync process ${core.sync.info!.pid}\n`);
setInterval(() => undefined, 60_000);
