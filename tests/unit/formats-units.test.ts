import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fromPercent, fromVoc, fromYolo, parseExportImageStem, exportImageStem, toPercent, toVoc, toYolo, xmlEscape } from '../../src/main/core/formats/geometry';
import { jsonArrayElements, JsonSyntaxError } from '../../src/main/core/formats/import/jsonStream';
import { normalizeImageRef } from '../../src/main/core/formats/import/matcher';
import { parseXml, XmlError } from '../../src/main/core/formats/import/xml';
import { jsonlJsonSchema } from '../../src/main/core/formats/jsonlSchema';
import { parseDateBound } from '../../src/main/core/formats/exportReader';
import { Rng } from '../../src/main/core/synth/random';
import { tempDir } from '../helpers/core';

const dir = tempDir('folio-formats-unit-');
afterAll(() => dir.cleanup());

describe('coordinate conventions', () => {
  it('VOC: 1-based inclusive whole pixels, each edge rounded (not truncated) and clamped to the image', () => {
    // A box covering pixels 0..9 (continuous [0, 10)) is xmin 1, xmax 10 in VOC.
    expect(toVoc({ x: 0, y: 0, w: 10, h: 5 }, 100, 100)).toEqual({ xmin: 1, ymin: 1, xmax: 10, ymax: 5 });
    // 117.61 rounds to 118 (truncation would say 117); the right edge 669.99 rounds to 670.
    expect(toVoc({ x: 117.61, y: 89.49, w: 552.38, h: 47.07 }, 1700, 2200)).toEqual({ xmin: 119, ymin: 90, xmax: 670, ymax: 137 });
    expect(toVoc({ x: -0.3, y: 0, w: 2000, h: 3 }, 1700, 2200)).toEqual({ xmin: 1, ymin: 1, xmax: 1700, ymax: 3 });
    expect(fromVoc({ xmin: 1, ymin: 1, xmax: 10, ymax: 5 })).toEqual({ x: 0, y: 0, w: 10, h: 5 });
  });

  it('VOC round trip keeps every edge within half a pixel (seeded random boxes)', () => {
    const seed = 20260707;
    const r = new Rng(seed);
    for (let i = 0; i < 5000; i++) {
      const W = r.int(50, 12000);
      const H = r.int(50, 12000);
      const x = r.float(0, W - 2);
      const y = r.float(0, H - 2);
      const b = { x, y, w: r.float(1, W - x), h: r.float(1, H - y) };
      const back = fromVoc(toVoc(b, W, H));
      const edges = (p: typeof b) => [p.x, p.y, p.x + p.w, p.y + p.h];
      edges(back).forEach((e, k) => expect(Math.abs(e - edges(b)[k]!), `seed ${seed} box ${i}`).toBeLessThanOrEqual(0.5 + 1e-9));
    }
  });

  it('YOLO: class then normalised centre and size with 6 decimals; back to pixels', () => {
    expect(toYolo(3, { x: 100, y: 50, w: 200, h: 100 }, 1000, 500)).toBe('3 0.200000 0.200000 0.200000 0.200000');
    const back = fromYolo(0.2, 0.2, 0.2, 0.2, 1000, 500);
    expect(back.x).toBeCloseTo(100, 9);
    expect(back.y).toBeCloseTo(50, 9);
    expect(back.w).toBeCloseTo(200, 9);
    expect(back.h).toBeCloseTo(100, 9);
  });

  it('Label Studio: percent of the original size; a rotated rectangle comes back as its axis-aligned bounds', () => {
    expect(toPercent({ x: 120, y: 80, w: 300, h: 40 }, 1200, 1600)).toEqual({ x: 10, y: 5, width: 25, height: 2.5 });
    const straight = fromPercent({ x: 10, y: 5, width: 25, height: 2.5 }, 1200, 1600);
    expect(straight).toEqual({ x: 120, y: 80, w: 300, h: 40 });
    // 90° clockwise about the top-left corner (in pixels): the box swings left of x.
    const turned = fromPercent({ x: 50, y: 10, width: 10, height: 5, rotation: 90 }, 1000, 1000);
    expect(turned.x).toBeCloseTo(450, 6);
    expect(turned.y).toBeCloseTo(100, 6);
    expect(turned.w).toBeCloseTo(50, 6);
    expect(turned.h).toBeCloseTo(100, 6);
  });

  it('exported image names carry the document id prefix and page, and are found again', () => {
    const stem = exportImageStem('Scan (1) März.PDF', 'abcdef0123456789', 3);
    expect(stem).toBe('Scan_1_M_rz-abcdef01-p3');
    expect(parseExportImageStem(`${stem}.png`)).toEqual({ idPrefix: 'abcdef01', pageNumber: 3 });
    expect(parseExportImageStem('receipt.png')).toBeNull();
  });

  it('Label Studio image URLs reduce to a path or a file name', () => {
    expect(normalizeImageRef('/data/local-files/?d=images/a%20b.png')).toBe('images/a b.png');
    expect(normalizeImageRef('/data/upload/3/1a2b3c4d-receipt.jpg')).toBe('receipt.jpg');
    expect(normalizeImageRef('https://example.com/bucket/x/invoice-7.png?sig=1')).toBe('invoice-7.png');
    expect(normalizeImageRef('s3://bucket/dir/page.tif')).toBe('page.tif');
    expect(normalizeImageRef('images/plain.png')).toBe('images/plain.png');
  });

  it('dates: a day is a whole UTC day; an exact --until time is inclusive; nonsense is refused naming the option', () => {
    expect(parseDateBound('2026-03-01', 'since')).toBe('2026-03-01T00:00:00.000Z');
    expect(parseDateBound('2026-03-01', 'until')).toBe('2026-03-02T00:00:00.000Z');
    expect(parseDateBound('2026-03-01T10:00:00Z', 'until')).toBe('2026-03-01T10:00:00.001Z');
    expect(() => parseDateBound('2026-02-30', 'since')).toThrow(/since: "2026-02-30" is not a calendar date/);
    expect(() => parseDateBound('last week', 'until')).toThrow(/until: expected a date/);
  });
});

