import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Core } from '../../src/main/core/createCore';
import { openDatabase } from '../../src/main/core/db/open';
import type { PredictionRow } from '../../src/main/core/db/repos/predictions';
import { createPreannotationService, type PreannotationDeps, type PreannotationService } from '../../src/main/core/preannotate';
import { generatePage, SYNTH_LABELS, SYNTH_QUESTIONS, type SynthDocument, type TruthOptions } from '../../src/main/core/synth';
import type { ClaudeSimulator } from '../../src/main/sim/claude';

export const SIM_KEY = 'sk-ant-test-key-0001';

/**
 * Generate synthetic pages into `dir` (image + `<id>.json` truth, like writeSynthDataset), each
 * with its own size options; returns the files and truths.
 */
export async function writePages(dir: string, seed: number, specs: (TruthOptions & { index: number; format?: 'png' | 'jpeg' })[]): Promise<{ files: string[]; truths: SynthDocument[] }> {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const truths: SynthDocument[] = [];
  for (const { index, format, ...opts } of specs) {
    const { truth, png } = await generatePage(seed, index, { ...opts, ...(format ? { format } : {}) });
    const file = join(dir, `${truth.id}.${format === 'jpeg' ? 'jpg' : 'png'}`);
    writeFileSync(file, png);
    writeFileSync(join(dir, `${truth.id}.json`), JSON.stringify(truth));
    files.push(file);
    truths.push(truth);
  }
  return { files, truths };
}

/** A project with the generator's labels and questions holding `files`; the sim learns their truth. */
export async function synthProject(core: Core, sim: ClaudeSimulator | null, name: string, files: string[], truths: SynthDocument[]): Promise<string> {
  const project = await core.api['projects.create']({
    name,
    labels: SYNTH_LABELS.map((l) => ({ name: l.name, color: l.color, hotkey: (l.hotkey as '1' | null) ?? null })),
    questions: SYNTH_QUESTIONS.map((text) => ({ text })),
  });
  const job = await core.importer.run(project.id, files);
  if (job.failed.length) throw new Error(`import failed: ${JSON.stringify(job.failed)}`);
  for (const t of truths) sim?.truth.register(t);
  return project.id;
}

/** Point the core's settings at the simulator, as a user would (saved key + base URL). */
export async function useSimulator(core: Core, sim: ClaudeSimulator, key = SIM_KEY): Promise<void> {
  // The base URL first: a saved key is bound to the address it is entered for.
  await core.api['settings.update']({ anthropic: { baseUrl: sim.url } });
  await core.api['settings.setSecret']({ name: 'anthropicApiKey', value: key });
}

/**
 * The service as the app wires it: its own connection with synchronous=NORMAL (a pool write
 * survives a process crash; predictions can be re-derived after a power cut).
 */
export function serviceFor(core: Core, extra: Partial<PreannotationDeps> = {}): PreannotationService {
  const db = openDatabase(join(core.dataDir, 'folio.db'), { synchronous: 'NORMAL', skipMigrations: true });
  const service = createPreannotationService({
    db,
    dataDir: core.dataDir,
    media: core.media,
    projects: core.projects,
    settings: core.settings,
    ...extra,
  });
  const close = service.close.bind(service);
  service.close = async () => {
    await close();
    db.close();
  };
  return service;
}

/** A prediction row of a pre-annotation run: it always names its page. */
type RunPredictionRow = PredictionRow & { page_id: string };

/** Predictions rows of a project, straight from SQLite. */
export function predictionRows(core: Core, projectId: string): RunPredictionRow[] {
  return core.db.prepare('SELECT * FROM predictions WHERE project_id = ? ORDER BY page_id, id').all(projectId) as RunPredictionRow[];
}

export function documentIdBySource(core: Core, projectId: string): Map<string, string> {
  const rows = core.db
    .prepare('SELECT d.source_name AS name, d.id FROM project_documents pd JOIN documents d ON d.id = pd.document_id WHERE pd.project_id = ?')
    .all(projectId) as { name: string; id: string }[];
  return new Map(rows.map((r) => [r.name.replace(/\.[a-z]+$/, ''), r.id]));
}
