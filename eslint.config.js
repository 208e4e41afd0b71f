// @ts-check
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import folio from './eslint-rules/core-layers.js';

/**
 * The architecture's boundaries, enforced so a violation fails `npm test`:
 *   src/shared       imports nothing platform-specific (no Node, Electron, DOM libraries)
 *   src/main         plain Node; only src/main/electron (the shell) may import electron
 *   src/preload      electron + the contract's names only
 *   src/renderer     never imports main or preload code, Node or electron
 * and, inside src/main/core, ground and feature layers (eslint-rules/core-layers.js).
 */
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const electronOnly = ['electron', 'electron-store', 'electron/*'];

const restrict = (/** @type {{paths?: string[], patterns?: {group: string[], message: string}[], message: string}} */ rule) => ({
  'no-restricted-imports': [
    'error',
    {
      paths: (rule.paths ?? []).map((name) => ({ name, message: rule.message })),
      patterns: rule.patterns ?? [],
    },
  ],
});

export default tseslint.config(
  { ignores: ['out/**', 'node_modules/**', '.electron-native/**', 'test-results/**', 'playwright-report/**', '.tmp/**', '.bench/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      eqeqeq: ['error', 'smart'],
    },
  },
  {
    files: ['src/shared/**'],
    rules: restrict({
      paths: [...nodeBuiltins, ...electronOnly, 'react', 'react-dom', 'konva', 'better-sqlite3', 'sharp'],
      patterns: [{ group: ['**/main/**', '**/renderer/**', '**/preload/**'], message: 'src/shared is imported by every side and imports none of them.' }],
      message: 'src/shared must stay platform-free (no Node, Electron or DOM libraries).',
    }),
  },
  {
    files: ['src/main/**'],
    ignores: ['src/main/electron/**'],
    rules: restrict({
      paths: electronOnly,
      patterns: [
        { group: ['electron/*', '**/electron/*', '**/electron'], message: 'Only the Electron shell (src/main/electron) may use Electron; services stay plain Node.' },
        { group: ['**/renderer/**', '**/preload/**'], message: 'Main-process code never imports renderer or preload code.' },
      ],
      message: 'Only the Electron shell (src/main/electron) may import electron: services in src/main are plain Node and tested in Node.',
    }),
  },
  {
    files: ['src/main/core/**/*.ts'],
    plugins: { folio },
    rules: { 'folio/core-layers': 'error' },
  },
  {
    files: ['src/preload/**'],
    rules: restrict({
      paths: [...nodeBuiltins],
      patterns: [{ group: ['**/main/**', '**/renderer/**'], message: 'The preload sees only the contract.' }],
      message: 'A sandboxed preload can only use electron and the contract.',
    }),
  },
  {
    files: ['src/renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      ...reactHooks.configs.recommended.rules,
      ...restrict({
        paths: [...nodeBuiltins, ...electronOnly, 'better-sqlite3', 'sharp', 'ws'],
        patterns: [{ group: ['**/main/**', '**/preload/**'], message: 'The renderer talks only to the AppApi contract.' }],
        message: 'The renderer runs in a sandboxed browser page: no Node, Electron or main-process modules.',
      }),
    },
  },
);
