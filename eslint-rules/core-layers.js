// @ts-check
/**
 * Layers inside src/main/core, after VS Code's `code-import-patterns`: the rule resolves each
 * relative import to the folder it lands in and checks it against the table below.
 *
 *   ground    util, db, media, settings, jobs, wandb   imports ground and src/shared only
 *   features  everything else in core                   imports ground, src/shared, its own folder,
 *                                                       and another feature only through its index.ts
 *   wiring    files at the top of core (createCore.ts)  imports anything: it alone wires features together
 */
import { existsSync, statSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';

export const GROUND = ['util', 'db', 'media', 'settings', 'jobs', 'wandb'];
const CORE = resolve('src/main/core');

/** The core folder a path belongs to ('' for files at the top of core), or null outside core. */
function folderOf(/** @type {string} */ path) {
  const rel = relative(CORE, path);
  if (rel.startsWith('..') || rel === '') return null;
  const parts = rel.split(sep);
  if (parts.length > 1) return parts[0] ?? '';
  // `../review` names the folder (its index.ts); `../createCore` names a file at the top.
  return existsSync(path) && statSync(path).isDirectory() ? parts[0] ?? '' : '';
}

/** @type {import('eslint').Rule.RuleModule} */
const coreLayers = {
  meta: { type: 'problem', schema: [], docs: { description: 'Ground and feature layers inside src/main/core' } },
  create(context) {
    const file = resolve(context.filename);
    const from = folderOf(file);
    if (from === null || from === '') return {};
    const ground = GROUND.includes(from);
    /** @param {import('estree').Node & { source?: import('estree').Literal | null }} node */
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string' || !spec.startsWith('.')) return;
      const target = resolve(dirname(file), spec);
      const to = folderOf(target);
      if (to === null) return; // src/shared, node_modules: the boundary rules cover those
      if (to === from) return;
      if (to === '') {
        context.report({ node, message: `core/${from} imports ${spec}, a file at the top of core: those wire the layers together and nothing below them imports them.` });
        return;
      }
      if (GROUND.includes(to)) return;
      if (ground) {
        context.report({ node, message: `core/${from} is ground and imports the feature core/${to} (${spec}): ground imports only ground (${GROUND.join(', ')}) and src/shared.` });
        return;
      }
      const rest = relative(resolve(CORE, to), target);
      if (rest === '' || rest === 'index' || rest === 'index.ts') return;
      context.report({ node, message: `core/${from} reaches into core/${to} (${spec}): features import each other only through their index.ts; createCore wires them together.` });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: (n) => check({ ...n, source: n.source.type === 'Literal' ? n.source : null }) };
  },
};

export default { rules: { 'core-layers': coreLayers } };
