import { AppError } from '../../shared/contract/errors';
import type { Core } from '../core/createCore';

/**
 * The project a command's `--project <name>` names; otherwise a not_found error listing the
 * projects there are, with `hint` (what to do) after it.
 */
export function projectNamed(core: Core, name: string, hint?: string) {
  const project = core.projects.findByName(name);
  if (!project) {
    const names = core.projects.list().map((p) => `"${p.name}"`);
    throw new AppError('not_found', `No project called "${name}"${names.length ? `; projects: ${names.join(', ')}` : ''}${hint ? `. ${hint}` : ''}`);
  }
  return project;
}
