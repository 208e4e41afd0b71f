// `npm start`: the desktop app. Fetches Electron's binary if it is missing, builds better-sqlite3
// for Electron's ABI into .electron-native/ (the Node build in node_modules stays for tests and
// the browser host), builds the three bundles, and opens the window.
import { spawnSync, spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { electronBinary, electronDir, electronSqliteBinding, electronVersion, root } from './electron-env.mjs';

const require = createRequire(import.meta.url);
const run = (cmd, args, opts = {}) => spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts }).status === 0;

function ensureElectron() {
  if (electronBinary()) return;
  console.log(`Downloading Electron ${electronVersion} (first start only)…`);
  if (!run(process.execPath, [join(electronDir, 'install.js')]) || !electronBinary()) {
    console.error(
      '\nElectron could not be downloaded, so the desktop window cannot open on this machine.\n' +
        'Folio runs in your browser instead: `npm run web`.\n',
    );
    process.exit(1);
  }
}

function ensureSqliteForElectron() {
  if (existsSync(electronSqliteBinding)) return;
  console.log(`Building better-sqlite3 for Electron ${electronVersion} (first start only)…`);
  const source = dirname(require.resolve('better-sqlite3/package.json'));
  const work = join(root, '.electron-native', `build-${electronVersion}`, 'better-sqlite3');
  rmSync(work, { recursive: true, force: true });
  cpSync(source, work, { recursive: true, filter: (p) => !p.includes(`${join(source, 'build')}`) });
  // npm's own config may point node-gyp at Node's headers; Electron needs its own.
  const env = { ...process.env, npm_config_nodedir: '', npm_config_runtime: 'electron', npm_config_target: electronVersion, npm_config_disturl: 'https://electronjs.org/headers' };
  const prebuilt = run(process.execPath, [require.resolve('prebuild-install/bin.js', { paths: [source] }), '--runtime', 'electron', '--target', electronVersion, '--arch', process.arch], { cwd: work, env });
  const built =
    prebuilt ||
    run('npx', ['--yes', 'node-gyp', 'rebuild', '--release', `--target=${electronVersion}`, '--runtime=electron', '--dist-url=https://electronjs.org/headers'], { cwd: work, env });
  const output = join(work, 'build', 'Release', 'better_sqlite3.node');
  if (!built || !existsSync(output)) {
    console.error('\nbetter-sqlite3 could not be built for Electron (no prebuilt binary and no compiler or headers). `npm run web` still works.\n');
    process.exit(1);
  }
  mkdirSync(dirname(electronSqliteBinding), { recursive: true });
  copyFileSync(output, electronSqliteBinding);
}

ensureElectron();
ensureSqliteForElectron();
if (!run('npx', ['electron-vite', 'build'])) process.exit(1);
const child = spawn(electronBinary(), ['.', ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, FOLIO_SQLITE_BINDING: electronSqliteBinding },
});
child.on('exit', (code) => process.exit(code ?? 0));
