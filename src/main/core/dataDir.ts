import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Where Folio keeps its database and media when nothing else is said: FOLIO_DATA_DIR, else the
 * platform's usual application-data folder (the same one Electron's `userData` uses for "Folio").
 */
export function defaultDataDir(env: Record<string, string | undefined> = process.env): string {
  if (env.FOLIO_DATA_DIR) return resolve(env.FOLIO_DATA_DIR);
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Folio');
  if (process.platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Folio');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'Folio');
}
