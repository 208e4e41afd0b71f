import { closeSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip, gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';

/**
 * Bundles to attack the importer with: the entries of a real bundle to alter and pack again, and
 * archives written member by member (a gzip file may be many members, each inflating to its own
 * bytes) so a test can make an entry of gigabytes in a file of kilobytes without holding either.
 */

export interface Entry {
  name: string;
  data: Buffer;
}

export async function readEntries(file: string): Promise<Entry[]> {
  const out: Entry[] = [];
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    void buffer(stream).then((data) => {
      out.push({ name: header.name, data });
      next();
    }, next);
  });
  await pipeline(Readable.from(readFileSync(file)), createGunzip(), extract);
  return out;
}

export async function writeEntries(file: string, entries: Entry[]): Promise<void> {
  const pack = tar.pack();
  for (const e of entries) pack.entry({ name: e.name }, e.data);
  pack.finalize();
  writeFileSync(file, await buffer(pack.pipe(createGzip())));
}

/** A ustar header; sizes of 8 GiB and more (or below 0) in the base-256 form tar readers accept. */
export function tarHeader(name: string, size: number, type = '0'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  if (size >= 0 && size < 8 * 1024 ** 3) h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  else {
    // Base-256: 0x80 marks a positive number, 0xff a negative one (two's complement).
    let v = BigInt(size);
    if (v < 0n) v = (1n << 88n) + v;
    for (let i = 135; i > 124; i--) {
      h[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    h[124] = size < 0 ? 0xff : 0x80;
  }
  h.write(`${Math.floor(Date.now() / 1000).toString(8).padStart(11, '0')}\0`, 136);
  h.fill(' ', 148, 156);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

/** What an archive part inflates to: bytes as they are, or `bytes` bytes of `fill` repeated. */
export type Part = Buffer | { fill: Buffer; bytes: number };

const CHUNK = 16 * 1024 * 1024;

/** Write a .tar.gz whose content is `parts` one after another, each compressed as its own gzip member(s). */
export function writeArchive(file: string, parts: Part[]): { bytes: number; inflated: number } {
  const fd = openSync(file, 'w');
  let inflated = 0;
  try {
    for (const part of parts) {
      if (Buffer.isBuffer(part)) {
        writeSync(fd, gzipSync(part));
        inflated += part.length;
        continue;
      }
      const whole = Buffer.alloc(CHUNK);
      for (let i = 0; i < CHUNK; i += part.fill.length) part.fill.copy(whole, i);
      const member = gzipSync(whole, { level: 9 });
      let left = part.bytes;
      for (; left >= CHUNK; left -= CHUNK) writeSync(fd, member);
      if (left) writeSync(fd, gzipSync(whole.subarray(0, left)));
      inflated += part.bytes;
    }
  } finally {
    closeSync(fd);
  }
  return { bytes: statSync(file).size, inflated };
}

/** An entry of `size` bytes: its header, its bytes (`body`, default zeros), its padding to 512. */
export function entryParts(name: string, size: number, body?: Part[]): Part[] {
  const pad = (512 - (size % 512)) % 512;
  return [tarHeader(name, size), ...(body ?? [{ fill: Buffer.alloc(1), bytes: size }]), ...(pad ? [Buffer.alloc(pad)] : [])];
}

export const END_OF_ARCHIVE: Buffer = Buffer.alloc(1024);

/** Bytes under a folder, recursively (0 when it does not exist). */
export function folderBytes(dir: string): number {
  let n = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const p = join(dir, name);
    try {
      const s = statSync(p);
      n += s.isDirectory() ? folderBytes(p) : s.size;
    } catch {
      // removed while we looked
    }
  }
  return n;
}

/**
 * While `work` runs, sample the process's RSS and the bytes under `dir` every 20 ms; returns the
 * largest growth of each over what they were at the start.
 */
export async function watchWhile<T>(dir: string, work: () => Promise<T>): Promise<{ result: T | Error; rssGrowth: number; maxBytes: number }> {
  const rss0 = process.memoryUsage().rss;
  let rssGrowth = 0;
  let maxBytes = 0;
  const sample = () => {
    rssGrowth = Math.max(rssGrowth, process.memoryUsage().rss - rss0);
    maxBytes = Math.max(maxBytes, folderBytes(dir));
  };
  const timer = setInterval(sample, 20);
  try {
    const result = await work().catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
    sample();
    return { result, rssGrowth, maxBytes };
  } finally {
    clearInterval(timer);
  }
}
