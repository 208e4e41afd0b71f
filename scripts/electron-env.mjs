// Shared facts about the local Electron install, for `npm start` and the _electron test suite.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
export const root = join(import.meta.dirname, '..');
export const electronDir = dirname(require.resolve('electron/package.json'));
export const electronVersion = JSON.parse(readFileSync(join(electronDir, 'package.json'), 'utf8')).version;

/** The Electron executable, or null when its binary has not been downloaded (Electron fetches it lazily). */
export function electronBinary() {
  const pathFile = join(electronDir, 'path.txt');
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return join(process.env.ELECTRON_OVERRIDE_DIST_PATH, 'electron');
  if (!existsSync(pathFile)) return null;
  const exe = join(electronDir, 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(exe) ? exe : null;
}

/** better-sqlite3 built for Electron's ABI lives beside, not instead of, the Node build tests use. */
export const electronSqliteBinding = join(root, '.electron-native', electronVersion, 'better_sqlite3.node');
