import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { mediaKey, rpcProtocols, signedMediaUrl } from '../../src/shared/contract/hostAuth';
import type { Core } from '../../src/main/core/createCore';
import { startHost, type RunningHost } from '../../src/main/host/server';
import { openTestCore } from './core';

/** A core in `dir`/data behind the browser host, serving a stand-in renderer (an index page and one asset). */
export async function startTestHost(dir: string): Promise<{ core: Core; host: RunningHost }> {
  const rendererDir = join(dir, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Folio</title>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  const core = await openTestCore(join(dir, 'data'));
  return { core, host: await startHost({ core, rendererDir, port: 0 }) };
}

/** The WebSocket a page of `host` opens: its origin, and the token in the subprotocol list as the renderer offers it. */
export function openRpc(host: Pick<RunningHost, 'port' | 'token'>, opts: WebSocket.ClientOptions = {}): WebSocket {
  return new WebSocket(`ws://127.0.0.1:${host.port}/rpc`, rpcProtocols(host.token), { origin: `http://127.0.0.1:${host.port}`, ...opts });
}

/** A media path of `host` signed as the renderer signs it (valid for one to two hours from now). */
export function signedMedia(host: Pick<RunningHost, 'token'>, mediaPath: string): string {
  return signedMediaUrl(mediaKey(host.token), mediaPath, Date.now());
}
