/**
 * The review worker thread: analyses a whole project (analysis.ts) on its own read-only
 * connection, so a lead's Review page on a big project (seconds of reading and comparing) does not
 * hold the core's thread — in Electron the main process — while it runs.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { toAppErrorData } from '../../../../shared/contract/errors';
import { openDatabase } from '../../db/open';
import { analyseProject } from '../analysis';
import type { FromReviewWorker, ReviewWorkerData, ToReviewWorker } from './messages';

const port = parentPort;
if (!port) throw new Error('the review worker must run in a worker thread');
const data = workerData as ReviewWorkerData;
const db = openDatabase(data.dbFile, { nativeBinding: data.nativeBinding ?? undefined, readonly: true, skipMigrations: true });

port.on('message', (m: ToReviewWorker) => {
  let reply: FromReviewWorker;
  try {
    reply = { id: m.id, ok: true, analysis: analyseProject(db, m.project, m.model) };
  } catch (err) {
    reply = { id: m.id, ok: false, error: toAppErrorData(err) };
  }
  port.postMessage(reply);
});
