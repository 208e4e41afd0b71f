/**
 * The process the sync crash test kills: opens the data folder's database, syncs until the outbox
 * is empty, prints DONE. argv: <dataDir> <simUrl> <apiKey>.
 */
import { join } from 'node:path';
import { openDatabase } from '../../src/main/core/db/open';
import { SyncEngine } from '../../src/main/core/sync/engine';
import { fastPolicies } from '../../src/main/core/wandb/http';

const [dataDir, simUrl, apiKey] = process.argv.slice(2) as [string, string, string];
const db = openDatabase(join(dataDir, 'folio.db'));
const engine = new SyncEngine({
  db,
  dataDir,
  folioVersion: 'crash-test',
  credentials: () => ({ apiKey, baseUrl: simUrl, entity: null, project: 'biz-doc-vqa' }),
  policies: fastPolicies(2, 20, 5_000),
  uploadConcurrency: 3,
});
await engine.updateConfig({ batchSize: 6 });
for (let round = 0; round < 200; round++) {
  const { status } = await engine.syncNow();
  const open = engine.store.openBatches().length;
  if (status.outbox.pending + status.outbox.inFlight === 0 && open === 0) {
    process.stdout.write(`DONE ${JSON.stringify(status.outbox)}\n`);
    db.close();
    process.exit(0);
  }
  await new Promise((r) => setTimeout(r, 20));
}
process.stdout.write('GAVE UP\n');
process.exit(3);
