import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/**
 * Reading big JSON files without holding them whole: the elements of a top-level array are cut
 * out one at a time by a small scanner (strings, escapes and nesting depth are all it needs to
 * know) and each is parsed on its own. A file whose top level is one object yields that object.
 */

export class JsonSyntaxError extends Error {}

/**
 * How deeply JSON text nests (arrays and objects), scanning strings correctly. Checked before
 * JSON.parse: a value nested thousands deep parses, but everything that walks it afterwards
 * (JSON.stringify, schema checks) recurses and overflows the stack.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

export interface JsonElement {
  index: number;
  value: unknown;
  /** Set instead of a value when the element is longer than the limit: its length in characters (it was skipped, not held). */
  oversized?: number;
  /** Set instead of a value when the element nests deeper than `depthLimit`: how deep. */
  tooDeep?: number;
}

/**
 * `limit`: the most characters one element may have; a longer one is skipped as it streams by
 * (only its length is kept) and yielded with `oversized`, so one huge element costs no memory.
 */
export async function* jsonArrayElements(path: string, onBytes?: (bytes: number) => void, chunkBytes = 1024 * 1024, limit = Infinity, depthLimit = Infinity): AsyncGenerator<JsonElement> {
  const decoder = new StringDecoder('utf8');
  let top: '[' | '{' | null = null;
  let depth = 0; // nesting inside the current element
  let inString = false;
  let escaped = false;
  let parts: string[] = [];
  let start = -1; // start of the current element in the current chunk, or -1
  let index = 0;
  let afterElement = false; // an element ended; only ',' or ']' may follow
  let closed = false;
  let offset = 0; // characters before the current chunk
  let skipped = 0; // characters of the current element dropped for being over the limit

  const finish = function* (text: string): Generator<JsonElement> {
    if (skipped) {
      const length = skipped + text.length;
      skipped = 0;
      yield { index: index++, value: undefined, oversized: length };
      return;
    }
    const deep = depthLimit === Infinity ? 0 : jsonDepth(text);
    if (deep > depthLimit) {
      yield { index: index++, value: undefined, tooDeep: deep };
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new JsonSyntaxError(`element ${index} of the top-level array is not valid JSON (${(err as Error).message})`);
    }
    yield { index: index++, value };
  };
  /** Ends the element that began at `start` (with what earlier chunks held of it) before `end` in this chunk. */
  const endElement = function* (chunk: string, end: number): Generator<JsonElement> {
    parts.push(chunk.slice(start, end));
    start = -1;
    const text = parts.join('');
    parts = [];
    yield* finish(text);
  };

  for await (const raw of createReadStream(path, { highWaterMark: chunkBytes })) {
    const buf = raw as Buffer;
    onBytes?.(buf.length);
    const chunk = decoder.write(buf);
    if (top === '{') {
      parts.push(chunk);
      if (skipped || parts.reduce((n, p) => n + p.length, 0) > limit) {
        skipped += parts.reduce((n, p) => n + p.length, 0);
        parts = [];
      }
      continue;
    }
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (top === null) {
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0xfeff) continue;
        if (c === 0x7b /* { */) {
          top = '{';
          parts.push(chunk.slice(i));
          break;
        }
        if (c !== 0x5b /* [ */) throw new JsonSyntaxError(`expected a JSON array or object at character ${offset + i + 1}, found "${chunk[i]}"`);
        top = '[';
        continue;
      }
      if (closed) {
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
        throw new JsonSyntaxError(`unexpected "${chunk[i]}" after the end of the top-level array at character ${offset + i + 1}`);
      }
      if (start < 0 && depth === 0 && !inString) {
        // Between elements.
        if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
        if (c === 0x2c /* , */) {
          if (!afterElement) throw new JsonSyntaxError(`unexpected "," at character ${offset + i + 1}`);
          afterElement = false;
          continue;
        }
        if (c === 0x5d /* ] */) {
          closed = true;
          continue;
        }
        if (afterElement) throw new JsonSyntaxError(`expected "," or "]" at character ${offset + i + 1}, found "${chunk[i]}"`);
        start = i;
        if (c === 0x7b || c === 0x5b) depth = 1;
        else if (c === 0x22) inString = true;
        else depth = 0; // a scalar: ends at the next , ] or whitespace
        continue;
      }
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c /* \ */) escaped = true;
        else if (c === 0x22) {
          inString = false;
          if (depth === 0) {
            afterElement = true;
            yield* endElement(chunk, i + 1);
          }
        }
        continue;
      }
      if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (depth === 0) {
          // The end of a scalar element and of the array.
          yield* endElement(chunk, i);
          closed = true;
          continue;
        }
        depth--;
        if (depth === 0) {
          afterElement = true;
          yield* endElement(chunk, i + 1);
        }
      } else if (depth === 0 && (c === 0x2c || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) {
        afterElement = c !== 0x2c;
        yield* endElement(chunk, i);
      }
    }
    if (start >= 0) {
      // The element goes on in the next chunk, from its first character.
      parts.push(chunk.slice(start));
      start = 0;
      const held = parts.reduce((n, p) => n + p.length, 0);
      if (skipped || held > limit) {
        skipped += held;
        parts = [];
      }
    }
    offset += chunk.length;
  }
  const rest = decoder.end();
  if (top === '{') {
    parts.push(rest);
    yield* finish(parts.join(''));
    return;
  }
  if (top === null) throw new JsonSyntaxError('the file is empty: expected a JSON array of tasks');
  if (!closed) throw new JsonSyntaxError('the file ends before its top-level array is closed (truncated?)');
}

/**
 * Lines of a text file with their 1-based numbers (a JSONL file). A line longer than `limit`
 * characters is not held: it comes with `text` null and its length.
 */
export async function* textLines(path: string, onBytes?: (bytes: number) => void, limit = Infinity): AsyncGenerator<{ line: number; text: string | null; length: number }> {
  const decoder = new StringDecoder('utf8');
  let parts: string[] = [];
  let held = 0;
  let skipped = 0;
  let line = 0;
  const take = (piece: string) => {
    if (skipped || held + piece.length > limit) {
      skipped += held + piece.length;
      parts = [];
      held = 0;
    } else {
      parts.push(piece);
      held += piece.length;
    }
  };
  const end = () => {
    const text = skipped ? null : parts.join('').replace(/\r$/, '');
    const out = { line: ++line, text, length: skipped || held };
    parts = [];
    held = 0;
    skipped = 0;
    return out;
  };
  for await (const raw of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    onBytes?.((raw as Buffer).length);
    const chunk = decoder.write(raw as Buffer);
    let from = 0;
    for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n', from)) {
      take(chunk.slice(from, nl));
      from = nl + 1;
      yield end();
    }
    take(chunk.slice(from));
  }
  take(decoder.end());
  if (held || skipped) yield end();
}
