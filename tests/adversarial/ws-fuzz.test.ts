import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { rpcProtocols } from '../../src/shared/contract/hostAuth';
import { methodNames } from '../../src/shared/contract/names';
import { tempDir } from '../helpers/core';
import { spawnHost, type HostProcess } from '../helpers/hostProcess';

/**
 * Seeded fuzzing of the browser host's WebSocket, against `npm run web`'s host in its own process:
 * malformed frames over raw TCP after a valid upgrade, and malformed calls over an authenticated
 * socket. The host must never die, must end each broken connection itself (with a close frame
 * naming the protocol error) or answer each call with a contract error, must keep serving a
 * separate healthy client throughout, and must print no error. FOLIO_FUZZ_SEED=<n> replays a run.
 */

const FRAME_CASES_PER_KIND = 180;
const RPC_MESSAGES = 3_000;
const PARALLEL = 8;

const seed = Number(process.env.FOLIO_FUZZ_SEED ?? randomBytes(4).readUInt32BE(0));
const replay = `(seed ${seed}; replay with FOLIO_FUZZ_SEED=${seed} npx vitest run tests/adversarial/ws-fuzz.test.ts)`;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(start: number) {
  let s = start >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)]!;
  const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(0, 255)));
  return { next, int, pick, bytes, chance: (p: number) => next() < p };
}
type Rng = ReturnType<typeof prng>;

interface Frame {
  fin?: boolean;
  rsv?: number;
  opcode: number;
  masked?: boolean;
  payload: Buffer;
  /** A payload length to claim instead of the real one. */
  declared?: bigint;
}

function encode(f: Frame, rng: Rng): Buffer {
  const masked = f.masked ?? true;
  const length = f.declared ?? BigInt(f.payload.length);
  const first = ((f.fin ?? true) ? 0x80 : 0) | ((f.rsv ?? 0) << 4) | f.opcode;
  const maskBit = masked ? 0x80 : 0;
  let header: Buffer;
  if (length < 126n) header = Buffer.from([first, maskBit | Number(length)]);
  else if (length < 65536n) {
    header = Buffer.from([first, maskBit | 126, 0, 0]);
    header.writeUInt16BE(Number(length), 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(length, 2);
  }
  if (!masked) return Buffer.concat([header, f.payload]);
  const key = rng.bytes(4);
  const body = Buffer.from(f.payload.map((b, i) => b ^ key[i % 4]!));
  return Buffer.concat([header, key, body]);
}

const text = (s: string) => Buffer.from(s, 'utf8');
const validCall = (id: number) => text(JSON.stringify({ id, method: 'projects.list', request: {} }));

interface FrameCase {
  kind: string;
  bytes: Buffer;
  /** A protocol error the host must notice on its own (it sends a close frame); otherwise the client ends its side after sending. */
  hostCloses: boolean;
}

const INVALID_CLOSE_CODES = [0, 1, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535];

/** One malformed frame (or sequence) of each kind. */
const frameKinds: Record<string, (rng: Rng) => FrameCase> = {
  'reserved opcode': (rng) => ({ kind: 'reserved opcode', bytes: encode({ opcode: rng.pick([3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf]), payload: rng.bytes(rng.int(0, 40)) }, rng), hostCloses: true }),
  'reserved bits set': (rng) => ({ kind: 'reserved bits set', bytes: encode({ opcode: rng.pick([1, 2, 9]), rsv: rng.int(1, 7), payload: validCall(1) }, rng), hostCloses: true }),
  'unmasked client frame': (rng) => ({ kind: 'unmasked client frame', bytes: encode({ opcode: rng.pick([1, 2, 8, 9, 10]), masked: false, payload: rng.pick([validCall(1), rng.bytes(rng.int(0, 100))]).subarray(0, 120) }, rng), hostCloses: true }),
  'fragmented control frame': (rng) => ({ kind: 'fragmented control frame', bytes: encode({ opcode: rng.pick([8, 9, 10]), fin: false, payload: rng.bytes(rng.int(0, 20)) }, rng), hostCloses: true }),
  'control frame over 125 bytes': (rng) => ({ kind: 'control frame over 125 bytes', bytes: encode({ opcode: rng.pick([8, 9, 10]), payload: rng.bytes(rng.int(126, 2000)) }, rng), hostCloses: true }),
  'continuation without a start': (rng) => ({ kind: 'continuation without a start', bytes: encode({ opcode: 0, fin: rng.chance(0.5), payload: validCall(1) }, rng), hostCloses: true }),
  'interleaved data frames': (rng) => {
    const call = validCall(1);
    const cut = rng.int(1, call.length - 1);
    const frames = [encode({ opcode: 1, fin: false, payload: call.subarray(0, cut) }, rng)];
    // A ping may come between fragments; a new data frame may not.
    if (rng.chance(0.5)) frames.push(encode({ opcode: 9, payload: rng.bytes(rng.int(0, 10)) }, rng));
    frames.push(encode({ opcode: rng.pick([1, 2]), fin: rng.chance(0.5), payload: call.subarray(cut) }, rng));
    return { kind: 'interleaved data frames', bytes: Buffer.concat(frames), hostCloses: true };
  },
  'length past the 64 MiB limit or 2^53': (rng) => {
    const declared = rng.chance(0.5) ? BigInt(rng.int(64 * 1024 * 1024 + 1, 2 ** 40)) : (1n << 63n) | BigInt(rng.int(0, 2 ** 30));
    return { kind: 'length past the 64 MiB limit or 2^53', bytes: encode({ opcode: rng.pick([1, 2]), payload: rng.bytes(rng.int(0, 64)), declared }, rng), hostCloses: true };
  },
  'invalid close frame': (rng) => {
    const choice = rng.int(0, 2);
    let payload: Buffer;
    if (choice === 0) payload = rng.bytes(1); // a close body is empty or at least a 2-byte code
    else if (choice === 1) {
      payload = Buffer.alloc(2 + rng.int(0, 20), 0x61);
      payload.writeUInt16BE(rng.pick(INVALID_CLOSE_CODES), 0);
    } else {
      payload = Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.from([0xff, 0xfe]), rng.bytes(rng.int(0, 20))]); // 1000 with a reason that is not UTF-8
    }
    return { kind: 'invalid close frame', bytes: encode({ opcode: 8, payload }, rng), hostCloses: true };
  },
  'text that is not UTF-8': (rng) => ({ kind: 'text that is not UTF-8', bytes: encode({ opcode: 1, payload: Buffer.concat([rng.bytes(rng.int(0, 30)), Buffer.from([rng.pick([0xff, 0xfe, 0xc0, 0xf8])]), rng.bytes(rng.int(0, 30))]) }, rng), hostCloses: true }),
  'length that lies': (rng) => {
    const payload = validCall(1);
    return { kind: 'length that lies', bytes: encode({ opcode: rng.pick([1, 2]), payload, declared: BigInt(payload.length + rng.int(1, 70_000)) }, rng), hostCloses: false };
  },
  'truncated frame': (rng) => {
    const whole = encode({ opcode: rng.pick([1, 2, 9, 8]), payload: rng.chance(0.5) ? validCall(1) : rng.bytes(rng.int(0, 300)).subarray(0, 125) }, rng);
    return { kind: 'truncated frame', bytes: whole.subarray(0, rng.int(1, whole.length - 1)), hostCloses: false };
  },
  'random bytes': (rng) => ({ kind: 'random bytes', bytes: rng.bytes(rng.int(1, 200)), hostCloses: false }),
};

