// `npm run test:electron`: builds the Electron bundles (main + sync process + review worker, preload, renderer) and checks what can be checked
// anywhere (a sandbox-compatible single-file preload), then runs the _electron Playwright suite
// where an Electron binary exists and says clearly why it is skipped where it does not.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { electronBinary, electronSqliteBinding, electronVersion, root } from './electron-env.mjs';

const run = (cmd, args, env = process.env) => spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env }).status === 0;

if (!run('npx', ['electron-vite', 'build'])) process.exit(1);

const failures = [];
// out/main/syncProcess.js and reviewWorker.js: the sync process's and the review worker's entries, started by path
// (a missing one would only show when sync starts or the Review page opens).
for (const file of ['out/main/index.js', 'out/main/syncProcess.js', 'out/main/reviewWorker.js', 'out/preload/index.cjs', 'out/renderer/index.html']) {
  if (!existsSync(join(root, file))) failures.push(`missing bundle ${file}`);
}
const preload = readFileSync(join(root, 'out/preload/index.cjs'), 'utf8');
const requires = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
const foreign = requires.filter((r) => r !== 'electron');
if (foreign.length) failures.push(`the sandboxed preload may only require electron, but requires ${foreign.join(', ')}`);
if (/^\s*(import|export)\s/m.test(preload)) {
  failures.push('the preload must be CommonJS (a sandboxed preload cannot load ES modules)');
}
const main = readFileSync(join(root, 'out/main/index.js'), 'utf8');
if (!main.includes('sandbox: true') || !main.includes('contextIsolation: true')) failures.push('the main bundle lost its hardened webPreferences');
if (failures.length) {
  console.error(`Electron bundle checks failed:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log('Electron bundles: main, sync process, review worker, single-file CJS preload (requires only electron), renderer — ok.');

if (!electronBinary()) {
  console.log(
    `Skipping the _electron suite: no Electron ${electronVersion} binary on this machine. Electron downloads it on first ` +
      '`npm start`; this machine cannot reach its download server. The same renderer is tested in Chromium by `npm run test:e2e`.',
  );
  process.exit(0);
}
if (!existsSync(electronSqliteBinding)) {
  console.log('Skipping the _electron suite: better-sqlite3 is not built for Electron yet (run `npm start` once).');
  process.exit(0);
}
process.exit(run('npx', ['playwright', 'test', '--config', 'tests/electron/playwright.config.ts']) ? 0 : 1);
