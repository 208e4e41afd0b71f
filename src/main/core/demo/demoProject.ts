import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Project } from '../../../shared/domain/model';
import type { DocumentsRepo } from '../db/repos/documents';
import type { ProjectsRepo } from '../db/repos/projects';
import type { ImportService } from '../import';
import { type Clock, isoNow } from '../util/clock';

export const DEMO_PROJECT_NAME = 'Demo: business documents';
export const DEMO_SEED = 20_261_123;
export const DEMO_DOCUMENTS = 12;

/**
 * The project a newcomer opens on first start: synthetic invoices, receipts and forms from the
 * deterministic generator, imported through the same pipeline as real files. The generator knows
 * what each page is, so every document starts with its type and is asked only its questions.
 */
export async function openDemoProject(deps: { dataDir: string; projects: ProjectsRepo; documents: DocumentsRepo; importer: ImportService; clock: Clock }): Promise<Project> {
  const existing = deps.projects.findDemo();
  // The generator loads a canvas library and fonts: only when the demo is asked for.
  const { SYNTH_LABELS, SYNTH_TEMPLATES, writeSynthDataset } = await import('../synth');
  if (existing && existing.documentCount > 0) return deps.projects.get(existing.id);

  const project =
    existing !== null
      ? deps.projects.get(existing.id)
      : deps.projects.create(
          {
            name: deps.projects.findByName(DEMO_PROJECT_NAME) ? `${DEMO_PROJECT_NAME} (${isoNow(deps.clock).slice(0, 10)})` : DEMO_PROJECT_NAME,
            labels: SYNTH_LABELS.map((l) => ({ name: l.name, color: l.color, hotkey: (l.hotkey as '1' | null) ?? null })),
            questions: SYNTH_TEMPLATES.map((t) => ({ text: t.text, required: t.required, kinds: t.kinds })),
            isDemo: true,
          },
          isoNow(deps.clock),
        );

  const sourceDir = join(deps.dataDir, 'demo-source');
  await mkdir(sourceDir, { recursive: true });
  const { files, truths } = await writeSynthDataset(sourceDir, { seed: DEMO_SEED, count: DEMO_DOCUMENTS });
  await deps.importer.run(project.id, files);
  const kindOf = new Map(truths.map((t) => [t.id, t.kind]));
  const types = [...deps.documents.idsBySourceName(project.id)].flatMap(([name, ids]) => {
    const kind = kindOf.get(basename(name).replace(/\.[a-z]+$/i, ''));
    return kind ? ids.map((documentId) => ({ documentId, docType: kind })) : [];
  });
  deps.documents.setTypesFromImport(project.id, types);
  return deps.projects.get(project.id);
}