interface FrameOutcome {
  kind: string;
  closedByHost: boolean;
  closeCode: number | null;
  timedOut: boolean;
}

/** A raw TCP connection upgraded with the token, as the page's socket would be. */
function upgrade(port: number, token: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `GET /rpc HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${rpcProtocols(token).join(', ')}\r\n\r\n`,
      );
    });
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      const status = head.subarray(0, head.indexOf('\r\n')).toString();
      if (!status.startsWith('HTTP/1.1 101')) return reject(new Error(`the upgrade was refused: ${status}`));
      if (head.length > end + 4) socket.unshift(head.subarray(end + 4));
      resolve(socket);
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

/** Send one case and see how the connection ends; a close frame from the host is answered by ending ours, as a client should. */
async function runFrameCase(port: number, token: string, c: FrameCase): Promise<FrameOutcome> {
  const socket = await upgrade(port, token);
  return new Promise((resolve) => {
    const outcome: FrameOutcome = { kind: c.kind, closedByHost: false, closeCode: null, timedOut: false };
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      outcome.timedOut = true;
      socket.destroy();
    }, 15_000);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      // The host's frames (unmasked; a pong may come before its close): find a whole close frame.
      for (;;) {
        if (outcome.closedByHost || received.length < 2) return;
        const short = received[1]! & 0x7f;
        const headerLength = short === 126 ? 4 : short === 127 ? 10 : 2;
        if (received.length < headerLength) return;
        const length = short === 126 ? received.readUInt16BE(2) : short === 127 ? Number(received.readBigUInt64BE(2)) : short;
        if (received.length < headerLength + length) return;
        if ((received[0]! & 0x0f) === 8) {
          outcome.closedByHost = true;
          outcome.closeCode = length >= 2 ? received.readUInt16BE(headerLength) : null;
          socket.end();
        }
        received = received.subarray(headerLength + length);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(outcome);
    });
    socket.write(c.bytes, () => {
      if (!c.hostCloses) socket.end();
    });
  });
}

