import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Project } from '../../../shared/domain/model';
import type { ProjectsRepo } from '../db/repos/projects';
import type { ImportService } from '../import/importer';
import { type Clock, isoNow } from '../util/clock';

export const DEMO_PROJECT_NAME = 'Demo: business documents';
export const DEMO_SEED = 20_261_123;
export const DEMO_DOCUMENTS = 12;

/**
 * The project a newcomer opens on first start: synthetic invoices, receipts and forms from the
 * deterministic generator, imported through the same pipeline as real files.
 */
export async function openDemoProject(deps: { dataDir: string; projects: ProjectsRepo; importer: ImportService; clock: Clock }): Promise<Project> {
  const existing = deps.projects.findDemo();
  // The generator loads a canvas library and fonts: only when the demo is asked for.
  const { SYNTH_LABELS, SYNTH_QUESTIONS, writeSynthDataset } = await import('../synth');
  if (existing && existing.documentCount > 0) return deps.projects.get(existing.id);

  const project =
    existing !== null
      ? deps.projects.get(existing.id)
      : deps.projects.create(
          {
            name: deps.projects.findByName(DEMO_PROJECT_NAME) ? `${DEMO_PROJECT_NAME} (${isoNow(deps.clock).slice(0, 10)})` : DEMO_PROJECT_NAME,
            labels: SYNTH_LABELS.map((l) => ({ name: l.name, color: l.color, hotkey: (l.hotkey as '1' | null) ?? null })),
            questions: SYNTH_QUESTIONS.map((text) => ({ text, required: true })),
            isDemo: true,
          },
          isoNow(deps.clock),
        );

  const sourceDir = join(deps.dataDir, 'demo-source');
  await mkdir(sourceDir, { recursive: true });
  const { files } = await writeSynthDataset(sourceDir, { seed: DEMO_SEED, count: DEMO_DOCUMENTS });
  await deps.importer.run(project.id, files);
  return deps.projects.get(project.id);
}
