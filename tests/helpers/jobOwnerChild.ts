/**
 * Another Folio process holding jobs: opens the database of a data folder, creates one job of
 * each kind a starting Folio recovers (the way the services create them), prints `ready <pid>`
 * and stays alive until it is killed.
 *   node --import tsx jobOwnerChild.ts <dataDir> <projectId>
 */
import { databaseFile } from '../../src/main/core/createCore';
import { openDatabase } from '../../src/main/core/db/open';
import { JobsRepo } from '../../src/main/core/db/repos/jobs';
import { EvaluationStore } from '../../src/main/core/evaluation/store';
import { PULL_JOB_KIND } from '../../src/main/core/exchange/pull';
import { EXPORT_JOB_KIND } from '../../src/main/core/formats/exportService';
import { ANNOTATIONS_IMPORT_JOB_KIND } from '../../src/main/core/formats/importService';

const [dataDir, projectId] = process.argv.slice(2) as [string, string];
const db = openDatabase(databaseFile(dataDir));
const jobs = new JobsRepo(db);
const now = new Date().toISOString();
for (const kind of ['import', EXPORT_JOB_KIND, ANNOTATIONS_IMPORT_JOB_KIND, PULL_JOB_KIND]) jobs.create({ id: `child-${kind}`, kind, projectId, params: {} }, now);
new EvaluationStore(db).createJob('child-evaluation', projectId, { model: 'm', modelVersion: null, against: 'gold', trigger: 'manual' }, now);
process.stdout.write(`ready ${process.pid}\n`);
setInterval(() => undefined, 60_000);
