import { writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import type { Core } from '../../src/main/core/createCore';
import type { RunningHost } from '../../src/main/host/server';
import { MAX_CALL_BYTES } from '../../src/shared/contract/rpc';
import { tempDir } from '../helpers/core';
import { openRpc, startTestHost } from '../helpers/host';
import { pagePng } from '../helpers/fixtures';

/**
 * The browser host listens on a port any local process can reach. Malformed, oversized and
 * aborted connections end themselves, never the host: after each attack an ordinary client is
 * still served.
 */

function open(host: RunningHost): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = openRpc(host, { maxPayload: 2 * MAX_CALL_BYTES });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function call(ws: WebSocket, id: number, method: string, request: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string; message: string } }> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: WebSocket.RawData) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: never };
      if (message.id === id) {
        ws.off('message', onMessage);
        resolve(message.result!);
      }
    };
    ws.on('message', onMessage);
    ws.once('close', (code) => reject(new Error(`closed with ${code}`)));
    ws.send(JSON.stringify({ id, method, request }));
  });
}

const closed = (ws: WebSocket) => new Promise<{ code: number; reason: string }>((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: String(reason) })));

describe('the browser host under hostile connections', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: Core;
  let host: RunningHost;
  const stillServes = async () => {
    const ws = await open(host);
    try {
      expect(await call(ws, 1, 'projects.list', {})).toMatchObject({ ok: true });
    } finally {
      ws.terminate();
    }
  };

  beforeEach(async () => {
    dir = tempDir('folio-adversarial-');
    ({ core, host } = await startTestHost(dir.path));
  });
  afterEach(async () => {
    await host.close();
    await core.close();
    dir.cleanup();
  });

  it('survives unauthenticated upgrades reset mid-handshake, 4 at a time', async () => {
    const once = () =>
      new Promise<void>((resolve) => {
        const socket = tcpConnect(host.port, '127.0.0.1', () => {
          socket.write(`GET /rpc HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`);
          // A TCP reset (RST) at once: the host's refusal is written to a socket that is gone.
          setImmediate(() => socket.resetAndDestroy());
        });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve());
      });
    for (let round = 0; round < 75; round++) await Promise.all([once(), once(), once(), once()]);
    await stillServes();
  });

  it('closes a connection that sends invalid UTF-8 (1007) and keeps serving', async () => {
    const ws = await open(host);
    const end = closed(ws);
    ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
    expect((await end).code).toBe(1007);
    await stillServes();
  });

  it('closes a connection that sends a message over the call limit (1009) and keeps serving', async () => {
    const ws = await open(host);
    const end = closed(ws);
    ws.send(JSON.stringify({ id: 1, method: 'projects.list', request: { pad: 'x'.repeat(MAX_CALL_BYTES) } }));
    expect((await end).code).toBe(1009);
    await stillServes();
  });

  it('closes a connection whose message is JSON but not a call object (1003) and keeps serving', async () => {
    for (const text of ['null', '[]', '7', '"projects.list"']) {
      const ws = await open(host);
      const end = closed(ws);
      ws.send(text);
      expect((await end).code, text).toBe(1003);
    }
    await stillServes();
  });

  it('answers a call whose method is nested 50,000 deep with a contract error, and keeps serving', async () => {
    const ws = await open(host);
    try {
      const deep = '{"a":'.repeat(50_000) + '1' + '}'.repeat(50_000);
      const answer = new Promise<unknown>((resolve) => ws.once('message', (data) => resolve(JSON.parse(String(data)))));
      ws.send(`{"id":5,"method":${deep},"request":{}}`);
      expect(await answer).toMatchObject({ id: 5, result: { ok: false, error: { code: 'invalid_request', message: 'Unknown method (an object, not a method name)' } } });
    } finally {
      ws.terminate();
    }
    await stillServes();
  });

  it('carries the contract’s largest save: 50,000 boxes with 400-character transcriptions', async () => {
    const file = join(dir.path, 'page.png');
    writeFileSync(file, await pagePng(1));
    const project = await core.api['projects.create']({ name: 'Large', labels: [{ name: 'field', color: '#1f77b4' }] });
    await core.importer.run(project.id, [file]);
    const { items } = await core.api['documents.list']({ projectId: project.id });
    const doc = await core.api['documents.get']({ projectId: project.id, documentId: items[0]!.id });
    const text = 'é'.repeat(200) + 'x'.repeat(200);
    const upsertBoxes = Array.from({ length: 50_000 }, (_, i) => ({ id: `b${i}`, pageId: doc.pages[0]!.id, label: 'field', x: i % 1000, y: Math.floor(i / 1000) * 10, w: 8, h: 8, transcription: text, locked: false, hidden: false, originPredictionId: null }));
    const ws = await open(host);
    try {
      const result = await call(ws, 7, 'annotations.save', { projectId: project.id, documentId: doc.id, baseRevision: 0, upsertBoxes });
      expect(result).toMatchObject({ ok: true, value: { version: 1 } });
    } finally {
      ws.terminate();
    }
    const saved = await core.api['annotations.get']({ projectId: project.id, documentId: doc.id });
    expect(saved.boxes).toHaveLength(50_000);
    expect(saved.boxes[49_999]!.transcription).toBe(text);
  }, 120_000);
});
