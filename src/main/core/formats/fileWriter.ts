import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';

/**
 * A file written as a stream: small strings are gathered into chunks of ~256 KB and handed to the
 * file stream, and a write waits for 'drain' when the stream's buffer is full — so however large
 * the export, what waits in memory is bounded by the chunk size and the stream's high-water mark.
 */
export class StreamFile {
  private readonly stream: WriteStream;
  private parts: string[] = [];
  private size = 0;
  private failed: Error | null = null;
  bytes = 0;

  constructor(
    readonly path: string,
    private readonly chunkChars = 256 * 1024,
  ) {
    this.stream = createWriteStream(path, { highWaterMark: 1024 * 1024 });
    this.stream.on('error', (err) => {
      this.failed = err;
    });
  }

  /** Queue text; resolves at once unless the file stream is saturated. */
  async write(text: string): Promise<void> {
    this.parts.push(text);
    this.size += text.length;
    if (this.size >= this.chunkChars) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.failed) throw this.failed;
    if (!this.parts.length) return;
    const chunk = Buffer.from(this.parts.join(''), 'utf8');
    this.parts = [];
    this.size = 0;
    this.bytes += chunk.length;
    // events.once rejects if the stream emits 'error' while we wait, and leaves no listener behind.
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  /** Append another file's bytes (piped, with backpressure). */
  async append(path: string): Promise<void> {
    await this.flush();
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
      const buf = chunk as Buffer;
      this.bytes += buf.length;
      if (!this.stream.write(buf)) await once(this.stream, 'drain');
    }
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.failed) throw this.failed;
    await new Promise<void>((resolve, reject) => {
      this.stream.once('error', reject);
      this.stream.end(() => resolve());
    });
    if (this.failed) throw this.failed;
  }

  /** Stop writing (a cancelled or failed export); the caller removes the file. */
  destroy(): void {
    this.stream.destroy();
  }
}