describe('XML reader', () => {
  it('reads elements, attributes, entities, CDATA and comments', () => {
    const root = parseXml(`<?xml version="1.0"?>\n<!-- c --><annotation a="1 &amp; 2"><name>A &lt;b&gt; &#233;&#x20AC;</name><t><![CDATA[x < y]]></t><e/></annotation>\n`);
    expect(root.name).toBe('annotation');
    expect(root.attrs).toEqual({ a: '1 & 2' });
    expect(root.children.map((c) => [c.name, c.text])).toEqual([
      ['name', 'A <b> é€'],
      ['t', 'x < y'],
      ['e', ''],
    ]);
  });

  it('refuses broken XML saying where', () => {
    expect(() => parseXml('<a><b></a>')).toThrow(XmlError);
    expect(() => parseXml('<a><b></a>')).toThrow(/<\/a> closes <b> at line 1/);
    expect(() => parseXml('<a>x & y</a>')).toThrow(/bare "&"/);
    expect(() => parseXml('<a>\n<b>')).toThrow(/never closed/);
    expect(() => parseXml('<!DOCTYPE a [<!ENTITY x "y">]><a/>')).toThrow(/internal subset/);
  });

  it('escapes what it writes so the reader gets it back', () => {
    const text = `Müller & Söhne <GmbH> "quoted" 'single'\u0001`;
    expect(parseXml(`<v>${xmlEscape(text)}</v>`).text).toBe(text.replace('\u0001', ''));
  });
});

describe('streaming JSON array reader', () => {
  const collect = async (text: string, chunk?: number) => {
    const file = join(dir.path, `j-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, text);
    const out: unknown[] = [];
    for await (const e of jsonArrayElements(file, undefined, chunk)) out.push(e.value);
    return out;
  };

  it('yields each element of a top-level array, whatever the chunk boundaries', async () => {
    const value = [{ a: 'x,]}"\\"' }, [1, [2, { b: null }]], 'str]ing', 12.5e3, true, null, { 'é€': '😀' }];
    const text = JSON.stringify(value, null, 1);
    for (const chunk of [1, 2, 3, 7, 64, 1 << 20]) expect(await collect(text, chunk)).toEqual(value);
    expect(await collect('[]')).toEqual([]);
    expect(await collect(' {"data": {"image": "a.png"}} ')).toEqual([{ data: { image: 'a.png' } }]);
  });

  it('says what is wrong with a broken file', async () => {
    await expect(collect('[{"a": 1}, {"b": }]')).rejects.toThrow(/element 1 of the top-level array is not valid JSON/);
    await expect(collect('[{"a": 1}')).rejects.toThrow(/ends before its top-level array is closed/);
    await expect(collect('[1 2]')).rejects.toThrow(JsonSyntaxError);
    await expect(collect('"tasks"')).rejects.toThrow(/expected a JSON array or object/);
    await expect(collect('')).rejects.toThrow(/empty/);
  });
});

describe('Folio JSONL schema', () => {
  it('the committed docs/formats/folio-jsonl.schema.json is the one the importer’s schema generates', () => {
    const committed = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'formats', 'folio-jsonl.schema.json'), 'utf8')) as unknown;
    // If this fails, run: npx tsx scripts/write-format-schemas.ts
    expect(committed).toEqual(jsonlJsonSchema());
  });
});
