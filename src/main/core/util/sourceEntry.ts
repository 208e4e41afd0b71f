import { fileURLToPath } from 'node:url';

/**
 * How a new process or worker thread runs a TypeScript entry when Folio runs from its sources:
 * the script to start (tsxEntry.mjs registers tsx) and the argument naming the entry. The Electron
 * build starts its bundled entries directly instead.
 */
export function sourceEntry(entryUrl: URL): { script: string; args: string[] } {
  return { script: fileURLToPath(new URL('./tsxEntry.mjs', import.meta.url)), args: [entryUrl.href] };
}
