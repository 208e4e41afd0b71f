import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import type { ImportFormat } from '../../src/shared/domain/formats';
import { AppError } from '../../src/shared/contract/errors';
import { openTestCore, tempDir } from '../helpers/core';
import { createLabelledProject, seedOnePageDocs } from '../helpers/formats';
import { jsonMutations, Rng, textMutations, xmlMutations, type Mutation } from '../helpers/fuzz';

/**
 * Seeded fuzzing of every import format: a valid export of verified work, mutated a few hundred
 * ways per format (truncated, bytes flipped, huge strings, deep nesting, wrong types, duplicated
 * and __proto__ keys, NaN and Infinity), imported into the project that holds that work. Every
 * case must end as an import with per-item problems or a failure naming the file; no job stays
 * running, the database passes integrity_check and the verified work saved before is unchanged.
 * FOLIO_FUZZ_SEED replays a run; a failure prints the seed and the case.
 */

const SEED = Number(process.env.FOLIO_FUZZ_SEED ?? 20261207);
const CASES = Number(process.env.FOLIO_FUZZ_CASES ?? 200);

let dir: ReturnType<typeof tempDir>;
let core: Core;
let projectId: string;
/** What was saved before any fuzzing: every annotation, box and QA row. */
let saved: string;
const tally: Record<string, { tried: number; completed: number; failed: number }> = {};

const snapshotSaved = () =>
  JSON.stringify([
    core.db.prepare("SELECT a.id, a.version, a.status, a.verified_at FROM annotations a JOIN annotators u ON u.id = a.annotator_id WHERE u.name = 'Ada' ORDER BY a.id").all(),
    core.db.prepare("SELECT b.* FROM boxes b JOIN annotations a ON a.id = b.annotation_id JOIN annotators u ON u.id = a.annotator_id WHERE u.name = 'Ada' ORDER BY b.annotation_id, b.position").all(),
    core.db.prepare("SELECT q.* FROM qa_pairs q JOIN annotations a ON a.id = q.annotation_id JOIN annotators u ON u.id = a.annotator_id WHERE u.name = 'Ada' ORDER BY q.annotation_id, q.position").all(),
  ]);

beforeAll(async () => {
  dir = tempDir('folio-import-fuzz-');
  core = await openTestCore(join(dir.path, 'data'));
  await core.api['settings.update']({ annotatorName: 'Ada' });
  projectId = await createLabelledProject(core, 'Invoices');
  await seedOnePageDocs(core, projectId, 3);
  saved = snapshotSaved();
}, 60_000);
afterAll(async () => {
  await core.close();
  dir.cleanup();
  console.log(`import fuzzing, seed ${SEED}: ${JSON.stringify(tally)}`);
});

/**
 * The export with its random ids (annotator, annotation: UUIDs) and times made the same in every
 * run, so that a seed replays the same bytes.
 */
function replayable(text: string): string {
  const ids = new Map<string, string>();
  return text
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (id) => {
      if (!ids.has(id)) ids.set(id, `00000000-0000-4000-8000-${String(ids.size).padStart(12, '0')}`);
      return ids.get(id)!;
    })
    .replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g, '2026-01-02T03:04:05.000Z');
}

interface Target {
  format: ImportFormat;
  mutations: Mutation[];
  /** The export's file to mutate, relative to the export folder. */
  fixture: (out: string) => string;
  /** Where a mutated copy goes and what to import: a file, or a folder made for it. */
  prepare: (out: string, mutated: Buffer | string, n: number) => { file: string; cleanup: () => void };
}

const sibling = (name: string) => (out: string, mutated: Buffer | string, n: number) => {
  const file = join(out, `fuzz-${n}-${name}`);
  writeFileSync(file, mutated);
  return { file, cleanup: () => rmSync(file, { force: true }) };
};

