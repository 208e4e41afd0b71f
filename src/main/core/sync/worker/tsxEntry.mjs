// The sync worker's entry when Folio runs from TypeScript sources (tsx, vitest, benchmarks): a
// worker thread does not inherit the parent's loaders, so it registers tsx before loading the
// engine. The Electron build bundles entry.ts as out/main/syncWorker.js instead.
import { register } from 'tsx/esm/api';

register();
await import('./entry.ts');
