// Runs a TypeScript entry in a new process or worker thread when Folio runs from its sources (tsx,
// vitest, benchmarks, the browser host): neither inherits the parent's loaders, so this registers
// tsx, then loads the entry named by the last argument (a file URL). The Electron build bundles
// each entry instead (electron.vite.config.ts).
//   fork(tsxEntry.mjs, [entryUrl])   new Worker(tsxEntry.mjs, { argv: [entryUrl] })
import { register } from 'tsx/esm/api';

register();
await import(process.argv.at(-1));
