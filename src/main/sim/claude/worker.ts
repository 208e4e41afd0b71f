import { parentPort } from 'node:worker_threads';
import type { FaultRule, SimFaultRates } from './faults';
import { startClaudeSimulator, type ClaudeSimOptions, type ClaudeSimulator, type SimLimits } from './server';

/**
 * The simulator on a worker thread, driven by messages — so a benchmark in one process measures
 * its pool without the server's CPU work stalling the pool's event loop. Bundle it (esbuild,
 * packages external) and start it with `new Worker(bundle)`; see benchmarks/pool.bench.ts.
 *
 * Messages in: {id, op, args}; out: {id, ok, result | error}.
 *   start(ClaudeSimOptions without log) → {url}   registerDirectory(dir) → count   inject(FaultRule)
 *   setLimits(SimLimits)   setFaultRates(SimFaultRates)   requests() → SimRequestLog[]   resetLog()   close()
 */
if (!parentPort) throw new Error('worker.ts runs as a worker thread');
const port = parentPort;
let sim: ClaudeSimulator | null = null;

const need = (): ClaudeSimulator => {
  if (!sim) throw new Error('the simulator is not started (send "start" first)');
  return sim;
};

port.on('message', (msg: { id: number; op: string; args?: unknown }) => {
  const run = async (): Promise<unknown> => {
    switch (msg.op) {
      case 'start':
        await sim?.close();
        sim = await startClaudeSimulator(msg.args as ClaudeSimOptions);
        return { url: sim.url };
      case 'registerDirectory':
        return need().truth.registerDirectory(msg.args as string);
      case 'inject':
        return need().inject(msg.args as FaultRule);
      case 'setLimits':
        return need().setLimits(msg.args as SimLimits);
      case 'setFaultRates':
        return need().setFaultRates(msg.args as SimFaultRates);
      case 'requests':
        return need().requests();
      case 'resetLog':
        return need().resetLog();
      case 'close':
        await sim?.close();
        sim = null;
        return null;
      default:
        throw new Error(`unknown operation "${msg.op}"`);
    }
  };
  run().then(
    (result) => port.postMessage({ id: msg.id, ok: true, result }),
    (err: unknown) => port.postMessage({ id: msg.id, ok: false, error: (err as Error).message }),
  );
});
