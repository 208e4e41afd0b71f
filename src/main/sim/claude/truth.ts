import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { generateTruth } from '../../core/synth';
import type { SynthDocument } from '../../core/synth';

/**
 * Which synthetic document a request is about. The simulator does not read pixels: Folio's page
 * prompt names the page's file ("This is the file \"invoice-42-7.png\"…"), and the synthetic
 * generator names its files `<kind>-<seed>-<index>.<ext>`. A page is found
 *  1. in the sidecar registry, by that file name without extension (tests, benchmarks and the
 *     demo register the truth the generator wrote next to each image: `<id>.json`), or else
 *  2. by decoding seed and index from the name and regenerating the truth at the generator's
 *     default size.
 * Either way the truth's aspect ratio must match the image received (within 2 %), so a wrong
 * page is never answered as if it were the right one. Unrecognised pages get an empty answer.
 */
const ID = /^(invoice|receipt|form)-(-?\d+)-(\d+)$/;

export class TruthRegistry {
  private readonly byName = new Map<string, SynthDocument>();
  private readonly generated = new Map<string, SynthDocument>();

  register(doc: SynthDocument, sourceName: string = doc.id): void {
    this.byName.set(stem(sourceName), doc);
  }

  /** Every `<id>.json` truth file of a folder written by writeSynthDataset. Returns how many. */
  async registerDirectory(dir: string): Promise<number> {
    let n = 0;
    for (const name of await readdir(dir)) {
      if (extname(name) !== '.json') continue;
      try {
        const doc = JSON.parse(await readFile(join(dir, name), 'utf8')) as SynthDocument;
        if (typeof doc.id === 'string' && Array.isArray(doc.boxes) && Array.isArray(doc.qa) && doc.width > 0 && doc.height > 0) {
          this.register(doc, stem(name));
          n++;
        }
      } catch {
        /* not a truth file */
      }
    }
    return n;
  }

  lookup(sourceName: string, received: { width: number; height: number }): SynthDocument | null {
    const key = stem(sourceName);
    let doc = this.byName.get(key) ?? this.generated.get(key) ?? null;
    if (!doc) {
      const m = ID.exec(key);
      if (m) {
        doc = generateTruth(Number(m[2]), Number(m[3]));
        if (doc.id !== key) doc = null; // the name's kind disagrees with the generator's
        else this.generated.set(key, doc);
      }
    }
    if (!doc) return null;
    const want = doc.width / doc.height;
    const got = received.width / received.height;
    return Math.abs(got - want) / want <= 0.02 ? doc : null;
  }
}

const stem = (name: string): string => basename(name).replace(/\.[a-z0-9]+$/i, '');

/** The file name Folio's page prompt names, if any. */
export function sourceNameFromPrompt(text: string): string | null {
  return /file "([^"]+)"/.exec(text)?.[1] ?? null;
}
