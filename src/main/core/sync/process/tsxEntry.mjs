// The sync process's entry when Folio runs from TypeScript sources (tsx, vitest, benchmarks, the
// browser host): the child does not inherit the parent's loaders, so it registers tsx before
// loading the engine. The Electron build bundles entry.ts as out/main/syncProcess.js instead.
import { register } from 'tsx/esm/api';

register();
await import('./entry.ts');
