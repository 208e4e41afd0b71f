/**
 * A small, strict XML reader for annotation files (Pascal VOC): elements, attributes, text,
 * CDATA, comments, processing instructions and the five predefined plus numeric entities. No
 * DTDs (a <!DOCTYPE> with an internal subset is refused rather than half-understood). Errors say
 * the line and column.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (children's text not included), entities decoded. */
  text: string;
}

export class XmlError extends Error {}

const NAME = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;

const PREDEFINED = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
]);

function decodeEntities(raw: string, where: () => string): string {
  return raw.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);|&/g, (m, ent: string | undefined) => {
    if (!ent) throw new XmlError(`a bare "&" ${where()} (write &amp;)`);
    if (ent[0] === '#') {
      const code = ent[1] === 'x' ? parseInt(ent.slice(2), 16) : parseInt(ent.slice(1), 10);
      // XML's characters: no NUL, no lone surrogate, nothing past U+10FFFF.
      if (!Number.isFinite(code) || code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) throw new XmlError(`a bad character reference ${m} ${where()}`);
      return String.fromCodePoint(code);
    }
    // A Map, not an object: "&constructor;" is an unknown entity, not Object's constructor.
    const v = PREDEFINED.get(ent);
    if (v === undefined) throw new XmlError(`an unknown entity ${m} ${where()}`);
    return v;
  });
}

export function parseXml(source: string): XmlElement {
  let i = 0;
  const at = (pos = i): string => {
    let line = 1;
    let col = 1;
    for (let k = 0; k < pos && k < source.length; k++) {
      if (source[k] === '\n') {
        line++;
        col = 1;
      } else col++;
    }
    return `at line ${line}, column ${col}`;
  };
  const fail = (what: string, pos = i): never => {
    throw new XmlError(`${what} ${at(pos)}`);
  };
  const skipWs = () => {
    while (i < source.length && /\s/.test(source[i]!)) i++;
  };
  const name = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(source);
    if (!m) fail('expected a name');
    i += m![0].length;
    return m![0];
  };
  /** Skip comments, processing instructions and (simple) doctype; true if something was skipped. */
  const skipMisc = (): boolean => {
    if (source.startsWith('<!--', i)) {
      const end = source.indexOf('-->', i + 4);
      if (end < 0) fail('an unclosed comment');
      i = end + 3;
      return true;
    }
    if (source.startsWith('<?', i)) {
      const end = source.indexOf('?>', i + 2);
      if (end < 0) fail('an unclosed processing instruction');
      i = end + 2;
      return true;
    }
    if (source.startsWith('<!DOCTYPE', i)) {
      const end = source.indexOf('>', i);
      if (end < 0 || source.slice(i, end).includes('[')) fail('a DOCTYPE with an internal subset (not supported)');
      i = end + 1;
      return true;
    }
    return false;
  };

  const element = (): XmlElement => {
    const start = i;
    if (source[i] !== '<') fail('expected "<"');
    i++;
    // No prototype: an attribute named __proto__ or constructor is an ordinary attribute.
    const el: XmlElement = { name: name(), attrs: Object.create(null) as Record<string, string>, children: [], text: '' };
    for (;;) {
      skipWs();
      if (source.startsWith('/>', i)) {
        i += 2;
        return el;
      }
      if (source[i] === '>') {
        i++;
        break;
      }
      const attr = name();
      skipWs();
      if (source[i] !== '=') fail(`expected "=" after attribute ${attr}`);
      i++;
      skipWs();
      const q = source[i];
      if (q !== '"' && q !== "'") fail(`expected a quoted value for attribute ${attr}`);
      const end = source.indexOf(q!, i + 1);
      if (end < 0) fail(`an unclosed value of attribute ${attr}`);
      const valueStart = i + 1;
      if (Object.hasOwn(el.attrs, attr)) fail(`attribute ${attr} given twice`);
      el.attrs[attr] = decodeEntities(source.slice(valueStart, end), () => at(valueStart));
      i = end + 1;
    }
    const text: string[] = [];
    for (;;) {
      if (i >= source.length) fail(`<${el.name}> is never closed`, start);
      if (source.startsWith('</', i)) {
        i += 2;
        const closing = name();
        if (closing !== el.name) fail(`</${closing}> closes <${el.name}>`);
        skipWs();
        if (source[i] !== '>') fail('expected ">"');
        i++;
        el.text = text.join('');
        return el;
      }
      if (source.startsWith('<![CDATA[', i)) {
        const end = source.indexOf(']]>', i);
        if (end < 0) fail('an unclosed CDATA section');
        text.push(source.slice(i + 9, end));
        i = end + 3;
        continue;
      }
      if (source[i] === '<') {
        if (skipMisc()) continue;
        el.children.push(element());
        continue;
      }
      const next = source.indexOf('<', i);
      const end = next < 0 ? source.length : next;
      const textStart = i;
      text.push(decodeEntities(source.slice(i, end), () => at(textStart)));
      i = end;
    }
  };

  if (source.charCodeAt(0) === 0xfeff) i = 1;
  for (;;) {
    skipWs();
    if (!skipMisc()) break;
  }
  if (source[i] !== '<') fail('expected the root element');
  const root = element();
  for (;;) {
    skipWs();
    if (i >= source.length) break;
    if (!skipMisc()) fail('content after the root element');
  }
  return root;
}

export const child = (el: XmlElement, name: string): XmlElement | undefined => el.children.find((c) => c.name === name);
export const childrenNamed = (el: XmlElement, name: string): XmlElement[] => el.children.filter((c) => c.name === name);
export const childText = (el: XmlElement, name: string): string | undefined => child(el, name)?.text.trim();
