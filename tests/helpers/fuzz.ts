/**
 * Seeded mutation of valid files for the fuzzing tests: a small PRNG (mulberry32, so a seed
 * replays a failure exactly) and mutators that break a file the ways broken or hostile files do.
 */

export class Rng {
  private state: number;
  constructor(readonly seed: number) {
    this.state = seed >>> 0 || 1;
  }
  next(): number {
    let t = (this.state += 0x6d2b79f5);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)]!;
  }
}

export type Mutation = { name: string; apply: (text: string, rng: Rng) => Buffer | string };

/** Positions of every match of `re` in `text` (for mutations aimed at a kind of token). */
function positions(text: string, re: RegExp): { index: number; length: number }[] {
  const out: { index: number; length: number }[] = [];
  for (const m of text.matchAll(new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`))) out.push({ index: m.index, length: m[0].length });
  return out;
}

function replaceOne(text: string, rng: Rng, re: RegExp, by: (match: string) => string): string {
  const all = positions(text, re);
  if (!all.length) return text;
  const p = rng.pick(all);
  return text.slice(0, p.index) + by(text.slice(p.index, p.index + p.length)) + text.slice(p.index + p.length);
}

const insertAt = (text: string, at: number, what: string): string => text.slice(0, at) + what + text.slice(at);

const NUMBER = /-?\d+(\.\d+)?([eE][-+]?\d+)?/;
const WEIRD_NUMBERS = ['NaN', 'Infinity', '-Infinity', '1e999', '-1e999', '-0', '1e308', '-1e308', '9007199254740993', '0.0000000001'];

/** Mutations every text format gets. */
export const textMutations: Mutation[] = [
  { name: 'truncate', apply: (t, r) => t.slice(0, r.int(t.length)) },
  {
    name: 'flip bytes',
    apply: (t, r) => {
      const b = Buffer.from(t, 'utf8');
      for (let i = 0, n = 1 + r.int(8); i < n && b.length; i++) {
        const at = r.int(b.length);
        b[at] = b[at]! ^ (1 + r.int(255));
      }
      return b;
    },
  },
  { name: 'insert a huge string', apply: (t, r) => insertAt(t, r.int(t.length + 1), r.pick(['A', 'é', '\\u0000', '"', '<', ' ']).repeat(r.pick([5_000, 70_000, 1_000_000]))) },
  { name: 'weird number', apply: (t, r) => replaceOne(t, r, NUMBER, () => r.pick(WEIRD_NUMBERS)) },
  { name: 'delete a span', apply: (t, r) => { const a = r.int(t.length); return t.slice(0, a) + t.slice(a + 1 + r.int(200)); } },
  { name: 'duplicate a span', apply: (t, r) => { const a = r.int(t.length); const s = t.slice(a, a + 1 + r.int(400)); return insertAt(t, a, s); } },
  { name: 'invalid UTF-8', apply: (t, r) => { const b = Buffer.from(t, 'utf8'); const at = r.int(b.length + 1); return Buffer.concat([b.subarray(0, at), Buffer.from([r.pick([0xc0, 0xff, 0xed, 0xf8])]), Buffer.from([0xa0, 0x80]), b.subarray(at)]); } },
];

const WRONG_VALUES: unknown[] = [null, 0, -1, 1e308, '', 'x', 'x'.repeat(100_000), [], {}, true, [[[[[]]]]], { polluted: true }, ['a', 1, null]];

/** A random value somewhere in a JSON document replaced by one of another type. */
function wrongType(value: unknown, rng: Rng): unknown {
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    paths.push(path);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(value, []);
  const path = rng.pick(paths.slice(1));
  if (!path) return value;
  let parent = value as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  parent[path.at(-1)!] = structuredClone(rng.pick(WRONG_VALUES));
  return value;
}

/** Mutations of JSON text (Label Studio, COCO, JSONL). */
export const jsonMutations: Mutation[] = [
  ...textMutations,
  {
    name: 'wrong type',
    apply: (t, r) => {
      // JSONL: one line at a time.
      const lines = t.split('\n');
      const i = r.int(lines.length);
      try {
        lines[i] = JSON.stringify(wrongType(JSON.parse(lines[i]!), r));
      } catch {
        return t;
      }
      return lines.join('\n');
    },
  },
  { name: 'deep nesting', apply: (t, r) => { const n = r.pick([1_000, 20_000, 200_000]); return replaceOne(t, r, NUMBER, () => '['.repeat(n) + '1' + ']'.repeat(n)); } },
  { name: 'duplicated key', apply: (t, r) => replaceOne(t, r, /\{\s*"([^"]+)"\s*:/, (m) => `${m} ${r.pick(['null', '"dup"', '[]', '{}', '1e999'])}, ${m.slice(1)}`) },
  { name: '__proto__ key', apply: (t, r) => replaceOne(t, r, /\{/, () => `{${r.pick(['"__proto__": {"polluted": true}', '"constructor": {"prototype": {"polluted": true}}', '"__proto__": null', '"toString": 1', '"hasOwnProperty": "x"'])}, `) },
];

/** Mutations of XML text (Pascal VOC). */
export const xmlMutations: Mutation[] = [
  ...textMutations,
  { name: 'deep nesting', apply: (t, r) => { const n = r.pick([1_000, 20_000, 200_000]); return replaceOne(t, r, />/, () => `>${'<a>'.repeat(n)}${'</a>'.repeat(n)}`); } },
  { name: 'duplicated element', apply: (t, r) => replaceOne(t, r, /<object>[\s\S]*?<\/object>/, (m) => m.repeat(2 + r.int(50))) },
  { name: 'entity', apply: (t, r) => replaceOne(t, r, />[^<]+</, () => `>${r.pick(['&__proto__;', '&constructor;', '&#0;', '&#x110000;', '&amp', '&lt;&gt;', '&#xD800;'])}<`) },
  { name: 'doctype', apply: (t) => `<!DOCTYPE a [<!ENTITY x "${'x'.repeat(100)}">]>${t}` },
];
