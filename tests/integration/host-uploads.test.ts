import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Core } from '../../src/main/core/createCore';
import { currentOwner } from '../../src/main/core/jobs/owner';
import { UPLOADS_FOLDER } from '../../src/main/core/import/uploads';
import { startHost, type RunningHost } from '../../src/main/host/server';
import { TOKEN_HEADER } from '../../src/shared/contract/hostAuth';
import type { ImportJob } from '../../src/shared/domain/model';
import { openTestCore, tempDir } from '../helpers/core';
import { pagePng } from '../helpers/fixtures';
import { rawRequest, type RawResponse } from '../helpers/http';

/** Small caps, so "over the limit" needs kilobytes, not gigabytes. */
const MAX_FILE_BYTES = 200_000;

/** Every file under a folder, relative, '/'-separated. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1));
}

describe('browser host: uploads for an import', () => {
  let dir: ReturnType<typeof tempDir>;
  let dataDir: string;
  let core: Core;
  let host: RunningHost;
  let projectId: string;

  const origin = () => `http://127.0.0.1:${host.port}`;
  const call = (method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<RawResponse> =>
    rawRequest(host.port, path, { method, body, headers: { origin: origin(), [TOKEN_HEADER]: host.token, ...headers } });
  const json = (res: RawResponse) => JSON.parse(res.body) as Record<string, unknown> & { error?: { code: string; message: string } };
  const createUpload = async (): Promise<string> => {
    const res = await call('POST', '/import-uploads', JSON.stringify({ projectId }), { 'content-type': 'application/json' });
    expect(res.status, res.body).toBe(201);
    const body = json(res);
    expect(body).toMatchObject({ maxFileBytes: MAX_FILE_BYTES, maxFiles: 10_000 });
    return body.uploadId as string;
  };
  const put = (uploadId: string, path: string, bytes: Buffer | string, headers: Record<string, string> = {}) =>
    call('PUT', `/import-uploads/${uploadId}/files?path=${encodeURIComponent(path)}`, bytes, headers);
  const uploadsRoot = () => join(dataDir, UPLOADS_FOLDER);
  const waitForJob = async (jobId: string): Promise<ImportJob> => {
    for (;;) {
      const job = core.importer.get(jobId);
      if (job.state !== 'running' && job.state !== 'queued') return job;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const waitFor = async (check: () => boolean, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  beforeEach(async () => {
    dir = tempDir();
    dataDir = join(dir.path, 'data');
    const rendererDir = join(dir.path, 'renderer');
    mkdirSync(rendererDir, { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Folio</title>');
    core = await openTestCore(dataDir, { uploadLimits: { maxFileBytes: MAX_FILE_BYTES } });
    host = await startHost({ core, rendererDir, port: 0 });
    projectId = (await core.api['projects.create']({ name: 'Uploads' })).id;
  });
  afterEach(async () => {
    await host.close();
    await core.close();
    dir.cleanup();
  });

  it('imports a dropped folder and a dropped file, naming failures by the path dropped, then removes the staging folder', async () => {
    const uploadId = await createUpload();
    const page1 = await pagePng(1, 600, 800);
    const page2 = await pagePng(2, 600, 800);
    for (const [path, bytes] of [
      ['incoming scans/scan-1.png', page1],
      ['incoming scans/march/scan-2.png', page2],
      ['incoming scans/broken.png', page2.subarray(0, 300)],
      ['receipt.png', await pagePng(3, 600, 800)],
    ] as const) {
      const res = await put(uploadId, path, bytes);
      expect(res.status, res.body).toBe(201);
      expect(json(res)).toEqual({ path, bytes: bytes.length });
    }
    // Staged under the paths as dropped, inside the data folder, private to this user.
    const staged = join(uploadsRoot(), uploadId, 'files');
    expect(filesUnder(staged).sort()).toEqual(['incoming scans/broken.png', 'incoming scans/march/scan-2.png', 'incoming scans/scan-1.png', 'receipt.png']);
    expect(readFileSync(join(staged, 'receipt.png')).length).toBeGreaterThan(0);

    const commit = await call(
      'POST',
      `/import-uploads/${uploadId}/import`,
      JSON.stringify({ skipped: 2, notSent: [{ path: 'incoming scans/huge.tif', bytes: MAX_FILE_BYTES + 1, problem: 'too_large' }] }),
    );
    expect(commit.status, commit.body).toBe(202);
    const job = await waitForJob(json(commit).jobId as string);
    expect(job.state).toBe('completed');
    expect(job.imported).toBe(3);
    expect(job.skipped).toBe(2);
    expect(job.failed).toEqual([
      { path: 'incoming scans/huge.tif', reason: "the file is 200,001 bytes, over Folio's limit of 200,000 bytes per file" },
      { path: 'incoming scans/broken.png', reason: expect.stringMatching(/\w{5,}/) as unknown as string },
    ]);
    expect(job.failed[1]!.reason).not.toContain(dataDir);

    const { items } = await core.api['documents.list']({ projectId });
    expect(items.map((d) => d.sourceName).sort()).toEqual(['receipt.png', 'scan-1.png', 'scan-2.png']);
    const paths = core.db.prepare('SELECT source_path FROM documents ORDER BY source_path').pluck().all();
    expect(paths).toEqual(['upload:incoming scans/march/scan-2.png', 'upload:incoming scans/scan-1.png', 'upload:receipt.png']);

    await waitFor(() => !existsSync(join(uploadsRoot(), uploadId)), 'the staging folder to go');
  });

  it('refuses requests without the token, from another origin or for another host, and stages nothing', async () => {
    const body = JSON.stringify({ projectId });
    const noToken = await rawRequest(host.port, '/import-uploads', { method: 'POST', body, headers: { origin: origin() } });
    expect(noToken.status).toBe(401);
    expect((await rawRequest(host.port, '/import-uploads', { method: 'POST', body, headers: { [TOKEN_HEADER]: 'wrong' } })).status).toBe(401);
    // The token in the address (how the page first gets it) does not authorize an upload.
    expect((await rawRequest(host.port, `/import-uploads?token=${host.token}`, { method: 'POST', body })).status).toBe(401);
    expect((await call('POST', '/import-uploads', body, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await call('POST', '/import-uploads', body, { host: `evil.example:${host.port}` })).status).toBe(403);

    const uploadId = await createUpload();
    const anonymous = await rawRequest(host.port, `/import-uploads/${uploadId}/files?path=a.png`, { method: 'PUT', body: 'bytes' });
    expect(anonymous.status).toBe(401);
    expect((await call('PUT', `/import-uploads/${uploadId}/files?path=a.png`, 'bytes', { origin: 'http://localhost:1' })).status).toBe(403);
    expect((await rawRequest(host.port, `/import-uploads/${uploadId}/import`, { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await rawRequest(host.port, `/import-uploads/${uploadId}`, { method: 'DELETE' })).status).toBe(401);
    expect(filesUnder(join(uploadsRoot(), uploadId))).toEqual(['owner.json']);
    // A project that does not exist is refused before a byte is sent.
    const unknown = await call('POST', '/import-uploads', JSON.stringify({ projectId: 'nope' }));
    expect(unknown.status).toBe(404);
  });

  it('refuses traversal, absolute paths, NUL and other unsafe names, writing nothing', async () => {
    const uploadId = await createUpload();
    const bad = ['../evil.png', 'a/../../evil.png', '..', '/etc/passwd', 'C:/evil.png', 'a\\..\\..\\evil.png', 'a\u0000b.png', 'a//b.png', './a.png', 'a/./b.png', '', 'a/'.repeat(70) + 'x.png', `${'n'.repeat(256)}.png`];
    for (const path of bad) {
      const res = await put(uploadId, path, 'not written');
      expect(res.status, `${JSON.stringify(path)}: ${res.body}`).toBe(400);
      expect(json(res).error?.code).toBe('invalid_request');
    }
    expect(json(await put(uploadId, '/etc/passwd', 'x')).error?.message).toBe('"/etc/passwd" cannot be uploaded: only paths relative to what was dropped are accepted, not absolute ones');
    expect(json(await put(uploadId, '../evil.png', 'x')).error?.message).toContain('".." are not allowed');
    // Nothing landed anywhere: not in the upload, not beside it, not in the data folder.
    expect(filesUnder(join(uploadsRoot(), uploadId))).toEqual(['owner.json']);
    expect(filesUnder(uploadsRoot()).filter((f) => f.includes('evil'))).toEqual([]);
    expect(existsSync(join(dataDir, 'evil.png'))).toBe(false);
    // A path given without ?path= is refused too.
    expect((await call('PUT', `/import-uploads/${uploadId}/files`, 'x')).status).toBe(400);
  });

  it('refuses a file over the limit before writing it: by its Content-Length, and while a chunked body streams', async () => {
    const uploadId = await createUpload();
    // Declared too large: answered at once, the body never read.
    const declared = await new Promise<RawResponse>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: host.port, method: 'PUT', path: `/import-uploads/${uploadId}/files?path=big.png`, headers: { host: `127.0.0.1:${host.port}`, [TOKEN_HEADER]: host.token, 'content-length': String(MAX_FILE_BYTES * 50) } },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.write(Buffer.alloc(1000));
      // The rest is never sent: the host must answer without waiting for it.
    });
    expect(declared.status).toBe(413);
    expect(json(declared).error?.message).toMatch(/big\.png: the file is 9\.5 MB, over Folio's limit of 195 KB per file/);

    // Chunked (no Content-Length): the host stops at the cap and answers while the client is still sending.
    let sent = 0;
    const streamed = await new Promise<RawResponse>((resolve, reject) => {
      const req = httpRequest(
        { host: '127.0.0.1', port: host.port, method: 'PUT', path: `/import-uploads/${uploadId}/files?path=folder/stream.png`, headers: { host: `127.0.0.1:${host.port}`, [TOKEN_HEADER]: host.token, 'transfer-encoding': 'chunked' } },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', () => undefined); // the host may close while we still write
      const chunk = Buffer.alloc(16 * 1024, 7);
      const pump = () => {
        if (req.destroyed || sent > MAX_FILE_BYTES * 20) return reject(new Error('the host read far past the cap without answering'));
        sent += chunk.length;
        if (req.write(chunk)) setImmediate(pump);
        else req.once('drain', pump);
      };
      pump();
    });
    expect(streamed.status).toBe(413);
    expect(json(streamed).error?.message).toBe("folder/stream.png: the file is larger than Folio's limit of 195 KB per file (the upload was stopped there)");
    expect(sent).toBeLessThan(MAX_FILE_BYTES * 20);
    await waitFor(() => filesUnder(join(uploadsRoot(), uploadId)).length === 1, 'the partial file to go');
    expect(filesUnder(join(uploadsRoot(), uploadId))).toEqual(['owner.json']);

    // Exactly at the limit is fine.
    expect((await put(uploadId, 'exact.png', Buffer.alloc(MAX_FILE_BYTES, 1))).status).toBe(201);
  });

  it('an aborted upload leaves nothing behind and the host keeps serving', async () => {
    const uploadId = await createUpload();
    await new Promise<void>((resolve, reject) => {
      const socket = netConnect(host.port, '127.0.0.1', () => {
        socket.write(
          `PUT /import-uploads/${uploadId}/files?path=${encodeURIComponent('scans/half.png')} HTTP/1.1\r\n` +
            `Host: 127.0.0.1:${host.port}\r\nOrigin: ${origin()}\r\n${TOKEN_HEADER}: ${host.token}\r\nContent-Length: 150000\r\n\r\n`,
        );
        socket.write(Buffer.alloc(60_000, 9), () => setTimeout(() => socket.destroy(), 100));
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    await waitFor(() => filesUnder(join(uploadsRoot(), uploadId)).length === 1, 'the partial file to go');
    expect(filesUnder(join(uploadsRoot(), uploadId))).toEqual(['owner.json']);

    // The same path can be sent again, and the rest of the host works.
    expect((await put(uploadId, 'scans/half.png', await pagePng(4, 400, 500))).status).toBe(201);
    expect((await rawRequest(host.port, '/')).status).toBe(200);
    const commit = await call('POST', `/import-uploads/${uploadId}/import`, '{}');
    expect(commit.status).toBe(202);
    expect((await waitForJob(json(commit).jobId as string)).imported).toBe(1);
  });

  it('refuses the same path twice and a name used as both file and folder; cancel removes everything', async () => {
    const uploadId = await createUpload();
    expect((await put(uploadId, 'a/b.png', 'one')).status).toBe(201);
    const again = await put(uploadId, 'a/b.png', 'two');
    expect(again.status).toBe(409);
    expect(json(again).error?.message).toContain('already sent');
    const clash = await put(uploadId, 'a', 'a file where a folder is');
    expect(clash.status).toBe(409);
    expect(readFileSync(join(uploadsRoot(), uploadId, 'files', 'a', 'b.png'), 'utf8')).toBe('one');

    const cancelled = await call('DELETE', `/import-uploads/${uploadId}`);
    expect(cancelled.status).toBe(204);
    expect(existsSync(join(uploadsRoot(), uploadId))).toBe(false);
    const late = await put(uploadId, 'c.png', 'late');
    expect(late.status).toBe(404);
    expect((await call('POST', `/import-uploads/${uploadId}/import`, '{}')).status).toBe(404);
  });

  it('refuses to import an empty upload, and a notSent file that was within the limit', async () => {
    const uploadId = await createUpload();
    const empty = await call('POST', `/import-uploads/${uploadId}/import`, '{}');
    expect(empty.status).toBe(400);
    expect(json(empty).error?.message).toContain('Nothing was uploaded');
    const claimed = await call('POST', `/import-uploads/${uploadId}/import`, JSON.stringify({ notSent: [{ path: 'small.png', bytes: 10, problem: 'too_large' }] }));
    expect(claimed.status).toBe(400);
    const traversal = await call('POST', `/import-uploads/${uploadId}/import`, JSON.stringify({ notSent: [{ path: '../x.png', bytes: MAX_FILE_BYTES * 2, problem: 'too_large' }] }));
    expect(traversal.status).toBe(400);
    expect((await call('POST', `/import-uploads/${uploadId}/import`, 'not json')).status).toBe(400);
  });

  it('on start, removes uploads of a Folio that is gone and keeps those of one still running', async () => {
    const root = uploadsRoot();
    const dead = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, ['-e', '0']);
      child.on('exit', () => resolve(child.pid!));
    });
    const plant = (name: string, owner: unknown) => {
      mkdirSync(join(root, name, 'files', 'scans'), { recursive: true });
      writeFileSync(join(root, name, 'owner.json'), JSON.stringify(owner));
      writeFileSync(join(root, name, 'files', 'scans', 'p.png'), 'left over');
    };
    plant('crashed', { pid: dead, start: null, projectId });
    plant('live', { ...currentOwner(), projectId });
    await host.close();
    await core.close();
    core = await openTestCore(dataDir, { uploadLimits: { maxFileBytes: MAX_FILE_BYTES } });
    host = await startHost({ core, rendererDir: join(dir.path, 'renderer'), port: 0 });
    expect(existsSync(join(root, 'crashed'))).toBe(false);
    expect(existsSync(join(root, 'live', 'files', 'scans', 'p.png'))).toBe(true);
  });
});