/** Random JSON text, written out by hand so keys like __proto__ and numbers JSON.stringify would not produce can appear. */
function jsonText(rng: Rng, depth = 0): string {
  const kind = depth > 3 ? rng.int(0, 5) : rng.int(0, 8);
  switch (kind) {
    case 0:
      return rng.pick(['null', 'true', 'false']);
    case 1:
      return rng.pick(['0', '-0', '1e308', '-1e308', '1e400', '-1e400', '9007199254740993', '123456789012345678901234567890', '0.0000000000000000001', '5e-324', String(rng.int(-1e9, 1e9))]);
    case 2:
      return JSON.stringify(rng.pick(['', 'x', '__proto__', 'constructor', '\u0000', '\ud800', 'é'.repeat(rng.int(1, 50)), 'a'.repeat(rng.int(1000, 100_000))]));
    case 3:
      return `"${'\\ud83d'.repeat(rng.int(1, 5))}"`;
    case 4: {
      const d = rng.int(100, 50_000);
      return rng.chance(0.5) ? '['.repeat(d) + ']'.repeat(d) : '{"a":'.repeat(d) + '1' + '}'.repeat(d);
    }
    case 5:
      return `{"__proto__":${rng.chance(0.5) ? '{"polluted":true,"toString":1}' : 'null'}}`;
    case 6:
      return `[${Array.from({ length: rng.int(0, 5) }, () => jsonText(rng, depth + 1)).join(',')}]`;
    default: {
      const keys = ['__proto__', 'constructor', 'prototype', 'toString', 'projectId', 'name', 'x', ''];
      return `{${Array.from({ length: rng.int(1, 5) }, () => `${JSON.stringify(rng.pick(keys))}:${jsonText(rng, depth + 1)}`).join(',')}}`;
    }
  }
}

interface RpcCase {
  text: string;
  /** The id the host must answer; null when the message is not a call and the host must close with 1003. */
  id: number | null;
}

function rpcCase(rng: Rng, id: number): RpcCase {
  if (rng.chance(0.08)) {
    const notCalls = ['null', '[]', '"projects.list"', '42', '{}', '{"method":"projects.list","request":{}}', `{"id":"${id}","method":"projects.list"}`, '{"id":null}', 'nope{', '', '{"id":1,', jsonText(rng)];
    const t = rng.pick(notCalls);
    // Random JSON is a call only if it happens to be an object with a numeric id (it never is: the generator's ids are strings).
    return { text: t, id: null };
  }
  const real = rng.chance(0.5);
  const method = real ? JSON.stringify(rng.pick(methodNames)) : rng.chance(0.5) ? JSON.stringify(rng.pick(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '', 'projects', 'projects.list ', 'PROJECTS.LIST', 'x'.repeat(rng.int(1, 20_000))])) : jsonText(rng);
  // A real method gets a request it must refuse: an object with a key no schema has, or not an object at all.
  const request = real ? rng.pick([`{"__proto__":{"name":"x"},"zz${rng.int(0, 99)}":1}`, `{"zz":${jsonText(rng)}}`, '[]', '"x"', '1e400', '-0', `[${jsonText(rng)}]`]) : jsonText(rng);
  // Ids of every numeric form the host must echo back exactly: negative and fractional too.
  const wireId = rng.pick([id, -id, id + 0.5]);
  return { text: `{"id":${wireId},"method":${method},"request":${request}}`, id: wireId };
}

