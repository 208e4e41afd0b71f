import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { NO_NOISE } from './answer';
import { startClaudeSimulator } from './server';

/**
 * `npm run sim:claude -- [options]`: the Claude simulator on 127.0.0.1, until Ctrl-C.
 *
 *   --port N            port (default: any free port)
 *   --time-scale F      1 = real time; 0.1 = ten times faster (latency, limits, retry-after)
 *   --latency-ms N      median latency (default 2100)
 *   --rpm N --itpm N --otpm N --burst-seconds N   rate limits (defaults 4000 / 2,000,000 / 400,000 / 1)
 *   --overloaded F --server-errors F              fraction of requests answered 529 / 500
 *   --truth-dir DIR     register the ground truth (<id>.json) of a generated dataset (repeatable)
 *   --seed N            noise seed;  --no-noise  answers equal the ground truth
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.CLAUDE_SIM_PORT ?? '0' },
      'time-scale': { type: 'string', default: '1' },
      'latency-ms': { type: 'string' },
      rpm: { type: 'string' },
      itpm: { type: 'string' },
      otpm: { type: 'string' },
      'burst-seconds': { type: 'string' },
      overloaded: { type: 'string' },
      'server-errors': { type: 'string' },
      'truth-dir': { type: 'string', multiple: true },
      seed: { type: 'string' },
      'no-noise': { type: 'boolean' },
    },
  });
  const num = (name: string, v: string | undefined): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name}: expected a non-negative number, got "${v}"`);
    return n;
  };
  const sim = await startClaudeSimulator({
    port: num('port', values.port) ?? 0,
    timeScale: num('time-scale', values['time-scale']) ?? 1,
    ...(values['latency-ms'] ? { latency: { medianMs: num('latency-ms', values['latency-ms'])! } } : {}),
    limits: {
      ...(values.rpm ? { rpm: num('rpm', values.rpm)! } : {}),
      ...(values.itpm ? { itpm: num('itpm', values.itpm)! } : {}),
      ...(values.otpm ? { otpm: num('otpm', values.otpm)! } : {}),
      ...(values['burst-seconds'] ? { burstSeconds: num('burst-seconds', values['burst-seconds'])! } : {}),
    },
    faults: { overloaded: num('overloaded', values.overloaded) ?? 0, serverError: num('server-errors', values['server-errors']) ?? 0 },
    ...(values.seed ? { seed: num('seed', values.seed)! } : {}),
    ...(values['no-noise'] ? { noise: NO_NOISE } : {}),
    log: (line) => console.error(line),
  });
  for (const dir of values['truth-dir'] ?? []) {
    const n = await sim.truth.registerDirectory(resolve(dir));
    console.error(`Registered the ground truth of ${n} page(s) from ${dir}`);
  }
  console.log(`Claude simulator (not Claude: answers are synthetic) listening on ${sim.url}`);
  console.log(`Point Folio at it:  ANTHROPIC_BASE_URL=${sim.url} ANTHROPIC_API_KEY=sk-ant-simulated-key`);
  const stop = () => void sim.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`claude-sim: ${(err as Error).message}`);
  process.exit(1);
});
