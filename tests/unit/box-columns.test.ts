import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeZodError } from '../../src/shared/contract/rpc';
import { boxColumnsSchema, fromBoxColumns, toBoxColumns, type BoxColumns } from '../../src/shared/domain/boxColumns';
import { boxSchema, type Box } from '../../src/shared/domain/model';

const box = (i: number, over: Partial<Box> = {}): Box => ({
  id: `box-${i}`,
  pageId: i % 3 === 0 ? 'page-b' : 'page-a',
  label: i % 4 === 0 ? null : ['total', 'date', 'vendor'][i % 3]!,
  x: i * 10.25,
  y: i * 3.5 - 1,
  w: 100.125 + i,
  h: i % 5 === 0 ? 0 : 30.75,
  transcription: i % 2 ? `line ${i} — “quoted”` : '',
  locked: i % 3 === 1,
  hidden: i % 5 === 2,
  originPredictionId: i % 7 === 0 ? `pred-${i}` : null,
  ...over,
});

/** Through JSON, as every transport carries it. */
const wire = <T>(v: T): unknown => JSON.parse(JSON.stringify(v));

describe('box columns', () => {
  it('round-trips boxes in order with every field, through JSON and the schema', () => {
    const boxes = Array.from({ length: 40 }, (_, i) => box(i));
    const columns = toBoxColumns(boxes);
    expect(columns.count).toBe(40);
    expect(columns.pageIds).toEqual(['page-b', 'page-a']);
    expect([...columns.labels].sort()).toEqual(['date', 'total', 'vendor']);
    const parsed = boxColumnsSchema.parse(wire(columns));
    expect(fromBoxColumns(parsed)).toEqual(boxes);
  });

  it('carries no boxes as empty columns', () => {
    const parsed = boxColumnsSchema.parse(wire(toBoxColumns([])));
    expect(parsed.count).toBe(0);
    expect(fromBoxColumns(parsed)).toEqual([]);
  });

  const broken: [string, (c: BoxColumns) => void, RegExp][] = [
    ['a short column', (c) => c.x.pop(), /^x: must hold 5 entries, not 4$/],
    ['a count that does not match', (c) => (c.count = 6), /id: must hold 6 entries/],
    ['a coordinate that is not a number (NaN arrives as null)', (c) => (c.y[2] = Number.NaN), /^y\[2\]: must be a finite number$/],
    ['a negative width', (c) => (c.w[1] = -1), /^w\[1\]: must be a finite number, not negative$/],
    ['an empty id', (c) => (c.id[3] = ''), /^id\[3\]: must be an id/],
    ['an id past 64 characters', (c) => (c.id[0] = 'x'.repeat(65)), /^id\[0\]: must be an id/],
    ['a label index past the dictionary', (c) => (c.label[0] = c.labels.length), /^label\[0\]: must be an index below \d+ or -1$/],
    ['a fractional page index', (c) => (c.page[1] = 0.5), /^page\[1\]: must be an index below 2$/],
    ['a page index of -1', (c) => (c.page[1] = -1), /^page\[1\]: must be an index below 2$/],
    ['unknown flags', (c) => (c.flags[4] = 4), /^flags\[4\]: must be 0 to 3$/],
    ['a transcription past 20,000 characters', (c) => (c.transcription[0] = 'a'.repeat(20_001)), /^transcription\[0\]:/],
    ['an origin that is a number', (c) => ((c.originPredictionId as unknown[])[0] = 7), /^originPredictionId\[0\]:/],
    ['an empty page id in the dictionary', (c) => (c.pageIds[0] = ''), /^pageIds\[0\]: must be a page id$/],
    ['a column that is not an array', (c) => ((c as unknown as Record<string, unknown>).h = { 0: 1 }), /^h: must be an array/],
    ['a field the contract does not know', (c) => ((c as unknown as Record<string, unknown>).extra = []), /extra/],
  ];
  for (const [what, breakIt, message] of broken) {
    it(`refuses ${what}`, () => {
      const columns = wire(toBoxColumns(Array.from({ length: 5 }, (_, i) => box(i + 1)))) as BoxColumns;
      expect(boxColumnsSchema.safeParse(columns).success).toBe(true);
      breakIt(columns);
      const result = boxColumnsSchema.safeParse(columns);
      expect(result.success).toBe(false);
      if (!result.success) expect(describeZodError(result.error)).toMatch(message);
    });
  }

  it('accepts exactly what the per-box schema accepts (seeded)', () => {
    // Each case breaks one field of one box in a way that survives the columns; both checks must agree.
    const faults: ((b: Record<string, unknown>) => void)[] = [
      () => undefined,
      (b) => (b.x = Number.POSITIVE_INFINITY),
      (b) => (b.w = -0.5),
      (b) => (b.h = -1e-9),
      (b) => (b.w = 0),
      (b) => (b.id = 'i'.repeat(64)),
      (b) => (b.id = 'i'.repeat(65)),
      (b) => (b.transcription = 't'.repeat(20_000)),
      (b) => (b.transcription = 't'.repeat(20_001)),
      (b) => (b.pageId = ''),
      (b) => (b.label = ''),
      (b) => (b.originPredictionId = ''),
    ];
    let seed = 20_261_206;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 60; round++) {
      const boxes = Array.from({ length: 1 + Math.floor(random() * 12) }, (_, i) => box(i)) as unknown as Record<string, unknown>[];
      const fault = faults[Math.floor(random() * faults.length)]!;
      fault(boxes[Math.floor(random() * boxes.length)]!);
      const perBox = z.array(boxSchema).safeParse(boxes).success;
      const columns = toBoxColumns(boxes as unknown as Box[]);
      expect(boxColumnsSchema.safeParse(wire(columns)).success, `seed round ${round}`).toBe(perBox);
    }
  });
});
