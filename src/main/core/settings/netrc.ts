import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The password for `machine <host>` in ~/.netrc (where `wandb login` puts the API key). */
export function netrcPassword(host: string, file = process.env.NETRC ?? join(homedir(), process.platform === 'win32' ? '_netrc' : '.netrc')): string | null {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return null;
  }
  const tokens = text.split(/\s+/).filter(Boolean);
  let inMachine = false;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i];
    if (token === 'machine') {
      inMachine = tokens[i + 1] === host;
      i++;
    } else if (token === 'default') {
      inMachine = false;
    } else if (inMachine && token === 'password') {
      return tokens[i + 1] ?? null;
    }
  }
  return null;
}
