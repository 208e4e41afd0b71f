/**
 * npm run sim:wandb — a local W&B-compatible server for trying Folio's sync by hand.
 *
 *   WANDB_SIM_PORT=8765 WANDB_SIM_API_KEY=… WANDB_SIM_ENTITY=… npm run sim:wandb
 *   (WANDB_SIM_STORAGE=<dir> keeps uploaded bytes there; WANDB_SIM_QUIET=1 stops the request log)
 *
 * Prints the base URL and the key to use; point Folio at it with WANDB_BASE_URL and WANDB_API_KEY.
 */
import { startWandbSim, DEFAULT_SIM_USERS } from './server';

const defaults = DEFAULT_SIM_USERS[0]!;
const apiKey = process.env.WANDB_SIM_API_KEY ?? defaults.apiKey;
const entity = process.env.WANDB_SIM_ENTITY ?? defaults.entity;
const port = Number(process.env.WANDB_SIM_PORT ?? 8765); // 0: any free port
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`WANDB_SIM_PORT must be a port number, got ${process.env.WANDB_SIM_PORT}`);
  process.exit(2);
}

const sim = await startWandbSim({
  port,
  ...(process.env.WANDB_SIM_STORAGE ? { storageDir: process.env.WANDB_SIM_STORAGE } : {}),
  users: [{ apiKey, username: defaults.username, entity, teams: defaults.teams }],
  log: process.env.WANDB_SIM_QUIET ? undefined : (line) => console.log(line),
  // WANDB_SIM_DISCARD_IMAGES=1: check page images on upload but keep only their digests (benchmarks).
  ...(process.env.WANDB_SIM_DISCARD_IMAGES ? { discardBytes: (name: string) => name.startsWith('media/images/') } : {}),
});
console.log(`W&B simulator listening on ${sim.url}`);
console.log(`  WANDB_BASE_URL=${sim.url} WANDB_API_KEY=${apiKey} (entity ${entity})`);
const shutdown = () => void sim.close().then(() => process.exit(0));
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