describe(`the host under fuzzed WebSocket frames and calls ${replay}`, () => {
  let dir: ReturnType<typeof tempDir>;
  let host: HostProcess;
  let healthy: WebSocket;
  let healthyStop: () => Promise<{ ok: number; failures: string[] }>;

  const openSocket = () =>
    new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${host.port}/rpc`, rpcProtocols(host.token), { origin: `http://127.0.0.1:${host.port}`, maxPayload: 256 * 1024 * 1024 });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });

  beforeAll(async () => {
    dir = tempDir('folio-fuzz-');
    host = await spawnHost(dir.path);
    // A separate client that keeps calling throughout: every call must be answered.
    healthy = await openSocket();
    let stopped = false;
    const failures: string[] = [];
    let ok = 0;
    healthy.on('close', (code) => {
      if (!stopped) failures.push(`the healthy client's socket closed (${code})`);
      stopped = true;
    });
    const loop = (async () => {
      for (let id = 1; !stopped; id++) {
        const answer = await new Promise<string>((resolve) => {
          const timer = setTimeout(() => resolve('no answer within 10 s'), 10_000);
          const onMessage = (data: WebSocket.RawData) => {
            const m = JSON.parse(String(data)) as { id?: number; result?: { ok: boolean } };
            if (m.id !== id) return;
            healthy.off('message', onMessage);
            clearTimeout(timer);
            resolve(m.result?.ok ? 'ok' : `refused: ${JSON.stringify(m.result)}`);
          };
          healthy.on('message', onMessage);
          healthy.send(JSON.stringify({ id, method: 'projects.list', request: {} }));
        });
        if (answer === 'ok') ok++;
        else failures.push(answer);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    healthyStop = async () => {
      stopped = true;
      await loop;
      return { ok, failures };
    };
  }, 90_000);

  afterAll(async () => {
    healthy?.terminate();
    await host?.stop();
    dir?.cleanup();
  });

  it(`ends each of ${Object.keys(frameKinds).length} × ${FRAME_CASES_PER_KIND} malformed frames' connections, and only those`, async () => {
    const rng = prng(seed);
    const cases = Object.values(frameKinds).flatMap((make) => Array.from({ length: FRAME_CASES_PER_KIND }, () => make(rng)));
    const outcomes: FrameOutcome[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < cases.length) {
          const i = next++;
          outcomes[i] = await runFrameCase(host.port, host.token, cases[i]!);
        }
      }),
    );
    expect(outcomes.filter(Boolean), replay).toHaveLength(cases.length);
    expect(outcomes.filter((o) => o.timedOut), replay).toEqual([]);
    // Each protocol error is named in a close frame: 1002 protocol error, 1007 invalid data, 1009 too big.
    const unnoticed = outcomes.filter((o, i) => cases[i]!.hostCloses && !(o.closedByHost && [1002, 1007, 1009].includes(o.closeCode ?? 0)));
    expect(unnoticed.slice(0, 5), `${unnoticed.length} protocol errors not closed with 1002/1007/1009 ${replay}`).toEqual([]);
    expect(host.alive(), replay).toBe(true);
  }, 300_000);

  it(`answers ${RPC_MESSAGES} malformed calls with a contract error, or closes that socket for a message that is not a call`, async () => {
    const rng = prng(seed ^ 0x5eed);
    let ws = await openSocket();
    const problems: string[] = [];
    let answered = 0;
    let closed1003 = 0;
    for (let i = 0; i < RPC_MESSAGES; i++) {
      const c = rpcCase(rng, i + 1);
      const outcome = await new Promise<string>((resolve) => {
        const timer = setTimeout(() => resolve('no answer and no close within 10 s'), 10_000);
        const done = (result: string) => {
          clearTimeout(timer);
          ws.off('message', onMessage);
          ws.off('close', onClose);
          resolve(result);
        };
        const onMessage = (data: WebSocket.RawData) => {
          const m = JSON.parse(String(data)) as { id?: number; result?: { ok: boolean; error?: { code?: unknown; message?: unknown } } };
          if (!('id' in m)) return; // an event
          if (c.id === null || m.id !== c.id) return done(`answered id ${m.id} to ${c.text.slice(0, 80)}`);
          const error = m.result?.error;
          if (m.result?.ok !== false || error?.code !== 'invalid_request' || typeof error.message !== 'string' || error.message === '') {
            return done(`not a contract error for ${c.text.slice(0, 120)}: ${JSON.stringify(m.result).slice(0, 200)}`);
          }
          done('answered');
        };
        const onClose = (code: number) => done(c.id === null && code === 1003 ? 'closed' : `socket closed (${code}) on ${c.text.slice(0, 120)}`);
        ws.on('message', onMessage);
        ws.on('close', onClose);
        ws.send(c.text);
      });
      if (outcome === 'answered') answered++;
      else if (outcome === 'closed') closed1003++;
      else problems.push(outcome);
      if (outcome !== 'answered' && outcome !== 'closed') {
        // Give a dying host a moment to exit, so the message that killed it is named.
        await new Promise((r) => setTimeout(r, 300));
        if (!host.alive()) throw new Error(`the host died on message ${i + 1}: ${c.text.slice(0, 300)}\nIts output:\n${host.output().slice(-3000)}\n${replay}`);
      }
      if (ws.readyState !== WebSocket.OPEN) {
        ws.terminate();
        ws = await openSocket();
      }
    }
    ws.terminate();
    expect(problems.slice(0, 5), `${problems.length} problems ${replay}`).toEqual([]);
    expect(answered + closed1003).toBe(RPC_MESSAGES);
    expect(host.alive(), replay).toBe(true);
  }, 600_000);

  it('kept serving the healthy client throughout, and printed no error', async () => {
    const { ok, failures } = await healthyStop();
    expect(failures, replay).toEqual([]);
    expect(ok).toBeGreaterThan(10);
    expect(host.alive()).toBe(true);
    expect(host.output(), replay).not.toMatch(/error|unhandled|exception|warning/i);
  });
});
