import { describe, expect, it } from 'vitest';
import { parseXml, XmlError } from '../../src/main/core/formats/import/xml';

/** Annotation files (Pascal VOC) written to trip an XML reader built on plain objects. */
describe('the XML reader under hostile annotation files', () => {
  it('refuses entities named after Object.prototype instead of decoding them to its functions', () => {
    for (const name of ['constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect(() => parseXml(`<annotation><name>&${name};</name></annotation>`), name).toThrow(XmlError);
      expect(() => parseXml(`<annotation><name>&${name};</name></annotation>`), name).toThrow(`an unknown entity &${name};`);
    }
    expect(() => parseXml('<annotation><name>&__proto__;</name></annotation>')).toThrow(XmlError);
  });

  it('refuses character references XML does not allow: NUL, lone surrogates, past U+10FFFF', () => {
    for (const ref of ['&#0;', '&#xD800;', '&#xDFFF;', '&#x110000;', '&#99999999999;']) {
      expect(() => parseXml(`<a>${ref}</a>`), ref).toThrow(/a bad character reference/);
    }
    expect(parseXml('<a>&#x1F600;&#233;</a>').text).toBe('😀é');
  });

  it('keeps __proto__ and constructor attributes as ordinary attributes, and refuses one given twice', () => {
    const el = parseXml('<a __proto__="x" constructor="y" toString="z"/>');
    expect(Object.keys(el.attrs)).toEqual(['__proto__', 'constructor', 'toString']);
    expect(el.attrs['__proto__']).toBe('x');
    expect(el.attrs['constructor']).toBe('y');
    expect(() => parseXml('<a k="1" k="2"/>')).toThrow(/attribute k given twice/);
  });
});