const targets: Target[] = [
  { format: 'labelstudio', mutations: jsonMutations, fixture: (out) => join(out, 'tasks.json'), prepare: sibling('tasks.json') },
  { format: 'coco', mutations: jsonMutations, fixture: (out) => join(out, 'annotations.json'), prepare: sibling('annotations.json') },
  { format: 'jsonl', mutations: jsonMutations, fixture: (out) => join(out, 'documents.jsonl'), prepare: sibling('documents.jsonl') },
  {
    format: 'voc',
    mutations: xmlMutations,
    fixture: (out) => {
      const annotations = join(out, 'Annotations');
      return join(annotations, readdirSync(annotations).filter((n) => n.endsWith('.xml')).sort()[0]!);
    },
    // Next to the other XML files, so its image is found the way the original's is.
    prepare: (out, mutated, n) => sibling('page.xml')(join(out, 'Annotations'), mutated, n),
  },
  {
    format: 'yolo',
    mutations: textMutations,
    fixture: (out) => {
      const labels = join(out, 'labels');
      return join(labels, readdirSync(labels).filter((n) => n.endsWith('.txt')).sort()[0]!);
    },
    // A folder of its own: classes.txt, the mutated label file, the export's images.
    prepare: (out, mutated, n) => {
      const root = join(out, `..`, `yolo-fuzz-${n}`);
      mkdirSync(join(root, 'labels'), { recursive: true });
      writeFileSync(join(root, 'classes.txt'), readFileSync(join(out, 'classes.txt')));
      const fixture = readdirSync(join(out, 'labels')).filter((x) => x.endsWith('.txt')).sort()[0]!;
      writeFileSync(join(root, 'labels', fixture), mutated);
      symlinkSync(join(out, 'images'), join(root, 'images'));
      return { file: root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
    },
  },
];

describe.each(targets)('fuzzing $format imports', (target) => {
  it(`${CASES} mutated files: each ends with problems or a failure naming the file, nothing saved changes`, { timeout: 120_000 }, async () => {
    const out = join(dir.path, `export-${target.format}`);
    const exported = await core.exporter.run({ projectId, format: target.format, out, images: 'copy' });
    expect(exported.state).toBe('completed');
    const original = replayable(readFileSync(target.fixture(out), 'utf8'));
    const rng = new Rng(SEED ^ target.format.length * 7919);
    const count = (tally[target.format] = { tried: 0, completed: 0, failed: 0 });
    for (let n = 0; n < CASES; n++) {
      const mutation = rng.pick(target.mutations);
      let text: Buffer | string = original;
      // One to three mutations on top of each other.
      for (let k = 0, times = 1 + rng.int(3); k < times; k++) text = mutation.apply(typeof text === 'string' ? text : text.toString('utf8'), rng);
      const { file, cleanup } = target.prepare(out, text, n);
      const where = `seed ${SEED}, ${target.format} case ${n} (${mutation.name}); FOLIO_FUZZ_SEED=${SEED} replays it`;
      try {
        count.tried++;
        let job;
        try {
          job = await core.annotationsImport.run({ projectId, format: target.format, file, annotator: `Fuzz ${target.format} ${n}` });
        } catch (err) {
          // Refused before a job starts: only with a clear error naming the file.
          expect(err, where).toBeInstanceOf(AppError);
          expect((err as Error).message, where).toContain(basename(file));
          count.failed++;
          continue;
        }
        expect(['completed', 'failed'], where).toContain(job.state);
        if (job.state === 'failed') {
          count.failed++;
          expect(job.error, where).toContain(basename(file));
          // A reason a person can act on, not a JavaScript failure passed through.
          expect(job.error, where).not.toMatch(/Maximum call stack size exceeded|Cannot read propert|is not a function|is not iterable|Invalid string length|Invalid array length|heap out of memory/);
        } else {
          count.completed++;
        }
        for (const p of job.problems) {
          expect(p.file.length > 0 && p.item.length > 0 && p.field.length > 0 && p.reason.length > 0, `${where}: ${JSON.stringify(p).slice(0, 300)}`).toBe(true);
          expect(p.reason.length, where).toBeLessThanOrEqual(1000);
        }
        expect(core.annotationsImport.get(job.jobId).state, where).toBe(job.state);
        expect((core.db.prepare("SELECT COUNT(*) AS n FROM jobs WHERE state = 'running'").get() as { n: number }).n, where).toBe(0);
        if (n % 50 === 49) {
          expect(core.db.pragma('integrity_check', { simple: true }), where).toBe('ok');
          expect(snapshotSaved(), where).toBe(saved);
        }
      } finally {
        cleanup();
      }
    }
    expect(core.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(snapshotSaved()).toBe(saved);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(count.tried).toBe(CASES);
  });
});
