import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { generatePage } from './generate';
import { type SynthDocument } from './types';

export interface DatasetOptions {
  seed: number;
  count: number;
  format?: 'png' | 'jpeg';
}

/**
 * Writes `<id>.png|jpg` and `<id>.json` per page plus `truth.jsonl` (one document per line, in
 * index order). Two pages are in flight at once so layout overlaps the off-thread encoding.
 */
export async function writeSynthDataset(dir: string, opts: DatasetOptions): Promise<{ files: string[]; truths: SynthDocument[] }> {
  if (!Number.isInteger(opts.count) || opts.count < 0) throw new RangeError(`synth: count must be a non-negative integer, got ${opts.count}`);
  const format = opts.format ?? 'png';
  const ext = format === 'jpeg' ? 'jpg' : 'png';
  await mkdir(dir, { recursive: true });
  const truths: SynthDocument[] = new Array<SynthDocument>(opts.count);
  const written: string[][] = new Array<string[]>(opts.count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < opts.count) {
      const index = next++;
      const { truth, png } = await generatePage(opts.seed, index, { format });
      const image = path.join(dir, `${truth.id}.${ext}`);
      const json = path.join(dir, `${truth.id}.json`);
      await Promise.all([writeFile(image, png), writeFile(json, `${JSON.stringify(truth, null, 2)}\n`)]);
      truths[index] = truth;
      written[index] = [image, json];
    }
  };
  await Promise.all([worker(), worker()]);
  const jsonl = path.join(dir, 'truth.jsonl');
  await writeFile(jsonl, truths.map((t) => JSON.stringify(t)).join('\n') + (truths.length ? '\n' : ''));
  return { files: [...written.flat(), jsonl], truths };
}
