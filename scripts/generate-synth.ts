/**
 * Writes a synthetic dataset: one image and one truth JSON per page, plus truth.jsonl.
 *
 *   tsx scripts/generate-synth.ts --out <dir> --count N --seed S [--format png|jpeg]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeSynthDataset } from '../src/main/core/synth';

function usage(message?: string): never {
  if (message) console.error(`error: ${message}`);
  console.error('usage: tsx scripts/generate-synth.ts --out <dir> --count N --seed S [--format png|jpeg]');
  process.exit(2);
}

function integer(name: string, value: string | undefined, min: number): number {
  if (value === undefined) usage(`--${name} is required`);
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < min) usage(`--${name} must be an integer >= ${min}, got "${value}"`);
  return n;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        out: { type: 'string' },
        count: { type: 'string' },
        seed: { type: 'string' },
        format: { type: 'string', default: 'png' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    usage((e as Error).message);
  }
  if (values.help) usage();
  if (!values.out) usage('--out is required');
  const count = integer('count', values.count, 0);
  const seed = integer('seed', values.seed, Number.MIN_SAFE_INTEGER);
  const format = values.format;
  if (format !== 'png' && format !== 'jpeg') usage(`--format must be png or jpeg, got "${format}"`);

  const dir = path.resolve(values.out);
  const started = performance.now();
  const { files, truths } = await writeSynthDataset(dir, { seed, count, format });
  const seconds = (performance.now() - started) / 1000;

  const kinds = new Map<string, number>();
  for (const t of truths) kinds.set(t.kind, (kinds.get(t.kind) ?? 0) + 1);
  const boxes = truths.reduce((s, t) => s + t.boxes.length, 0);
  const qa = truths.reduce((s, t) => s + t.qa.length, 0);
  const unanswerable = truths.reduce((s, t) => s + t.qa.filter((q) => q.answer === null).length, 0);
  console.log(`wrote ${truths.length} pages (${files.length} files) to ${dir} in ${seconds.toFixed(1)} s` +
    (truths.length ? ` (${((seconds * 1000) / truths.length).toFixed(0)} ms/page)` : ''));
  console.log(`  kinds: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
  console.log(`  boxes: ${boxes}, qa pairs: ${qa} (${unanswerable} unanswerable)`);
  console.log(`  truth: ${path.join(dir, 'truth.jsonl')}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e);
  process.exit(1);
});
