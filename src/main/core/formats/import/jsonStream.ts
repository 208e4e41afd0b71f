import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { StringDecoder } from 'node:string_decoder';

/**
 * Reading big JSON files without holding them whole: the elements of a top-level array are cut
 * out one at a time by a small scanner (strings, escapes and nesting depth are all it needs to
 * know) and each is parsed on its own. A file whose top level is one object yields that object.
 */

export class JsonSyntaxError extends Error {}

export interface JsonElement {
  index: number;
  value: unknown;
}

export async function* jsonArrayElements(path: string, onBytes?: (bytes: number) => void, chunkBytes = 1024 * 1024): AsyncGenerator<JsonElement> {
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

  const finish = function* (text: string): Generator<JsonElement> {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new JsonSyntaxError(`element ${index} of the top-level array is not valid JSON (${(err as Error).message})`);
    }
    yield { index: index++, value };
  };

  for await (const raw of createReadStream(path, { highWaterMark: chunkBytes })) {
    const buf = raw as Buffer;
    onBytes?.(buf.length);
    const chunk = decoder.write(buf);
    if (top === '{') {
      parts.push(chunk);
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
            parts.push(chunk.slice(start, i + 1));
            start = -1;
            afterElement = true;
            yield* finish(parts.join(''));
            parts = [];
          }
        }
        continue;
      }
      if (c === 0x22) inString = true;
      else if (c === 0x7b || c === 0x5b) depth++;
      else if (c === 0x7d || c === 0x5d) {
        if (depth === 0) {
          // The end of a scalar element and of the array.
          parts.push(chunk.slice(start, i));
          start = -1;
          yield* finish(parts.join(''));
          parts = [];
          closed = true;
          continue;
        }
        depth--;
        if (depth === 0) {
          parts.push(chunk.slice(start, i + 1));
          start = -1;
          afterElement = true;
          yield* finish(parts.join(''));
          parts = [];
        }
      } else if (depth === 0 && (c === 0x2c || c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) {
        parts.push(chunk.slice(start, i));
        start = -1;
        yield* finish(parts.join(''));
        parts = [];
        afterElement = c !== 0x2c;
      }
    }
    if (start >= 0) {
      // The element goes on in the next chunk, from its first character.
      parts.push(chunk.slice(start));
      start = 0;
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

/** Lines of a text file with their 1-based numbers (a JSONL file). */
export async function* textLines(path: string, onBytes?: (bytes: number) => void): AsyncGenerator<{ line: number; text: string }> {
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
  if (onBytes) stream.on('data', (c) => onBytes((c as Buffer).length));
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) yield { line: ++line, text };
}
